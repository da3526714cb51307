"""Assembly votes (DESIGN.md §6): convene, open (freeze the roll), ballots, close.

CONTRACT (written first; the bodies follow it exactly). Every function takes
the session and the acting user (or the string "scheduler" for the job),
checks permission on the object, writes an audit record for every change and
does NOT commit (the caller commits). Errors are `pmsys.errors` exceptions
with the codes named below; a refused call changes nothing.

Times are aware datetimes (UTC inside). `now` defaults to `clock.now()`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from pmsys.governance.models import Vote, VoteBallot
from pmsys.places.models import Community

# The longest a vote may stay open.
MAX_DAYS_OPEN = 90


def convene(session: Session, actor, community: Community, *, matter: str, title: str,
            opens_at: datetime, closes_at: datetime, description: str = "",
            now: datetime | None = None) -> Vote:
    """Convene a vote on `matter` (one of voting.MATTERS) in `community`.

    Who: `access.may_convene` (the committee in office, the street office,
    a sysadmin) else Forbidden("forbidden"). Input: matter unknown →
    InvalidInput(fields={"matter"}); title blank or > 200 chars →
    InvalidInput(fields={"title"}); closes_at <= opens_at →
    InvalidInput(code="closes_before_opens", fields={"closes_at"}); closes_at
    <= now → InvalidInput(fields={"closes_at"}); open longer than
    MAX_DAYS_OPEN → InvalidInput(fields={"closes_at"}).
    elect_committee: needs the community's preparing committee (RuleRefused
    code "no_committee_in_preparation") whose approved candidates fit the
    size rules (RuleRefused "candidates_do_not_fit", message says the
    bounds) and no other not-closed election vote for it (Conflict
    "election_under_way"); the vote's committee_id is set.
    kind = voting.kind_of(matter); status scheduled; if opens_at <= now the
    vote opens at once (roll frozen, status open). Audit "vote_convened".
    """
    raise NotImplementedError


def open_if_due(session: Session, vote: Vote, now: datetime | None = None) -> bool:
    """Open a scheduled vote whose opening time has come: freeze the roll, status open.

    The roll is one VoteRollEntry per household of the community with its
    owner of record and registered area at this moment; a household whose
    owner is a developer (Person.is_developer) is an unsold part. Returns
    whether it opened now. Audit "vote_opened" (actor "scheduler" when
    called by the job, else the system name "pmsys"). Idempotent.
    """
    raise NotImplementedError


def cast_ballot(session: Session, actor, vote: Vote, *, choice: str,
                person_code: str | None = None, now: datetime | None = None) -> tuple[VoteBallot, bool]:
    """Record a ballot; returns (ballot, replaced) — replaced is True when it replaced one.

    Visibility first: a vote the actor may not see → NotFound("vote_not_found").
    choice not approve/reject/abstain → InvalidInput(fields={"choice"}).
    Opens the vote if due (open_if_due). Not yet open → Conflict
    "vote_not_open"; closed or now >= closes_at → Conflict "vote_closed".
    Without person_code: the actor votes as their own person (actor.person_id)
    who must be on the roll, else Forbidden "not_an_owner". With person_code
    (a paper ballot): the actor must `may_convene` (else Forbidden
    "forbidden"); unknown person code or not on the roll → RuleRefused
    "not_on_roll" (fields={"person"}). One ballot per person (unique): a second
    replaces the first's choice, cast_at, cast_by and paper flag and counts
    `replaced`. The vote row is locked (SELECT … FOR UPDATE) so close and
    ballot never interleave. Audit "ballot_cast" / "ballot_replaced" with the
    person code, choice and paper flag.
    """
    raise NotImplementedError


def close(session: Session, actor, vote: Vote, now: datetime | None = None) -> dict:
    """Close a vote and compute its result; returns `vote.result` (the API's close shape).

    Who: `access.may_convene` for the vote's community, or the string
    "scheduler" (the job closes votes whose time is over) else Forbidden.
    Already closed → Conflict "vote_closed". now < closes_at → Conflict
    "vote_not_over". A scheduled vote whose time is over opens first (empty
    participation). Result = voting.result(roll, ballots, matter).as_dict()
    plus "counts": {"owners", "participants", "approving", "total_area",
    "participating_area", "approving_area"} (areas as decimal strings);
    stored in vote.result with passed and reason; status closed, closed_at,
    closed_by. Audit "vote_closed" with passed and reason. Notifies the
    community's committee logins and street office ("vote_result").
    """
    raise NotImplementedError


def close_due(session: Session, now: datetime) -> dict:
    """For the job: open every scheduled vote due, close every open vote whose time is over.

    Returns {"opened": n, "closed": m}.
    """
    raise NotImplementedError


def tally(session: Session, vote: Vote) -> dict:
    """Participation so far of an open vote: {"ballots": n, "owners": N} (no choices before close)."""
    raise NotImplementedError


def own_ballot(session: Session, actor, vote: Vote) -> VoteBallot | None:
    """The actor's own ballot in this vote, if they cast one (or one was recorded for them)."""
    raise NotImplementedError


def may_vote(session: Session, actor, vote: Vote) -> bool:
    """Whether the actor is an owner on this vote's roll (roll frozen) or in the community now."""
    raise NotImplementedError
