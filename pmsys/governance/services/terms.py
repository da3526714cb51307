"""Changing a community's management arrangement by a new term (DESIGN.md §5).

CONTRACT (written first; the bodies follow it exactly). Conventions as in
`services.votes`.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from pmsys.governance.models import ManagementTerm
from pmsys.places.models import Community

# The matters whose passed vote may be the basis of a term in each mode.
BASIS_MATTERS: dict[str, frozenset[str]] = {
    "professional": frozenset({"hire_manager"}),
    "self": frozenset({"hire_manager", "management_rules"}),
    "community": frozenset({"hire_manager"}),
}


def terms_of(session: Session, community: Community) -> list[ManagementTerm]:
    """Every term of the community, newest start first."""
    raise NotImplementedError


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
    raise NotImplementedError
