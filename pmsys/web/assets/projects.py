"""Pages of renovation projects: list, record, committee sign-off, acceptance."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pmsys import money
from pmsys.assets import services as assets
from pmsys.assets.services.projects import acceptance_minimum
from pmsys.auth import permissions
from pmsys.errors import DomainError, Forbidden, NotFound
from pmsys.extensions import db
from pmsys.governance.services import active_committees
from pmsys.models.assets import Asset, Project, ProjectCommunity
from pmsys.models.auth import Role
from pmsys.models.places import Community
from pmsys.surveys import services as surveys
from pmsys.web.assets import forms
from pmsys.web.assets.common import (
    bp,
    contractors,
    current_actor,
    kept_communities,
    refusal_message,
    refused,
)

# Why an acceptance was refused, by the service's reason codes.
ACCEPTANCE_REASONS = {
    "bad_satisfaction": lambda rate, minimum: _(
        "The satisfaction rate must be between 0 and 100 percent."),
    "satisfaction_too_low": lambda rate, minimum: _(
        "Resident satisfaction %(rate)s is below the minimum %(minimum)s.",
        rate=money.percent_str(rate), minimum=money.percent_str(minimum)),
    "accepted_before_completion": lambda rate, minimum: _(
        "The acceptance date is before the completion date."),
    "committee_signoff_missing": lambda rate, minimum: _(
        "The owners' committee of every community that has one must sign off first."),
    "satisfaction_missing": lambda rate, minimum: _(
        "There is no satisfaction rate: no closed survey of this project has answers. Type a "
        "rate with the reason why."),
}


def _without_arrangement(project: Project, codes: list[str]) -> str:
    """The refusal naming the communities without a long-term management arrangement."""
    names = {link.community.code: link.community.name for link in project.community_links}
    return _("No long-term management arrangement (no management term in force on the "
             "acceptance day, no recorded plan) for: %(communities)s. Record a plan for them, "
             "or give the reason to accept anyway.",
             communities=", ".join(f"{names.get(code, code)} ({code})" for code in codes))


@bp.get("/projects")
@login_required
def project_list():
    """The renovation projects covering communities the user sees."""
    user = current_actor()
    projects = db.session.scalars(
        select(Project).where(permissions.project_clause(user))
        .options(selectinload(Project.community_links).selectinload(ProjectCommunity.community))
        .order_by(Project.year.desc(), Project.code)
    ).all()
    return render_template("assets/project_list.html", projects=projects,
                           may_create=bool(kept_communities(user)))


@bp.route("/projects/new", methods=["GET", "POST"])
@login_required
def project_new():
    """Record a renovation project (bureau administrators of the communities)."""
    user = current_actor()
    kept = kept_communities(user)
    if not kept:
        raise Forbidden(_("Only the housing bureau records projects."))
    form = forms.ProjectForm()
    form.set_choices(kept, contractors())
    status = 200
    if form.validate_on_submit():
        try:
            project = assets.create_project(
                db.session, user, code=form.code.data.strip(), name=form.name.data or "",
                year=form.year.data, contractor=form.contractor.data or None,
                communities=form.communities.data, items=form.item_dicts(),
                completed_on=form.completed_on.data,
            )
        except DomainError as error:
            status = refused(error)
            flash(refusal_message(error), "error")
        else:
            flash(_("Project %(code)s recorded.", code=project.code), "success")
            return redirect(url_for("assets.project_detail", code=project.code))
    elif request.method == "POST":
        status = 400
    return render_template("assets/project_new.html", form=form), status


def _project_page(user, project: Project, accept_form=None, reasons=(), status=200):
    links = project.community_links
    committees = active_committees(db.session, [link.community_id for link in links])
    signers = {
        link.community_id
        for link in links
        if user.role is Role.committee_member
        and link.community_id in committees
        and committees[link.community_id].id == user.organization_id
        and link.committee_signed_at is None
        and project.accepted_on is None
    }
    keeps = all(permissions.can_keep_register(db.session, user, link.community)
                for link in links)
    renewed = db.session.scalars(
        select(Asset).where(Asset.project_id == project.id, permissions.asset_clause(user))
        .order_by(Asset.code)
    ).all()
    survey = surveys.closed_project_survey(db.session, project)
    return render_template(
        "assets/project_detail.html", project=project, committees=committees, signers=signers,
        survey=survey, survey_result=surveys.tally(db.session, survey) if survey else None,
        surveys_open=surveys.coming_project_surveys(db.session, project),
        may_accept=keeps and project.accepted_on is None,
        accept_form=accept_form or forms.AcceptForm(formdata=None), reasons=reasons,
        renewed=renewed, item_kinds=forms.ITEM_KIND_LABELS,
        item_classes=forms.ITEM_CLASS_LABELS,
    ), status


@bp.get("/projects/<code>")
@login_required
def project_detail(code: str):
    """One project: communities and their committee sign-off, items, the acceptance record."""
    user = current_actor()
    return _project_page(user, assets.get_project_or_404(db.session, user, code))


@bp.post("/projects/<code>/sign-off")
@login_required
def project_sign_off(code: str):
    """The owners' committee signs off the acceptance for its community."""
    user = current_actor()
    project = assets.get_project_or_404(db.session, user, code)
    form = forms.SignOffForm()
    if not form.validate_on_submit():
        flash(_("Please choose the community to sign off."), "error")
        return _project_page(user, project, status=400)
    community = db.session.scalar(select(Community).where(Community.code == form.community.data))
    if community is None:
        raise NotFound("no such community")
    try:
        assets.sign_off_project(db.session, user, project, community)
    except DomainError as error:
        status = refused(error)
        flash(refusal_message(error), "error")
        return _project_page(user, assets.get_project_or_404(db.session, user, code), status=status)
    flash(_("Signed off for %(name)s.", name=community.name), "success")
    return redirect(url_for("assets.project_detail", code=code))


@bp.post("/projects/<code>/accept")
@login_required
def project_accept(code: str):
    """Record the joint acceptance; a refusal shows every reason (422)."""
    user = current_actor()
    project = assets.get_project_or_404(db.session, user, code)
    if not all(permissions.can_keep_register(db.session, user, link.community)
               for link in project.community_links):
        raise Forbidden(_("Only the housing bureau accepts projects."))
    form = forms.AcceptForm()
    if not form.validate_on_submit():
        return _project_page(user, project, accept_form=form, status=400)
    try:
        assets.accept_project(db.session, user, project, accepted_on=form.accepted_on.data,
                              satisfaction_rate=form.satisfaction_rate,
                              satisfaction_reason=form.satisfaction_reason.data or "",
                              note=form.note.data or "",
                              management_override=form.management_override.data or None)
    except DomainError as error:
        status = refused(error)
        project = assets.get_project_or_404(db.session, user, code)
        codes = error.fields.get("reasons", []) if status == 422 else []
        minimum = acceptance_minimum(db.session, project)
        rate = form.satisfaction_rate
        if rate is None:
            survey = surveys.closed_project_survey(db.session, project)
            rate = surveys.tally(db.session, survey).satisfaction_rate if survey else None
        reasons = [
            _without_arrangement(project, error.fields.get("without_arrangement", []))
            if c == "no_management_arrangement" else
            ACCEPTANCE_REASONS[c](rate, minimum)
            if c in ACCEPTANCE_REASONS else c
            for c in codes
        ] or [refusal_message(error)]
        flash(_("The acceptance was refused."), "error")
        return _project_page(user, project, accept_form=form, reasons=reasons, status=status)
    flash(_("Project %(code)s accepted.", code=code), "success")
    return redirect(url_for("assets.project_detail", code=code))

