"""API: a community's owners' committee over its life (docs/domain.md#committees).

GET the overview; POST to prepare one, propose and vet candidates, install the
elected committee, appoint an interim committee, and end a committee. The
shared parts of the governance API (the caller, the community of the path, the
types of dates and member lists) live here too.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from flask import g
from flask_babel import gettext as _
from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from pmsys.api import bp
from pmsys.api.governance import serializers
from pmsys.api.governance.serializers import CommitteeCandidate, CommitteeOverview
from pmsys.api.helpers import api_login_required, use_callers_language
from pmsys.api.typed import TEXT_LENGTH, Code, Day, Input, Integer, endpoint, text
from pmsys.auth import permissions
from pmsys.errors import Conflict, Forbidden
from pmsys.extensions import db
from pmsys.governance import access
from pmsys.governance.services import committees as services
from pmsys.models.governance import MemberRole
from pmsys.models.places import Community

NOTE_LENGTH = 1000
REASON_LENGTH = 300
ROLES = tuple(role.value for role in MemberRole)
# Dates and times outside these years are typing errors; refusing them keeps date
# arithmetic (a term of five years, the day before a start) within Python's range.
FIRST_YEAR, LAST_YEAR = 1970, 2999


# --- shared parts ----------------------------------------------------------------------

COMMUNITY_PATH = {"code": "The community's code."}


def caller():
    """The authenticated caller, whose language the answer is written in."""
    use_callers_language(g.api_user)
    return g.api_user


def visible_community(code: str, **_path) -> Community:
    """The community of the path, if the caller sees it (else 404, before any 400)."""
    return permissions.get_community_or_404(db.session, caller(), code)


def _within_years(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"a date YYYY-MM-DD from {FIRST_YEAR} to {LAST_YEAR}")
    return value


# Dates of governance bodies: outside these years they are typing errors.
BoundedDay = Annotated[Day, AfterValidator(_within_years)]
_MEMBERS = f"a list of objects with person and role ({', '.join(ROLES)})"


def _member_pairs(value) -> list[tuple[str, str]]:
    """A list of `{"person", "role"}` objects as (person code, role) pairs, each person once."""
    if not isinstance(value, list):
        raise ValueError(_MEMBERS)
    pairs = []
    for item in value:
        person, role = (item.get("person"), item.get("role")) if isinstance(item, dict) else (
            None, None)
        if not isinstance(person, str) or not 0 < len(person) <= 64 or role not in ROLES:
            raise ValueError(_MEMBERS)
        pairs.append((person, role))
    if len({person for person, _role in pairs}) != len(pairs):
        raise ValueError("each person once")
    return pairs


class Member(Input):
    person: Code
    role: Literal[ROLES]


# One problem for the whole list (`fields.members`), as the list is judged as a whole.
Members = Annotated[list[tuple[str, str]], BeforeValidator(_member_pairs),
                    WithJsonSchema({"type": "array", "items": Member.model_json_schema()})]


# The models check types; the services judge meaning (after who may act: 403 before 400).

class NewCommittee(Input):
    seats: Annotated[Integer, Field(json_schema_extra={"minimum": 1, "maximum": 99})]
    note: text(NOTE_LENGTH) | None = None


class NewCandidate(Input):
    person: Annotated[Code, Field(description="The owner's person code.")]


class CandidateVetting(Input):
    decision: Annotated[Code, Field(json_schema_extra={"enum": ["approve", "reject"]})]
    note: Annotated[text(TEXT_LENGTH) | None, Field(
        description="Required for a rejection.", json_schema_extra={"maxLength": NOTE_LENGTH}
    )] = None


class CommitteeActivation(Input):
    members: Annotated[Members, Field(
        description="Every approved candidate once, exactly one director.")]
    term_start: BoundedDay
    term_end: Annotated[BoundedDay | None, Field(
        description="The longest term allowed by default.")] = None


class InterimCommittee(Input):
    members: Annotated[Members, Field(description="Any known people, exactly one director.")]
    start: BoundedDay
    end: Annotated[BoundedDay | None, Field(
        description="Absent: until an owners' committee is elected.")] = None
    note: Annotated[text(NOTE_LENGTH), Field(
        description="Why no owners' committee could be formed.",
        json_schema_extra={"minLength": 1})]


class CommitteeExpiry(Input):
    on: BoundedDay
    reason: text(REASON_LENGTH) | None = None
    committee: Annotated[Integer | None, Field(description=(
        "Which committee: by default the one in office, else the one being prepared."))] = None


def _overview(community) -> dict:
    reader = serializers.Reader(g.api_user)
    return serializers.committee_overview_json(
        services.status_of(db.session, community), services.current(db.session, community),
        services.rules_for(db.session, community), services.history(db.session, community),
        reader)


# --- routes ----------------------------------------------------------------------------

_OVERSEER = "Not the community's street office or community office (`forbidden`)."
_AS_NOW = "The committee as it is now."
_CANDIDATE_PATH = {**COMMUNITY_PATH, "person": "The candidate's person code."}


@bp.get("/communities/<code>/committee")
@api_login_required
@endpoint(answers={200: ("The overview.", CommitteeOverview)}, refusals={400: "", 404: ""},
          path=COMMUNITY_PATH, tags=("governance",))
def get_committee(code: str):
    """A community's owners' committee: in office, in preparation, history.

    Everyone who sees the community. Members' names are public within the community;
    candidates and vetting notes are named only to those who read the community's owners.
    """
    return _overview(visible_community(code))


@bp.post("/communities/<code>/committee")
@api_login_required
@endpoint(body=NewCommittee, answers={201: (_AS_NOW, serializers.Committee)}, refusals={
    403: _OVERSEER, 404: "",
    409: "A committee is already being prepared (`committee_in_preparation`)."},
    path=COMMUNITY_PATH, tags=("governance",), find=visible_community)
def prepare_committee(code: str, body: NewCommittee, found: Community):
    """Start preparing an owners' committee.

    The street office fixes the seats to fill (an odd number within the city's size rules
    for the community's household count).
    """
    actor = g.api_user
    committee = services.prepare(db.session, actor, found, seats=body.seats,
                                 note=body.note or "")
    return serializers.committee_json(committee, serializers.Reader(actor)), 201


@bp.post("/communities/<code>/committee/candidates")
@api_login_required
@endpoint(body=NewCandidate, answers={201: ("The candidate.", CommitteeCandidate)}, refusals={
    403: "A resident proposing someone else, or a role that proposes no one.", 404: "",
    409: "Already proposed (`already_proposed`), or the election is under way "
         "(`election_under_way`).",
    422: "No committee in preparation (`no_committee_in_preparation`), or the person owns no "
         "household here (`not_an_owner`)."},
    path=COMMUNITY_PATH, tags=("governance",), find=visible_community)
def propose_candidate(code: str, body: NewCandidate, found: Community):
    """Propose an owner as candidate of the committee in preparation.

    The street office proposes any owner of the community; a resident only themself.
    """
    actor = g.api_user
    candidate = services.propose(db.session, actor, found, body.person)
    return serializers.candidate_json(candidate, serializers.Reader(actor)), 201


@bp.post("/communities/<code>/committee/candidates/<person>/vetting")
@api_login_required
@endpoint(body=CandidateVetting, answers={200: ("The candidate as vetted.", CommitteeCandidate)},
          refusals={403: _OVERSEER, 404: "The community, or no such candidate "
                    "(`candidate_not_found`).",
                    409: "The election is under way (`election_under_way`)."},
          path=_CANDIDATE_PATH, tags=("governance",), find=visible_community)
def vet_candidate(code: str, person: str, body: CandidateVetting, found: Community):
    """Approve or reject a candidate (联审), with a note.

    A rejection needs a note. A decided candidate may be decided again until the election
    vote is convened.
    """
    actor = g.api_user
    candidate = services.vet(db.session, actor, found, person, decision=body.decision,
                             note=body.note or "")
    return serializers.candidate_json(candidate, serializers.Reader(actor))


@bp.post("/communities/<code>/committee/activate")
@api_login_required
@endpoint(body=CommitteeActivation, answers={200: (_AS_NOW, serializers.Committee)}, refusals={
    403: _OVERSEER, 404: "",
    409: "Someone changed the committee at the same time (`concurrent_update`).",
    422: "The election has not passed (`not_elected`)."},
    path=COMMUNITY_PATH, tags=("governance",), find=visible_community)
def activate_committee(code: str, body: CommitteeActivation, found: Community):
    """Install the elected committee with roles and term.

    After its election vote passed: every approved candidate with a role, exactly one
    director; the term starts no earlier than the vote's closing day and lasts at most the
    city's limit. The previous committee in office ends the day before. Members' resident
    logins become committee-member logins.
    """
    actor = g.api_user
    committee = services.activate(db.session, actor, found, roles=dict(body.members),
                                  term_start=body.term_start, term_end=body.term_end)
    return serializers.committee_json(committee, serializers.Reader(actor))


@bp.post("/communities/<code>/committee/interim")
@api_login_required
@endpoint(body=InterimCommittee, answers={201: (_AS_NOW, serializers.Committee)}, refusals={
    403: _OVERSEER, 404: "", 409: "A committee is in office (`committee_in_office`)."},
    path=COMMUNITY_PATH, tags=("governance",), find=visible_community)
def appoint_interim_committee(code: str, body: InterimCommittee, found: Community):
    """Appoint an interim management committee (物业管理委员会).

    Where no owners' committee can be formed; `note` says why.
    """
    actor = g.api_user
    committee = services.appoint_interim(db.session, actor, found, members=body.members,
                                         start=body.start, end=body.end, note=body.note)
    return serializers.committee_json(committee, serializers.Reader(actor)), 201


@bp.post("/communities/<code>/committee/expire")
@api_login_required
@endpoint(body=CommitteeExpiry, answers={200: (_AS_NOW, serializers.Committee)}, refusals={
    403: _OVERSEER, 404: "",
    409: "No such committee in office or in preparation (`committee_not_in_office`)."},
    path=COMMUNITY_PATH, tags=("governance",), find=visible_community)
def expire_committee(code: str, body: CommitteeExpiry, found: Community):
    """End the committee in office, or abandon a preparation.

    Members' logins return to resident.
    """
    actor = g.api_user
    current = services.current(db.session, found)
    choices = [c for c in (current.get("active"), current.get("preparing")) if c is not None]
    if body.committee is not None:
        choices = [c for c in choices if c.id == body.committee]
    if not choices:
        if not access.oversees(db.session, actor, found):
            raise Forbidden(_("Only the street office ends a committee."))
        raise Conflict(_("No committee is in office or in preparation."),
                       code="committee_not_in_office")
    committee = services.expire(db.session, actor, choices[0], on=body.on,
                                reason=body.reason or "")
    return serializers.committee_json(committee, serializers.Reader(actor))
