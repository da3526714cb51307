"""Pages of hand-overs: list, draft, detail and the workflow's actions."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pmsys import labels
from pmsys.assets import services as assets
from pmsys.assets.services import handovers as handover_services
from pmsys.auth import permissions
from pmsys.errors import DomainError, Forbidden
from pmsys.extensions import db
from pmsys.models.assets import Asset, Handover, HandoverEvent
from pmsys.models.auth import OPERATOR_KINDS, Organization, OrgKind, Role, User
from pmsys.models.places import Community
from pmsys.web.assets import forms
from pmsys.web.assets.common import bp, category_label, current_actor, refusal_message, refused

# Roles whose organisation may hand assets over; the service decides each draft.
DRAFTING_ROLES = frozenset(
    {Role.manager, Role.operator, Role.street_officer, Role.bureau_admin, Role.sysadmin}
)
# Kinds of organisation that usually hand assets over
# (docs/domain.md#handovers: the bureau, the original unit).
TRANSFEROR_KINDS = (OrgKind.housing_bureau, OrgKind.original_unit)


@bp.get("/handovers")
@login_required
def handover_list():
    """Hand-overs waiting for the user's action first, then every one the user sees."""
    user = current_actor()
    form = forms.HandoverFilterForm(formdata=request.args)
    if not form.validate():
        return render_template("assets/handover_list.html", form=form, waiting=[],
                               handovers=[], statuses=labels.HANDOVER_STATUS_LABELS), 400
    query = handover_services.visible_handovers(user, status=form.status.data or None)
    handovers = db.session.scalars(
        query.options(selectinload(Handover.from_org), selectinload(Handover.to_org))
        .order_by(Handover.created_at.desc(), Handover.code)
    ).all()
    return render_template(
        "assets/handover_list.html", form=form, handovers=handovers,
        waiting=assets.waiting_for(db.session, user),
        statuses=labels.HANDOVER_STATUS_LABELS,
        may_draft=user.role in DRAFTING_ROLES,
    )


@bp.route("/handovers/new", methods=["GET", "POST"])
@login_required
def handover_new():
    """Draft a hand-over of assets of one community (?community=CODE)."""
    user = current_actor()
    if user.role not in DRAFTING_ROLES:
        raise Forbidden(_("Only the transferor's staff or the housing bureau draft hand-overs."))
    code = request.args.get("community", "")
    if not code:
        communities = list(db.session.scalars(permissions.visible_communities(user)))
        return render_template("assets/choose_community.html", communities=communities,
                               endpoint="assets.handover_new", title=_("Draft a hand-over"))
    community = permissions.get_community_or_404(db.session, user, code)
    transferors = [user.organization] if user.organization is not None else []
    if permissions.may_keep_registers(user):
        transferors += db.session.scalars(
            select(Organization).where(Organization.kind.in_(TRANSFEROR_KINDS))
            .order_by(Organization.kind, Organization.name)
        ).all()
    receivers = db.session.scalars(
        select(Organization).where(Organization.kind.in_(sorted(OPERATOR_KINDS)))
        .order_by(Organization.kind, Organization.name)
    ).all()
    candidates = db.session.scalars(
        select(Asset).where(Asset.community_id == community.id, permissions.asset_clause(user))
        .order_by(Asset.code)
    ).all()
    form = forms.HandoverForm()
    form.set_choices(list(dict.fromkeys(transferors)), receivers, candidates, category_label)
    status = 200
    if form.validate_on_submit():
        try:
            handover = assets.create_handover(
                db.session, user, code=form.code.data.strip(), from_org=form.from_org.data,
                to_org=form.to_org.data, assets=form.assets.data,
            )
        except DomainError as error:
            status = refused(error)
            flash(refusal_message(error), "error")
        else:
            flash(_("Hand-over %(code)s drafted.", code=handover.code), "success")
            return redirect(url_for("assets.handover_detail", code=handover.code))
    elif request.method == "POST":
        status = 400
    return render_template("assets/handover_new.html", form=form, community=community), status


def _handover_page(user, handover: Handover, form=None, status=200):
    session = db.session
    events = session.scalars(
        select(HandoverEvent).where(HandoverEvent.handover_id == handover.id)
        .options(selectinload(HandoverEvent.actor))
        .order_by(HandoverEvent.at, HandoverEvent.id)
    ).all()
    committees = handover_services.committees_for(session, handover)
    signer_ids = {handover.receiver_signed_by_id, handover.transferor_signed_by_id}
    signer_ids |= {s.signed_by_id for s in handover.committee_signatures}
    fixer_ids = {d.fixed_by_id for d in handover.defects}
    names = {
        u.id: u.username
        for u in session.scalars(select(User).where(User.id.in_(signer_ids | fixer_ids - {None})))
    }
    communities = {
        c.id: c for c in session.scalars(select(Community).where(Community.id.in_(committees)))
    }
    committee_rows = [
        {"community": communities[cid], "committee": org,
         "signature": next((s for s in handover.committee_signatures
                            if s.community_id == cid), None)}
        for cid, org in sorted(committees.items())
    ]
    actions = assets.available_actions(session, user, handover)
    blank = {name: forms.ACTION_FORMS[name](formdata=None, action=name) for name in actions}
    if form is not None and form.action.data in blank:
        blank[form.action.data] = form
    return render_template(
        "assets/handover_detail.html", handover=handover, events=events, names=names,
        committee_rows=committee_rows, actions=blank,
        open_defects=sum(1 for d in handover.defects if d.fixed_at is None),
        statuses=labels.HANDOVER_STATUS_LABELS, event_labels=labels.EVENT_LABELS,
        parties=assets.handover_parties(session, user, handover),
        party_labels=forms.PARTY_LABELS,
    ), status


@bp.get("/handovers/<code>")
@login_required
def handover_detail(code: str):
    """One hand-over: its trail, assets, inspection, signatures and the user's next steps."""
    user = current_actor()
    return _handover_page(user, assets.get_handover_or_404(db.session, user, code))


@bp.post("/handovers/<code>/actions")
@login_required
def handover_action(code: str):
    """Take one action (field `action`: submit, return, inspect, fix_defect, sign)."""
    user = current_actor()
    handover = assets.get_handover_or_404(db.session, user, code)
    if not assets.handover_parties(db.session, user, handover):
        raise Forbidden(_("Only the parties act on a hand-over."))
    form_class = forms.ACTION_FORMS.get(request.form.get("action", ""))
    if form_class is None:
        flash(_("Unknown action."), "error")
        return _handover_page(user, handover, status=400)
    form = form_class()
    if not form.validate_on_submit():
        flash(_("Please correct the form."), "error")
        return _handover_page(user, handover, form=form, status=400)
    action = form.action.data
    try:
        assets.take_action(db.session, user, handover, action, **form.payload())
    except DomainError as error:
        status = refused(error)
        flash(refusal_message(error), "error")
        handover = assets.get_handover_or_404(db.session, user, code)
        return _handover_page(user, handover, form=form, status=status)
    flash(_("%(step)s: the hand-over is now %(status)s.", step=labels.EVENT_LABELS[action],
            status=labels.HANDOVER_STATUS_LABELS[handover.status]), "success")
    return redirect(url_for("assets.handover_detail", code=code))

