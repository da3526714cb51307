"""API: owners' assembly votes (docs/domain.md#votes, Civil Code Art. 278): convene, ballots,
close."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pmsys import clock
from pmsys.api import bp
from pmsys.api.governance import serializers
from pmsys.api.governance.committees import (
    CODE_PARAMETER,
    FIRST_YEAR,
    LAST_YEAR,
    caller,
)
from pmsys.api.helpers import api_login_required, json_body, page_rows
from pmsys.api.inputs import TEXT_LENGTH, Body
from pmsys.api.openapi import (
    PAGING_PARAMETERS,
    describe,
    errors,
    json_request,
    json_response,
    page_of,
    ref,
)
from pmsys.auth import permissions
from pmsys.db import MAX_ID, valid_id
from pmsys.errors import Forbidden, NotFound
from pmsys.extensions import db
from pmsys.governance import access
from pmsys.governance.services import votes as services
from pmsys.models.governance import Vote, VoteBallot, VoteStatus


def vote_or_404(actor, vote_id) -> Vote:
    """The vote with this id if `actor` sees its community; else NotFound, as for none."""
    key = valid_id(vote_id)
    vote = None
    if key is not None:
        vote = db.session.scalar(select(Vote).where(Vote.id == key, access.vote_clause(actor)))
    if vote is None:
        raise NotFound(_("No such vote."), code="vote_not_found",
                       hidden=permissions.probe(db.session, Vote.id, key, "vote"))
    return vote


def instant(body: Body, name: str):
    """An ISO 8601 time of the body (China Standard Time without an offset), in UTC."""
    value = body.data.get(name)
    if value is None:
        body.problems[name] = "required"
        return None
    try:
        if not isinstance(value, str) or len(value) > 64:
            raise ValueError(name)
        moment = clock.parse_instant(value)
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise ValueError(name)
        return moment
    except (ValueError, OverflowError):
        body.problems[name] = "a time in ISO 8601, e.g. 2025-06-02T09:00:00+08:00"
        return None


@bp.get("/communities/<code>/votes")
@api_login_required
def list_votes(code: str):
    """The community's votes, the latest opening first."""
    actor = caller()
    community = permissions.get_community_or_404(db.session, actor, code)
    query = (select(Vote).where(Vote.community_id == community.id)
             .options(selectinload(Vote.convened_by_org))
             .order_by(Vote.opens_at.desc(), Vote.id.desc()))
    rows, total = page_rows(query)
    return {"items": [serializers.vote_answer(db.session, actor, v) for v in rows],
            "total": total}


@bp.post("/communities/<code>/votes")
@api_login_required
def convene_vote(code: str):
    """Convene a vote (the committee in office or the street office)."""
    actor = caller()
    community = permissions.get_community_or_404(db.session, actor, code)
    body = Body(json_body())
    matter = body.text("matter", required=True)
    title = body.text("title", required=True, max_length=TEXT_LENGTH)
    description = body.text("description", max_length=TEXT_LENGTH)
    opens_at, closes_at = instant(body, "opens_at"), instant(body, "closes_at")
    body.check()
    vote = services.convene(db.session, actor, community, matter=matter, title=title,
                     opens_at=opens_at, closes_at=closes_at, description=description or "")
    return serializers.vote_answer(db.session, actor, vote), 201


@bp.get("/votes/<int:vote_id>")
@api_login_required
def get_vote(vote_id: int):
    """One vote: participation so far, the caller's own ballot, the result once closed."""
    actor = caller()
    return serializers.vote_answer(db.session, actor, vote_or_404(actor, vote_id))


@bp.post("/votes/<int:vote_id>/ballots")
@api_login_required
def cast_ballot(vote_id: int):
    """Cast one's own ballot, or record an owner's paper ballot; 200 when it replaced one."""
    actor = caller()
    vote = vote_or_404(actor, vote_id)
    body = Body(json_body())
    choice = body.text("choice", required=True)
    person = body.text("person")
    body.check()
    ballot, replaced = services.cast_ballot(db.session, actor, vote, choice=choice,
                                 person_code=person)
    return serializers.ballot_json(ballot), 200 if replaced else 201


@bp.get("/votes/<int:vote_id>/ballots")
@api_login_required
def list_ballots(vote_id: int):
    """Who voted (and, once closed, how): the convening side and the bureau."""
    actor = caller()
    vote = vote_or_404(actor, vote_id)
    if not access.may_read_ballots(db.session, actor, vote):
        raise Forbidden(_("Only the convening side and the bureau read the ballots."))
    query = (select(VoteBallot).where(VoteBallot.vote_id == vote.id)
             .options(selectinload(VoteBallot.person))
             .order_by(VoteBallot.cast_at, VoteBallot.id))
    rows, total = page_rows(query)
    closed = vote.status is VoteStatus.closed
    return {"items": [serializers.ballot_row_json(b, closed=closed) for b in rows],
            "total": total}


@bp.post("/votes/<int:vote_id>/close")
@api_login_required
def close_vote(vote_id: int):
    """Close a vote whose time is over and answer its result."""
    actor = caller()
    vote = vote_or_404(actor, vote_id)
    return services.close(db.session, actor, vote)


