"""Owners' committees over their life (docs/domain.md#committees): prepare, candidates, vetting,
activation after the election vote, the interim committee, expiry and warnings.

CONTRACT (written first; the bodies follow it exactly). Same conventions as
`services.votes`: permission checked on the object, audit on every change,
no commit, `pmsys.errors` exceptions with the codes named, refusal changes
nothing. Rules come from `governance.committees` with the city setting
`committee_rules` (nearest region of the community's street wins; defaults
in `places.services.DEFAULT_SETTINGS`).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session, selectinload

from pmsys import audit, clock
from pmsys.auth import permissions
from pmsys.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from pmsys.governance import access
from pmsys.governance import committees as rules_mod
from pmsys.governance.services.committee_people import (
    committee_org,
    members_from,
    person_by_code,
    switch_logins,
)
from pmsys.models.auth import Role, User
from pmsys.models.governance import (
    CandidateStatus,
    Committee,
    CommitteeCandidate,
    CommitteeKind,
    CommitteeMember,
    CommitteeStatus,
    MemberRole,
    Vote,
    VoteStatus,
)
from pmsys.models.places import Building, Community, Household, Person, Unit
from pmsys.settings import get_setting

NOTE_MAX = 1000
REASON_MAX = 300
ACTIVE, PREPARING = CommitteeStatus.active, CommitteeStatus.preparing
EXPIRED = CommitteeStatus.expired


def rules_for(session: Session, community: Community) -> dict[str, int]:
    """The committee rules that apply to this community (setting `committee_rules`)."""

    return rules_mod.rules_from(get_setting(session, "committee_rules", community.street))


def status_of(session: Session, community: Community) -> str:
    """"none", "preparing" (a preparing committee exists, whatever else), "active" or "expired"

    (expired: the latest committee is expired and none is preparing or active).
    """
    statuses = set(session.scalars(
        select(Committee.status).where(Committee.community_id == community.id).distinct()))
    return next((s.value for s in (PREPARING, ACTIVE, EXPIRED) if s in statuses), "none")


def current(session: Session, community: Community) -> dict[str, Committee | None]:
    """{"active": the committee in office or None, "preparing": the one being prepared or None}."""
    found: dict[str, Committee | None] = {"active": None, "preparing": None}
    for committee in session.scalars(select(Committee).where(
        Committee.community_id == community.id, Committee.status.in_((ACTIVE, PREPARING))
    )):
        found[committee.status.value] = committee
    return found


def history(session: Session, community: Community) -> list[Committee]:
    """Every committee of the community, newest first."""
    return list(session.scalars(
        select(Committee).where(Committee.community_id == community.id)
        .options(selectinload(Committee.members), selectinload(Committee.organization))
        .order_by(Committee.id.desc())))


def _households(community: Community):
    return (select(Household.owner_id).join(Unit, Unit.id == Household.unit_id)
            .join(Building, Building.id == Unit.building_id)
            .where(Building.community_id == community.id))


def owners_of(session: Session, community: Community):
    """A select of the Person rows owning at least one household of the community

    (not developers).
    """
    return select(Person).where(Person.id.in_(_households(community)),
                                Person.is_developer.is_(false()))


def _oversee(session: Session, actor, community: Community) -> None:
    if not access.oversees(session, actor, community):
        raise Forbidden("only the street office guides the owners' committee")


def _text(value: object, field: str = "note", limit: int = NOTE_MAX) -> str:
    if value is not None and not isinstance(value, str) or len((value or "").strip()) > limit:
        raise InvalidInput(f"{field} must be text of at most {limit} characters",
                           fields={field: f"text, at most {limit} characters"})
    return (value or "").strip()


def _preparing(session: Session, community: Community) -> Committee:
    committee = current(session, community)["preparing"]
    if committee is None:
        raise RuleRefused(f"{community.code} has no committee in preparation",
                          code="no_committee_in_preparation")
    return committee


def _refuse_during_election(session: Session, committee: Committee) -> None:
    """Refuse changing the slate while its election vote runs, or once it has been elected."""
    if session.scalar(select(Vote.id).where(
        Vote.committee_id == committee.id,
        or_(Vote.status != VoteStatus.closed, Vote.passed.is_(True))).limit(1)) is not None:
        raise Conflict("the election of this committee is under way or done",
                       code="election_under_way")


def prepare(session: Session, actor, community: Community, *, seats: int,
            note: str = "") -> Committee:
    """Start preparing an owners' committee (none/expired/active → preparing).

    Who: `access.oversees` else Forbidden. A preparing one exists → Conflict
    "committee_in_preparation". seats must fit the size rules for the
    community's household count → InvalidInput(fields={"seats"}, message
    with the bounds). Audit "committee_prepared".
    """
    _oversee(session, actor, community)
    note = _text(note)
    if current(session, community)["preparing"] is not None:
        raise Conflict(f"{community.code} already has a committee in preparation",
                       code="committee_in_preparation")
    rules = rules_for(session, community)
    households = session.scalar(
        select(func.count()).select_from(_households(community).subquery())) or 0
    low, high = rules_mod.size_bounds(households, rules)
    if isinstance(seats, bool) or not isinstance(seats, int) or rules_mod.size_problem(
            seats, households, rules):
        raise InvalidInput(f"seats must be an odd number from {low} to {high}",
                           fields={"seats": f"odd, {low}..{high}"})
    committee = Committee(community_id=community.id, kind=CommitteeKind.owners, status=PREPARING,
                          seats=seats, note=note, started_by_id=actor.id)
    session.add(committee)
    session.flush()
    audit.record(session, actor, "committee_prepared", "committee", committee.id,
                 community=community.code, seats=seats)
    return committee


def propose(session: Session, actor, community: Community, person_code: str) -> CommitteeCandidate:
    """Propose an owner as candidate of the preparing committee.

    Who: `access.oversees`, or a resident proposing themself (their own
    person only; another person → Forbidden). No preparing committee →
    RuleRefused "no_committee_in_preparation"; unknown person or not an owner
    in this community (developers excluded) → RuleRefused "not_an_owner"
    (fields={"person"}); already proposed → Conflict "already_proposed"; an
    election vote not closed for this committee → Conflict
    "election_under_way". Status proposed. Audit "candidate_proposed".
    """
    person = person_by_code(session, person_code)
    if not access.oversees(session, actor, community) and not (
            permissions.is_active_user(actor) and actor.role is Role.resident
            and person is not None and person.id == actor.person_id):
        raise Forbidden("a resident may propose only themself")
    committee = _preparing(session, community)
    owners = owners_of(session, community).with_only_columns(Person.id)
    if person is None or session.scalar(owners.where(Person.id == person.id)) is None:
        raise RuleRefused(f"{person_code} is not an owner in {community.code}",
                          code="not_an_owner", fields={"person": "not an owner"})
    if any(c.person_id == person.id for c in committee.candidates):
        raise Conflict(f"{person.code} is already proposed", code="already_proposed")
    _refuse_during_election(session, committee)
    candidate = CommitteeCandidate(person=person, status=CandidateStatus.proposed,
                                   proposed_by_id=actor.id)
    committee.candidates.append(candidate)
    session.flush()
    audit.record(session, actor, "candidate_proposed", "committee", committee.id,
                 community=community.code, person=person.code)
    return candidate


def vet(session: Session, actor, community: Community, person_code: str, *, decision: str,
        note: str) -> CommitteeCandidate:
    """Approve or reject a candidate (联审), with a note.

    Who: `access.oversees` else Forbidden. decision not approve/reject →
    InvalidInput(fields={"decision"}); a rejection needs a note (blank →
    InvalidInput(fields={"note"})); note ≤ 1000 chars. Unknown candidate →
    NotFound "candidate_not_found". An election vote not closed for this
    committee → Conflict "election_under_way". A decided candidate may be
    decided again (before the election). Audit "candidate_vetted".
    """
    _oversee(session, actor, community)
    if decision not in ("approve", "reject"):
        raise InvalidInput("decision must be approve or reject",
                           fields={"decision": "approve or reject"})
    note = _text(note)
    if decision == "reject" and not note:
        raise InvalidInput("a rejection needs a note", fields={"note": "required"})
    committee = current(session, community)["preparing"]
    person = person_by_code(session, person_code)
    candidate = next((c for c in committee.candidates if person and c.person_id == person.id),
                     None) if committee is not None else None
    if candidate is None:
        raise NotFound(f"no candidate {person_code}", code="candidate_not_found")
    _refuse_during_election(session, committee)
    candidate.status = CandidateStatus.approved if decision == "approve" else \
        CandidateStatus.rejected
    candidate.note, candidate.vetted_by_id, candidate.vetted_at = note, actor.id, clock.now()
    session.flush()
    audit.record(session, actor, "candidate_vetted", "committee", committee.id,
                 community=community.code, person=person.code, decision=decision)
    return candidate


def end_committee(session: Session, actor, committee: Committee, on: date, reason: str,
                  keep: frozenset[int] = frozenset()) -> None:
    """Set a committee expired on `on`; its members' logins (but `keep`) return to resident."""
    if committee.status is ACTIVE:
        switch_logins(session, actor, {m.person_id for m in committee.members} - keep,
                       committee.organization_id, grant=False)
    committee.status, committee.ended_on, committee.end_reason = EXPIRED, on, reason
    committee.ended_by_id = actor.id if isinstance(actor, User) else None
    session.flush()
    audit.record(session, actor, "committee_expired", "committee", committee.id,
                 community=committee.community.code, on=on.isoformat(), reason=reason)


