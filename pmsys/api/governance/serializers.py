"""The JSON shapes of committees, votes, ballots, terms and coverage, with their answer models.

Who reads a person's name: members of a committee are public within the
community (anyone who sees it reads them); candidates and ballots name the
person only to those who read the community's owners of record
(`permissions.can_see_owners`), or to the person themself. Vetting notes are
for the same readers only. Dates are YYYY-MM-DD, times ISO 8601 in China
Standard Time with the offset.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, create_model
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.api.answer_types import Amount, Area, CodeText, Count, DayText, Id, Moment, Ratio
from pmsys.api.helpers import date_str
from pmsys.api.typed import Answer
from pmsys.auth import permissions
from pmsys.governance import voting
from pmsys.governance.services import votes as vote_services
from pmsys.models import governance as models
from pmsys.models.governance import (
    BallotChoice,
    CandidateStatus,
    CommitteeKind,
    CommitteeStatus,
    ManagementMode,
    MemberRole,
    VoteStatus,
)
from pmsys.money import decimal_str

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

def member_json(member: models.CommitteeMember) -> dict:
    """A member with their role; public within the community."""
    return {"person": member.person.code, "name": member.person.name, "role": member.role.value}


def candidate_json(candidate: models.CommitteeCandidate, reader: Reader) -> dict:
    """A candidate and their vetting; person and note only for those who read owners."""
    shown = reader.sees_person(candidate.person_id)
    return {
        "person": candidate.person.code if shown else None,
        "name": candidate.person.name if shown else None,
        "status": candidate.status.value,
        "note": candidate.note if shown else None,
        "vetted_at": time_str(candidate.vetted_at),
    }


def committee_json(committee: models.Committee, reader: Reader) -> dict:
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

def my_ballot_json(ballot: models.VoteBallot | None) -> dict | None:
    """The caller's own ballot (as cast by them or recorded from paper), or None."""
    if ballot is None:
        return None
    return {"choice": ballot.choice.value, "cast_at": time_str(ballot.cast_at),
            "paper": ballot.paper}


def vote_json(vote: models.Vote, *, participation: dict | None,
              my_ballot: models.VoteBallot | None) -> dict:
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
        "amount": decimal_str(vote.amount),
    }


def vote_answer(session: Session, actor, vote: models.Vote) -> dict:
    """The vote as `actor` reads it: participation counts (not before it opens), own ballot."""
    participation = None
    if vote.status is not VoteStatus.scheduled:
        tally = vote_services.tally(session, vote)
        participation = {"ballots": tally["ballots"], "owners": tally["owners"]}
    own = vote_services.own_ballot(session, actor, vote)
    return vote_json(vote, participation=participation, my_ballot=own)


def ballot_json(ballot: models.VoteBallot, *, show_choice: bool = True) -> dict:
    """A ballot; the choice is withheld from lists until the vote is closed."""
    return {
        "vote": ballot.vote_id,
        "person": ballot.person.code,
        "choice": ballot.choice.value if show_choice else None,
        "cast_at": time_str(ballot.cast_at),
        "paper": ballot.paper,
        "replaced": ballot.replaced,
    }


def ballot_row_json(ballot: models.VoteBallot, *, closed: bool) -> dict:
    """A ballot in the list of a vote's ballots, with the owner's name."""
    return {**ballot_json(ballot, show_choice=closed), "name": ballot.person.name}


# --- terms -----------------------------------------------------------------------------

def term_json(term: models.ManagementTerm) -> dict:
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


# --- The shapes above, as typed answers (the OpenAPI document is built from them) ----------

Role = Literal[tuple(role.value for role in MemberRole)]
Mode = Literal[tuple(mode.value for mode in ManagementMode)]
Choice = Literal[tuple(choice.value for choice in BallotChoice)]
Kind = Literal[tuple(voting.KINDS)]


class CommitteeMember(Answer):
    """A member of a committee; public within the community."""

    person: CodeText
    name: str
    role: Role


class CommitteeCandidate(Answer):
    """A candidate of the committee in preparation.

    `person`, `name` and the vetting `note` are null for callers who do not read the
    community's owners (residents read their own candidacy).
    """

    person: CodeText | None
    name: str | None
    status: Literal[tuple(status.value for status in CandidateStatus)]
    note: str | None
    vetted_at: Moment | None


class Committee(Answer):
    """An owners' committee (`owners`) or interim management committee (`interim`)."""

    id: Id
    kind: Literal[tuple(kind.value for kind in CommitteeKind)]
    status: Literal[tuple(status.value for status in CommitteeStatus)]
    organization: CodeText | None
    seats: int | None
    term_start: DayText | None
    term_end: DayText | None
    note: str
    ended_on: DayText | None
    end_reason: str
    members: list[CommitteeMember]
    candidates: Annotated[list[CommitteeCandidate], Field(
        description="Only for a committee being prepared; else empty.")]


class CommitteeOverview(Answer):
    status: Literal[STATUSES]
    active: Committee | None
    preparing: Committee | None
    rules: Annotated[dict[str, int], Field(description=(
        "The city's committee_rules that apply (min_members, max_members, small_households, "
        "small_min_members, max_term_years, warn_days)."))]
    history: Annotated[list[Committee], Field(
        description="Every committee of the community, newest first.")]


class VoteRatios(Answer):
    area_ratio: Ratio
    owner_ratio: Ratio


class VoteThresholds(Answer):
    quorum: str
    quorum_rule: Literal["at_least"]
    approval: str
    approval_rule: Literal["at_least", "more_than"]


