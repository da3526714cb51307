"""The management terms page: every term of a community and the form for a new one; its
long-term management plans and the form for a new one.

Everyone who sees the community reads the history; the form is for those who
decide terms (`access.may_decide_terms`): the street office, the bureau, and the
committee in office for the modes that rest on its assembly's vote. Plans are recorded by
the street office and the bureau (`access.may_record_plan`).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import or_, select
from wtforms.fields.choices import SelectChoice

from pmsys import clock
from pmsys.auth import permissions
from pmsys.db import valid_id
from pmsys.errors import DomainError, Forbidden
from pmsys.extensions import db
from pmsys.governance import access
from pmsys.governance.services import plans, terms
from pmsys.governance.terms import MODE_ORG_KINDS
from pmsys.labels import MODE_LABELS, ORG_KIND_LABELS
from pmsys.models.auth import Organization
from pmsys.models.governance import ManagementTerm, Vote, VoteStatus
from pmsys.models.places import Community
from pmsys.web.assets.common import current_actor
from pmsys.web.governance import bp
from pmsys.web.governance.common import MATTER_LABELS, refuse
from pmsys.web.governance.forms import PlanForm, TermForm

BOUND_KINDS = frozenset(MODE_ORG_KINDS["self"])


def _organisations(community: Community) -> list[Organization]:
    """The organisations that may manage the community in a mode a new term may have.

    Property companies and street or community offices anywhere; committees and
    self-management groups only when bound to this community.
    """
    open_kinds = (MODE_ORG_KINDS["professional"] | MODE_ORG_KINDS["community"])
    return list(db.session.scalars(
        select(Organization).where(or_(
            Organization.kind.in_(open_kinds),
            Organization.kind.in_(BOUND_KINDS) & (Organization.community_id == community.id),
        )).order_by(Organization.kind, Organization.name)
    ))


def basis_votes(community: Community) -> list[Vote]:
    """The closed, passed votes of the community that no term rests on yet."""
    used = select(ManagementTerm.basis_vote_id).where(ManagementTerm.basis_vote_id.is_not(None))
    matters = set().union(*terms.BASIS_MATTERS.values())
    return list(db.session.scalars(
        select(Vote).where(Vote.community_id == community.id, Vote.status == VoteStatus.closed,
                           Vote.passed.is_(True), Vote.matter.in_(matters),
                           Vote.id.not_in(used))
        .order_by(Vote.closed_at.desc())
    ))


def _set_choices(form: TermForm, community: Community) -> None:
    form.set_modes(MODE_LABELS)
    form.org.choices = [
        SelectChoice(org.code, f"{org.name} · {ORG_KIND_LABELS.get(org.kind, org.kind)}")
        for org in _organisations(community)
    ]
    form.basis_vote.choices = [SelectChoice("", _("(no vote)"))] + [
        SelectChoice(str(vote.id), f"{vote.title} · {MATTER_LABELS[vote.matter]} · "
                                   f"{vote.closed_at.astimezone(clock.LOCAL_TZ).date()}")
        for vote in basis_votes(community)
    ]


def _page(user, community: Community, form: TermForm | None = None, status: int = 200,
          plan_form: PlanForm | None = None):
    may_decide = access.may_decide_terms(db.session, user, community)
    if may_decide and form is None:
        form = TermForm(formdata=None, start=clock.today())
    if form is not None:
        _set_choices(form, community)
    may_plan = access.may_record_plan(db.session, user, community)
    if may_plan and plan_form is None:
        plan_form = PlanForm(formdata=None)
    if plan_form is not None:
        plan_form.set_modes(MODE_LABELS)
    return render_template(
        "governance/terms.html", community=community, terms=terms.terms_of(db.session, community),
        form=form if may_decide else None, today=clock.today(),
        plans=plans.plans_of(db.session, community), plan_form=plan_form if may_plan else None,
    ), status


@bp.route("/communities/<code>/terms", methods=["GET", "POST"])
@login_required
def terms_page(code: str):
    """The community's management terms, and the form for a new one."""
    user = current_actor()
    community = permissions.get_community_or_404(db.session, user, code)
    if request.method == "GET":
        return _page(user, community)
    if not access.may_decide_terms(db.session, user, community):
        raise Forbidden(_("Only the street office, the housing bureau or the owners' committee "
                          "in office records a management term."))
    form = TermForm()
    _set_choices(form, community)
    if not form.validate_on_submit():
        flash(_("Please correct the marked fields."), "error")
        return _page(user, community, form, status=400)
    basis_vote_id = valid_id(form.basis_vote.data) if form.basis_vote.data else None
    if form.basis_vote.data and basis_vote_id is None:
        form.basis_vote.errors = [_("Choose a vote from the list.")]
        flash(_("Please correct the marked fields."), "error")
        return _page(user, community, form, status=400)
    try:
        terms.start_term(db.session, user, community, mode=form.mode.data,
                         org_code=form.org.data, start=form.start.data,
                         basis_vote_id=basis_vote_id, end=form.end.data,
                         basis=form.basis.data or "")
    except DomainError as error:
        status = refuse(form, error)
        return _page(user, community, form, status=status)
    flash(_("The new management term is recorded."), "success")
    return redirect(url_for("governance.terms_page", code=code))


@bp.post("/communities/<code>/management-plan")
@login_required
def record_plan(code: str):
    """Record a long-term management plan for the community (street office, bureau)."""
    user = current_actor()
    community = permissions.get_community_or_404(db.session, user, code)
    if not access.may_record_plan(db.session, user, community):
        raise Forbidden(_("Only the street office or the housing bureau records a long-term "
                          "management plan."))
    form = PlanForm()
    form.set_modes(MODE_LABELS)
    if not form.validate_on_submit():
        flash(_("Please correct the marked fields."), "error")
        return _page(user, community, status=400, plan_form=form)
    try:
        plans.record_plan(db.session, user, community, mode=form.mode.data,
                          note=form.note.data, starts_on=form.starts_on.data)
    except DomainError as error:
        status = refuse(form, error)
        return _page(user, community, status=status, plan_form=form)
    flash(_("The long-term management plan is recorded."), "success")
    return redirect(url_for("governance.terms_page", code=code) + "#plans")
