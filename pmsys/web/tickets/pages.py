"""Ticket pages: the list and queue, filing (also from a QR code, or for a caller), preview."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pmsys import categories, throttle
from pmsys.auth import permissions
from pmsys.errors import DomainError, Forbidden, NotFound
from pmsys.extensions import db
from pmsys.models.assets import Asset
from pmsys.models.auth import Role
from pmsys.models.places import Building, Community
from pmsys.places.services import own_households
from pmsys.tickets import explain, photos, queries
from pmsys.tickets import services as tickets
from pmsys.unit_of_work import reads_first
from pmsys.web.assets.common import current_actor, refused, when_filter
from pmsys.web.tickets import bp, forms
from pmsys.web.tickets.common import has_queue, mark_fields, overdue, refusal_message, rulings

PER_PAGE = 25
QUEUE_LIMIT = 50


class Listing:
    """One page of tickets for the pager macro."""

    def __init__(self, items, page, pages, total):
        self.items, self.page, self.pages, self.total = items, page, pages, total


def _listing(where: list, page: int) -> Listing:
    """A page of the tickets matching `where`, newest first; past the end: the last page."""
    rows, total = queries.page_of(db.session, where, page, PER_PAGE, trail=False, clamp=True)
    pages = max(1, -(-total // PER_PAGE))
    return Listing(rows, min(max(page, 1), pages), pages, total)


@bp.get("/tickets")
@login_required
def ticket_list():
    """A resident's tickets; staff: their organisation's open queue, then all they may see."""
    user = current_actor()
    communities = list(db.session.scalars(queries.ticket_communities(user)))
    form = forms.TicketFilterForm(formdata=request.args)
    form.set_choices(communities, categories.CATEGORIES)
    queue, queue_total = [], 0
    show_queue = has_queue(user)
    if show_queue:
        queue, queue_total = queries.page_of(db.session, queries.queue_conditions(user), 1,
                                             QUEUE_LIMIT, order_by=queries.QUEUE_ORDER,
                                             trail=False)
    context = {"form": form, "queue": queue, "queue_total": queue_total, "overdue": overdue,
               "show_queue": show_queue,
               "rulings": rulings(db.session, user, limit=QUEUE_LIMIT)}
    if not form.validate():
        return render_template("tickets/list.html", listing=None, filters={}, **context), 400
    filters = {name: value for name, value in form.data.items() if value}
    page = request.args.get("page", default=1, type=int) or 1
    listing = _listing(queries.ticket_conditions(user, **filters), page)
    return render_template("tickets/list.html", listing=listing, filters=filters, **context)


def _fileable_communities(user):
    if not permissions.may_file_tickets(user):
        raise Forbidden(_("This login does not file tickets."))
    return list(db.session.scalars(permissions.visible_communities(user)))


class Where:
    """The communities a form offers, and the one a QR code names where the user has none.

    The place from a QR code wins (docs/domain.md#qr): a resident of another community
    may report a fault in the common areas of its buildings, which the form offers with
    a word of why. Opening such a link (`link`), staff who do not serve the community
    are told so instead of a form for another one (`blocked`), and an unknown community
    is 404; a posted form that names one it may not is refused like any bad choice.
    """

    def __init__(self, user, communities, wanted: str | None, building: bool,
                 link: bool = False):
        self.communities, self.outside, self.blocked = communities, None, None
        if not wanted or any(c.code == wanted for c in communities):
            return
        other = permissions.find_community(db.session, wanted) if len(wanted) <= 64 else None
        if other is not None and building and permissions.may_report_common_areas_anywhere(
                user):
            self.outside = other
            self.communities = [other, *communities]
        elif link and other is None:
            raise NotFound("no such community", code="community_not_found")
        elif link:
            self.blocked = other


def _chosen(form, where: Where) -> str | None:
    """The code of the form's community (the first one offered by default)."""
    return form.community.data or (where.communities[0].code if where.communities else None)


def _place_choices(form, where: Where) -> None:
    """Offer the buildings and units of the form's community."""
    chosen = _chosen(form, where)
    community = next((c for c in where.communities if c.code == chosen), None)
    form.set_buildings(_buildings(community) if community else [])


def _building(community, code: str | None) -> Building | None:
    if not code or len(code) > 64:
        return None
    return db.session.scalar(select(Building).where(Building.community_id == community.id,
                                                    Building.code == code))


def _buildings(community):
    return db.session.scalars(
        select(Building).where(Building.community_id == community.id)
        .options(selectinload(Building.units)).order_by(Building.id)
    ).all()


def _ambiguous_assets(user, form, error: DomainError):
    """The assets the routing refusal names, for the "which one" choice."""
    text = error.fields.get("asset", "")
    codes = [c.strip() for c in text.removeprefix("one of ").split(",") if c.strip()]
    if not codes:
        return []
    return db.session.scalars(
        _assets_of(user, form).where(Asset.code.in_(codes)).order_by(Asset.code)
    ).all()


def _assets_of(user, form):
    """The visible assets of the form's community and category."""
    return select(Asset).where(
        Asset.community_id.in_(select(Community.id).where(Community.code == form.community.data)),
        Asset.category == form.category.data,
        permissions.asset_clause(user),
    )


def _new_page(user, form, where: Where, status=200):
    chosen = _chosen(form, where)
    homes = [home for home in own_households(db.session, user)
             if home.unit.building.community.code == chosen]
    return render_template(
        "tickets/new.html", form=form, homes=homes, where=where,
        resident=user.role is Role.resident, home_label=forms.home_label,
        hotline=permissions.may_file_for_callers(user),
        max_photos=photos.MAX_PHOTOS,
    ), status


@bp.route("/tickets/new", methods=["GET", "POST"])
@reads_first
def ticket_new():
    """File a ticket; ?community=&building=&unit= fill the place in (the building's QR code).

    Without a login, a QR code's address opens the building's public page instead
    (log in and file, report a common-area fault with a name and phone, or call).
    """
    if not current_user.is_authenticated:
        community, building = request.args.get("community"), request.args.get("building")
        if request.method == "GET" and community and building:
            return redirect(url_for("tickets.public_report", code=community,
                                    building_code=building))
        return current_app.login_manager.unauthorized()
    user = current_actor()
    form = forms.TicketForm()
    link = request.method == "GET"
    given = request.args if link else request.form
    where = Where(user, _fileable_communities(user), given.get("community"),
                  bool(given.get("building") or given.get("unit")), link=link)
    if where.blocked is not None:
        return render_template("tickets/new_blocked.html", community=where.blocked,
                               building=_building(where.blocked, given.get("building")),
                               resident=user.role is Role.resident), 403
    form.set_choices(categories.CATEGORIES, where.communities)
    if request.method == "GET":
        form.prefill(request.args)
        _place_choices(form, where)
        if form.building.data and form.building.data not in form.building_codes():
            raise NotFound("no such building", code="building_not_found")
        return _new_page(user, form, where)
    _place_choices(form, where)
    if form.asset.data:
        # The "which one" choice was offered: keep offering it on the next answer.
        form.set_assets(db.session.scalars(_assets_of(user, form).order_by(Asset.code)).all())
    if request.form.get("refresh"):
        # "Show its buildings": the community changed; file nothing yet.
        return _new_page(user, form, where)
    if not form.validate_on_submit():
        flash(_("Please correct the form."), "error")
        return _new_page(user, form, where, 400)
    try:
        throttle.check_filing(db.session, user, request.remote_addr)
        ticket = tickets.file_ticket(
            db.session, user, category=form.category.data,
            description=form.description.data, priority=form.priority.data or None,
            caller=form.caller(), reported_at=form.called_at.data, **form.place_fields(),
        )
        files = forms.uploads(form.photos)
        if files:
            throttle.check_photos(db.session, user, request.remote_addr, len(files))
            parties = tickets.ticket_parties(db.session, user, ticket)
            photos.add_photos(db.session, user, ticket, files, purpose="report",
                              parties=parties,
                              upload_folder=current_app.config["UPLOAD_FOLDER"])
    except DomainError as error:
        if error.code == "asset_ambiguous":
            form.set_assets(_ambiguous_assets(user, form, error))
        status = refused(error)
        flash(refusal_message(error), "error")
        mark_fields(form, error)
        return _new_page(user, form, where, status)
    flash(_("Ticket %(number)s is filed. %(org)s will handle it: a response by %(respond)s, "
            "a fix by %(resolve)s.", number=ticket.number, org=ticket.assignee.name,
            respond=when_filter(ticket.due_respond_at),
            resolve=when_filter(ticket.due_resolve_at)),
          "success")
    return redirect(url_for("tickets.ticket_detail", ticket_id=ticket.id))


@bp.route("/tickets/preview", methods=["GET", "POST"])
@login_required
def ticket_preview():
    """Who would get this ticket today, and why; files nothing.

    GET answers a link; the filing form's button POSTs, so that the form's CSRF
    token and the description never travel in a URL (logs, Referer headers).
    """
    user = current_actor()
    form = forms.PreviewForm(formdata=request.form if request.method == "POST" else request.args)
    where = Where(user, list(db.session.scalars(permissions.visible_communities(user))),
                  form.community.data, bool(form.building.data or form.unit.data))
    form.set_place_choices(categories.CATEGORIES, where.communities)
    _place_choices(form, where)
    routing, status, choices = None, 200, []
    if not form.validate():
        status = 400
    else:
        try:
            routing = tickets.preview_routing(db.session, user, category=form.category.data,
                                              **form.place_fields())
        except DomainError as error:
            status = refused(error)
            flash(refusal_message(error), "error")
            mark_fields(form, error)
            if error.code == "asset_ambiguous":
                choices = _ambiguous_assets(user, form, error)
    resident = user.role is Role.resident
    # The resident's home as they say it (building, unit and room), never its place code.
    home = next((h for h in own_households(db.session, user)
                 if h.place_code == form.household.data), None) if resident else None
    return render_template(
        "tickets/preview.html", form=form, routing=routing, choices=choices, home=home,
        steps=explain.steps_text([s.as_dict() for s in routing.steps]) if routing else [],
        reason=explain.reason_label(routing.reason) if routing else "",
        flags=[explain.flag_label(f) for f in sorted(routing.flags)] if routing else [],
        may_file=permissions.may_file_tickets(user), where=where, resident=resident,
    ), status
