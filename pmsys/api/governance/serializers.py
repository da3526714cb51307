"""The JSON shapes of committees, votes, ballots and terms, with their OpenAPI schemas.

Who reads a person's name: members of a committee are public within the
community (anyone who sees it reads them); candidates and ballots name the
person only to those who read the community's owners of record
(`permissions.can_see_owners`), or to the person themself. Vetting notes are
for the same readers only. Dates are YYYY-MM-DD, times ISO 8601 in China
Standard Time with the offset.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.api.helpers import date_str
from pmsys.api.openapi import CODE, DATE, DATETIME, nullable
from pmsys.auth import permissions
from pmsys.governance import voting
from pmsys.governance.services import votes as vote_services
from pmsys.models.governance import (
    BallotChoice,
    CandidateStatus,
    Committee,
    CommitteeCandidate,
    CommitteeKind,
    CommitteeMember,
    CommitteeStatus,
    ManagementMode,
    ManagementTerm,
    MemberRole,
    Vote,
    VoteBallot,
    VoteStatus,
)

STATUSES = ("none", "preparing", "active", "expired")


def time_str(moment: datetime | None) -> str | None:
    """An instant as ISO 8601 in China Standard Time (with its +08:00 offset)."""
    return moment.astimezone(clock.LOCAL_TZ).isoformat() if moment else None


class Reader:
    """What one caller may read of the people named in governance answers."""

    def __init__(self, actor):
        self.owners = permissions.can_see_owners(actor)
        self.person_id = getattr(actor, "person_id", None)

    def sees_person(self, person_id: int) -> bool:
        """Whether the caller reads this person's code and name (or is that person)."""
        return self.owners or (self.person_id is not None and self.person_id == person_id)


# --- committees ------------------------------------------------------------------------

def member_json(member: CommitteeMember) -> dict:
    """A member with their role; public within the community."""
    return {"person": member.person.code, "name": member.person.name, "role": member.role.value}


def candidate_json(candidate: CommitteeCandidate, reader: Reader) -> dict:
    """A candidate and their vetting; person and note only for those who read owners."""
    shown = reader.sees_person(candidate.person_id)
    return {
        "person": candidate.person.code if shown else None,
        "name": candidate.person.name if shown else None,
        "status": candidate.status.value,
        "note": candidate.note if shown else None,
        "vetted_at": time_str(candidate.vetted_at),
    }


def committee_json(committee: Committee, reader: Reader) -> dict:
    """A committee with its members, and its candidates while it is being prepared."""
    preparing = committee.status is CommitteeStatus.preparing
    return {
        "id": committee.id,
        "kind": committee.kind.value,
        "status": committee.status.value,
        "organization": committee.organization.code if committee.organization else None,
        "seats": committee.seats,
        "term_start": date_str(committee.term_start),
        "term_end": date_str(committee.term_end),
        "note": committee.note or "",
        "ended_on": date_str(committee.ended_on),
        "end_reason": committee.end_reason or "",
        "members": [member_json(m) for m in committee.members],
        "candidates": [candidate_json(c, reader) for c in committee.candidates]
        if preparing else [],
    }


def committee_overview_json(status: str, current: dict, rules: dict, history: list,
                            reader: Reader) -> dict:
    """GET …/committee: the status, the committees in office and in preparation, history."""
    active, preparing = current.get("active"), current.get("preparing")
    return {
        "status": status,
        "active": committee_json(active, reader) if active is not None else None,
        "preparing": committee_json(preparing, reader) if preparing is not None else None,
        "rules": dict(rules),
        "history": [committee_json(c, reader) for c in history],
    }


# --- votes -----------------------------------------------------------------------------

def my_ballot_json(ballot: VoteBallot | None) -> dict | None:
    """The caller's own ballot (as cast by them or recorded from paper), or None."""
    if ballot is None:
        return None
    return {"choice": ballot.choice.value, "cast_at": time_str(ballot.cast_at),
            "paper": ballot.paper}