def _install(session: Session, actor, committee: Committee, members: dict[int, MemberRole],
             predecessor: Committee | None) -> None:
    """Make `committee` the one in office with its members, ending its predecessor."""
    if predecessor is not None:
        # The organisation is the community's one: members who stay keep their logins.
        same = predecessor.organization_id == committee.organization.id
        end_committee(session, actor, predecessor, committee.term_start - timedelta(days=1),
             "succeeded", keep=frozenset(members) if same else frozenset())
    committee.status, committee.activated_by_id = ACTIVE, actor.id
    committee.activated_at = clock.now()
    committee.members.extend(CommitteeMember(person_id=pid, role=role)
                             for pid, role in members.items())
    session.flush()
    switch_logins(session, actor, set(members), committee.organization_id, grant=True)


def activate(session: Session, actor, community: Community, *, roles: dict[str, str],
             term_start: date, term_end: date | None = None) -> Committee:
    """Install the elected committee: preparing → active.

    Who: `access.oversees` else Forbidden. Needs the committee's election
    vote closed and passed → RuleRefused "not_elected". `roles` maps every
    approved candidate's person code to director / deputy / member — exactly
    the approved candidates (else InvalidInput fields={"members"}), exactly
    one director (InvalidInput fields={"members"}). term_start not before
    the vote's closing day (Asia/Shanghai) → InvalidInput(fields={"term_start"});
    term_end defaults to the longest allowed (`committees.latest_term_end`),
    a longer one → InvalidInput(fields={"term_end"}).
    The committee acts through the community's one organisation of kind
    owners_committee (docs/domain.md#committees: one per community; `committee_org`), reused
    by every committee of the community and named "<community name>业主委员会";
    creates the members; the previous committee in office (owners or interim)
    expires the day before term_start (end_reason "succeeded"). Members'
    resident logins become committee_member logins of the new organisation
    (audit "role_granted"); the previous committee's member logins return
    to resident (audit "role_revoked"). Audit "committee_activated".
    """
    _oversee(session, actor, community)
    committee = _preparing(session, community)
    vote = session.scalar(select(Vote).where(
        Vote.committee_id == committee.id, Vote.matter == "elect_committee"
    ).order_by(Vote.id.desc()).limit(1))
    if vote is None or vote.status is not VoteStatus.closed or not vote.passed:
        raise RuleRefused("the committee has not been elected by a passed vote",
                          code="not_elected")
    approved = {c.person.code: c.person_id for c in committee.candidates
                if c.status is CandidateStatus.approved}
    members = members_from(session, roles.items() if isinstance(roles, dict) else [None], approved)
    closed_day = (vote.closed_at or vote.closes_at).astimezone(clock.LOCAL_TZ).date()
    if not isinstance(term_start, date) or term_start < closed_day:
        raise InvalidInput("the term starts on or after the day the election closed",
                           fields={"term_start": f"on or after {closed_day.isoformat()}"})
    rules = rules_for(session, community)
    latest = rules_mod.latest_term_end(term_start, rules)
    term_end = term_end or latest
    if not isinstance(term_end, date) or rules_mod.term_problem(term_start, term_end, rules):
        raise InvalidInput(f"the term ends from {term_start} to {latest}",
                           fields={"term_end": f"{term_start.isoformat()}..{latest.isoformat()}"})
    predecessor = access.active_committee(session, community)
    committee.organization = committee_org(session, community, f"{community.name}业主委员会")
    committee.term_start, committee.term_end = term_start, term_end
    _install(session, actor, committee, members, predecessor)
    audit.record(session, actor, "committee_activated", "committee", committee.id,
                 community=community.code, vote=vote.id, term_start=term_start.isoformat(),
                 term_end=term_end.isoformat(),
                 members={code: members[pid].value for code, pid in approved.items()})
    return committee


