"""Assembly votes (docs/domain.md#votes): convene, open (freeze the roll), ballots, close.

CONTRACT (written first; the bodies follow it exactly). Every function takes
the session and the acting user (or the string "scheduler" for the job),
checks permission on the object, writes an audit record for every change and
does NOT commit (the caller commits). Errors are `pmsys.errors` exceptions
with the codes named below; a refused call changes nothing.

Times are aware datetimes (UTC inside). `now` defaults to `clock.now()`.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import func, insert, literal, select
from sqlalchemy.orm import Session

from pmsys import audit, clock
from pmsys.auth import permissions
from pmsys.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from pmsys.governance import access, voting
from pmsys.governance import committees as committee_rules
from pmsys.governance.services.committees import rules_for
from pmsys.models.auth import User
from pmsys.models.governance import (
    BallotChoice,
    CandidateStatus,
    Committee,
    CommitteeCandidate,
    CommitteeStatus,
    Vote,
    VoteBallot,
    VoteRollEntry,
    VoteStatus,
)
from pmsys.models.places import Building, Community, Household, Person, Unit
from pmsys.notify import notify_users, org_user_ids
from pmsys.places.services import street_office

# The longest a vote may stay open.
MAX_DAYS_OPEN = 90

SCHEDULER, SYSTEM = "scheduler", "pmsys"  # the job's actor name; the system's
TITLE_MAX = 200
FUND_MATTER = "use_maintenance_fund"  # the matter whose vote approves an amount
MAX_AMOUNT = Decimal("99999999.99")


def _approved_amount(matter: str, amount) -> Decimal | None:
    """The yuan a use_maintenance_fund vote approves (required there, refused elsewhere)."""
    if matter != FUND_MATTER:
        if amount not in (None, ""):
            raise InvalidInput(_("Only a vote on using the maintenance fund approves an amount."),
                               fields={"amount": "only for use_maintenance_fund"})
        return None
    problem = _("A vote on using the maintenance fund states the amount it approves: yuan, "
                "more than zero, at most two decimals.")
    if isinstance(amount, bool) or not isinstance(amount, (str, int, Decimal)):
        raise InvalidInput(problem, fields={"amount": "required"})
    try:
        value = Decimal(str(amount).strip())
    except InvalidOperation:
        raise InvalidInput(problem, fields={"amount": "not a number"}) from None
    if (not value.is_finite() or value <= 0 or value > MAX_AMOUNT
            or value != value.quantize(Decimal("0.01"))):
        raise InvalidInput(problem, fields={"amount": "more than zero, two decimals"})
    return value.quantize(Decimal("0.01"))


def _community_households(community: Community):
    """Select (household id, owner id, area, owner is developer) for the community's households."""
    return (
        select(Household.id, Household.owner_id, Household.area, Person.is_developer)
        .join(Unit, Unit.id == Household.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .join(Person, Person.id == Household.owner_id)
        .where(Building.community_id == community.id)
    )


def _election_committee(session: Session, community: Community) -> Committee:
    """Return the preparing committee an election vote may be convened for, or refuse."""

    committee = session.scalar(select(Committee).where(
        Committee.community_id == community.id, Committee.status == CommitteeStatus.preparing))
    if committee is None:
        raise RuleRefused(_("No owners' committee is being prepared in this community."),
                          code="no_committee_in_preparation")
    approved = session.scalar(select(func.count(CommitteeCandidate.id)).where(
        CommitteeCandidate.committee_id == committee.id,
        CommitteeCandidate.status == CandidateStatus.approved,
    )) or 0
    households = session.scalar(select(func.count()).select_from(
        _community_households(community).subquery())) or 0
    rules = rules_for(session, community)
    if committee_rules.size_problem(approved, households, rules) is not None:
        low, high = committee_rules.size_bounds(households, rules)
        raise RuleRefused(
            _("%(count)s approved candidates do not fit: a committee here has an odd number "
              "of members from %(low)s to %(high)s.", count=approved, low=low, high=high),
            code="candidates_do_not_fit")
    running = session.scalar(select(Vote.id).where(
        Vote.committee_id == committee.id, Vote.status != VoteStatus.closed).limit(1))
    if running is not None:
        raise Conflict(_("An election vote for this committee is under way."),
                       code="election_under_way")
    return committee


def convene(session: Session, actor, community: Community, *, matter: str, title: str,
            opens_at: datetime, closes_at: datetime, description: str = "",
            amount=None, now: datetime | None = None) -> Vote:
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
    use_maintenance_fund: `amount` (yuan, more than zero) is the most the fund may spend on
    the vote's strength (docs/domain.md#fund); InvalidInput(fields={"amount"}) when missing,
    and when given for another matter.
    """
    now = now or clock.now()
    if not access.may_convene(session, actor, community):
        raise Forbidden(_("Only the owners' committee in office or the street office convenes "
                          "an assembly vote here."), code="forbidden")
    if not isinstance(matter, str) or matter not in voting.MATTERS:
        raise InvalidInput(_("Unknown matter."), fields={"matter": ", ".join(voting.MATTERS)})
    title = title.strip() if isinstance(title, str) else ""
    if not title or len(title) > TITLE_MAX:
        raise InvalidInput(_("A title of 1 to 200 characters is needed."),
                           fields={"title": "1 to 200 characters"})
    if not isinstance(description or "", str):
        raise InvalidInput(_("The description must be text."), fields={"description": "text"})
    for field, value in (("opens_at", opens_at), ("closes_at", closes_at)):
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise InvalidInput(_("%(field)s must be a time with its offset", field=field),
                               fields={field: "an ISO 8601 time with offset"})
    if closes_at <= opens_at:
        raise InvalidInput(_("A vote must close after it opens."), code="closes_before_opens",
                           fields={"closes_at": "after opens_at"})
    if closes_at <= now:
        raise InvalidInput(_("The closing time has passed."),
                           fields={"closes_at": "in the future"})
    if closes_at - opens_at > timedelta(days=MAX_DAYS_OPEN):
        raise InvalidInput(_("A vote stays open for at most %(days)s days.", days=MAX_DAYS_OPEN),
                           fields={"closes_at": f"at most {MAX_DAYS_OPEN} days after opens_at"})
    approved = _approved_amount(matter, amount)
    committee = _election_committee(session, community) if matter == "elect_committee" else None

    vote = Vote(
        community_id=community.id, committee_id=committee.id if committee else None,
        matter=matter, kind=voting.kind_of(matter), title=title,
        description=(description or "").strip(),
        opens_at=opens_at, closes_at=closes_at, status=VoteStatus.scheduled,
        convened_by_id=actor.id, convened_by_org_id=actor.organization_id, created_at=now,
        amount=approved,
    )
    session.add(vote)
    session.flush()
    audit.record(session, actor, "vote_convened", "vote", vote.id, community=community.code,
                 matter=matter, title=title, opens_at=opens_at.isoformat(),
                 closes_at=closes_at.isoformat(),
                 committee=committee.id if committee else None,
                 amount=None if approved is None else str(approved))
    _open(session, vote, now, SYSTEM)
    return vote


def _lock(session: Session, vote: Vote) -> Vote:
    """Lock the vote's row (SELECT … FOR UPDATE; no-op on SQLite) and reload it."""
    return session.scalars(
        select(Vote).where(Vote.id == vote.id).with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _open(session: Session, vote: Vote, now: datetime, by: str) -> bool:
    """Open `vote` if it is scheduled and due: freeze its roll, notify its owners."""
    if vote.status is not VoteStatus.scheduled or vote.opens_at > now:
        return False
    vote = _lock(session, vote)
    if vote.status is not VoteStatus.scheduled:
        return False
    community = session.get(Community, vote.community_id)
    parts = _community_households(community).subquery()
    session.execute(insert(VoteRollEntry).from_select(
        ["vote_id", "household_id", "person_id", "area", "developer_unsold"],
        select(literal(vote.id), parts.c.id, parts.c.owner_id, parts.c.area,
               parts.c.is_developer),
    ))
    vote.status = VoteStatus.open
    vote.roll_frozen_at = now
    session.flush()
    audit.record(session, by, "vote_opened", "vote", vote.id, community=community.code,
                 **tally(session, vote))
    voters = session.scalars(select(User.id).where(
        User.active.is_(True),
        User.person_id.in_(select(VoteRollEntry.person_id).where(VoteRollEntry.vote_id == vote.id)),
    ))
    notify_users(session, voters, "vote_opened", None, vote=vote.id, title=vote.title,
                 community=community.code, community_name=community.name,
                 closes_at=vote.closes_at.isoformat())
    return True


def _roll(session: Session, vote: Vote) -> list[voting.RollPart]:
    """Return the vote's frozen roll as the pure rule reads it."""
    rows = session.execute(select(
        VoteRollEntry.household_id, VoteRollEntry.area, VoteRollEntry.person_id,
        VoteRollEntry.developer_unsold,
    ).where(VoteRollEntry.vote_id == vote.id).order_by(VoteRollEntry.household_id))
    return [voting.RollPart(household, area, person, unsold)
            for household, area, person, unsold in rows]


def _ballots(session: Session, vote: Vote) -> list[voting.Ballot]:
    """Return the vote's ballots as the pure rule reads them."""
    rows = session.execute(select(VoteBallot.person_id, VoteBallot.choice, VoteBallot.cast_at)
                           .where(VoteBallot.vote_id == vote.id).order_by(VoteBallot.id))
    return [voting.Ballot(person, BallotChoice(choice).value, cast_at)
            for person, choice, cast_at in rows]


def open_if_due(session: Session, vote: Vote, now: datetime | None = None) -> bool:
    """Open a scheduled vote whose opening time has come: freeze the roll, status open.

    The roll is one VoteRollEntry per household of the community with its
    owner of record and registered area at this moment; a household whose
    owner is a developer (Person.is_developer) is an unsold part. Returns
    whether it opened now. Audit "vote_opened" (actor "scheduler" when
    called by the job, else the system name "pmsys"). Idempotent.
    """
    return _open(session, vote, now or clock.now(), SYSTEM)


def _on_roll(session: Session, vote: Vote, person_id: int | None) -> bool:
    """Whether the person holds a part on the vote's frozen roll."""
    if person_id is None:
        return False
    return session.scalar(select(VoteRollEntry.person_id).where(
        VoteRollEntry.vote_id == vote.id, VoteRollEntry.person_id == person_id).limit(1)
    ) is not None


def cast_ballot(session: Session, actor, vote: Vote, *, choice: str,
                person_code: str | None = None,
                now: datetime | None = None) -> tuple[VoteBallot, bool]:
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
    now = now or clock.now()
    seen = permissions.is_active_user(actor) and session.scalar(
        select(Vote.id).where(Vote.id == vote.id, access.vote_clause(actor))) is not None
    if not seen:
        raise NotFound(_("No such vote."), code="vote_not_found")
    if choice not in voting.CHOICES:
        raise InvalidInput(_("Choose approve, reject or abstain."),
                           fields={"choice": "approve, reject or abstain"})
    vote = _lock(session, vote)
    _open(session, vote, now, SYSTEM)
    if vote.status is VoteStatus.scheduled:
        raise Conflict(_("This vote is not open yet."), code="vote_not_open")
    if vote.status is VoteStatus.closed or now >= vote.closes_at:
        raise Conflict(_("This vote is closed."), code="vote_closed")

    paper = person_code is not None
    if not paper:
        person = session.get(Person, actor.person_id) if actor.person_id else None
        if person is None or not _on_roll(session, vote, person.id):
            raise Forbidden(_("Only owners on this vote's roll vote in it."), code="not_an_owner")
    elif not access.may_convene(session, actor, vote.community):
        raise Forbidden(_("Only the committee in office or the street office records paper "
                          "ballots."), code="forbidden")
    else:
        person = session.scalar(select(Person).where(Person.code == person_code)) if isinstance(
            person_code, str) else None
        if person is None or not _on_roll(session, vote, person.id):
            raise RuleRefused(_("This person is not on the vote's roll."), code="not_on_roll",
                              fields={"person": "not on the roll"})

    ballot = session.scalar(select(VoteBallot).where(
        VoteBallot.vote_id == vote.id, VoteBallot.person_id == person.id))
    replaced = ballot is not None
    if ballot is None:
        ballot = VoteBallot(vote_id=vote.id, person_id=person.id, replaced=0)
        session.add(ballot)
    else:
        ballot.replaced = (ballot.replaced or 0) + 1
    ballot.choice = BallotChoice(choice)
    ballot.cast_at = now
    ballot.cast_by_id = actor.id
    ballot.paper = paper
    session.flush()
    audit.record(session, actor, "ballot_replaced" if replaced else "ballot_cast", "vote",
                 vote.id, person=person.code, choice=choice, paper=paper)
    return ballot, replaced


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
    now = now or clock.now()
    community = session.get(Community, vote.community_id)
    by_job = actor == SCHEDULER
    if not by_job and not access.may_convene(session, actor, community):
        raise Forbidden(_("Only the committee in office or the street office closes this vote."),
                        code="forbidden")
    vote = _lock(session, vote)
    if vote.status is VoteStatus.closed:
        raise Conflict(_("This vote is closed."), code="vote_closed")
    if now < vote.closes_at:
        raise Conflict(_("This vote is open until its closing time."), code="vote_not_over")
    _open(session, vote, now, SCHEDULER if by_job else SYSTEM)

    outcome = voting.result(_roll(session, vote), _ballots(session, vote), vote.matter)
    result = outcome.as_dict()
    result["counts"] = {"owners": outcome.owners, "participants": outcome.participants,
                        "approving": outcome.approving, "total_area": str(outcome.total_area),
                        "participating_area": str(outcome.participating_area),
                        "approving_area": str(outcome.approving_area)}
    vote.result = result
    vote.passed = outcome.passed
    vote.reason = outcome.reason
    vote.status = VoteStatus.closed
    vote.closed_at = now
    vote.closed_by_id = None if by_job else actor.id
    session.flush()
    audit.record(session, actor, "vote_closed", "vote", vote.id, community=community.code,
                 passed=outcome.passed, reason=outcome.reason)

    committee = access.active_committee(session, community)
    office = street_office(session, community)
    recipients = [uid for org in (committee.organization_id if committee else None,
                                  office.id if office else None)
                  if org is not None for uid in org_user_ids(session, org)]
    notify_users(session, recipients, "vote_result", None, vote=vote.id, title=vote.title,
                 community=community.code, community_name=community.name,
                 passed=outcome.passed, reason=outcome.reason)
    return result


def close_due(session: Session, now: datetime) -> dict:
    """For the job: open every scheduled vote due, close every open vote whose time is over.

    Returns {"opened": n, "closed": m}.
    """
    opened = closed = 0
    due = session.scalars(select(Vote).where(
        Vote.status == VoteStatus.scheduled, Vote.opens_at <= now).order_by(Vote.id)).all()
    for vote in due:
        opened += _open(session, vote, now, SCHEDULER)
    over = session.scalars(select(Vote).where(
        Vote.status == VoteStatus.open, Vote.closes_at <= now).order_by(Vote.id)).all()
    for vote in over:
        with suppress(Conflict):  # closed by its convenor meanwhile
            close(session, SCHEDULER, vote, now)
            closed += 1
    return {"opened": opened, "closed": closed}


def tally(session: Session, vote: Vote) -> dict:
    """Participation so far of an open vote: {"ballots": n, "owners": N}.

    No choices before close.
    """
    ballots = session.scalar(select(func.count(VoteBallot.id))
                             .where(VoteBallot.vote_id == vote.id)) or 0
    # Owners as Interpretation Art. 9 counts them: the pure rule groups the parts.
    return {"ballots": ballots, "owners": voting.result(_roll(session, vote), [],
                                                         vote.matter).owners}


def own_ballot(session: Session, actor, vote: Vote) -> VoteBallot | None:
    """The actor's own ballot in this vote, if they cast one (or one was recorded for them)."""
    person_id = getattr(actor, "person_id", None)
    return None if person_id is None else session.scalar(select(VoteBallot).where(
        VoteBallot.vote_id == vote.id, VoteBallot.person_id == person_id))


def may_vote(session: Session, actor, vote: Vote) -> bool:
    """Whether the actor is an owner on this vote's roll (roll frozen) or in the community now."""
    if not permissions.is_active_user(actor) or actor.person_id is None:
        return False
    if vote.roll_frozen_at is not None:
        return _on_roll(session, vote, actor.person_id)
    community = session.get(Community, vote.community_id)
    parts = _community_households(community).subquery()
    return session.scalar(select(parts.c.id).where(parts.c.owner_id == actor.person_id)
                          .limit(1)) is not None
