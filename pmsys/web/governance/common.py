"""What the governance pages share: labels of codes, template filters, refusals, times."""

from __future__ import annotations

from datetime import date, datetime

from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from pmsys import clock
from pmsys.errors import DomainError
from pmsys.extensions import db
from pmsys.governance import access
from pmsys.models.places import Building, Community, Household, Unit
from pmsys.web.assets.common import refused
from pmsys.web.governance import bp

MATTER_LABELS = {
    "procedure_rules": _l("Rules of procedure of the owners' assembly"),
    "management_rules": _l("Management rules"),
    "elect_committee": _l("Electing the owners' committee"),
    "hire_manager": _l("Hiring a property manager"),
    "dismiss_manager": _l("Dismissing the property manager"),
    "use_maintenance_fund": _l("Using the maintenance fund"),
    "raise_maintenance_fund": _l("Raising the maintenance fund"),
    "rebuild": _l("Rebuilding or altering buildings and facilities"),
    "change_common_use": _l("Changing the use of common parts"),
    "other": _l("Another major matter"),
}
KIND_LABELS = {"major": _l("Major matter"), "ordinary": _l("Ordinary matter")}
VOTE_STATUS_LABELS = {
    "scheduled": _l("Not yet open"),
    "open": _l("Open for voting"),
    "closed": _l("Voting closed"),
}
CHOICE_LABELS = {"approve": _l("Approve"), "reject": _l("Reject"), "abstain": _l("Abstain")}
REASON_LABELS = {
    "passed": _l("Passed: enough owners took part and enough of them approved."),
    "quorum_area": _l("Failed: the owners who took part hold less than two thirds of the "
                      "exclusive area."),
    "quorum_owners": _l("Failed: fewer than two thirds of the owners took part."),
    "approval_area": _l("Failed: the approving owners do not hold enough of the participating "
                        "area."),
    "approval_owners": _l("Failed: not enough of the participating owners approved."),
    "empty_roll": _l("Failed: the roll has no owners or no area."),
}
COMMITTEE_STATUS_LABELS = {
    "none": _l("Not formed"),
    "preparing": _l("Being prepared"),
    "active": _l("In office"),
    "expired": _l("Expired"),
}
COMMITTEE_KIND_LABELS = {
    "owners": _l("Owners' committee"),
    "interim": _l("Interim management committee"),
}
MEMBER_ROLE_LABELS = {"director": _l("Director"), "deputy": _l("Deputy director"),
                      "member": _l("Member")}
CANDIDATE_STATUS_LABELS = {"proposed": _l("Proposed"), "approved": _l("Approved"),
                           "rejected": _l("Rejected")}

# What the pages say for the codes of the services' refusals.
REFUSALS = {
    "forbidden": _l("This action is not yours to take."),
    "committee_in_preparation": _l("A committee is already being prepared."),
    "no_committee_in_preparation": _l("No committee is being prepared."),
    "not_an_owner": _l("Only an owner in this community can do this."),
    "already_proposed": _l("This owner is already a candidate."),
    "election_under_way": _l("The election vote is under way; the candidates cannot change."),
    "candidate_not_found": _l("There is no such candidate."),
    "not_elected": _l("The committee has not been elected by a passed vote yet."),
    "committee_in_office": _l("A committee is in office; it must end first."),
    "committee_not_in_office": _l("This committee is not in office."),
    "candidates_do_not_fit": _l("The approved candidates do not fit the committee's size rules."),
    "closes_before_opens": _l("The vote must close after it opens."),
    "vote_not_open": _l("The vote is not open yet."),
    "vote_closed": _l("The vote is closed."),
    "vote_not_over": _l("The vote is still open until its closing time."),
    "not_on_roll": _l("This person is not an owner on the vote's roll."),
    "legacy_mode": _l("The original unit mode is kept only for imported terms."),
    "org_does_not_fit": _l("This organisation cannot manage the community in this mode."),
    "basis_vote_required": _l("This mode needs a passed owners' assembly vote as its basis."),
    "basis_vote_not_passed": _l("The basis vote must be closed and passed."),
    "basis_vote_wrong_matter": _l("The basis vote was not about this kind of management."),
    "basis_vote_used": _l("This vote is already the basis of another term."),
    "term_overlap": _l("A term already starts on or after this day."),
}


