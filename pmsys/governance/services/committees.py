"""Owners' committees over their life (DESIGN.md §6): prepare, candidates, vetting,
activation after the election vote, the interim committee, expiry and warnings.

CONTRACT (written first; the bodies follow it exactly). Same conventions as
`services.votes`: permission checked on the object, audit on every change,
no commit, `pmsys.errors` exceptions with the codes named, refusal changes
nothing. Rules come from `governance.committees` with the city setting
`committee_rules` (nearest region of the community's street wins; defaults
in `places.services.DEFAULT_SETTINGS`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from pmsys.governance.models import Committee, CommitteeCandidate
from pmsys.places.models import Community, Person


def rules_for(session: Session, community: Community) -> dict[str, int]:
    """The committee rules that apply to this community (setting `committee_rules`)."""
    raise NotImplementedError


def status_of(session: Session, community: Community) -> str:
    """"none", "preparing" (a preparing committee exists, whatever else), "active" or "expired"

    (expired: the latest committee is expired and none is preparing or active).
    """
    raise NotImplementedError


def current(session: Session, community: Community) -> dict[str, Committee | None]:
    """{"active": the committee in office or None, "preparing": the one being prepared or None}."""
    raise NotImplementedError


def history(session: Session, community: Community) -> list[Committee]:
    """Every committee of the community, newest first."""
    raise NotImplementedError


def owners_of(session: Session, community: Community):
    """A select of the Person rows owning at least one household of the community (not developers)."""
    raise NotImplementedError


def prepare(session: Session, actor, community: Community, *, seats: int,
            note: str = "") -> Committee:
    """Start preparing an owners' committee (none/expired/active → preparing).

    Who: `access.oversees` else Forbidden. A preparing one exists → Conflict
    "committee_in_preparation". seats must fit the size rules for the
    community's household count → InvalidInput(fields={"seats"}, message
    with the bounds). Audit "committee_prepared".
    """
    raise NotImplementedError


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
    raise NotImplementedError


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
    raise NotImplementedError


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
    owners_committee (DESIGN §6: one per community; `committee_org`), reused
    by every committee of the community and named "<community name>业主委员会";
    creates the members; the previous committee in office (owners or interim)
    expires the day before term_start (end_reason "succeeded"). Members'
    resident logins become committee_member logins of the new organisation
    (audit "role_granted"); the previous committee's member logins return
    to resident (audit "role_revoked"). Audit "committee_activated".
    """
    raise NotImplementedError


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
    raise NotImplementedError


def expire(session: Session, actor, committee: Committee, *, on: date, reason: str) -> Committee:
    """End a committee in office on `on` (active → expired), or abandon a preparation.

    Who: `access.oversees`, or "scheduler" (term over). Not active/preparing
    → Conflict "committee_not_in_office". Member logins return to resident.
    Audit "committee_expired".
    """
    raise NotImplementedError


def expire_due(session: Session, today: date) -> dict:
    """For the job: expire committees whose term ended; warn once those ending within warn_days.

    The warning is a notification (kind "committee_term_ending", data:
    community code and name, term_end, days) to the committee's logins and
    the street office's; `warned_at` is set so it goes out once. Returns
    {"expired": n, "warned": m}.
    """
    raise NotImplementedError


def ending_soon(session: Session, actor, today: date) -> list[Committee]:
    """Committees in office of the communities `actor` sees whose term ends within warn_days."""
    raise NotImplementedError


def committee_org(session: Session, community: Community, name: str):
    """The community's owners_committee organisation (created with code "<community>-YWH" if none).

    Its name is set to `name` (the kind of committee now in office).
    """
    raise NotImplementedError


def person_by_code(session: Session, code: str) -> Person | None:
    """The person with this code, or None (also for non-string input)."""
    raise NotImplementedError
