"""API: a community's owners' committee over its life (docs/domain.md#committees).

GET the overview; POST to prepare one, propose and vet candidates, install the
elected committee, appoint an interim committee, and end a committee. The
shared helpers of the governance API (the caller, committing a service call,
reading dates and member lists) live here too.
"""

from __future__ import annotations

from flask import g
from flask_babel import gettext as _

from pmsys.api import bp
from pmsys.api.governance import serializers
from pmsys.api.helpers import api_login_required, json_body
from pmsys.api.inputs import TEXT_LENGTH, Body, parse_day, use_callers_language
from pmsys.api.openapi import SEGMENT_PARAMETER, describe, errors, json_request, json_response, ref
from pmsys.auth import permissions
from pmsys.errors import Conflict, Forbidden
from pmsys.extensions import db
from pmsys.governance import access
from pmsys.governance.services import committees as services
from pmsys.models.governance import MemberRole

NOTE_LENGTH = 1000
REASON_LENGTH = 300
ROLES = tuple(role.value for role in MemberRole)
# Dates and times outside these years are typing errors; refusing them keeps date
# arithmetic (a term of five years, the day before a start) within Python's range.
FIRST_YEAR, LAST_YEAR = 1970, 2999


# --- shared helpers --------------------------------------------------------------------

def caller():
    """The authenticated caller, whose language the answer is written in."""
    use_callers_language(g.api_user)
    return g.api_user


def day(body: Body, name: str, *, required: bool = False):
    """A `YYYY-MM-DD` field of the body as a date (None when absent and optional)."""
    value = body.data.get(name)
    if value is None:
        if required:
            body.problems[name] = "required"
        return None
    try:
        parsed = parse_day(value)
    except ValueError:
        parsed = None
    if parsed is None or not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        body.problems[name] = f"a date YYYY-MM-DD from {FIRST_YEAR} to {LAST_YEAR}"
        return None
    return parsed


def member_pairs(body: Body, name: str = "members") -> list[tuple[str, str]]:
    """A list of `{"person", "role"}` objects as (person code, role) pairs."""
    value = body.data.get(name)
    if value is None:
        body.problems[name] = "required"
        return []
    problem = f"a list of objects with person and role ({', '.join(ROLES)})"
    if not isinstance(value, list):
        body.problems[name] = problem
        return []
    pairs = []
    for item in value:
        if not isinstance(item, dict):
            body.problems[name] = problem
            return []
        person, role = item.get("person"), item.get("role")
        if not isinstance(person, str) or not 0 < len(person) <= 64 or role not in ROLES:
            body.problems[name] = problem
            return []
        pairs.append((person, role))
    if len({person for person, _ in pairs}) != len(pairs):
        body.problems[name] = "each person once"
        return []
    return pairs


def _overview(community) -> dict:
    reader = serializers.Reader(g.api_user)
    return serializers.committee_overview_json(
        services.status_of(db.session, community), services.current(db.session, community),
        services.rules_for(db.session, community), services.history(db.session, community),
        reader)


# --- routes ----------------------------------------------------------------------------

@bp.get("/communities/<code>/committee")
@api_login_required
def get_committee(code: str):
    """The community's committee status, the committees in office and in preparation, history."""
    community = permissions.get_community_or_404(db.session, caller(), code)
    return _overview(community)


@bp.post("/communities/<code>/committee")
@api_login_required
def prepare_committee(code: str):
    """Start preparing an owners' committee (the street office)."""
    actor = caller()
    community = permissions.get_community_or_404(db.session, actor, code)
    body = Body(json_body())
    seats = body.integer("seats", required=True)
    note = body.text("note", max_length=NOTE_LENGTH)
    body.check()
    committee = services.prepare(db.session, actor, community, seats=seats, note=note or "")
    return serializers.committee_json(committee, serializers.Reader(actor)), 201


