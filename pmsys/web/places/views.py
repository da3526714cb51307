"""Home page per role, community list and community detail."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from pmsys import categories, money
from pmsys.auth import permissions
from pmsys.extensions import db
from pmsys.labels import (
    COMMITTEE_LABELS,
    MODE_LABELS,
    ORG_KIND_LABELS,
    ROLE_LABELS,
    address,
)
from pmsys.models.auth import Role
from pmsys.places import services
from pmsys.web.assets import home_panels
from pmsys.web.governance.panels import governance_panels
from pmsys.web.places.forms import CommunityFilterForm
from pmsys.web.tickets.common import ticket_panels
from pmsys.web.tickets.leaders import home_context as leader_home

bp = Blueprint("places", __name__)

PER_PAGE = 50
# Roles whose home page is the overview of an area.
AREA_ROLES = frozenset({Role.bureau_admin, Role.street_officer, Role.sysadmin})


@bp.app_template_filter("area")
def area_filter(value: Decimal | None) -> str:
    """Show an area as "1,234.50 m²"."""
    return f"{Decimal(value or 0):,.2f} m²"


@bp.app_template_filter("ymd")
def ymd_filter(value: date | None) -> str:
    """Show a date as YYYY-MM-DD (an empty string for none)."""
    return value.isoformat() if value else ""


@bp.app_template_filter("percent")
def percent_filter(ratio: Decimal | None) -> str:
    """Show a ratio such as 0.8750 as "87.50 %"."""
    return money.percent_str(ratio)


@bp.app_template_filter("mode_label")
def mode_label_filter(mode) -> str:
    """The label of a management mode (or of "none")."""
    return str(MODE_LABELS.get(getattr(mode, "value", mode) or "none", mode))


@bp.app_template_filter("committee_label")
def committee_label_filter(status: str) -> str:
    return str(COMMITTEE_LABELS.get(status, status))


@bp.app_template_filter("role_label")
def role_label_filter(role) -> str:
    return str(ROLE_LABELS.get(role, role))


@bp.app_template_filter("org_kind_label")
def org_kind_label_filter(kind) -> str:
    return str(ORG_KIND_LABELS.get(kind, kind))


def _code(row) -> str | None:
    return row.code if row is not None else None


@bp.app_template_filter("place_label")
def place_label_filter(thing, with_community: bool = True) -> str:
    """Where a ticket or an asset is, in words: "供销楼 1号楼 2单元 301室"."""
    building = getattr(thing, "building", None)
    community = getattr(thing, "community", None)
    return address(_code(building), _code(getattr(thing, "unit", None)),
                   _code(getattr(thing, "household", None)),
                   building_name=building.name if building is not None else None,
                   community=community.name if with_community and community else None)


@bp.app_template_filter("household_address")
def household_address_filter(household, with_community: bool = True) -> str:
    """A household (with its unit, building and community loaded) in words."""
    unit = household.unit
    building = unit.building
    return address(building.code, unit.code, household.code, building_name=building.name,
                   community=building.community.name if with_community else None)


@bp.app_template_filter("path_address")
def path_address_filter(path: str) -> str:
    """A household path COMMUNITY/BUILDING/UNIT/HOUSEHOLD in words, without the community."""
    parts = (path or "").split("/")
    if len(parts) != 4:
        return path
    return address(*parts[1:])


@bp.get("/")
@login_required
def home():
    """The home page of the logged-in user's role."""
    user = current_user._get_current_object()
    session = db.session
    if user.role in AREA_ROLES:
        return render_template("places/home_area.html", totals=services.totals(session, user),
                               **home_panels(session, user), **ticket_panels(session, user),
                               **governance_panels(session, user))
    if permissions.has_buildings(user):
        return render_template("places/home_leader.html", **leader_home(user))
    communities = list(session.scalars(permissions.visible_communities(user)))
    if user.role is Role.operator:
        served = [categories.get(code) for code in user.organization.categories
                  if code in categories.CODES]
        return render_template(
            "places/home_operator.html", served=served, community_count=len(communities),
            **home_panels(session, user), **ticket_panels(session, user),
        )
    summaries = services.summarise(session, communities)
    if user.role is Role.resident:
        return render_template(
            "places/home_resident.html",
            households=services.own_households(session, user),
            summaries=summaries, **ticket_panels(session, user),
            **governance_panels(session, user),
        )
    return render_template("places/home_staff.html", summaries=summaries,
                           **home_panels(session, user), **ticket_panels(session, user),
                           **governance_panels(session, user))


@bp.get("/communities")
@login_required
def community_list():
    """The communities the user may see, by street and mode, 50 a page."""
    user = current_user._get_current_object()
    form = CommunityFilterForm(formdata=request.args)
    form.set_streets(services.visible_streets(db.session, user))
    page = request.args.get("page", default=1, type=int)
    if not form.validate():
        return render_template(
            "places/community_list.html", form=form, result=None, filters={}
        ), 400
    filters = {name: value for name, value in form.data.items() if value}
    result = services.list_communities(
        db.session, user, **filters, page=page or 1, per_page=PER_PAGE
    )
    return render_template(
        "places/community_list.html", form=form, result=result, filters=filters
    )


@bp.get("/communities/<code>")
@login_required
def community_detail(code: str):
    """One community: facts, management terms, buildings, units and households."""
    user = current_user._get_current_object()
    community = permissions.get_community_or_404(db.session, user, code)
    detail = services.community_detail(db.session, user, community)
    return render_template("places/community_detail.html", community=community, detail=detail)


@bp.get("/communities/<code>/buildings/<building_code>")
@login_required
def building_detail(code: str, building_code: str):
    """One building of a community: its units and the households the user may read."""
    user = current_user._get_current_object()
    community = permissions.get_community_or_404(db.session, user, code)
    detail = services.building_detail(db.session, user, community, building_code)
    return render_template(
        "places/building_detail.html", community=community, detail=detail,
        view=detail.buildings[0],
    )
