"""Follow-up calls (回访) on closed tickets (docs/domain.md#callbacks).

The street office (or its delegate community office) of a ticket's community
calls a sample of the closed tickets back: a stable share of them chosen by a
hash of the ticket's id (the setting `callback_sample_percent` of the street,
20 % by default) and every ticket that was disputed or reopened. A call either
reaches the reporter, who then says whether they are satisfied, or not (and may
be tried again); a ticket leaves the call list once a call reached its reporter.

The call counts in the ticket measures beside the reporter's own rating:
`callback_counts` is one grouped statement over the report's tickets, kept apart
from the report's own statement (pmsys/tickets/services/reports.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import BigInteger, and_, case, cast, exists, false, func, or_, select, update
from sqlalchemy.orm import Session

from pmsys import audit, clock
from pmsys.auth import permissions
from pmsys.errors import Conflict, Forbidden, InvalidInput, RuleRefused
from pmsys.models.auth import Organization, User
from pmsys.models.places import Community, Person
from pmsys.models.tickets import Ticket, TicketCallback, TicketEvent, TicketStatus
from pmsys.settings import DEFAULT_SETTINGS, get_settings
from pmsys.tickets import measures
from pmsys.tickets.services.actions import MAX_NOTE
from pmsys.tickets.services.reports import _local_midnight, _local_month, check_request

# The hash that picks the sample: a permutation of the ids modulo a prime, then a percentile.
PRIME = 1_000_003
MULTIPLIER = 7_919


def percentile(ticket_id: int) -> int:
    """The ticket's place from 0 to 99 in the sample order (stable: a function of the id)."""
    return (ticket_id % PRIME) * MULTIPLIER % PRIME % 100


def in_sample(ticket_id: int, percent: int) -> bool:
    """Whether the ticket is in a `percent` % sample of closed tickets (0–100)."""
    return percentile(ticket_id) < percent


def _percentile_sql(column):
    return cast(column, BigInteger) % PRIME * MULTIPLIER % PRIME % 100


def check_percent(value) -> int:
    """The setting `callback_sample_percent` as an integer from 0 to 100; ValueError else."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ValueError("must be a whole number from 0 to 100")
    return value


@dataclass(frozen=True)
class CallItem:
    """A closed ticket waiting for its follow-up call, with whom to call."""

    ticket_id: int
    number: str
    community: str
    community_name: str
    category: str
    closed_at: datetime
    rating: int | None
    reporter_name: str
    reporter_phone: str | None
    reasons: tuple[str, ...]  # "disputed", "reopened", "sample"
    attempts: int  # calls that did not reach the reporter


def may_call_back(actor) -> bool:
    """Whether `actor` belongs to an office that makes follow-up calls (see `arbitrates`)."""
    return permissions.may_rule_on_disputes(actor)


def _reached():
    return exists().where(TicketCallback.ticket_id == Ticket.id, TicketCallback.reached)


def _sample_clause(session: Session, actor):
    """The filter on Ticket (joined with Community) for the tickets of `actor`'s call list."""
    streets = session.scalars(
        select(Community.street_id).where(permissions.arbitration_clause(actor)).distinct()
    ).all()
    if not streets:
        return false()
    percents = get_settings(session, "callback_sample_percent", streets)
    sampled = [and_(Community.street_id == street,
                    _percentile_sql(Ticket.id) < _valid_percent(percents[street]))
               for street in streets]
    return or_(Ticket.dispute_count > 0, Ticket.reopen_count > 0, *sampled)


def _valid_percent(value) -> int:
    try:
        return check_percent(value)
    except ValueError:
        return int(DEFAULT_SETTINGS["callback_sample_percent"])  # a bad stored value


