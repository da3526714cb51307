"""A building's QR code: posted in the stairwell, it opens the ticket form with the place filled."""

from __future__ import annotations

import io

import segno
from flask import Response, render_template, url_for
from flask_login import login_required
from sqlalchemy import select

from pmsys.auth import permissions
from pmsys.errors import NotFound
from pmsys.extensions import db
from pmsys.models.places import Building
from pmsys.web.assets.common import current_actor
from pmsys.web.tickets import bp


@bp.app_template_global()
def may_print_qr(user) -> bool:
    """Whether `user`'s role prints the QR codes of the buildings it sees."""
    return permissions.may_print_qr(user)


def _building_or_404(code: str, building_code: str):
    user = current_actor()
    if not may_print_qr(user):
        raise NotFound("no such building", code="building_not_found")
    community = permissions.get_community_or_404(db.session, user, code)
    building = db.session.scalar(
        select(Building).where(Building.community_id == community.id,
                               Building.code == building_code)
    )
    if building is None:
        raise NotFound("no such building", code="building_not_found")
    return community, building


def form_url(community, building) -> str:
    """The absolute address of the ticket form for this building."""
    return url_for("tickets.ticket_new", community=community.code, building=building.code,
                   _external=True)


@bp.get("/communities/<code>/buildings/<building_code>/qr")
@login_required
def building_qr(code: str, building_code: str):
    """A printable page: the building, "scan to report a problem", and its QR code."""
    community, building = _building_or_404(code, building_code)
    return render_template("tickets/building_qr.html", community=community, building=building,
                           url=form_url(community, building))


@bp.get("/communities/<code>/buildings/<building_code>/qr.svg")
@login_required
def building_qr_svg(code: str, building_code: str):
    """The building's QR code as SVG, encoding the absolute address of its ticket form."""
    community, building = _building_or_404(code, building_code)
    out = io.BytesIO()
    segno.make(form_url(community, building), error="m").save(
        out, kind="svg", scale=8, border=4, xmldecl=True, svgns=True,
        title=f"{community.code}/{building.code}")
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