def register_filters() -> None:
    """Make the labels available to every template (the notice page uses them too)."""
    tables = {
        "matter_label": MATTER_LABELS,
        "vote_kind_label": KIND_LABELS,
        "vote_status_label": VOTE_STATUS_LABELS,
        "choice_label": CHOICE_LABELS,
        "reason_label": REASON_LABELS,
        "committee_status_label": COMMITTEE_STATUS_LABELS,
        "committee_kind_label": COMMITTEE_KIND_LABELS,
        "member_role_label": MEMBER_ROLE_LABELS,
        "candidate_status_label": CANDIDATE_STATUS_LABELS,
    }
    for name, labels in tables.items():
        bp.add_app_template_filter(_labeller(labels), name)


def _labeller(labels: dict):
    def label(code) -> str:
        key = getattr(code, "value", code)
        return str(labels.get(key, key))

    return label


@bp.app_template_filter("threshold_words")
def threshold_words(kind: str) -> str:
    """Say in words what a vote of this kind needs (Civil Code Art. 278 ¶2)."""
    if kind == "major":
        return _("Owners holding at least 2/3 of the exclusive area and at least 2/3 of the "
                 "owners take part; at least 3/4 of the participating area and at least 3/4 "
                 "of the participating owners approve.")
    return _("Owners holding at least 2/3 of the exclusive area and at least 2/3 of the "
             "owners take part; more than half of the participating area and more than half "
             "of the participating owners approve.")


@bp.app_template_filter("fraction_words")
def fraction_words(value: str, rule: str = "at_least") -> str:
    """Say a threshold such as "3/4" with its rule: "at least 3/4" or "more than 1/2"."""
    if rule == "more_than":
        return _("more than %(value)s", value=value)
    return _("at least %(value)s", value=value)


@bp.app_context_processor
def _governance_menu() -> dict:
    """Who sees the coverage entry of the menu."""
    def may_read_coverage() -> bool:
        return bool(getattr(current_user, "is_authenticated", False)
                    and access.may_read_coverage(current_user._get_current_object()))

    return {"may_read_coverage": may_read_coverage}


register_filters()


def refusal_message(error: DomainError) -> str:
    """What the page says for a service's refusal."""
    known = REFUSALS.get(error.code)
    if known is not None:
        return str(known)
    return _("Refused: %(reason)s", reason=error.message)


def mark(form, error: DomainError) -> str:
    """Put a refusal on the fields it names; return what the flash says."""
    message = refusal_message(error)
    named = [form._fields[name] for name in error.fields if name in form._fields]
    for field in named:
        field.errors = [*field.errors, message]
    return message


def refuse(form, error: DomainError) -> int:
    """Undo a refused request (keeping refusal audits), show why; return the status."""
    status = refused(error)
    flash(mark(form, error) if form is not None else refusal_message(error), "error")
    return status


def local_input(moment: datetime | None) -> str:
    """A moment as the value of a datetime-local input in China Standard Time."""
    if moment is None:
        return ""
    return moment.astimezone(clock.LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")


def from_local(moment: datetime) -> datetime:
    """A naive datetime-local value, read in China Standard Time, as an aware UTC moment."""
    return moment.replace(tzinfo=clock.LOCAL_TZ).astimezone(clock.UTC)


def local_day(moment: datetime) -> date:
    """The day in China Standard Time of a moment."""
    return moment.astimezone(clock.LOCAL_TZ).date()


def household_count(community: Community) -> int:
    """How many households the community has (the committee's size rules depend on it)."""
    return db.session.scalar(
        select(func.count(Household.id))
        .join(Unit, Unit.id == Household.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(Building.community_id == community.id)
    ) or 0
