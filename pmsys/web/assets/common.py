"""What the asset pages share: the blueprint, filters, and how a refusal is answered."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, g
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from pmsys import categories, clock, unit_of_work
from pmsys.auth import permissions
from pmsys.errors import DomainError, NotFound
from pmsys.extensions import db
from pmsys.models.auth import Organization, OrgKind
from pmsys.models.places import Community

bp = Blueprint("assets", __name__)

# What the pages say for the codes of the services' refusals.
REFUSALS = {
    "open_defects": lambda e: _(
        "The hand-over cannot be signed while a defect from the inspection is open. "
        "Mark each defect fixed first."),
    "not_a_party": lambda e: _("This action is not yours to take on this hand-over."),
    "forbidden": lambda e: _("This action is not yours to take."),
    "wrong_state": lambda e: _("This action does not fit the hand-over's current status."),
    "already_signed": lambda e: _("You have already signed."),
    "already_fixed": lambda e: _("This defect is already marked fixed."),
    "effective_before_inspection": lambda e: _(
        "The effective date cannot be earlier than the inspection."),
    "duplicate_code": lambda e: _("This code is already taken."),
    "asset_in_open_handover": lambda e: _(
        "Some assets are already in an open hand-over: %(assets)s",
        assets=e.fields.get("assets", "")),
    "already_accepted": lambda e: _("The project is already accepted."),
}


@bp.app_template_filter("when")
def when_filter(moment: datetime | None) -> str:
    """Show a moment in China Standard Time as "YYYY-MM-DD HH:MM"."""
    if moment is None:
        return ""
    return moment.astimezone(clock.LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


@bp.app_template_filter("category_label")
def category_label(code: str) -> str:
    """The category's name in the interface's language."""
    return categories.get(code).label if code in categories.CODES else code


def current_actor():
    """The logged-in user (not the proxy), to hand to the services."""
    return current_user._get_current_object()


def refusal_message(error: DomainError) -> str:
    """What the page says for a refusal: a translated sentence for the codes it knows."""
    explain = REFUSALS.get(error.code)
    if explain:
        return explain(error)
    # The service's own words are English (the API's); frame them for the page.
    return _("Refused: %(reason)s", reason=error.message)


def refused(error: DomainError) -> int:
    """Undo what the refused request changed (its refusal audits stay); return its status.

    A service may have changed rows before it refused; the page that shows the
    refusal must not commit them (pmsys/unit_of_work.py keeps the audit records).
    """
    if isinstance(error, NotFound):
        raise error
    unit_of_work.discard(db.session)
    g.refusal = error  # audited when the request ends (pmsys/audit.py: refused_request)
    return error.status


def contractors():
    """The contractors on record, by name."""
    return db.session.scalars(
        select(Organization).where(Organization.kind == OrgKind.contractor)
        .order_by(Organization.name)
    ).all()


def kept_communities(user) -> list[Community]:
    """The visible communities whose register `user` keeps."""
    if not permissions.may_keep_registers(user):
        return []
    return list(db.session.scalars(permissions.visible_communities(user)))

