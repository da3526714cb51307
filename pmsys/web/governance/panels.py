"""What the home pages show of governance: votes to take part in, committee terms ending."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pmsys import clock
from pmsys.governance import access
from pmsys.governance.services import committee_terms
from pmsys.models.auth import Role
from pmsys.models.governance import Vote, VoteStatus

# Who is shown the community's votes that are open or coming on the home page.
VOTE_WATCHERS = frozenset({Role.resident, Role.committee_member, Role.street_officer})
# Who is warned of committee terms ending within the city's warning window
# (docs/domain.md#committees).
TERM_WATCHERS = frozenset(
    {Role.committee_member, Role.street_officer, Role.bureau_admin, Role.sysadmin}
)
SHOWN = 10


def governance_panels(session: Session, user) -> dict:
    """The open and coming votes the user may see, and the committee terms ending soon."""
    panels: dict = {"open_votes": None, "terms_ending": None}
    if user.role in VOTE_WATCHERS:
        panels["open_votes"] = session.scalars(
            select(Vote).options(selectinload(Vote.community))
            .where(Vote.status != VoteStatus.closed, access.vote_clause(user))
            .order_by(Vote.closes_at, Vote.id).limit(SHOWN)
        ).all()
    if user.role in TERM_WATCHERS:
        panels["terms_ending"] = committee_terms.ending_soon(session, user, clock.today())
    return panels
