"""What the ticket pages share: refusal messages, overdue marks, the home-page panels."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from pmsys import clock
from pmsys.auth import permissions
from pmsys.errors import DomainError
from pmsys.models.auth import Role
from pmsys.models.tickets import OPEN_STATUSES, Ticket
from pmsys.tickets import explain, lifecycle, queries
from pmsys.tickets.services import open_queue, visible_tickets
from pmsys.web.assets.common import refusal_message as asset_refusal_message
from pmsys.web.tickets import bp

# What the pages say for the codes of the ticket services' refusals (their own words
# are the API's English).
REFUSALS = {
    "wrong_state": lambda e: _("This action does not fit the ticket's current status."),
    "not_your_action": lambda e: _("This action is not yours to take on this ticket."),
    "concurrent_update": lambda e: _(
        "Somebody else changed this ticket in the meantime. Reload it and try again."),
    "may_not_file": lambda e: _("This login does not file tickets."),
    "not_hotline_staff": lambda e: _("Only hotline staff enter calls for a caller."),
    "asset_ambiguous": lambda e: _(
        "Several assets cover this place. Choose the one at fault below."),
    "asset_not_here": lambda e: _("That asset is not one of this category in this community."),
    "no_street_office": lambda e: _(
        "The community's street office is not recorded, so nobody can be assigned. "
        "Please call your community office."),
    "invalid_photo": lambda e: _(
        "A photo was refused: send at most 4 JPEG, PNG or WebP photos of up to 10 MB each."),
    "not_your_photos": lambda e: _("These photos are not yours to add."),
    "ticket_finished": lambda e: _("The ticket is finished: no more photos."),
    "not_overdue": lambda e: _(
        "The ticket is within its deadlines: it can be hurried up once a deadline has passed."),
    "hurried_recently": lambda e: _(
        "You hurried this ticket up less than 24 hours ago: once a day is enough."),
    "asset_in_open_handover": lambda e: _(
        "The asset is already in the open hand-over %(code)s.", code=e.fields.get("handover", "")),
}

# The form fields the services' field names stand for.
FIELD_NAMES = {
    "caller.name": "caller_name", "caller.phone": "caller_phone", "caller": "caller_name",
    "reported_at": "called_at",
}


def refusal_message(error: DomainError) -> str:
    """What the page says for a refusal: a translated sentence for the codes it knows."""
    explain_code = REFUSALS.get(error.code)
    if explain_code:
        return explain_code(error)
    return asset_refusal_message(error)


def mark_fields(form, error: DomainError) -> None:
    """Point at the fields the service named, in the reader's language."""
    for name in error.fields:
        field = getattr(form, FIELD_NAMES.get(name, name), None)
        if field is not None and hasattr(field, "errors"):
            if not isinstance(field.errors, list):
                field.errors = list(field.errors)
            field.errors.append(_("Please check this field."))


def overdue(ticket: Ticket, now: datetime | None = None) -> list[str]:
    """Which deadlines an open ticket has missed by now: "respond", "resolve", both or none."""
    return lifecycle.missed_deadlines(ticket, now or clock.now())


@bp.app_template_global("ticket_overdue")
def overdue_global(ticket) -> list[str]:
    """`overdue` for templates: the deadlines an open ticket has missed by now."""
    return overdue(ticket)


@bp.app_template_filter("ticket_status")
def status_filter(code) -> str:
    return explain.status_label(getattr(code, "value", code))


@bp.app_template_filter("ticket_priority")
def priority_filter(code) -> str:
    return explain.priority_label(getattr(code, "value", code))


def has_queue(user) -> bool:
    """Whether `user`'s organisation may be assigned tickets (and so has a queue)."""
    return permissions.has_ticket_queue(user)


def _overdue_clause(now: datetime):
    return or_(and_(Ticket.responded_at.is_(None), Ticket.due_respond_at < now),
               and_(Ticket.resolved_at.is_(None), Ticket.due_resolve_at < now))


RULINGS_SHOWN = 10


def rulings(session: Session, user, limit: int = RULINGS_SHOWN) -> dict | None:
    """The disputes waiting for `user`'s ruling: how many, and the oldest `limit` of them.

    None for a user whose office decides no disputes.
    """
    if not permissions.may_rule_on_disputes(user):
        return None
    rows, total = queries.page_of(session, queries.ruling_conditions(user), 1, limit,
                                  order_by=queries.RULING_ORDER, trail=False)
    return {"total": total, "tickets": rows}


def ticket_panels(session: Session, user) -> dict:
    """What the home pages show of tickets: a resident's open ones, an organisation's queue,
    and the disputes waiting for a street office's ruling."""
    now = clock.now()
    if user.role is Role.resident:
        mine = session.scalars(
            visible_tickets(user).where(Ticket.status.in_(sorted(OPEN_STATUSES)))
            .options(selectinload(Ticket.assignee))
            .order_by(Ticket.reported_at.desc(), Ticket.id.desc()).limit(10)
        ).all()
        return {"my_open_tickets": mine, "ticket_queue": None, "rulings": None}
    waiting = rulings(session, user)
    if not has_queue(user):
        return {"my_open_tickets": [], "ticket_queue": None, "rulings": waiting}
    queue = open_queue(user).order_by(None).subquery()
    open_count = session.scalar(select(func.count()).select_from(queue)) or 0
    late = session.scalar(
        select(func.count()).select_from(
            open_queue(user).order_by(None).where(_overdue_clause(now)).subquery())
    ) or 0
    return {"my_open_tickets": [], "ticket_queue": {"open": open_count, "overdue": late},
            "rulings": waiting}
