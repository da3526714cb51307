"""Dispute measures: disputes counted against the organisation that raised them, with the
arbiter's rulings (docs/domain.md#measures, #disputes).

The ticket report (pmsys/tickets/services/reports.py) groups tickets by their
assignee at the end; a dispute belongs to whoever raised it, so these figures come
from the tickets' trails in a statement of their own and join the report's groups
by key. The counting is the pure code of pmsys/tickets/measures.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from pmsys import clock
from pmsys.auth import permissions
from pmsys.models.auth import Organization
from pmsys.models.places import Community
from pmsys.models.tickets import Ticket, TicketEvent
from pmsys.tickets import explain, measures
from pmsys.tickets.services.reports import check_request

NO_ORG = "none"
_disputer = aliased(Organization)


@dataclass(frozen=True)
class DisputeReport:
    """The dispute measures of a period per group (by key) and in total."""

    groups: dict[str | None, measures.DisputeMeasures]
    total: measures.DisputeMeasures

    def of(self, key: str | None) -> measures.DisputeMeasures:
        """The group's measures; zeros for a group without disputes."""
        return self.groups.get(key) or measures.DisputeMeasures(key, None)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), clock.LOCAL_TZ)


def _group_of(group: str, row) -> tuple[str | None, str | None]:
    if group == "org":
        return (row.org_code, row.org_name) if row.org_code else (NO_ORG, None)
    if group == "community":
        return row.community_code, row.community_name
    if group == "category":
        return row.category, explain.category_label(row.category)
    month = measures.month_key(row.reported_at.astimezone(clock.LOCAL_TZ))
    return month, month


def dispute_report(session: Session, actor, *, date_from: date, date_to: date,
                   group: str = "org") -> DisputeReport:
    """Count the disputes of the tickets reported from `date_from` to `date_to` (local days).

    Per `group` as the ticket report groups (org: the organisation that raised the
    dispute; community, category, month: the ticket's), with how the arbiter ruled:
    upheld (reassigned away) or returned (sent back). Over the tickets `actor` sees,
    and the disputes its own organisation raised on tickets it no longer sees (an
    upheld dispute takes the ticket away). Readers as for the ticket report.
    """
    check_request(actor, group, date_from, date_to)
    visible = permissions.ticket_clause(actor)
    own_org = getattr(actor, "organization_id", None)
    scope = visible
    if own_org is not None:
        scope = or_(visible, Ticket.id.in_(
            select(TicketEvent.ticket_id).where(TicketEvent.action == "dispute",
                                                TicketEvent.actor_org_id == own_org)))
    rows = session.execute(
        select(TicketEvent.ticket_id, TicketEvent.action, TicketEvent.actor_org_id,
               visible.label("visible"), _disputer.code.label("org_code"),
               _disputer.name.label("org_name"), Ticket.category, Ticket.reported_at,
               Community.code.label("community_code"),
               Community.name.label("community_name"))
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .join(Community, Community.id == Ticket.community_id)
        .outerjoin(_disputer, _disputer.id == TicketEvent.actor_org_id)
        .where(
            TicketEvent.action.in_(measures.DISPUTE_ACTIONS),
            Ticket.reported_at >= _midnight(date_from),
            Ticket.reported_at < _midnight(date_to + timedelta(days=1)),
            scope,
        )
        .order_by(TicketEvent.ticket_id, TicketEvent.id)
    ).all()
    events = []
    for row in rows:
        if row.action == "dispute" and not row.visible and row.actor_org_id != own_org:
            continue  # another organisation's dispute on a ticket the reader does not see
        key, name = _group_of(group, row)
        events.append(measures.DisputeEvent(row.ticket_id, row.action, key, name))
    groups, total = measures.measure_disputes(events)
    return DisputeReport(groups, total)


def with_disputes(items: list[measures.Measures], disputes: DisputeReport
                  ) -> list[tuple[measures.Measures, measures.DisputeMeasures]]:
    """The report's groups each with its dispute measures, in key order.

    A group that raised disputes but holds none of the period's tickets now (its
    disputes were upheld) is listed too, with no ticket measures.
    """
    by_key = {item.key: item for item in items}
    for key, counted in disputes.groups.items():
        by_key.setdefault(key, measures.Measures(key=key, name=counted.name))
    ordered = sorted(by_key, key=lambda key: (key is not None, key or ""))
    return [(by_key[key], disputes.of(key)) for key in ordered]
