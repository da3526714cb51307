"""The integrations page of an organisation, for its administrator (pmsys/auth/keys.py).

A new key or webhook secret is shown once, on the page that answers the POST; it is
never put in a flash message (which would keep it in the session cookie).
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from pmsys.auth import keys
from pmsys.errors import InvalidInput
from pmsys.extensions import db
from pmsys.models.auth import Organization
from pmsys.notifications import webhooks
from pmsys.web.assets.common import current_actor
from pmsys.web.integrations import bp
from pmsys.web.integrations.forms import EVENT_LABELS, ActionForm, WebhookForm

PER_PAGE = 50


def _org(code: str, action: str) -> Organization:
    return keys.org_for_admin(db.session, current_actor(), code, action)


def _page(org: Organization, form: WebhookForm | None = None, *, new_key: str | None = None,
          new_secret: str | None = None, status: int = 200):
    return render_template(
        "integrations/page.html", org=org, keys=keys.list_keys(db.session, org),
        hooks=webhooks.live_webhooks(db.session, org), form=form or WebhookForm(),
        action_form=ActionForm(), event_labels=EVENT_LABELS, new_key=new_key,
        new_secret=new_secret), status


def _pressed(code: str, action: str):
    """(organisation, None) for a button pressed with a valid form, else (it, a 400 page)."""
    org = _org(code, action)
    if ActionForm().validate_on_submit():
        return org, None
    flash(_("Please correct the form."), "error")
    return org, _page(org, status=400)


@bp.get("/orgs/<code>/integrations")
@login_required
def page(code: str):
    """The organisation's API keys and webhooks."""
    return _page(_org(code, "integrations_read"))


@bp.post("/orgs/<code>/integrations/keys")
@login_required
def new_key(code: str):
    """Issue a key and show it this once."""
    org, refused = _pressed(code, "api_key_issue")
    if refused:
        return refused
    key, _row = keys.issue_key(db.session, current_actor(), org)
    return _page(org, new_key=key)


@bp.post("/orgs/<code>/integrations/keys/<key_id>/revoke")
@login_required
def revoke_key(code: str, key_id: str):
    """Revoke a key; it stops working at once."""
    org, refused = _pressed(code, "api_key_revoke")
    if refused:
        return refused
    keys.revoke_key(db.session, current_actor(), org, key_id)
    flash(_("The key is revoked."), "success")
    return redirect(url_for("integrations.page", code=org.code))


@bp.post("/orgs/<code>/integrations/webhooks")
@login_required
def new_webhook(code: str):
    """Register an endpoint and show its secret this once."""
    org = _org(code, "webhook_register")
    form = WebhookForm()
    if not form.validate_on_submit():
        flash(_("Please correct the form."), "error")
        return _page(org, form, status=400)
    try:
        _hook, secret = webhooks.register(
            db.session, current_actor(), org, url=form.url.data, events=form.events.data,
            production=current_app.config.get("ENV_NAME") == "production")
    except InvalidInput:
        form.url.errors = [_("Use an https:// address.")]
        return _page(org, form, status=400)
    return _page(org, new_secret=secret)


@bp.post("/orgs/<code>/integrations/webhooks/<webhook_id>/delete")
@login_required
def delete_webhook(code: str, webhook_id: str):
    """Stop sending to an endpoint; its log stays."""
    org, refused = _pressed(code, "webhook_delete")
    if refused:
        return refused
    webhooks.delete(db.session, current_actor(), org, webhook_id)
    flash(_("The webhook is deleted."), "success")
    return redirect(url_for("integrations.page", code=org.code))


@bp.get("/orgs/<code>/integrations/webhooks/<webhook_id>")
@login_required
def deliveries(code: str, webhook_id: str):
    """A webhook's delivery log, newest first, with a re-send button on each."""
    org = _org(code, "webhook_deliveries")
    hook = webhooks.get_webhook(db.session, org, webhook_id)
    page_number = max(request.args.get("page", 1, type=int) or 1, 1)
    rows = db.session.scalars(webhooks.deliveries_query(hook).limit(PER_PAGE)
                              .offset((page_number - 1) * PER_PAGE)).all()
    return render_template("integrations/deliveries.html", org=org, hook=hook, rows=rows,
                           action_form=ActionForm(), event_labels=EVENT_LABELS,
                           page=page_number, per_page=PER_PAGE)


@bp.post("/orgs/<code>/integrations/webhooks/<webhook_id>/deliveries/<delivery_id>/resend")
@login_required
def resend(code: str, webhook_id: str, delivery_id: str):
    """Queue a delivery again, with the same event id."""
    org, refused = _pressed(code, "webhook_resend")
    if refused:
        return refused
    webhooks.resend(db.session, current_actor(), org, webhook_id, delivery_id)
    flash(_("The delivery will be sent again within a minute."), "success")
    return redirect(url_for("integrations.deliveries", code=org.code, webhook_id=webhook_id))
