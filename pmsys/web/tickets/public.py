"""A building's public page: what its QR code opens for someone who is not logged in.

It names the building, and offers the three ways in (docs/domain.md#qr): log in and
file (straight back to the filled-in form), report a fault in the common areas with a
name and phone, or call the hotline.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from pmsys import categories, throttle
from pmsys.auth import permissions
from pmsys.errors import DomainError, NotFound
from pmsys.extensions import db
from pmsys.models.places import Building
from pmsys.places.services import street_office
from pmsys.tickets import services as tickets
from pmsys.unit_of_work import reads_first
from pmsys.web.assets.common import refused
from pmsys.web.tickets import bp, forms
from pmsys.web.tickets.common import mark_fields, refusal_message


def _place_or_404(code: str, building_code: str):
    community = permissions.find_community(db.session, code) if len(code) <= 64 else None
    building = community and db.session.scalar(
        select(Building).where(Building.community_id == community.id,
                               Building.code == building_code))
    if building is None:
        raise NotFound("no such building", code="building_not_found")
    return community, building


def hotline(community) -> tuple[str, str]:
    """(who, number) to call about this community: its street office, else the city's line."""
    office = street_office(db.session, community)
    if office is not None and office.phone:
        return office.name, office.phone
    return _("Citizens' service hotline"), current_app.config["CITY_HOTLINE"]


def _page(form, community, building, status=200):
    who, number = hotline(community)
    form_url = url_for("tickets.ticket_new", community=community.code, building=building.code)
    return render_template(
        "tickets/public_report.html", form=form, community=community, building=building,
        building_name=forms.building_label(building), kinds=categories.CATEGORIES,
        login_url=url_for("auth.login", next=form_url), form_url=form_url,
        hotline_who=who, hotline_number=number,
    ), status


@bp.route("/report/<code>/<building_code>", methods=["GET", "POST"])
@reads_first
def public_report(code: str, building_code: str):
    """The building's public page, and its report of a common-area fault (no login)."""
    community, building = _place_or_404(code, building_code)
    form = forms.PublicReportForm()
    if request.method == "GET":
        return _page(form, community, building)
    if not form.validate_on_submit():
        flash(_("Please correct the form."), "error")
        return _page(form, community, building, 400)
    try:
        phone = tickets.public_phone(form.phone.data)
        throttle.check_public_report(db.session, phone, request.remote_addr)
        ticket = tickets.file_public_report(
            db.session, community=community.code, building=building.code,
            category=form.category.data, description=form.description.data,
            name=form.name.data, phone=phone, client=request.remote_addr)
    except DomainError as error:
        status = refused(error)
        flash(refusal_message(error), "error")
        mark_fields(form, error)
        response = _page(form, community, building, status)
        retry = getattr(error, "retry_after", None)
        return (*response, {"Retry-After": str(retry)}) if retry else response
    flash(_("Report %(number)s is filed. %(org)s will handle it and call you back at "
            "%(phone)s.", number=ticket.number, org=ticket.assignee.name,
            phone=permissions.mask_phone(phone)), "success")
    return redirect(url_for("tickets.public_report", code=community.code,
                            building_code=building.code))