@bp.post("/communities/<code>/committee/candidates")
@api_login_required
def propose_candidate(code: str):
    """Propose an owner as candidate (the street office, or a resident proposing themself)."""
    actor = caller()
    community = permissions.get_community_or_404(db.session, actor, code)
    body = Body(json_body())
    person = body.text("person", required=True)
    body.check()
    candidate = services.propose(db.session, actor, community, person)
    return serializers.candidate_json(candidate, serializers.Reader(actor)), 201


@bp.post("/communities/<code>/committee/candidates/<person>/vetting")
@api_login_required
def vet_candidate(code: str, person: str):
    """Approve or reject a candidate, with a note (联审)."""
    actor = caller()
    community = permissions.get_community_or_404(db.session, actor, code)
    body = Body(json_body())
    decision = body.text("decision", required=True)
    note = body.text("note", max_length=TEXT_LENGTH)
    body.check()
    candidate = services.vet(db.session, actor, community, person, decision=decision,
                          note=note or "")
    return serializers.candidate_json(candidate, serializers.Reader(actor))


@bp.post("/communities/<code>/committee/activate")
@api_login_required
def activate_committee(code: str):
    """Install the elected committee with its members' roles and its term."""
    actor = caller()
    community = permissions.get_community_or_404(db.session, actor, code)
    body = Body(json_body())
    pairs = member_pairs(body)
    term_start = day(body, "term_start", required=True)
    term_end = day(body, "term_end")
    body.check()
    committee = services.activate(db.session, actor, community, roles=dict(pairs),
                          term_start=term_start, term_end=term_end)
    return serializers.committee_json(committee, serializers.Reader(actor))


@bp.post("/communities/<code>/committee/interim")
@api_login_required
def appoint_interim(code: str):
    """Appoint an interim management committee where no owners' committee can be formed."""
    actor = caller()
    community = permissions.get_community_or_404(db.session, actor, code)
    body = Body(json_body())
    pairs = member_pairs(body)
    start = day(body, "start", required=True)
    end = day(body, "end")
    note = body.text("note", required=True, max_length=NOTE_LENGTH)
    body.check()
    committee = services.appoint_interim(db.session, actor, community, members=pairs,
                          start=start, end=end, note=note)
    return serializers.committee_json(committee, serializers.Reader(actor)), 201


@bp.post("/communities/<code>/committee/expire")
@api_login_required
def expire_committee(code: str):
    """End the committee in office, or abandon the one being prepared."""
    actor = caller()
    community = permissions.get_community_or_404(db.session, actor, code)
    body = Body(json_body())
    on = day(body, "on", required=True)
    reason = body.text("reason", max_length=REASON_LENGTH)
    wanted = body.integer("committee")
    body.check()
    current = services.current(db.session, community)
    choices = [c for c in (current.get("active"), current.get("preparing")) if c is not None]
    if wanted is not None:
        choices = [c for c in choices if c.id == wanted]
    if not choices:
        if not access.oversees(db.session, actor, community):
            raise Forbidden(_("Only the street office ends a committee."))
        raise Conflict(_("No committee is in office or in preparation."),
                       code="committee_not_in_office")
    committee = services.expire(db.session, actor, choices[0], on=on, reason=reason or "")
    return serializers.committee_json(committee, serializers.Reader(actor))


# --- OpenAPI ---------------------------------------------------------------------------

CODE_PARAMETER = {"name": "code", "in": "path", "required": True,
                  "description": "The community's code.", "schema": SEGMENT_PARAMETER}
_PERSON_PARAMETER = {"name": "person", "in": "path", "required": True,
                     "description": "The candidate's person code.", "schema": SEGMENT_PARAMETER}


def _post(operation_id: str, summary: str, description: str, body: str, answer: str,
          status: str, *, forbidden: str, more: dict, parameters=None) -> dict:
    return {
        "operationId": operation_id, "summary": summary, "description": description,
        "tags": ["governance"], "parameters": parameters or [CODE_PARAMETER],
        "requestBody": json_request(ref(body)),
        "responses": {
            status: json_response("The committee or candidate as it is now.", ref(answer)),
            **errors(400, 401),
            "403": json_response(forbidden, ref("Error")),
            **errors(404, 413), **more,
        },
    }


