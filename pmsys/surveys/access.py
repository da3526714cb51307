"""Who may define, see, answer and read the results of surveys (docs/domain.md#surveys).

Built on `auth.permissions`: a survey is seen by whoever sees one of the communities it asks.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.orm import Session

from pmsys.auth import permissions
from pmsys.models.auth import Role
from pmsys.models.places import Community
from pmsys.models.surveys import Survey, SurveyCommunity

# The street office (or community office) and the housing bureau define surveys and record
# paper forms and follow-up calls (回访) for named households.
DEFINERS = frozenset({Role.street_officer, Role.bureau_admin, Role.sysadmin})
# Roles that read the results of the surveys they see (residents answer; operators neither).
RESULT_READERS = frozenset(
    {Role.street_officer, Role.bureau_admin, Role.sysadmin, Role.manager, Role.committee_member}
)
# Roles that see surveys at all: everyone who sees the communities, save operators.
READERS = RESULT_READERS | {Role.resident}


def survey_clause(actor) -> ColumnElement[bool]:
    """The filter on Survey: the surveys asking a community `actor` sees."""
    if not permissions.is_active_user(actor) or actor.role not in READERS:
        return false()
    seen = select(Community.id).where(permissions.community_clause(actor))
    asking = select(SurveyCommunity.survey_id).where(SurveyCommunity.community_id.in_(seen))
    return Survey.id.in_(asking)


def may_define(actor) -> bool:
    """Whether `actor`'s role defines surveys (for the communities it sees)."""
    return permissions.is_active_user(actor) and actor.role in DEFINERS


def may_record(actor) -> bool:
    """Whether `actor`'s role records paper and phone answers for named households."""
    return permissions.is_active_user(actor) and actor.role in DEFINERS


def may_read_results(actor) -> bool:
    """Whether `actor`'s role reads the results of the surveys it sees."""
    return permissions.is_active_user(actor) and actor.role in RESULT_READERS


def can_see(session: Session, actor, survey: Survey) -> bool:
    """Whether `actor` sees this survey."""
    return session.scalar(select(Survey.id).where(Survey.id == survey.id,
                                                  survey_clause(actor))) is not None
