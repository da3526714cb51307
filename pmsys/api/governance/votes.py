"""API: owners' assembly votes (docs/domain.md#votes, Civil Code Art. 278): convene, ballots,
close."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from flask_babel import gettext as _
from pydantic import BeforeValidator, Field
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pmsys import clock
from pmsys.api import bp
from pmsys.api.governance import serializers
from pmsys.api.governance.committees import (
    COMMUNITY_PATH,
    FIRST_YEAR,
    LAST_YEAR,
    caller,
    visible_community,
)
from pmsys.api.governance.serializers import Ballot, BallotRow, VoteResult
from pmsys.api.helpers import api_login_required, page_rows
from pmsys.api.typed import (
    TEXT_LENGTH,
    Code,
    Input,
    NoBody,
    Page,
    Paged,
    endpoint,
    number,
    text,
)
from pmsys.auth import permissions
from pmsys.db import valid_id
from pmsys.errors import Forbidden, NotFound
from pmsys.extensions import db
from pmsys.governance import access, voting
from pmsys.governance.services import votes as services
from pmsys.models.governance import Vote, VoteBallot, VoteStatus
from pmsys.models.places import Community

VOTE_PATH = {"vote_id": "The vote's id."}
_CONVENER = "Not the committee in office, the street office or a sysadmin (`forbidden`)."


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


def visible_vote(vote_id: int) -> Vote:
    """The vote of the path, if the caller sees it (else 404, before any 400)."""
    return vote_or_404(caller(), vote_id)


def _instant(value) -> datetime:
    """An ISO 8601 time (China Standard Time without an offset), in UTC."""
    problem = "a time in ISO 8601, e.g. 2025-06-02T09:00:00+08:00"
    if not isinstance(value, str) or len(value) > 64:
        raise ValueError(problem)
    try:
        moment = clock.parse_instant(value)
    except (ValueError, OverflowError):
        raise ValueError(problem) from None
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError(problem)
    return moment


Instant = Annotated[datetime, BeforeValidator(_instant)]


class NewVote(Input):
    matter: Annotated[Code, Field(json_schema_extra={"enum": list(voting.MATTERS)})]
    title: Annotated[text(TEXT_LENGTH), Field(json_schema_extra={
        "minLength": 1, "maxLength": services.TITLE_MAX})]
    opens_at: Annotated[Instant, Field(description="Without an offset: China Standard Time.")]
    closes_at: Instant
    description: text(TEXT_LENGTH) | None = None
    amount: Annotated[number("20000.00") | None, Field(description=(
        "For `use_maintenance_fund` (and only for it, where it is required): the most, in "
        "yuan, the maintenance fund may spend on this vote's strength."))] = None


class NewBallot(Input):
    choice: Annotated[Code, Field(json_schema_extra={"enum": list(voting.CHOICES)})]
    person: Annotated[Code | None, Field(description=(
        "A paper ballot for this owner (the convening side only); absent: the caller votes "
        "as themself."))] = None


@bp.get("/communities/<code>/votes")
@api_login_required
@endpoint(query=Paged, answers={200: ("A page of votes.", Page[serializers.Vote])},
          refusals={404: ""}, path=COMMUNITY_PATH, tags=("governance",),
          find=visible_community)
def list_votes(code: str, query: Paged, found: Community):
    """A community's assembly votes, the latest opening first.

    Everyone who sees the community, its residents included.
    """
    rows, total = page_rows(select(Vote).where(Vote.community_id == found.id)
                            .options(selectinload(Vote.convened_by_org))
                            .order_by(Vote.opens_at.desc(), Vote.id.desc()), query)
    actor = caller()
    return {"items": [serializers.vote_answer(db.session, actor, v) for v in rows],
            "total": total}


@bp.post("/communities/<code>/votes")
@api_login_required
@endpoint(body=NewVote, answers={201: ("The vote.", serializers.Vote)}, refusals={
    400: "Malformed input; an unknown matter, a blank title, `closes_before_opens`, a "
         "closing time past or too far.",
    403: _CONVENER, 404: "",
    409: "Another election is under way (`election_under_way`).",
    422: "No committee in preparation (`no_committee_in_preparation`), or its approved "
         "candidates do not fit the size rules (`candidates_do_not_fit`)."},
    path=COMMUNITY_PATH, tags=("governance",), find=visible_community)
def convene_vote(code: str, body: NewVote, found: Community):
    """Convene an assembly vote on one matter.

    The committee in office or the street office. The vote opens at `opens_at` (at once if
    that has come: the roll of owners is frozen then) and takes ballots until `closes_at`,
    at most 90 days later. `elect_committee` elects the committee in preparation from its
    approved candidates.
    """
    actor = caller()
    vote = services.convene(db.session, actor, found, matter=body.matter, title=body.title,
                            opens_at=body.opens_at, closes_at=body.closes_at,
                            description=body.description or "", amount=body.amount)
    return serializers.vote_answer(db.session, actor, vote), 201


@bp.get("/votes/<int:vote_id>")
@api_login_required
@endpoint(answers={200: ("The vote.", serializers.Vote)}, refusals={400: "", 404: ""},
          path=VOTE_PATH, tags=("governance",))
def get_vote(vote_id: int):
    """One vote: participation so far, one's own ballot, the result.

    Choices are never shown while the vote is open; the result once it is closed.
    """
    actor = caller()
    return serializers.vote_answer(db.session, actor, vote_or_404(actor, vote_id))


@bp.post("/votes/<int:vote_id>/ballots")
@api_login_required
@endpoint(body=NewBallot, answers={200: ("It replaced the owner's earlier ballot.", Ballot),
                                   201: ("The owner's first ballot.", Ballot)}, refusals={
    403: "Not an owner on the roll (`not_an_owner`), or a paper ballot by someone who does "
         "not convene (`forbidden`).", 404: "",
    409: "The vote is not open yet (`vote_not_open`) or is over (`vote_closed`).",
    422: "The named person is not on the roll (`not_on_roll`)."},
    path=VOTE_PATH, tags=("governance",), find=visible_vote)
def cast_ballot(vote_id: int, body: NewBallot, found: Vote):
    """Cast a ballot, or record a paper ballot for a named owner.

    Without `person` the caller votes as themself and must be an owner on the roll; with
    `person` the convening side records an owner's paper ballot. One ballot per owner: a
    later one replaces it while the vote is open (200).
    """
    ballot, replaced = services.cast_ballot(db.session, caller(), found, choice=body.choice,
                                            person_code=body.person)
    return serializers.ballot_json(ballot), 200 if replaced else 201


@bp.get("/votes/<int:vote_id>/ballots")
@api_login_required
@endpoint(query=Paged, answers={200: ("A page of ballots, the earliest first.",
                                      Page[BallotRow])},
          refusals={403: "The caller sees the vote but does not read its ballots.", 404: ""},
          path=VOTE_PATH, tags=("governance",), find=visible_vote)
def list_ballots(vote_id: int, query: Paged, found: Vote):
    """A vote's ballots: who voted, and how once it is closed.

    The convening side (committee in office, street office) and the bureau. Owners read
    their own ballot in the vote (`my_ballot`).
    """
    if not access.may_read_ballots(db.session, caller(), found):
        raise Forbidden(_("Only the convening side and the bureau read the ballots."))
    rows, total = page_rows(select(VoteBallot).where(VoteBallot.vote_id == found.id)
                            .options(selectinload(VoteBallot.person))
                            .order_by(VoteBallot.cast_at, VoteBallot.id), query)
    closed = found.status is VoteStatus.closed
    return {"items": [serializers.ballot_row_json(b, closed=closed) for b in rows],
            "total": total}


@bp.post("/votes/<int:vote_id>/close")
@api_login_required
@endpoint(body=NoBody, answers={200: ("The result as stored.", VoteResult)}, refusals={
    403: _CONVENER, 404: "",
    409: "Already closed (`vote_closed`) or not over yet (`vote_not_over`)."},
    path=VOTE_PATH, tags=("governance",))
def close_vote(vote_id: int):
    """Close a vote and compute its result (Civil Code Art. 278).

    At or after `closes_at`. Participation ratios are over all owners and all exclusive area
    of the roll frozen when the vote opened; approval ratios over the participants. One
    person with several units counts once; the developer's unsold units count once together.
    """
    actor = caller()
    return services.close(db.session, actor, vote_or_404(actor, vote_id))
