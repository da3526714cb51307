"""The ticket page: what, where, who and why, deadlines, photos, trail, and the next actions.

Every action posts to /tickets/<id>/actions with its name in `action`; a refusal
re-renders the page with its status (400 input, 403 not the user's to take,
409 wrong state or a ticket changed meanwhile) and changes nothing.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from pmsys import clock, throttle
from pmsys.auth import permissions
from pmsys.errors import DomainError
from pmsys.extensions import db
from pmsys.labels import ORG_KIND_LABELS
from pmsys.models.auth import Organization, OrgKind, Role
from pmsys.models.tickets import Ticket, TicketEvent, TicketStatus
from pmsys.tickets import explain, lifecycle, photos
from pmsys.tickets import services as tickets
from pmsys.tickets.lifecycle import Party
from pmsys.tickets.services import callbacks, leaders
from pmsys.web.assets.common import current_actor, refused
from pmsys.web.tickets import bp, forms
from pmsys.web.tickets.common import overdue, refusal_message

# Organisations a dispute may be reassigned to: the bureau watches, committees co-sign.
NOT_OFFERED = (OrgKind.housing_bureau, OrgKind.owners_committee)


def _kind_label(kind) -> str:
    return str(ORG_KIND_LABELS.get(kind, kind))


def _reassign_targets(ticket: Ticket):
    return db.session.scalars(
        select(Organization)
        .where(Organization.kind.notin_(NOT_OFFERED), Organization.id != ticket.assignee_id)
        .order_by(Organization.kind, Organization.name)
    ).all()


# The codes of organisations an event's data names (reassign: from, to; dispute, uphold: org).
ORG_FIELDS = ("from", "to", "org")


def _org_names(session, events) -> dict[str, str]:
    """Organisation code → name for every organisation the trail's events name."""
    codes = {value for event in events for key, value in (event.data or {}).items()
             if key in ORG_FIELDS and isinstance(value, str)}
    if not codes:
        return {}
    return dict(session.execute(
        select(Organization.code, Organization.name).where(Organization.code.in_(codes))).all())


def render_ticket_page(user, ticket: Ticket, form=None, status=200, callback_form=None,
                       visit_form=None):
    """Render the ticket page; `form` is the refused action's, shown with its errors
    (`callback_form`: a refused follow-up call's, `visit_form`: a refused visit's)."""
    session = db.session
    events = session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
        .options(selectinload(TicketEvent.actor), selectinload(TicketEvent.actor_org))
        .order_by(TicketEvent.at, TicketEvent.id)
    ).all()
    parties = tickets.ticket_parties(session, user, ticket)
    actions = tickets.allowed_actions(session, user, ticket)
    action_forms = {}
    for name in actions:
        blank = forms.ActionForm(formdata=None, action=name, version=str(ticket.version))
        if name == "reassign":
            blank.set_orgs(_reassign_targets(ticket), _kind_label)
        action_forms[name] = blank
    if form is not None and form.action.data in action_forms:
        if form.action.data == "reassign":
            form.set_orgs(_reassign_targets(ticket), _kind_label)
        form.version.data = str(ticket.version)
        action_forms[form.action.data] = form
    report_photos = [p for p in ticket.photos if p.purpose == "report"]
    fix_photos = [p for p in ticket.photos if p.purpose == "fix"]
    may_add_photos = (Party.reporter in parties and ticket.status not in
                      (TicketStatus.closed, TicketStatus.cancelled)
                      and len(report_photos) < photos.MAX_PHOTOS)
    phone = permissions.reporter_phone(user, ticket)
    calls = callbacks.callbacks_of(session, ticket)
    if callbacks.may_call_on(session, user, ticket, calls):
        callback_form = callback_form or forms.CallbackForm(formdata=None)
    else:
        callback_form = None
    if leaders.may_visit(session, user, ticket):
        visit_form = visit_form or forms.VisitForm(formdata=None, visited_on=clock.today())
    else:
        visit_form = None
    return render_template(
        "tickets/detail.html", ticket=ticket, events=events, actions=action_forms,
        parties=sorted(p.value for p in parties), phone=phone,
        steps=explain.steps_text(ticket.routing_steps),
        reason=explain.current_reason_label(ticket.routing_reason, ticket.routing_steps),
        org_names=_org_names(session, events),
        flags=[explain.flag_label(f) for f in ticket.routing_flags or []],
        late=overdue(ticket), report_photos=report_photos, fix_photos=fix_photos,
        photo_form=forms.PhotoForm(formdata=None) if may_add_photos else None,
        needs_note={name for name, a in lifecycle.ACTIONS.items() if a.needs_note},
        explain=explain, max_photos=photos.MAX_PHOTOS, calls=calls,
        callback_form=callback_form, visit_form=visit_form,
        visit_outcomes=dict(forms.VISIT_OUTCOMES),
        # Visits are the staff's and the building's leaders' notes, not the resident's.
        show_visits=user.role is not Role.resident,
    ), status


