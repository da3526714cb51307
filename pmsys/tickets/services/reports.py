"""Ticket measures over the tickets a reader may see (docs/domain.md#measures).

One statement reads the few columns the measures need for every visible
ticket reported in the period (no ORM object per ticket); the grouping and
the arithmetic are the pure functions of pmsys/tickets/measures.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys import categories, clock
from pmsys.auth import permissions
from pmsys.errors import Forbidden, InvalidInput
from pmsys.models.auth import Organization
from pmsys.models.places import Community
from pmsys.models.tickets import Ticket, TicketStatus
from pmsys.tickets import measures

GROUPS = ("org", "community", "category", "month")
DEFAULT_DAYS = 30
# Every month of a period up to five years is listed in the trend; a longer period
# lists the months from its first ticket to its last, so the answer stays bounded.
MAX_TREND_MONTHS = 60
EARLIEST = date(1970, 1, 1)
LATEST = date(2999, 12, 31)


@dataclass(frozen=True)
class TicketReport:
    """The measures of one period: per group, in total, and per month for the trend."""

    group: str
    date_from: date
    date_to: date
    items: list[measures.Measures]
    total: measures.Measures
    by_month: list[measures.Measures]


def default_period(today: date) -> tuple[date, date]:
    """The last 30 days up to `today` included (none before 1970)."""
    return max(today - timedelta(days=DEFAULT_DAYS - 1), EARLIEST), today


def check_period(date_from: date, date_to: date) -> None:
    """Refuse (400) a date before 1970 or after 2999; a reversed period is merely empty."""
    problems = {name: f"a date from {EARLIEST} to {LATEST}"
                for name, day in (("from", date_from), ("to", date_to))
                if not EARLIEST <= day <= LATEST}
    if problems:
        raise InvalidInput("the period is not valid", code="invalid_period", fields=problems)


def check_request(actor, group: str, date_from: date, date_to: date) -> None:
    """Refuse a reader who may not read measures (403), an unknown group or a bad period (400)."""
    if not permissions.can_read_ticket_reports(actor):
        raise Forbidden("ticket measures are for the organisations that handle or watch tickets")
    if group not in GROUPS:
        raise InvalidInput("unknown grouping", code="invalid_group",
                           fields={"group": "one of " + ", ".join(GROUPS)})
    check_period(date_from, date_to)


def _trend_months(date_from: date, date_to: date, records) -> list[str]:
    """The months listed even without tickets (see MAX_TREND_MONTHS)."""
    months = measures.months_between(date_from, date_to)
    if len(months) <= MAX_TREND_MONTHS:
        return months
    if not records:
        return []
    days = [r.reported_at.astimezone(clock.LOCAL_TZ).date() for r in records]
    return measures.months_between(min(days), max(days))


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=clock.LOCAL_TZ)


def _category_name(code: str) -> str:
    spec = categories.BY_CODE.get(code)
    return spec.label if spec is not None else code


# How each grouping names a ticket's group, from the columns read below.
_GROUP_KEYS: dict[str, Callable] = {
    "org": lambda r: (r.org_code, r.org_name),
    "community": lambda r: (r.community_code, r.community_name),
    "category": lambda r: (r.category, _category_name(r.category)),
    "month": lambda r: (measures.month_key(r.reported_at.astimezone(clock.LOCAL_TZ)),) * 2,
}


def _row(record, group: str) -> measures.TicketRow:
    key, name = _GROUP_KEYS[group](record)
    return measures.TicketRow(
        key=key,
        name=name,
        status=record.status.value,
        reported_at=record.reported_at,
        due_respond_at=record.due_respond_at,
        responded_at=record.responded_at,
        due_resolve_at=record.due_resolve_at,
        resolved_at=record.resolved_at,
        rating=record.rating,
        reopen_count=record.reopen_count or 0,
        dispute_count=record.dispute_count or 0,
        cancelled=record.status is TicketStatus.cancelled,
    )


def ticket_report(session: Session, actor, *, date_from: date, date_to: date,
                  group: str = "org", now: datetime | None = None) -> TicketReport:
    """Measure the tickets `actor` may see that were reported from `date_from` to `date_to`.

    The dates are local (China Standard Time) and both included. `group` is
    `org` (the current assignee's code), `community` (its code), `category`
    (its code, named in the reader's language) or `month` (`YYYY-MM`, local;
    every month of the period is listed, with or without tickets, up to five
    years; beyond, the months from the first ticket to the last). A period
    whose start is after its end holds no tickets. `now`
    (default: the clock) decides which response deadlines have passed.
    Bureau, street offices, managers, operators, committee members and
    sysadmins read measures, each over the tickets it sees (an operator: its
    own organisation's); residents are refused (403).
    """
    check_request(actor, group, date_from, date_to)
    now = now or clock.now()
    records = session.execute(
        select(
            Ticket.status, Ticket.category, Ticket.reported_at, Ticket.due_respond_at,
            Ticket.responded_at, Ticket.due_resolve_at, Ticket.resolved_at, Ticket.rating,
            Ticket.reopen_count, Ticket.dispute_count,
            Organization.code.label("org_code"), Organization.name.label("org_name"),
            Community.code.label("community_code"), Community.name.label("community_name"),
        )
        .join(Organization, Organization.id == Ticket.assignee_id)
        .join(Community, Community.id == Ticket.community_id)
        .where(
            permissions.ticket_clause(actor),
            Ticket.reported_at >= _local_midnight(date_from),
            Ticket.reported_at < _local_midnight(date_to + timedelta(days=1)),
        )
    ).all()
    months = _trend_months(date_from, date_to, records)
    items, total = measures.measure_groups(
        [_row(record, group) for record in records], now,
        keys=months if group == "month" else (),
    )
    if group == "month":
        by_month = items
    else:
        by_month, _ = measures.measure_groups(
            [_row(record, "month") for record in records], now, keys=months)
    return TicketReport(group=group, date_from=date_from, date_to=date_to, items=items,
                        total=total, by_month=by_month)