_OVERSEER = "Not the community's street office or community office (`forbidden`)."

describe({
    "/communities/{code}/committee": {
        "get": {
            "operationId": "getCommittee",
            "summary": "A community's owners' committee: in office, in preparation, history",
            "description": "Everyone who sees the community. Members' names are public within "
                           "the community; candidates and vetting notes are named only to "
                           "those who read the community's owners.",
            "tags": ["governance"], "parameters": [CODE_PARAMETER],
            "responses": {"200": json_response("The overview.", ref("CommitteeOverview")),
                          **errors(400, 401, 404)},
        },
        "post": _post(
            "prepareCommittee", "Start preparing an owners' committee",
            "The street office fixes the seats to fill (an odd number within the city's "
            "size rules for the community's household count).",
            "NewCommittee", "Committee", "201", forbidden=_OVERSEER,
            more={"409": json_response("A committee is already being prepared "
                                       "(`committee_in_preparation`).", ref("Error"))}),
    },
    "/communities/{code}/committee/candidates": {
        "post": _post(
            "proposeCandidate", "Propose an owner as candidate of the committee in preparation",
            "The street office proposes any owner of the community; a resident only themself.",
            "NewCandidate", "CommitteeCandidate", "201",
            forbidden="A resident proposing someone else, or a role that proposes no one.",
            more={"409": json_response("Already proposed (`already_proposed`), or the "
                                       "election is under way (`election_under_way`).",
                                       ref("Error")),
                  "422": json_response("No committee in preparation "
                                       "(`no_committee_in_preparation`), or the person owns "
                                       "no household here (`not_an_owner`).", ref("Error"))}),
    },
    "/communities/{code}/committee/candidates/{person}/vetting": {
        "post": _post(
            "vetCandidate", "Approve or reject a candidate (联审), with a note",
            "A rejection needs a note. A decided candidate may be decided again until the "
            "election vote is convened.",
            "CandidateVetting", "CommitteeCandidate", "200", forbidden=_OVERSEER,
            parameters=[CODE_PARAMETER, _PERSON_PARAMETER],
            more={"409": json_response("The election is under way (`election_under_way`).",
                                       ref("Error"))}),
    },
    "/communities/{code}/committee/activate": {
        "post": _post(
            "activateCommittee", "Install the elected committee with roles and term",
            "After its election vote passed: every approved candidate with a role, exactly "
            "one director; the term starts no earlier than the vote's closing day and lasts "
            "at most the city's limit. The previous committee in office ends the day before. "
            "Members' resident logins become committee-member logins.",
            "CommitteeActivation", "Committee", "200", forbidden=_OVERSEER,
            more={"409": json_response("Someone changed the committee at the same time "
                                       "(`concurrent_update`).", ref("Error")),
                  "422": json_response("The election has not passed (`not_elected`).",
                                       ref("Error"))}),
    },
    "/communities/{code}/committee/interim": {
        "post": _post(
            "appointInterimCommittee", "Appoint an interim management committee (物业管理委员会)",
            "Where no owners' committee can be formed; `note` says why.",
            "InterimCommittee", "Committee", "201", forbidden=_OVERSEER,
            more={"409": json_response("A committee is in office (`committee_in_office`).",
                                       ref("Error"))}),
    },
    "/communities/{code}/committee/expire": {
        "post": _post(
            "expireCommittee", "End the committee in office, or abandon a preparation",
            "Members' logins return to resident.",
            "CommitteeExpiry", "Committee", "200", forbidden=_OVERSEER,
            more={"409": json_response("No such committee in office or in preparation "
                                       "(`committee_not_in_office`).", ref("Error"))}),
    },
}, schemas=serializers.SCHEMAS)