def appoint_interim(session: Session, actor, community: Community, *,
                    members: list[tuple[str, str]], start: date, end: date | None,
                    note: str) -> Committee:
    """Appoint an interim management committee (物业管理委员会) where none can be formed.

    Who: `access.oversees` else Forbidden. A committee in office → Conflict
    "committee_in_office". note (why no committee could be formed) required.
    members: (person code, role) pairs — any known person (street and
    community office staff sit on it too); unknown → InvalidInput(fields={"members"});
    exactly one director; end None = until an owners' committee is elected.
    Uses `committee_org`, renamed "<community name>物业管理委员会" while the
    interim committee serves. Member logins as in `activate`. Audit "interim_appointed".
    """
    _oversee(session, actor, community)
    if access.active_committee(session, community) is not None:
        raise Conflict(f"{community.code} has a committee in office", code="committee_in_office")
    note = _text(note)
    if not note:
        raise InvalidInput("say why no owners' committee could be formed",
                           fields={"note": "required"})
    chosen = members_from(session, members or (), None)
    if not isinstance(start, date):
        raise InvalidInput("start must be a date", fields={"start": "a date"})
    if end is not None and (not isinstance(end, date) or end < start):
        raise InvalidInput("the end is before the start", fields={"end": "on or after start"})
    committee = Committee(community_id=community.id, kind=CommitteeKind.interim, status=ACTIVE,
                          seats=len(chosen), note=note, term_start=start, term_end=end,
                          started_by_id=actor.id)
    committee.organization = committee_org(session, community, f"{community.name}物业管理委员会")
    session.add(committee)
    _install(session, actor, committee, chosen, None)
    audit.record(session, actor, "interim_appointed", "committee", committee.id,
                 community=community.code, start=start.isoformat(),
                 end=end.isoformat() if end else None, members=dict(members))
    return committee


def expire(session: Session, actor, committee: Committee, *, on: date, reason: str) -> Committee:
    """End a committee in office on `on` (active → expired), or abandon a preparation.

    Who: `access.oversees`, or "scheduler" (term over). Not active/preparing
    → Conflict "committee_not_in_office". Member logins return to resident.
    Audit "committee_expired".
    """
    if actor != "scheduler" and not access.oversees(session, actor, committee.community):
        raise Forbidden("only the street office ends a committee")
    if committee.status is EXPIRED:
        raise Conflict("the committee is not in office", code="committee_not_in_office")
    reason = _text(reason, "reason", REASON_MAX)
    if not isinstance(on, date) or (committee.term_start and on < committee.term_start):
        raise InvalidInput("the end is before the term started", fields={"on": "a date"})
    end_committee(session, actor, committee, on, reason)
    return committee