def vote_json(vote: Vote, *, participation: dict | None, my_ballot: VoteBallot | None) -> dict:
    """A vote; `participation` counts ballots once the roll is frozen, `result` once closed."""
    return {
        "id": vote.id,
        "community": vote.community.code,
        "matter": vote.matter,
        "kind": vote.kind,
        "title": vote.title,
        "description": vote.description or "",
        "status": vote.status.value,
        "opens_at": time_str(vote.opens_at),
        "closes_at": time_str(vote.closes_at),
        "closed_at": time_str(vote.closed_at),
        "committee": vote.committee_id,
        "convened_by": vote.convened_by_org.code if vote.convened_by_org else None,
        "participation": participation,
        "my_ballot": my_ballot_json(my_ballot),
        "result": vote.result if vote.status is VoteStatus.closed else None,
    }


def vote_answer(session: Session, actor, vote: Vote) -> dict:
    """The vote as `actor` reads it: participation counts (not before it opens), own ballot."""
    participation = None
    if vote.status is not VoteStatus.scheduled:
        tally = vote_services.tally(session, vote)
        participation = {"ballots": tally["ballots"], "owners": tally["owners"]}
    own = vote_services.own_ballot(session, actor, vote)
    return vote_json(vote, participation=participation, my_ballot=own)


def ballot_json(ballot: VoteBallot, *, show_choice: bool = True) -> dict:
    """A ballot; the choice is withheld from lists until the vote is closed."""
    return {
        "vote": ballot.vote_id,
        "person": ballot.person.code,
        "choice": ballot.choice.value if show_choice else None,
        "cast_at": time_str(ballot.cast_at),
        "paper": ballot.paper,
        "replaced": ballot.replaced,
    }


def ballot_row_json(ballot: VoteBallot, *, closed: bool) -> dict:
    """A ballot in the list of a vote's ballots, with the owner's name."""
    return {**ballot_json(ballot, show_choice=closed), "name": ballot.person.name}


# --- terms -----------------------------------------------------------------------------

def term_json(term: ManagementTerm) -> dict:
    """A management term with who decided it and, when ended, who ended it."""
    return {
        "id": term.id,
        "community": term.community.code,
        "mode": term.mode.value,
        "org": term.organization.code,
        "org_name": term.organization.name,
        "start": date_str(term.start),
        "end": date_str(term.end),
        "basis_vote": term.basis_vote_id,
        "decided_by": term.decided_by.username if term.decided_by else None,
        "ended_by": term.ended_by.username if term.ended_by else None,
        "ended_at": time_str(term.ended_at),
    }


# --- schemas ---------------------------------------------------------------------------

_RATIO = {"type": "string", "pattern": r"^\d+\.\d{4}$", "examples": ["0.6667"]}
_AREA = {"type": "string", "pattern": r"^\d+\.\d{2}$", "examples": ["62.50"]}
_COUNT = {"type": "integer", "minimum": 0}
_ID = {"type": "integer", "minimum": 1}
_TEXT = {"type": "string"}
_ROLE = {"type": "string", "enum": [r.value for r in MemberRole]}
_MODES = [m.value for m in ManagementMode]


def _object(properties: dict, description: str = "", optional: tuple[str, ...] = ()) -> dict:
    schema = {"type": "object", "properties": properties,
              "required": [name for name in properties if name not in optional]}
    if description:
        schema["description"] = description
    return schema


_RATIOS = _object({"area_ratio": _RATIO, "owner_ratio": _RATIO})
_MEMBER_INPUT = _object({"person": {**CODE, "maxLength": 64}, "role": _ROLE})

