"""The owners' committee page: status, rules, the committee in office, the one being
prepared with its candidates, the street office's forms, and the history.

Everyone who sees the community reads the page; its forms are the street office's
(`access.oversees`), except that a resident owner may propose themself. A refused
form re-renders the page with the message on the field and changes nothing.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from pmsys import clock
from pmsys.auth import permissions
from pmsys.errors import Conflict, DomainError, Forbidden
from pmsys.extensions import db
from pmsys.governance import access
from pmsys.governance import committees as rules_of
from pmsys.governance.services import committees
from pmsys.models.auth import Role
from pmsys.models.governance import Committee, CommitteeStatus, Vote, VoteStatus
from pmsys.models.places import Community, Person
from pmsys.web.assets.common import current_actor
from pmsys.web.governance import bp
from pmsys.web.governance.common import (
    COMMITTEE_STATUS_LABELS,
    MEMBER_ROLE_LABELS,
    household_count,
    refuse,
)
from pmsys.web.governance.forms import (
    ROLE_CODES,
    ActivateForm,
    ExpireForm,
    InterimForm,
    PrepareForm,
    ProposeForm,
    VetForm,
)


def _role_choices(blank: bool) -> list[SelectChoice]:
    choices = [SelectChoice(code, MEMBER_ROLE_LABELS[code]) for code in ROLE_CODES]
    return [SelectChoice("", _("(no member)")), *choices] if blank else choices


def _election(committee: Committee | None) -> Vote | None:
    """The latest election vote of a committee being prepared."""
    if committee is None:
        return None
    return db.session.scalar(
        select(Vote).where(Vote.committee_id == committee.id).order_by(Vote.id.desc()).limit(1)
    )


def _owners(community: Community) -> list[Person]:
    query = committees.owners_of(db.session, community)
    return list(db.session.scalars(query.order_by(None).order_by(Person.code)))


def _is_owner(user, community: Community) -> bool:
    if user.role is not Role.resident or user.person_id is None:
        return False
    query = committees.owners_of(db.session, community).where(Person.id == user.person_id)
    return db.session.scalar(query) is not None


def _propose_form(owners: list[Person]) -> ProposeForm:
    form = ProposeForm(formdata=None)
    form.person.choices = [SelectChoice(p.code, f"{p.name} ({p.code})") for p in owners]
    return form


def _activate_form(preparing: Committee) -> ActivateForm:
    approved = [c for c in preparing.candidates if c.status.value == "approved"]
    form = ActivateForm(formdata=None, term_start=clock.today(),
                        members=[{"person": c.person.code, "role": "member"} for c in approved])
    for row in form.members:
        row.form.role.choices = _role_choices(blank=False)
    return form


def _interim_form() -> InterimForm:
    form = InterimForm(formdata=None, start=clock.today())
    for row in form.members:
        row.form.role.choices = _role_choices(blank=True)
    return form


def _expire_form(current: dict) -> ExpireForm:
    form = ExpireForm(formdata=None, on=clock.today())
    _expire_choices(form, current)
    return form


def _expire_choices(form: ExpireForm, current: dict) -> None:
    form.which.choices = [SelectChoice(key, _("The committee in office") if key == "active"
                                       else _("The committee being prepared"))
                          for key in ("active", "preparing") if current[key] is not None]


def _page(user, community: Community, status: int = 200, **shown):
    """Render the committee page; `shown` holds refused forms to show with their errors."""
    session = db.session
    current = committees.current(session, community)
    active, preparing = current["active"], current["preparing"]
    rules = committees.rules_for(session, community)
    households = household_count(community)
    today = clock.today()
    oversee = access.oversees(session, user, community)
    election = _election(preparing)
    election_open = election is not None and election.status is not VoteStatus.closed
    elected = (election is not None and election.status is VoteStatus.closed
               and bool(election.passed))
    forms: dict = {}
    owners: list[Person] = []
    if oversee:
        if preparing is None:
            forms["prepare"] = PrepareForm(formdata=None)
        else:
            if not election_open:
                owners = _owners(community)
                forms["propose"] = _propose_form(owners)
                forms["vet"] = {c.person.code: VetForm(formdata=None, decision=c.status.value
                                                       if c.status.value != "proposed" else None,
                                                       note=c.note)
                                for c in preparing.candidates}
            if elected:
                forms["activate"] = _activate_form(preparing)
        if active is None:
            forms["interim"] = _interim_form()
        if active is not None or preparing is not None:
            forms["expire"] = _expire_form(current)
    candidate_people = {c.person_id for c in preparing.candidates} if preparing else set()
    if (preparing is not None and not election_open and user.person_id not in candidate_people
            and _is_owner(user, community)):
        forms["self"] = ProposeForm(formdata=None, person=user.person.code)
    for key, form in shown.items():
        if key.startswith("vet:"):
            forms.setdefault("vet", {})[key[4:]] = form
        else:
            forms[key] = form
    for vet_form in forms.get("vet", {}).values():
        vet_form.decision.choices = [SelectChoice("approve", _("Approve")),
                                     SelectChoice("reject", _("Reject"))]
    history = [c for c in committees.history(session, community)
               if c.status is CommitteeStatus.expired]
    return render_template(
        "governance/committee.html", community=community,
        status=committees.status_of(session, community), status_labels=COMMITTEE_STATUS_LABELS,
        active=active, preparing=preparing, rules=rules, households=households,
        bounds=rules_of.size_bounds(households, rules),
        days_left=(active.term_end - today).days if active and active.term_end else None,
        warning=bool(active and rules_of.warning_due(active.term_end, today, rules)),
        election=election, elected=elected, history=history, forms=forms,
        sees_names=permissions.can_see_owners(user),
        may_convene=access.may_convene(session, user, community), user=user,
    ), status


def _community(code: str) -> tuple:
    user = current_actor()
    return user, permissions.get_community_or_404(db.session, user, code)


def _require_oversight(user, community: Community) -> None:
    if not access.oversees(db.session, user, community):
        raise Forbidden(_("Only the street office guides the owners' committee's formation."))


def _done(code: str, message: str):
    flash(message, "success")
    return redirect(url_for("governance.committee_page", code=code))


def _invalid(user, community: Community, key: str, form):
    flash(_("Please correct the marked fields."), "error")
    return _page(user, community, status=400, **{key: form})


def _submit(user, community: Community, key: str, form, action, message: str, refill=None):
    """Validate `form` and run `action()`; a refusal marks the form and changes nothing.

    `refill` puts back the form's computed choices after a refusal.
    """
    if not form.validate_on_submit():
        return _invalid(user, community, key, form)
    try:
        action()
    except DomainError as error:
        status = refuse(form, error)
        if refill is not None:
            refill()
        return _page(user, community, status=status, **{key: form})
    return _done(community.code, message)


@bp.get("/communities/<code>/committee")
@login_required
def committee_page(code: str):
    """The community's owners' committee: in office, being prepared, and before."""
    user, community = _community(code)
    return _page(user, community)


@bp.post("/communities/<code>/committee/prepare")
@login_required
def committee_prepare(code: str):
    """The street office starts preparing an owners' committee."""
    user, community = _community(code)
    _require_oversight(user, community)
    form = PrepareForm()
    return _submit(
        user, community, "prepare", form,
        lambda: committees.prepare(db.session, user, community, seats=form.seats.data,
                                   note=form.note.data or ""),
        _("The owners' committee is being prepared."))


