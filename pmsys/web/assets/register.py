"""Pages of the asset register: a community's assets, one asset, adding one."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pmsys import categories, clock, labels
from pmsys.assets import services as assets
from pmsys.assets.warranty import in_warranty
from pmsys.auth import permissions
from pmsys.errors import DomainError, Forbidden
from pmsys.extensions import db
from pmsys.models.assets import (
    Asset,
    AssetMaintainer,
    Handover,
    HandoverAsset,
    Project,
    ProjectCommunity,
)
from pmsys.models.places import Building
from pmsys.web.assets import forms
from pmsys.web.assets.common import (
    bp,
    contractors,
    current_actor,
    kept_communities,
    refusal_message,
    refused,
)


def _asset_rows(query):
    """Assets with what the register shows: warranty state and today's maintainer."""
    today = clock.today()
    rows = db.session.scalars(
        query.options(
            selectinload(Asset.stints).selectinload(AssetMaintainer.organization),
            selectinload(Asset.building), selectinload(Asset.unit),
            selectinload(Asset.project), selectinload(Asset.warranty_contractor),
        ).order_by(Asset.code)
    ).all()
    return [
        {"asset": a, "in_warranty": in_warranty(a.warranty_until, today),
         "maintainer": assets.maintainer_on(a, today)}
        for a in rows
    ]


@bp.get("/communities/<code>/assets")
@login_required
def community_assets(code: str):
    """The asset register of one community."""
    user = current_actor()
    community = permissions.get_community_or_404(db.session, user, code)
    rows = _asset_rows(select(Asset).where(Asset.community_id == community.id,
                                           permissions.asset_clause(user)))
    return render_template(
        "assets/community_assets.html", community=community, rows=rows,
        may_register=permissions.can_keep_register(db.session, user, community),
        scopes=forms.SCOPE_LABELS,
    )


@bp.route("/assets/new", methods=["GET", "POST"])
@login_required
def asset_new():
    """Add an asset to a community's register (?community=CODE; the bureau)."""
    user = current_actor()
    code = request.args.get("community", "")
    if not code:
        kept = kept_communities(user)
        if not kept:
            raise Forbidden(_("Only the housing bureau keeps the asset register."))
        return render_template("assets/choose_community.html", communities=kept,
                               endpoint="assets.asset_new", title=_("Register an asset"))
    community = permissions.get_community_or_404(db.session, user, code)
    if not permissions.can_keep_register(db.session, user, community):
        raise Forbidden(_("Only the housing bureau keeps the asset register."))
    projects = db.session.scalars(
        select(Project).join(ProjectCommunity)
        .where(ProjectCommunity.community_id == community.id)
        .order_by(Project.year.desc(), Project.code)
    ).all()
    buildings = db.session.scalars(
        select(Building).where(Building.community_id == community.id)
        .options(selectinload(Building.units)).order_by(Building.code)
    ).all()
    form = forms.AssetForm()
    form.set_choices([c for c in categories.CATEGORIES if c.asset], buildings, projects,
                     contractors())
    status = 200
    if form.validate_on_submit():
        building, unit = form.building_and_unit
        try:
            asset = assets.create_asset(
                db.session, user, code=form.code.data.strip(), name=form.name.data or "",
                category=form.category.data, community=community.code, building=building,
                unit=unit, project=form.project.data or None,
                warranty_contractor=form.warranty_contractor.data or None,
                warranty_contract_until=form.warranty_contract_until.data,
                spaces=form.spaces.data if form.category.data == "parking" else None,
                space_numbers=(form.space_numbers.data or ""
                               if form.category.data == "parking" else None),
            )
        except DomainError as error:
            status = refused(error)
            flash(refusal_message(error), "error")
        else:
            flash(_("Asset %(code)s registered.", code=asset.code), "success")
            return redirect(url_for("assets.asset_detail", code=asset.code))
    elif request.method == "POST":
        status = 400
    return render_template("assets/asset_new.html", form=form, community=community), status


def _asset_page(user, asset: Asset, warranty_form=None, status=200):
    today = clock.today()
    handovers = db.session.scalars(
        select(Handover).join(HandoverAsset, HandoverAsset.handover_id == Handover.id)
        .where(HandoverAsset.asset_id == asset.id, permissions.handover_clause(user))
        .order_by(Handover.created_at)
    ).all()
    form = None
    if permissions.can_keep_register(db.session, user, asset.community):
        form = warranty_form or forms.WarrantyForm(
            formdata=None, until=asset.warranty_contract_until)
        form.set_choices(contractors())
    return render_template(
        "assets/asset_detail.html", asset=asset, handovers=handovers, warranty_form=form,
        maintainer=assets.maintainer_on(asset, today),
        in_warranty=in_warranty(asset.warranty_until, today),
        stints=sorted(asset.stints, key=lambda s: s.start, reverse=True),
        scopes=forms.SCOPE_LABELS, statuses=labels.HANDOVER_STATUS_LABELS,
    ), status


@bp.get("/assets/<code>")
@login_required
def asset_detail(code: str):
    """One asset: warranty, maintainer history and the hand-overs it was part of."""
    user = current_actor()
    return _asset_page(user, assets.get_asset_or_404(db.session, user, code))


@bp.post("/assets/<code>/warranty")
@login_required
def asset_warranty(code: str):
    """Record the contract's warranty date of an asset (the bureau)."""
    user = current_actor()
    asset = assets.get_asset_or_404(db.session, user, code)
    if not permissions.can_keep_register(db.session, user, asset.community):
        raise Forbidden(_("Only the housing bureau keeps the asset register."))
    form = forms.WarrantyForm()
    form.set_choices(contractors())
    if not form.validate_on_submit():
        return _asset_page(user, asset, warranty_form=form, status=400)
    try:
        assets.set_warranty_contract(db.session, user, asset, form.until.data,
                                     form.contractor.data or None)
    except DomainError as error:
        status = refused(error)
        flash(refusal_message(error), "error")
        return _asset_page(user, assets.get_asset_or_404(db.session, user, code), status=status)
    flash(_("The warranty of %(code)s is recorded.", code=code), "success")
    return redirect(url_for("assets.asset_detail", code=code))