SCHEMAS: dict[str, dict] = {
    "CommitteeMember": _object(
        {"person": CODE, "name": _TEXT, "role": _ROLE},
        "A member of a committee; public within the community."),
    "CommitteeCandidate": _object(
        {"person": nullable(CODE), "name": nullable(_TEXT),
         "status": {"type": "string", "enum": [s.value for s in CandidateStatus]},
         "note": nullable(_TEXT), "vetted_at": nullable(DATETIME)},
        "A candidate of the committee in preparation. `person`, `name` and the vetting "
        "`note` are null for callers who do not read the community's owners (residents "
        "read their own candidacy)."),
    "Committee": _object(
        {"id": _ID, "kind": {"type": "string", "enum": [k.value for k in CommitteeKind]},
         "status": {"type": "string", "enum": [s.value for s in CommitteeStatus]},
         "organization": nullable(CODE), "seats": nullable({"type": "integer"}),
         "term_start": nullable(DATE), "term_end": nullable(DATE), "note": _TEXT,
         "ended_on": nullable(DATE), "end_reason": _TEXT,
         "members": {"type": "array", "items": {"$ref": "#/components/schemas/CommitteeMember"}},
         "candidates": {"type": "array",
                        "items": {"$ref": "#/components/schemas/CommitteeCandidate"},
                        "description": "Only for a committee being prepared; else empty."}},
        "An owners' committee (`owners`) or interim management committee (`interim`)."),
    "CommitteeOverview": _object(
        {"status": {"type": "string", "enum": list(STATUSES)},
         "active": nullable({"$ref": "#/components/schemas/Committee"}),
         "preparing": nullable({"$ref": "#/components/schemas/Committee"}),
         "rules": {"type": "object", "additionalProperties": {"type": "integer"},
                   "description": "The city's committee_rules that apply (min_members, "
                                  "max_members, small_households, small_min_members, "
                                  "max_term_years, warn_days)."},
         "history": {"type": "array", "items": {"$ref": "#/components/schemas/Committee"},
                     "description": "Every committee of the community, newest first."}}),
    "NewCommittee": _object({"seats": {"type": "integer", "minimum": 1, "maximum": 99},
                             "note": {"type": "string", "maxLength": 1000}},
                            optional=("note",)),
    "NewCandidate": _object({"person": {**CODE, "maxLength": 64,
                                        "description": "The owner's person code."}}),
    "CandidateVetting": _object({"decision": {"type": "string", "enum": ["approve", "reject"]},
                                 "note": {"type": "string", "maxLength": 1000,
                                          "description": "Required for a rejection."}},
                                optional=("note",)),
    "CommitteeActivation": _object(
        {"members": {"type": "array", "items": _MEMBER_INPUT,
                     "description": "Every approved candidate once, exactly one director."},
         "term_start": DATE,
         "term_end": {**DATE, "description": "The longest term allowed by default."}},
        optional=("term_end",)),
    "InterimCommittee": _object(
        {"members": {"type": "array", "items": _MEMBER_INPUT,
                     "description": "Any known people, exactly one director."},
         "start": DATE,
         "end": {**DATE, "description": "Absent: until an owners' committee is elected."},
         "note": {"type": "string", "minLength": 1, "maxLength": 1000,
                  "description": "Why no owners' committee could be formed."}},
        optional=("end",)),
    "CommitteeExpiry": _object(
        {"on": DATE, "reason": {"type": "string", "maxLength": 300},
         "committee": {**_ID, "description": "Which committee: by default the one in "
                                             "office, else the one being prepared."}},
        optional=("reason", "committee")),
    "VoteResult": {
        **_object({
            "passed": {"type": "boolean"},
            "kind": {"type": "string", "enum": list(voting.KINDS)},
            "participation": {**_RATIOS, "description": "Over all owners and all exclusive "
                                                        "area of the frozen roll."},
            "approval": {**_RATIOS, "description": "Over the participants."},
            "reason": {"type": "string", "enum": list(voting.REASONS)},
            "thresholds": _object({
                "quorum": _TEXT, "quorum_rule": {"type": "string", "enum": ["at_least"]},
                "approval": _TEXT,
                "approval_rule": {"type": "string", "enum": ["at_least", "more_than"]}}),
            "owners": _COUNT, "participants": _COUNT, "approving": _COUNT,
            "counts": _object({"owners": _COUNT, "participants": _COUNT, "approving": _COUNT,
                               "total_area": _AREA, "participating_area": _AREA,
                               "approving_area": _AREA}),
        }, "The result of a closed vote under Civil Code Art. 278: both ratios, the "
           "thresholds, the reason it passed or failed and the counts behind them.",
            optional=("owners", "participants", "approving")),
        "additionalProperties": True,
    },
    "Vote": _object(
        {"id": _ID, "community": CODE, "matter": {"type": "string", "enum": list(voting.MATTERS)},
         "kind": {"type": "string", "enum": list(voting.KINDS)}, "title": _TEXT,
         "description": _TEXT,
         "status": {"type": "string", "enum": [s.value for s in VoteStatus]},
         "opens_at": DATETIME, "closes_at": DATETIME, "closed_at": nullable(DATETIME),
         "committee": nullable({**_ID, "description": "The committee an election elects."}),
         "convened_by": nullable(CODE),
         "participation": nullable(_object(
             {"ballots": _COUNT, "owners": _COUNT},
             "Ballots so far and owners on the roll; null until the vote opens.")),
         "my_ballot": nullable(_object({"choice": {"type": "string",
                                                   "enum": [c.value for c in BallotChoice]},
                                        "cast_at": DATETIME, "paper": {"type": "boolean"}})),
         "result": nullable({"$ref": "#/components/schemas/VoteResult"})},
        "An owners' assembly vote on one matter of Civil Code Art. 278."),
    "NewVote": _object(
        {"matter": {"type": "string", "enum": list(voting.MATTERS)},
         "title": {"type": "string", "minLength": 1, "maxLength": 200},
         "opens_at": {**DATETIME, "description": "Without an offset: China Standard Time."},
         "closes_at": DATETIME,
         "description": {"type": "string", "maxLength": 4000}},
        optional=("description",)),
    "NewBallot": _object(
        {"choice": {"type": "string", "enum": [c.value for c in BallotChoice]},
         "person": {**CODE, "maxLength": 64,
                    "description": "A paper ballot for this owner (the convening side only); "
                                   "absent: the caller votes as themself."}},
        optional=("person",)),
    "Ballot": _object(
        {"vote": _ID, "person": CODE,
         "choice": nullable({"type": "string", "enum": [c.value for c in BallotChoice]}),
         "cast_at": DATETIME, "paper": {"type": "boolean"},
         "replaced": {**_COUNT, "description": "How many times the owner changed it."}},
        "An owner's ballot."),
    "BallotRow": _object(
        {"vote": _ID, "person": CODE, "name": _TEXT,
         "choice": nullable({"type": "string", "enum": [c.value for c in BallotChoice]}),
         "cast_at": DATETIME, "paper": {"type": "boolean"}, "replaced": _COUNT},
        "A ballot in the list; `choice` is null until the vote is closed."),
    "Term": _object(
        {"id": _ID, "community": CODE, "mode": {"type": "string", "enum": _MODES},
         "org": CODE, "org_name": _TEXT, "start": DATE, "end": nullable(DATE),
         "basis_vote": nullable(_ID), "decided_by": nullable(_TEXT),
         "ended_by": nullable(_TEXT), "ended_at": nullable(DATETIME)},
        "A management term: who manages the community in which mode, from when to when."),
    "NewTerm": _object(
        {"mode": {"type": "string", "enum": _MODES[:3]}, "org": {**CODE, "maxLength": 64},
         "start": DATE, "basis_vote": {**_ID, "description": "The passed vote it rests on."},
         "end": DATE},
        optional=("basis_vote", "end")),
}

_BY_MODE = _object({mode: _COUNT for mode in _MODES})
_FIGURES = {"communities": _COUNT, "covered": _COUNT, "rate": _RATIO, "by_mode": _BY_MODE}

SCHEMAS["Coverage"] = _object({
    "on": DATE,
    "level": {"type": "string", "enum": ["street", "district"]},
    "items": {"type": "array", "items": _object({"key": CODE, "name": _TEXT, **_FIGURES})},
    "total": _object(dict(_FIGURES)),
    "uncovered": {"type": "array", "items": _object({
        "code": CODE, "name": _TEXT, "street": CODE, "street_name": _TEXT,
        "district": nullable(CODE), "last_term_end": nullable(DATE)})},
}, "Management coverage: communities with a term in force on `on`, by street or district.")
