"""Pages of building leaders (楼栋长) and grid workers (网格员): their daily page, filing for a
household of their buildings, follow-up visits, and their assignment by the street office
(docs/domain.md#building-leaders)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from pmsys import categories, clock, throttle
from pmsys.auth import permissions
from pmsys.errors import DomainError, Forbidden
from pmsys.extensions import db
from pmsys.tickets import photos
from pmsys.tickets import services as tickets
from pmsys.tickets.lifecycle import Party
from pmsys.tickets.services import leaders
from pmsys.unit_of_work import reads_first
from pmsys.web.assets.common import current_actor, refused, when_filter
from pmsys.web.tickets import bp, forms
from pmsys.web.tickets.common import mark_fields, overdue, refusal_message
from pmsys.web.tickets.detail import render_ticket_page


def home_context(user) -> dict:
    """The daily page of a building leader or grid worker: their buildings' open tickets."""
    session = db.session
    return {"buildings": leaders.my_buildings(session, user),
            "open_tickets": leaders.building_tickets(session, user), "overdue": overdue,
            "building_label": forms.building_label}


def _proxy_page(user, form, status=200):
    return render_template("tickets/proxy_new.html", form=form,
                           max_photos=photos.MAX_PHOTOS), status


@bp.route("/proxy-tickets/new", methods=["GET", "POST"])
@login_required
@reads_first
def proxy_ticket_new():
    """File a ticket for a household of the user's buildings (a resident without a phone)."""
    user = current_actor()
    if not permissions.may_file_for_households(user):
        raise Forbidden(_("Only building leaders and grid workers file for a household."))
    form = forms.ProxyTicketForm()
    form.set_choices(categories.CATEGORIES, leaders.my_buildings(db.session, user))
    if request.method == "GET":
        form.household.data = request.args.get("household", "")
        return _proxy_page(user, form)
    if not form.validate_on_submit():
        flash(_("Please correct the form."), "error")
        return _proxy_page(user, form, 400)
    try:
        throttle.check_filing(db.session, user, request.remote_addr)
        ticket = tickets.file_for_household(
            db.session, user, household=form.household.data, category=form.category.data,
            description=form.description.data, inside_home=bool(form.inside_home.data),
            priority=form.priority.data or None)
        files = forms.uploads(form.photos)
        if files:
            throttle.check_photos(db.session, user, request.remote_addr, len(files))
            # The filer speaks for the household while filing: the report's photos are theirs.
            photos.add_photos(db.session, user, ticket, files, purpose="report",
                              parties={Party.reporter},
                              upload_folder=current_app.config["UPLOAD_FOLDER"])
    except DomainError as error:
        status = refused(error)
        flash(refusal_message(error), "error")
        mark_fields(form, error)
        return _proxy_page(user, form, status)
    flash(_("Ticket %(number)s is filed for the household. %(org)s will handle it: a fix by "
            "%(resolve)s.", number=ticket.number, org=ticket.assignee.name,
            resolve=when_filter(ticket.due_resolve_at)), "success")
    return redirect(url_for("tickets.ticket_detail", ticket_id=ticket.id))


@bp.post("/tickets/<int:ticket_id>/visits")
@login_required
def ticket_visit(ticket_id: int):
    """Record a follow-up visit on a ticket of the user's buildings."""
    user = current_actor()
    ticket = tickets.get_ticket_or_404(db.session, user, ticket_id)
    form = forms.VisitForm()
    if not form.validate_on_submit():
        flash(_("Please correct the form."), "error")
        return render_ticket_page(user, ticket, visit_form=form, status=400)
    try:
        leaders.record_visit(db.session, user, ticket, **form.payload())
    except DomainError as error:
        status = refused(error)
        flash(refusal_message(error), "error")
        ticket = tickets.get_ticket_or_404(db.session, user, ticket_id)
        return render_ticket_page(user, ticket, visit_form=form, status=status)
    flash(_("The visit on ticket %(number)s is recorded.", number=ticket.number), "success")
    return redirect(url_for("tickets.ticket_detail", ticket_id=ticket.id))


def _assignments_page(community, form, status=200):
    session = db.session
    return render_template(
        "tickets/building_leaders.html", community=community,
        leaders=leaders.assignments(session, community, "building-leaders"),
        grids=leaders.assignments(session, community, "grids"), form=form,
        end_form=forms.EndAssignmentForm(formdata=None)), status


@bp.route("/communities/<code>/building-leaders", methods=["GET", "POST"])
@login_required
def building_leaders(code: str):
    """The community's building leaders and grid workers; the street office assigns them."""
    user = current_actor()
    community = leaders.assigner_community(db.session, user, code)
    form = forms.AssignmentForm()
    if request.method == "GET":
        form.start.data = clock.today()
        return _assignments_page(community, form)
    if not form.validate_on_submit():
        flash(_("Please correct the form."), "error")
        return _assignments_page(community, form, 400)
    try:
        leaders.assign(db.session, user, community, form.kind.data, user=form.user.data,
                       buildings=form.buildings.data, start=form.start.data)
    except DomainError as error:
        status = refused(error)
        flash(refusal_message(error), "error")
        mark_fields(form, error)
        return _assignments_page(community, form, status)
    flash(_("The buildings are assigned to %(user)s.", user=form.user.data), "success")
    return redirect(url_for("tickets.building_leaders", code=community.code))


@bp.post("/communities/<code>/building-leaders/end")
@login_required
def end_building_leader(code: str):
    """End all of a user's buildings in the community today."""
    user = current_actor()
    community = leaders.assigner_community(db.session, user, code)
    form = forms.EndAssignmentForm()
    if not form.validate_on_submit():
        flash(_("Please correct the form."), "error")
        return _assignments_page(community, forms.AssignmentForm(formdata=None), 400)
    try:
        leaders.end_assignments(db.session, user, community, form.kind.data,
                                user=form.user.data)
    except DomainError as error:
        status = refused(error)
        flash(refusal_message(error), "error")
        return _assignments_page(community, forms.AssignmentForm(formdata=None), status)
    flash(_("%(user)s no longer holds buildings here.", user=form.user.data), "success")
    return redirect(url_for("tickets.building_leaders", code=community.code))