def call_list(session: Session, actor, *, page: int = 1, per_page: int = 50
              ) -> tuple[list[CallItem], int]:
    """The closed tickets of `actor`'s area waiting for a follow-up call, oldest closing first.

    For street and community offices (others: Forbidden). The reporter's phone is
    shown in full: the office needs it to call (docs/domain.md#privacy).
    """
    if not may_call_back(actor):
        raise Forbidden("follow-up calls are the street office's", code="not_your_action")
    attempts = (select(func.count()).where(TicketCallback.ticket_id == Ticket.id)
                .correlate(Ticket).scalar_subquery())
    where = (
        Ticket.status == TicketStatus.closed,
        permissions.arbitration_clause(actor),
        _sample_clause(session, actor),
        ~_reached(),
    )
    total = session.scalar(
        select(func.count()).select_from(Ticket)
        .join(Community, Community.id == Ticket.community_id).where(*where))
    rows = session.execute(
        select(Ticket.id, Ticket.number, Ticket.category, Ticket.closed_at, Ticket.rating,
               Ticket.reporter_name, Ticket.reporter_phone, Ticket.dispute_count,
               Ticket.reopen_count, Community.code, Community.name.label("community_name"),
               Person.phone.label("person_phone"), attempts.label("attempts"))
        .join(Community, Community.id == Ticket.community_id)
        .outerjoin(User, User.id == Ticket.reporter_id)
        .outerjoin(Person, Person.id == User.person_id)
        .where(*where)
        .order_by(Ticket.closed_at, Ticket.id)
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    items = []
    for row in rows:
        reasons = tuple(reason for reason, why in (("disputed", row.dispute_count > 0),
                                                   ("reopened", row.reopen_count > 0))
                        if why) or ("sample",)
        items.append(CallItem(row.id, row.number, row.code, row.community_name, row.category,
                              row.closed_at, row.rating, row.reporter_name,
                              row.reporter_phone or row.person_phone, reasons, row.attempts))
    return items, total or 0


def _note(value) -> str:
    if value is None:
        return ""
    value = str(value).strip()
    if len(value) > MAX_NOTE:
        raise InvalidInput("the note is too long", fields={"note": f"at most {MAX_NOTE}"})
    return value


def record_callback(session: Session, actor, ticket: Ticket, *, reached: bool,
                    satisfied: bool | None = None, note=None) -> TicketCallback:
    """Record one follow-up call on a closed ticket of the caller's area.

    Refusals: 403 `not_your_action` (not the street or community office of the
    ticket's community; audited), 409 `wrong_state` (the ticket is not closed),
    409 `already_called` (a call already reached the reporter), 422
    `satisfied_needs_reached` (a call that reached the reporter says whether they
    are satisfied; one that did not, does not). The call is audited and joins the
    ticket's trail.
    """
    community = session.get(Community, ticket.community_id)
    if not permissions.arbitrates(actor, community.street_id, community.community_office_id):
        audit.refusal(session, actor, "ticket_callback_refused", "ticket", ticket.number,
                      reason="not_your_action")
        raise Forbidden("follow-up calls are the street office's", code="not_your_action")
    if ticket.status is not TicketStatus.closed:
        raise Conflict("only a closed ticket is called back", code="wrong_state")
    if (satisfied is None) == bool(reached):
        raise RuleRefused("say whether the reporter is satisfied when the call reached them, "
                          "and only then", code="satisfied_needs_reached",
                          fields={"satisfied": "required when reached, else absent"})
    note = _note(note)
    if session.scalar(select(_reached().where(TicketCallback.ticket_id == ticket.id))):
        raise Conflict("a call already reached the reporter", code="already_called")
    # Two calls at once: the second finds the version moved on (409 concurrent_update).
    moved = session.execute(
        update(Ticket).where(Ticket.id == ticket.id, Ticket.version == ticket.version)
        .values(version=Ticket.version + 1).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        raise Conflict("someone acted on this ticket at the same time",
                       code="concurrent_update")
    session.expire(ticket, ["version"])
    call = TicketCallback(ticket_id=ticket.id, at=clock.now(), caller_id=actor.id,
                          caller_org_id=actor.organization_id, reached=bool(reached),
                          satisfied=satisfied if reached else None, note=note)
    session.add(call)
    detail = {"reached": call.reached, "satisfied": call.satisfied}
    session.add(TicketEvent(ticket_id=ticket.id, at=call.at, actor_id=actor.id,
                            actor_org_id=actor.organization_id, action="callback",
                            status_after=ticket.status.value, note=note, data=detail))
    session.flush()
    audit.record(session, actor, "ticket_callback", "ticket", ticket.number, **detail)
    return call


def may_call_on(session: Session, actor, ticket: Ticket,
                calls: list[TicketCallback]) -> bool:
    """Whether the page offers `actor` to record a call on the ticket now."""
    if ticket.status is not TicketStatus.closed or any(call.reached for call in calls):
        return False
    community = session.get(Community, ticket.community_id)
    return permissions.arbitrates(actor, community.street_id, community.community_office_id)


def callbacks_of(session: Session, ticket: Ticket) -> list[TicketCallback]:
    """The ticket's follow-up calls, oldest first."""
    return list(session.scalars(select(TicketCallback).where(TicketCallback.ticket_id == ticket.id)
                                .order_by(TicketCallback.at, TicketCallback.id)))


@dataclass(frozen=True)
class CallbackMeasures:
    """Follow-up calls that reached the reporter, and how many of them were satisfied."""

    callbacks: int = 0
    satisfied: int = 0

    @property
    def satisfaction_rate(self):
        """satisfied / callbacks (4 places, half up); None without callbacks."""
        return measures.rate(self.satisfied, self.callbacks)


def callback_counts(session: Session, actor, *, date_from: date, date_to: date,
                    group: str = "org") -> tuple[dict[str | None, CallbackMeasures],
                                                 CallbackMeasures]:
    """The reached follow-up calls of the report's tickets, per group and in total.

    The same tickets and groups as the ticket report (reported from `date_from`
    to `date_to`, local days; visible to `actor`; grouped by the current
    assignee, community, category or month); one grouped statement.
    """
    check_request(actor, group, date_from, date_to)
    dialect = session.get_bind().dialect.name
    key = {
        "org": Organization.code,
        "community": Community.code,
        "category": Ticket.category,
        "month": _local_month(dialect, Ticket.reported_at),
    }[group]
    rows = session.execute(
        select(key.label("key"), func.count().label("callbacks"),
               func.sum(case((TicketCallback.satisfied, 1), else_=0)).label("satisfied"))
        .select_from(TicketCallback)
        .join(Ticket, Ticket.id == TicketCallback.ticket_id)
        .join(Organization, Organization.id == Ticket.assignee_id)
        .join(Community, Community.id == Ticket.community_id)
        .where(
            TicketCallback.reached,
            Ticket.status != TicketStatus.cancelled,
            permissions.ticket_clause(actor),
            Ticket.reported_at >= _local_midnight(date_from),
            Ticket.reported_at < _local_midnight(date_to + timedelta(days=1)),
        )
        .group_by(key)
    ).all()
    groups = {row.key: CallbackMeasures(row.callbacks, int(row.satisfied or 0)) for row in rows}
    total = CallbackMeasures(sum(m.callbacks for m in groups.values()),
                             sum(m.satisfied for m in groups.values()))
    return groups, total
