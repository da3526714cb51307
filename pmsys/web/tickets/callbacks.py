"""Follow-up calls (回访): the street office's call list and recording a call
(docs/domain.md#callbacks)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from pmsys.errors import DomainError, Forbidden
from pmsys.extensions import db
from pmsys.tickets import services as tickets
from pmsys.tickets.services import callbacks
from pmsys.web.assets.common import current_actor, refused
from pmsys.web.tickets import bp, forms
from pmsys.web.tickets.common import refusal_message
from pmsys.web.tickets.detail import render_ticket_page

PER_PAGE = 50


class CallPage:
    """One page of the call list for the pager macro."""

    def __init__(self, items, page: int, total: int):
        self.items, self.page, self.total = items, page, total
        self.pages = max(1, -(-total // PER_PAGE))


@bp.get("/callbacks")
@login_required
def call_list():
    """Closed tickets of the office's area waiting for a follow-up call, with whom to call."""
    user = current_actor()
    if not callbacks.may_call_back(user):
        raise Forbidden(_("Follow-up calls are made by the street office."))
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) <= 10_000 else 1
    items, total = callbacks.call_list(db.session, user, page=page, per_page=PER_PAGE)
    return render_template("tickets/callbacks.html", listing=CallPage(items, page, total),
                           form=forms.CallbackForm(formdata=None, back="list"))


@bp.post("/tickets/<int:ticket_id>/callbacks")
@login_required
def ticket_callback(ticket_id: int):
    """Record a follow-up call on a closed ticket; back to the call list or the ticket."""
    user = current_actor()
    ticket = tickets.get_ticket_or_404(db.session, user, ticket_id)
    form = forms.CallbackForm()
    if not form.validate_on_submit():
        flash(_("Please correct the form."), "error")
        return render_ticket_page(user, ticket, callback_form=form, status=400)
    try:
        callbacks.record_callback(db.session, user, ticket, **form.payload())
    except DomainError as error:
        status = refused(error)
        flash(refusal_message(error), "error")
        ticket = tickets.get_ticket_or_404(db.session, user, ticket_id)
        return render_ticket_page(user, ticket, callback_form=form, status=status)
    flash(_("The call on ticket %(number)s is recorded.", number=ticket.number), "success")
    if form.back.data == "list":
        return redirect(url_for("tickets.call_list"))
    return redirect(url_for("tickets.ticket_detail", ticket_id=ticket.id))