# --- OpenAPI ---------------------------------------------------------------------------

VOTE_ID = {"name": "vote_id", "in": "path", "required": True, "description": "The vote's id.",
           "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
_NO_BODY = {"required": False, "description": "No body is needed; an empty JSON object is "
            "accepted.", "content": {"application/json": {"schema": {"type": "object"}}}}
_CONVENER = "Not the committee in office, the street office or a sysadmin (`forbidden`)."

describe({
    "/communities/{code}/votes": {
        "get": {
            "operationId": "listVotes",
            "summary": "A community's assembly votes, the latest opening first",
            "description": "Everyone who sees the community, its residents included.",
            "tags": ["governance"], "parameters": [CODE_PARAMETER, *PAGING_PARAMETERS],
            "responses": {"200": json_response("A page of votes.", page_of("Vote")),
                          **errors(400, 401, 404)},
        },
        "post": {
            "operationId": "conveneVote",
            "summary": "Convene an assembly vote on one matter",
            "description": (
                "The committee in office or the street office. The vote opens at "
                "`opens_at` (at once if that has come: the roll of owners is frozen then) "
                "and takes ballots until `closes_at`, at most "
                f"{services.MAX_DAYS_OPEN} days later. `elect_committee` elects the "
                "committee in preparation from its approved candidates."
            ),
            "tags": ["governance"], "parameters": [CODE_PARAMETER],
            "requestBody": json_request(ref("NewVote")),
            "responses": {
                "201": json_response("The vote.", ref("Vote")),
                "400": json_response("Malformed input; an unknown matter, a blank title, "
                                     "`closes_before_opens`, a closing time past or too "
                                     "far.", ref("Error")),
                **errors(401),
                "403": json_response(_CONVENER, ref("Error")),
                **errors(404, 413),
                "409": json_response("Another election is under way "
                                     "(`election_under_way`).", ref("Error")),
                "422": json_response("No committee in preparation "
                                     "(`no_committee_in_preparation`), or its approved "
                                     "candidates do not fit the size rules "
                                     "(`candidates_do_not_fit`).", ref("Error")),
            },
        },
    },
    "/votes/{vote_id}": {
        "get": {
            "operationId": "getVote",
            "summary": "One vote: participation so far, one's own ballot, the result",
            "description": "Choices are never shown while the vote is open; the result once "
                           "it is closed.",
            "tags": ["governance"], "parameters": [VOTE_ID],
            "responses": {"200": json_response("The vote.", ref("Vote")),
                          **errors(400, 401, 404)},
        },
    },
    "/votes/{vote_id}/ballots": {
        "get": {
            "operationId": "listBallots",
            "summary": "A vote's ballots: who voted, and how once it is closed",
            "description": "The convening side (committee in office, street office) and the "
                           "bureau. Owners read their own ballot in the vote (`my_ballot`).",
            "tags": ["governance"], "parameters": [VOTE_ID, *PAGING_PARAMETERS],
            "responses": {
                "200": json_response("A page of ballots, the earliest first.",
                                     page_of("BallotRow")),
                **errors(400, 401),
                "403": json_response("The caller sees the vote but does not read its "
                                     "ballots.", ref("Error")),
                **errors(404),
            },
        },
        "post": {
            "operationId": "castBallot",
            "summary": "Cast a ballot, or record a paper ballot for a named owner",
            "description": (
                "Without `person` the caller votes as themself and must be an owner on the "
                "roll; with `person` the convening side records an owner's paper ballot. One "
                "ballot per owner: a later one replaces it while the vote is open (200)."
            ),
            "tags": ["governance"], "parameters": [VOTE_ID],
            "requestBody": json_request(ref("NewBallot")),
            "responses": {
                "200": json_response("It replaced the owner's earlier ballot.", ref("Ballot")),
                "201": json_response("The owner's first ballot.", ref("Ballot")),
                **errors(400, 401),
                "403": json_response("Not an owner on the roll (`not_an_owner`), or a paper "
                                     "ballot by someone who does not convene (`forbidden`).",
                                     ref("Error")),
                **errors(404, 413),
                "409": json_response("The vote is not open yet (`vote_not_open`) or is over "
                                     "(`vote_closed`).", ref("Error")),
                "422": json_response("The named person is not on the roll (`not_on_roll`).",
                                     ref("Error")),
            },
        },
    },
    "/votes/{vote_id}/close": {
        "post": {
            "operationId": "closeVote",
            "summary": "Close a vote and compute its result (Civil Code Art. 278)",
            "description": (
                "At or after `closes_at`. Participation ratios are over all owners and all "
                "exclusive area of the roll frozen when the vote opened; approval ratios over "
                "the participants. One person with several units counts once; the "
                "developer's unsold units count once together."
            ),
            "tags": ["governance"], "parameters": [VOTE_ID], "requestBody": _NO_BODY,
            "responses": {
                "200": json_response("The result as stored.", ref("VoteResult")),
                **errors(401),
                "403": json_response(_CONVENER, ref("Error")),
                **errors(404),
                "409": json_response("Already closed (`vote_closed`) or not over yet "
                                     "(`vote_not_over`).", ref("Error")),
            },
        },
    },
})
