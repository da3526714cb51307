"""The governance pages' forms: committee formation, votes and ballots, terms, coverage.

The forms check the shape of the input only; every rule (size, roll, thresholds,
who may act) is the services' and comes back as a refusal on the named field.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    Form,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import FieldList, FormField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from pmsys.governance.voting import CHOICES, MATTERS

# Browsers send minutes; some add seconds when a step is set.
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
MEMBER_ROWS = 11  # the national guidance's largest committee
ROLE_CODES = ("director", "deputy", "member")
INSTALLABLE_MODES = ("professional", "self", "community")


def _labelled(codes, labels) -> list[SelectChoice]:
    return [SelectChoice(code, labels[code]) for code in codes]


class PrepareForm(FlaskForm):
    """The street office starts preparing an owners' committee of so many seats."""

    seats = IntegerField(_l("Seats"), validators=[
        InputRequired(message=_l("Enter the number of seats.")), NumberRange(min=1, max=99)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000)])


class ProposeForm(FlaskForm):
    """Propose an owner as a candidate (the street office picks; a resident proposes themself)."""

    # The service decides who is an owner here, so its refusal lands on this field.
    person = SelectField(_l("Owner"), validate_choice=False,
                         validators=[InputRequired(message=_l("Choose an owner."))])


class VetForm(FlaskForm):
    """Approve or reject a candidate after the joint vetting (联审), with a note."""

    decision = RadioField(_l("Decision"), validators=[
        InputRequired(message=_l("Approve or reject."))])
    note = TextAreaField(_l("Vetting note"), validators=[Optional(), Length(max=1000)])


class RoleRow(Form):
    """One approved candidate's role in the committee being activated."""

    person = HiddenField()
    role = SelectField(_l("Role"), default="member")


class ActivateForm(FlaskForm):
    """Install the elected committee: a role per approved candidate, and the term."""

    members = FieldList(FormField(RoleRow), min_entries=0, max_entries=99)
    term_start = DateField(_l("Term starts"), validators=[
        InputRequired(message=_l("Enter the first day of the term."))])
    term_end = DateField(_l("Term ends"), validators=[Optional()])


class MemberRow(Form):
    """One member of an interim committee: any known person, and their role."""

    person = StringField(_l("Person code"), validators=[Optional(), Length(max=64)])
    role = SelectField(_l("Role"), default="")


class InterimForm(FlaskForm):
    """Appoint an interim management committee where no owners' committee can be formed."""

    members = FieldList(FormField(MemberRow), min_entries=MEMBER_ROWS, max_entries=MEMBER_ROWS)
    start = DateField(_l("Starts"), validators=[InputRequired(message=_l("Enter the first day."))])
    end = DateField(_l("Ends"), validators=[Optional()])
    note = TextAreaField(_l("Why no owners' committee could be formed"), validators=[
        InputRequired(message=_l("Say why no owners' committee could be formed.")),
        Length(max=1000)])

    def chosen(self) -> list[tuple[str, str]]:
        """The (person code, role) pairs of the rows filled in."""
        return [(row.person.data.strip(), row.role.data) for row in self.members
                if (row.person.data or "").strip()]


class ExpireForm(FlaskForm):
    """End the committee in office, or abandon the one being prepared."""

    which = SelectField(_l("Committee"), default="active")
    on = DateField(_l("Ends on"), validators=[InputRequired(message=_l("Enter the last day."))])
    reason = StringField(_l("Reason"), validators=[
        InputRequired(message=_l("Say why it ends.")), Length(max=300)])


class ConveneForm(FlaskForm):
    """Convene an owners' assembly vote; times are China Standard Time."""

    matter = SelectField(_l("Matter"), validators=[InputRequired()])
    title = StringField(_l("Title"), validators=[
        InputRequired(message=_l("Enter a title.")), Length(max=200)])
    description = TextAreaField(_l("What the owners decide"),
                                validators=[Optional(), Length(max=5000)])
    opens_at = DateTimeLocalField(_l("Opens"), format=LOCAL_FORMATS, validators=[
        InputRequired(message=_l("Enter when the vote opens."))])
    closes_at = DateTimeLocalField(_l("Closes"), format=LOCAL_FORMATS, validators=[
        InputRequired(message=_l("Enter when the vote closes."))])
    amount = StringField(_l("Amount approved (yuan)"), validators=[Optional(), Length(max=20)])

    def set_matters(self, labels: dict) -> None:
        """Offer the ten matters of Civil Code Art. 278 ¶1 with their labels."""
        self.matter.choices = _labelled(MATTERS, labels)


class BallotForm(FlaskForm):
    """A ballot: an owner's own (the three buttons) or a paper ballot for a named owner."""

    choice = SelectField(_l("Choice"), validators=[InputRequired(message=_l("Choose."))])
    person = SelectField(_l("Owner"), validate_choice=False, validators=[Optional()])

    def set_choices(self, labels: dict) -> None:
        """Offer approve, reject and abstain."""
        self.choice.choices = _labelled(CHOICES, labels)


class CloseForm(FlaskForm):
    """Close a vote whose time is over (the CSRF token only)."""


class TermForm(FlaskForm):
    """Record a new management term from a day, with the passed vote it rests on."""

    mode = SelectField(_l("Management mode"))
    org = SelectField(_l("Organisation"), validate_choice=False,
                      validators=[InputRequired(message=_l("Choose the organisation."))])
    start = DateField(_l("Starts"), validators=[InputRequired(message=_l("Enter the first day."))])
    end = DateField(_l("Ends"), validators=[Optional()])
    basis_vote = SelectField(_l("Basis vote"), default="", validate_choice=False)
    basis = StringField(_l("Basis (note)"), validators=[Optional(), Length(max=300)])

    def set_modes(self, labels: dict) -> None:
        """Offer the modes a new term may have (the original unit only comes by import)."""
        self.mode.choices = _labelled(INSTALLABLE_MODES, labels)


class PlanForm(FlaskForm):
    """Record a long-term management plan (长效管理机制) of a community."""

    mode = SelectField(_l("Planned management mode"))
    note = TextAreaField(_l("What was agreed"), validators=[
        InputRequired(message=_l("Say what was agreed.")), Length(max=2000)])
    starts_on = DateField(_l("To start on"), validators=[Optional()])

    def set_modes(self, labels: dict) -> None:
        self.mode.choices = _labelled(INSTALLABLE_MODES, labels)


class ThreeCoveragesForm(FlaskForm):
    """The three coverages' day and region (a GET form, no CSRF token)."""

    class Meta:
        csrf = False

    on = DateField(_l("On"), validators=[Optional()])
    region = StringField(_l("Region code"), validators=[Optional(), Length(max=64)])


class CoverageForm(FlaskForm):
    """The coverage report's day and grouping (a GET form, no CSRF token)."""

    class Meta:
        csrf = False

    on = DateField(_l("On"), validators=[Optional()])
    level = SelectField(_l("Group by"), default="street", choices=[
        SelectChoice("street", _l("Street")), SelectChoice("district", _l("District"))])
