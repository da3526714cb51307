"""Changing a community's management arrangement by a new term (docs/domain.md#management).

CONTRACT (written first; the bodies follow it exactly). Conventions as in
`services.votes`.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from pmsys import audit, clock
from pmsys.db import valid_id
from pmsys.errors import Conflict, Forbidden, InvalidInput, RuleRefused
from pmsys.governance import access
from pmsys.governance import terms as term_rules
from pmsys.models.auth import Organization, Role
from pmsys.models.governance import (
    Committee,
    CommitteeKind,
    CommitteeStatus,
    ManagementMode,
    ManagementTerm,
    Vote,
    VoteStatus,
)
from pmsys.models.places import Community

BASIS_MAX = 300

# The matters whose passed vote may be the basis of a term in each mode.
BASIS_MATTERS: dict[str, frozenset[str]] = {
    "professional": frozenset({"hire_manager"}),
    "self": frozenset({"hire_manager", "management_rules"}),
    "community": frozenset({"hire_manager"}),
}


def terms_of(session: Session, community: Community) -> list[ManagementTerm]:
    """Every term of the community, newest start first."""
    return list(session.scalars(
        select(ManagementTerm).where(ManagementTerm.community_id == community.id)
        .options(selectinload(ManagementTerm.organization))
        .order_by(ManagementTerm.start.desc())
    ))


def start_term(session: Session, actor, community: Community, *, mode: str, org_code: str,
               start: date, basis_vote_id: int | None = None, end: date | None = None,
               basis: str = "") -> ManagementTerm:
    """Record a new term from `start`, ending the one in force.

    Who: `access.may_decide_terms` else Forbidden. Input: mode unknown →
    InvalidInput(fields={"mode"}); original_unit → RuleRefused "legacy_mode"
    (only imports carry it); unknown org → InvalidInput(fields={"org"}); an
    org whose kind does not fit the mode (terms.org_kind_fits) → RuleRefused
    "org_does_not_fit"; for self the org must be bound to this community
    (its committee or self-management group) → RuleRefused "org_does_not_fit";
    end < start → InvalidInput(fields={"end"}).
    Basis: professional and self need `basis_vote_id` → RuleRefused
    "basis_vote_required"; community needs it unless no owners' committee
    (kind owners) is in office — then only `access.oversees` or the bureau may
    impose it (a committee login → RuleRefused "basis_vote_required"). The
    vote must be of this community (else InvalidInput fields={"basis_vote"}),
    closed and passed (RuleRefused "basis_vote_not_passed"), of a matter in
    BASIS_MATTERS[mode] (RuleRefused "basis_vote_wrong_matter"), not already
    the basis of another term (Conflict "basis_vote_used"), and start not
    before its closing day in Asia/Shanghai (InvalidInput fields={"start"}).
    Overlap: the community row is locked; a term starting on or after
    `start` → Conflict "term_overlap"; the term in force on or after start
    (started before) gets end = start - 1 day, ended_by, ended_at. Audit
    "term_started" (mode, org, start, basis vote) and "term_ended".
    """
    if not access.may_decide_terms(session, actor, community):
        raise Forbidden("only the street office, the bureau or the committee decides terms")
    if not isinstance(mode, str) or mode not in ManagementMode.__members__:
        raise InvalidInput(f"unknown management mode {mode!r}",
                           fields={"mode": ", ".join(BASIS_MATTERS)})
    if mode == ManagementMode.original_unit:
        raise RuleRefused("the original-unit mode comes only from imports", code="legacy_mode")
    org = session.scalar(select(Organization).where(Organization.code == org_code)) \
        if isinstance(org_code, str) else None
    if org is None:
        raise InvalidInput(f"unknown organisation {org_code!r}", fields={"org": "unknown"})
    if not term_rules.org_kind_fits(mode, org.kind) or (
            mode == "self" and org.community_id != community.id):
        raise RuleRefused(f"{org.code} may not manage {community.code} in {mode} mode",
                          code="org_does_not_fit", fields={"org": "does not fit the mode"})
    if not isinstance(start, date):
        raise InvalidInput("start must be a date", fields={"start": "a date"})
    if end is not None and (not isinstance(end, date) or end < start):
        raise InvalidInput("the end is before the start", fields={"end": "on or after start"})
    if not isinstance(basis, str) or len(basis.strip()) > BASIS_MAX:
        raise InvalidInput(f"basis is text of at most {BASIS_MAX} characters",
                           fields={"basis": f"at most {BASIS_MAX} characters"})
    # Terms of one community are decided one at a time (overlap and basis checks below).
    session.execute(select(Community).where(Community.id == community.id).with_for_update())
    vote = _basis_vote(session, actor, community, mode, basis_vote_id, start)
    later = session.scalar(select(ManagementTerm).where(
        ManagementTerm.community_id == community.id, ManagementTerm.start >= start).limit(1))
    if later is not None:
        raise Conflict(f"a term of {community.code} starts on {later.start.isoformat()}",
                       code="term_overlap", fields={"start": "overlaps a later term"})
    now = clock.now()
    for old in session.scalars(select(ManagementTerm).where(
        ManagementTerm.community_id == community.id, ManagementTerm.start < start,
        or_(ManagementTerm.end.is_(None), ManagementTerm.end >= start),
    ).order_by(ManagementTerm.start)):
        old.end, old.ended_by_id, old.ended_at = start - timedelta(days=1), actor.id, now
        audit.record(session, actor, "term_ended", "community", community.code,
                     term=old.id, end=old.end.isoformat(), by_start=start.isoformat())
    session.flush()
    term = ManagementTerm(community_id=community.id, mode=ManagementMode(mode),
                          organization_id=org.id, start=start, end=end,
                          basis=basis.strip() or (vote.title[:BASIS_MAX] if vote else ""),
                          decided_by_id=actor.id, basis_vote_id=vote.id if vote else None)
    session.add(term)
    session.flush()
    audit.record(session, actor, "term_started", "community", community.code, term=term.id,
                 mode=mode, org=org.code, start=start.isoformat(),
                 end=end.isoformat() if end else None, basis_vote=vote.id if vote else None)
    return term


def _basis_vote(session: Session, actor, community: Community, mode: str, vote_id,
                start: date) -> Vote | None:
    """The vote a term in `mode` rests on, checked; None where the mode may be imposed."""
    if vote_id is None:
        owners_in_office = session.scalar(select(Committee.id).where(
            Committee.community_id == community.id, Committee.status == CommitteeStatus.active,
            Committee.kind == CommitteeKind.owners))
        imposes = access.oversees(session, actor, community) or actor.role is Role.bureau_admin
        if mode == "community" and owners_in_office is None and imposes:
            return None
        raise RuleRefused(f"a {mode} term needs a passed assembly vote",
                          code="basis_vote_required", fields={"basis_vote": "required"})
    key = valid_id(vote_id)
    vote = session.get(Vote, key) if key is not None else None
    if vote is None or vote.community_id != community.id:
        raise InvalidInput(f"no vote {vote_id} in {community.code}",
                           fields={"basis_vote": "unknown"})
    if vote.status is not VoteStatus.closed or not vote.passed:
        raise RuleRefused(f"vote {vote.id} has not passed", code="basis_vote_not_passed",
                          fields={"basis_vote": "not passed"})
    if vote.matter not in BASIS_MATTERS[mode]:
        raise RuleRefused(f"a {vote.matter} vote is no basis for a {mode} term",
                          code="basis_vote_wrong_matter", fields={"basis_vote": "wrong matter"})
    used = session.scalar(select(ManagementTerm.id).where(ManagementTerm.basis_vote_id == vote.id))
    if used is not None:
        raise Conflict(f"vote {vote.id} is already the basis of a term", code="basis_vote_used",
                       fields={"basis_vote": "already used"})
    closed_day = (vote.closed_at or vote.closes_at).astimezone(clock.LOCAL_TZ).date()
    if start < closed_day:
        raise InvalidInput("the term starts on or after the day the vote closed",
                           fields={"start": f"on or after {closed_day.isoformat()}"})
    return vote