@bp.get("/tickets/<int:ticket_id>")
@login_required
def ticket_detail(ticket_id: int):
    """One ticket, as far as the user may see it, with the actions the user may take."""
    user = current_actor()
    return render_ticket_page(user, tickets.get_ticket_or_404(db.session, user, ticket_id))


def _refuse_page(user, ticket_id: int, error: DomainError, form):
    status = refused(error)
    flash(refusal_message(error), "error")
    ticket = tickets.get_ticket_or_404(db.session, user, ticket_id)
    return render_ticket_page(user, ticket, form=form, status=status)


@bp.post("/tickets/<int:ticket_id>/actions")
@login_required
def ticket_action(ticket_id: int):
    """Take one lifecycle action (field `action`), with its note, rating or organisation."""
    user = current_actor()
    ticket = tickets.get_ticket_or_404(db.session, user, ticket_id)
    form = forms.ActionForm()
    if not form.validate_on_submit():
        flash(_("Please correct the form."), "error")
        return render_ticket_page(user, ticket, form=form, status=400)
    if form.stale(ticket.version):
        flash(_("Somebody else changed this ticket in the meantime. Reload it and try again."),
              "error")
        return render_ticket_page(user, ticket, status=409)
    action = form.action.data
    try:
        tickets.take_action(db.session, user, ticket, action, **form.payload())
        files = forms.uploads(form.photos) if action == "resolve" else []
        if files:
            throttle.check_photos(db.session, user, request.remote_addr, len(files))
            photos.add_photos(db.session, user, ticket, files, purpose="fix",
                              parties=tickets.ticket_parties(db.session, user, ticket),
                              upload_folder=current_app.config["UPLOAD_FOLDER"])
    except DomainError as error:
        return _refuse_page(user, ticket_id, error, form)
    except StaleDataError:
        # Two people acted on the same version at once: the second must reload.
        db.session.rollback()
        flash(_("Somebody else changed this ticket in the meantime. Reload it and try again."),
              "error")
        return render_ticket_page(user, tickets.get_ticket_or_404(db.session, user, ticket_id),
                            status=409)
    flash(_("%(action)s: the ticket is now %(status)s.", action=explain.action_label(action),
            status=explain.status_label(ticket.status.value)), "success")
    return redirect(url_for("tickets.ticket_detail", ticket_id=ticket.id))


@bp.post("/tickets/<int:ticket_id>/photos")
@login_required
def ticket_photos_add(ticket_id: int):
    """Add photos: the reporter's of the problem, or the assignee's of the fix."""
    user = current_actor()
    ticket = tickets.get_ticket_or_404(db.session, user, ticket_id)
    form = forms.PhotoForm()
    if not form.validate_on_submit():
        flash(_("Please correct the form."), "error")
        return render_ticket_page(user, ticket, status=400)
    files = forms.uploads(form.photos)
    if not files:
        flash(_("Choose at least one photo."), "error")
        return render_ticket_page(user, ticket, status=400)
    try:
        throttle.check_photos(db.session, user, request.remote_addr, len(files))
        added = photos.add_photos(
            db.session, user, ticket, files, purpose=form.purpose.data or "report",
            parties=tickets.ticket_parties(db.session, user, ticket),
            upload_folder=current_app.config["UPLOAD_FOLDER"])
    except DomainError as error:
        return _refuse_page(user, ticket_id, error, None)
    flash(ngettext("%(num)s photo added.", "%(num)s photos added.", len(added)), "success")
    return redirect(url_for("tickets.ticket_detail", ticket_id=ticket.id))


@bp.get("/tickets/<int:ticket_id>/photos/<int:photo_id>")
@login_required
def ticket_photo(ticket_id: int, photo_id: int):
    """One photo of a ticket the user may see (never from static/)."""
    user = current_actor()
    ticket = tickets.get_ticket_or_404(db.session, user, ticket_id)
    photo = photos.get_photo_or_404(db.session, ticket, photo_id)
    return photos.photo_response(current_app.config["UPLOAD_FOLDER"], photo)