class VoteCounts(Answer):
    owners: Count
    participants: Count
    approving: Count
    total_area: Area
    participating_area: Area
    approving_area: Area


def _optional(schema: dict) -> None:
    """A key that may be absent (results stored before it was added): no default to show."""
    schema.pop("default", None)


class VoteResult(Answer):
    """The result of a closed vote under Civil Code Art. 278.

    Both ratios, the thresholds, the reason it passed or failed and the counts behind them.
    """

    model_config = ConfigDict(extra="allow")

    passed: bool
    kind: Kind
    participation: Annotated[VoteRatios, Field(
        description="Over all owners and all exclusive area of the frozen roll.")]
    approval: Annotated[VoteRatios, Field(description="Over the participants.")]
    reason: Literal[tuple(voting.REASONS)]
    thresholds: VoteThresholds
    owners: Annotated[Count, Field(json_schema_extra=_optional)] = 0
    participants: Annotated[Count, Field(json_schema_extra=_optional)] = 0
    approving: Annotated[Count, Field(json_schema_extra=_optional)] = 0
    counts: VoteCounts


class VoteParticipation(Answer):
    """Ballots so far and owners on the roll; null until the vote opens."""

    ballots: Count
    owners: Count


class OwnBallot(Answer):
    choice: Choice
    cast_at: Moment
    paper: bool


class Vote(Answer):
    """An owners' assembly vote on one matter of Civil Code Art. 278."""

    id: Id
    community: CodeText
    matter: Literal[tuple(voting.MATTERS)]
    kind: Kind
    title: str
    description: str
    status: Literal[tuple(status.value for status in VoteStatus)]
    opens_at: Moment
    closes_at: Moment
    closed_at: Moment | None
    committee: Annotated[Id | None, Field(description="The committee an election elects.")]
    convened_by: CodeText | None
    participation: VoteParticipation | None
    my_ballot: OwnBallot | None
    result: VoteResult | None
    amount: Annotated[Amount | None, Field(description=(
        "The most the maintenance fund may spend on this vote (use_maintenance_fund).")
    )]


class Ballot(Answer):
    """An owner's ballot."""

    vote: Id
    person: CodeText
    choice: Choice | None
    cast_at: Moment
    paper: bool
    replaced: Annotated[Count, Field(description="How many times the owner changed it.")]


class BallotRow(Ballot):
    """A ballot in the list; `choice` is null until the vote is closed."""

    name: str


class Term(Answer):
    """A management term: who manages the community in which mode, from when to when."""

    id: Id
    community: CodeText
    mode: Mode
    org: CodeText
    org_name: str
    start: DayText
    end: DayText | None
    basis_vote: Id | None
    decided_by: str | None
    ended_by: str | None
    ended_at: Moment | None


CoverageByMode = create_model("CoverageByMode", __base__=Answer,
                              **{mode.value: (Count, ...) for mode in ManagementMode})


class CoverageFigures(Answer):
    communities: Count
    covered: Count
    rate: Ratio
    by_mode: CoverageByMode


class CoverageGroup(CoverageFigures):
    key: CodeText
    name: str


class UncoveredCommunity(Answer):
    code: CodeText
    name: str
    street: CodeText
    street_name: str
    district: CodeText | None
    last_term_end: DayText | None


class Coverage(Answer):
    """Management coverage: communities with a term in force on `on`, by street or district."""

    on: DayText
    level: Literal["street", "district"]
    items: list[CoverageGroup]
    total: CoverageFigures
    uncovered: list[UncoveredCommunity]


class ThreeCoverageFigures(Answer):
    communities: Count
    managed: Annotated[Count, Field(description="With a management term in force.")]
    committee: Annotated[Count, Field(description=(
        "With an owners' committee or an interim management committee in office."))]
    party: Annotated[Count, Field(description="With a Party organisation recorded.")]


class ThreeCoverageGroup(ThreeCoverageFigures):
    key: CodeText
    name: str


class ThreeCoverageMissing(Answer):
    managed: list[CodeText]
    committee: list[CodeText]
    party: list[CodeText]


class ThreeCoverages(Answer):
    """The three full coverages (三个全覆盖) on `on`, per child region of `region`."""

    on: DayText
    region: Annotated[CodeText | None, Field(description=(
        "The region reported on; null: every region (a sysadmin's default)."))]
    items: list[ThreeCoverageGroup]
    total: ThreeCoverageFigures
    missing: Annotated[ThreeCoverageMissing, Field(description=(
        "The codes of the communities missing each coverage, by code."))]


def three_coverages_json(report: dict) -> dict:
    """The report with each missing community given by its code."""
    return {**report, "missing": {name: [c["code"] for c in found]
                                  for name, found in report["missing"].items()}}


class Plan(Answer):
    """A recorded long-term management plan (长效管理机制) of a community."""

    id: Id
    community: CodeText
    mode: Annotated[str, Field(json_schema_extra={"enum": ["professional", "self", "community"]})]
    note: str
    starts_on: DayText | None
    recorded_on: DayText
    recorded_by: str


def plan_json(plan: models.ManagementPlan) -> dict:
    """A long-term management plan with who recorded it."""
    return {"id": plan.id, "community": plan.community.code, "mode": plan.mode.value,
            "note": plan.note, "starts_on": date_str(plan.starts_on),
            "recorded_on": date_str(plan.recorded_on),
            "recorded_by": plan.recorded_by.username}