@bp.post("/communities/<code>/committee/candidates")
@login_required
def committee_propose(code: str):
    """Propose an owner as a candidate (the street office), or oneself (a resident owner)."""
    user, community = _community(code)
    oversee = access.oversees(db.session, user, community)
    if not oversee and user.role is not Role.resident:
        raise Forbidden(_("Only the street office or an owner may propose a candidate."))
    form = ProposeForm()

    def refill() -> None:
        form.person.choices = [SelectChoice(p.code, f"{p.name} ({p.code})")
                               for p in _owners(community)]

    return _submit(
        user, community, "propose" if oversee else "self", form,
        lambda: committees.propose(db.session, user, community, form.person.data),
        _("The candidate is proposed."), refill if oversee else None)


@bp.post("/communities/<code>/committee/candidates/<person>/vetting")
@login_required
def committee_vet(code: str, person: str):
    """The street office approves or rejects a candidate, with a note."""
    user, community = _community(code)
    _require_oversight(user, community)
    form = VetForm()
    form.decision.choices = [SelectChoice("approve", _("Approve")),
                             SelectChoice("reject", _("Reject"))]
    return _submit(
        user, community, "vet:" + person, form,
        lambda: committees.vet(db.session, user, community, person,
                               decision=form.decision.data, note=form.note.data or ""),
        _("The vetting is recorded."))


def _member_roles(form, blank: bool):
    """Give each member row of `form` the role choices; returns a refill for refusals."""

    def fill() -> None:
        for row in form.members:
            row.form.role.choices = _role_choices(blank=blank)

    fill()
    return fill


@bp.post("/communities/<code>/committee/activate")
@login_required
def committee_activate(code: str):
    """The street office installs the elected committee with roles and its term."""
    user, community = _community(code)
    _require_oversight(user, community)
    form = ActivateForm()
    refill = _member_roles(form, blank=False)
    return _submit(
        user, community, "activate", form,
        lambda: committees.activate(
            db.session, user, community,
            roles={row.form.person.data: row.form.role.data for row in form.members},
            term_start=form.term_start.data, term_end=form.term_end.data),
        _("The elected committee is in office."), refill)


@bp.post("/communities/<code>/committee/interim")
@login_required
def committee_interim(code: str):
    """The street office appoints an interim management committee."""
    user, community = _community(code)
    _require_oversight(user, community)
    form = InterimForm()
    refill = _member_roles(form, blank=True)
    return _submit(
        user, community, "interim", form,
        lambda: committees.appoint_interim(db.session, user, community,
                                           members=form.chosen(), start=form.start.data,
                                           end=form.end.data, note=form.note.data),
        _("The interim management committee is appointed."), refill)


@bp.post("/communities/<code>/committee/expire")
@login_required
def committee_expire(code: str):
    """The street office ends the committee in office or abandons the preparation."""
    user, community = _community(code)
    _require_oversight(user, community)
    current = committees.current(db.session, community)
    form = ExpireForm()
    _expire_choices(form, current)
    if not form.which.choices:
        error = Conflict("no committee in office", code="committee_not_in_office")
        return _page(user, community, status=refuse(None, error))
    return _submit(
        user, community, "expire", form,
        lambda: committees.expire(db.session, user, current[form.which.data], on=form.on.data,
                                  reason=form.reason.data),
        _("The committee has ended."),
        lambda: _expire_choices(form, committees.current(db.session, community)))
