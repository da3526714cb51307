"""Forms of the project, asset and hand-over pages, and the labels those pages show for codes."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    Form,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import FieldList, FormField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from pmsys import money
from pmsys.labels import HANDOVER_STATUS_LABELS
from pmsys.models.assets import MAX_SPACE_NUMBERS, MAX_SPACES, ItemClass

ITEM_KIND_LABELS = {
    "roof_waterproofing": _l("Roof waterproofing"),
    "facade_insulation": _l("Facade insulation"),
    "energy_saving": _l("Energy-saving retrofit"),
    "water_pipes": _l("Water supply pipes"),
    "drainage_pipes": _l("Drainage pipes"),
    "rain_sewage_separation": _l("Rain and sewage separation"),
    "heating_pipes": _l("Heating pipes"),
    "gas_pipes": _l("Gas pipes"),
    "power_lines": _l("Power lines"),
    "weak_current_buried": _l("Weak-current lines buried"),
    "cable_tv_lines": _l("Cable TV lines"),
    "stairwell_renovation": _l("Stairwell renovation"),
    "road": _l("Roads"),
    "lighting": _l("Lighting"),
    "access_control": _l("Access control"),
    "video_surveillance": _l("Video surveillance"),
    "fire_facilities": _l("Fire safety facilities"),
    "greening": _l("Greening"),
    "waste_sorting": _l("Waste sorting"),
    "elevator_added": _l("Elevator added"),
    "charging_piles": _l("Charging piles"),
    "fitness_equipment": _l("Fitness equipment"),
    "parcel_lockers": _l("Parcel lockers"),
    "elderly_care_room": _l("Elderly-care room"),
    "other": _l("Other work"),
}

ITEM_CLASS_LABELS = {
    ItemClass.basic: _l("Basic"),
    ItemClass.complete: _l("Complete"),
    ItemClass.upgrade: _l("Upgrade"),
}

SCOPE_LABELS = {
    "community": _l("Whole community"),
    "building": _l("One building"),
    "unit": _l("One unit"),
}

PARTY_LABELS = {
    "transferor": _l("Transferor"),
    "receiver": _l("Receiver"),
    "committee": _l("Owners' committee"),
}


def _blank(label) -> SelectChoice:
    return SelectChoice("", label)


class ItemRow(Form):
    """One line of a project's work; a row without a kind is left out."""

    kind = SelectField(
        _l("Kind of work"),
        choices=[_blank(_l("(no item)")),
                 *(SelectChoice(kind, label) for kind, label in ITEM_KIND_LABELS.items())],
        default="",
    )
    item_class = SelectField(
        _l("Class"),
        choices=[SelectChoice(klass.value, label) for klass, label in ITEM_CLASS_LABELS.items()],
        default=ItemClass.basic.value,
    )
    community = SelectField(_l("Community"), default="", validate_choice=False)


class ProjectForm(FlaskForm):
    """Record a renovation project with its communities and up to ITEM_ROWS items."""

    ITEM_ROWS = 6

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(1990, 2100)])
    contractor = SelectField(_l("Contractor"), default="")
    completed_on = DateField(_l("Completed on"), validators=[Optional()])
    communities = SelectMultipleField(
        _l("Communities"),
        validators=[DataRequired(message=_l("Choose at least one community."))],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    items = FieldList(FormField(ItemRow), min_entries=ITEM_ROWS, max_entries=ITEM_ROWS)

    def set_choices(self, communities, contractors) -> None:
        """Offer the communities the user keeps and the contractors on record."""
        self.communities.choices = [
            SelectChoice(c.code, f"{c.name} ({c.code})") for c in communities
        ]
        self.contractor.choices = [_blank(_l("(none)"))] + [
            SelectChoice(org.code, org.name) for org in contractors
        ]
        rows = [_blank(_l("Whole project"))] + [SelectChoice(c.code, c.name) for c in communities]
        for row in self.items:
            row.form.community.choices = rows

    def validate_items(self, field) -> None:
        chosen = set(self.communities.data or [])
        for row in field:
            if row.form.kind.data and row.form.community.data not in ("", *chosen):
                raise ValidationError(_("An item's community must be one of the project's."))

    def item_dicts(self) -> list[dict]:
        """The filled rows, as the service takes them."""
        return [
            {"kind": row.form.kind.data, "class": row.form.item_class.data,
             "community": row.form.community.data or None}
            for row in self.items
            if row.form.kind.data
        ]


class SignOffForm(FlaskForm):
    """The owners' committee signs off the acceptance for its community."""

    community = HiddenField(validators=[DataRequired()])


class AcceptForm(FlaskForm):
    """The joint acceptance. The satisfaction rate is the project's closed survey's; one typed
    instead is entered as a percentage (95 = 95 %) with a reason."""

    accepted_on = DateField(_l("Accepted on"), validators=[DataRequired()])
    satisfaction_percent = DecimalField(
        _l("Resident satisfaction typed instead, percent"),
        places=2,
        validators=[Optional(), NumberRange(0, 100)],
    )
    satisfaction_reason = TextAreaField(_l("Why the rate is typed"),
                                        validators=[Optional(), Length(max=1000)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    management_override = TextAreaField(
        _l("Accept without a long-term management arrangement, because"),
        validators=[Optional(), Length(max=1000)])

    @property
    def satisfaction_rate(self) -> Decimal | None:
        """A typed rate as the service takes it (a decimal between 0 and 1), or None."""
        if self.satisfaction_percent.data is None:
            return None
        return money.ratio(self.satisfaction_percent.data, 100)


class AssetForm(FlaskForm):
    """Add an asset to a community's register."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    category = SelectField(_l("Category"), validators=[DataRequired()])
    place = SelectField(_l("Where"), default="")
    project = SelectField(_l("Renovation project"), default="")
    warranty_contractor = SelectField(_l("Warranty contractor"), default="")
    warranty_contract_until = DateField(_l("Warranty by contract until"),
                                        validators=[Optional()])
    spaces = IntegerField(_l("Parking spaces"), validators=[Optional(), NumberRange(
        min=1, max=MAX_SPACES, message=_l("Enter the number of parking spaces."))])
    space_numbers = StringField(_l("Space numbers"),
                                validators=[Optional(), Length(max=MAX_SPACE_NUMBERS)])

    def validate_spaces(self, field) -> None:
        if self.category.data == "parking" and field.data is None:
            raise ValidationError(_("Enter the number of parking spaces."))

    def set_choices(self, categories, buildings, projects, contractors) -> None:
        """Offer the categories, the community's buildings and units, projects and contractors."""
        self.category.choices = [SelectChoice(c.code, c.label) for c in categories]
        places = [_blank(_l("Whole community"))]
        for building in buildings:
            places.append(SelectChoice(f"{building.code}/",
                                       _("Building %(code)s", code=building.code)))
            places += [
                SelectChoice(f"{building.code}/{unit.code}",
                             _("Building %(building)s, unit %(unit)s",
                               building=building.code, unit=unit.code))
                for unit in building.units
            ]
        self.place.choices = places
        self.project.choices = [_blank(_l("(none)"))] + [
            SelectChoice(p.code, f"{p.code} {p.name}".strip()) for p in projects
        ]
        self.warranty_contractor.choices = [_blank(_l("The project's contractor"))] + [
            SelectChoice(org.code, org.name) for org in contractors
        ]

    @property
    def building_and_unit(self) -> tuple[str | None, str | None]:
        """The building and unit codes the place choice names ("1/" a building, "1/2" a unit)."""
        building, _, unit = (self.place.data or "").partition("/")
        return building or None, unit or None


class WarrantyForm(FlaskForm):
    """Record the contract's warranty date (the end is recomputed from it and the law)."""

    until = DateField(_l("Warranty by contract until"), validators=[Optional()])
    contractor = SelectField(_l("Warranty contractor"), default="")

    def set_choices(self, contractors) -> None:
        self.contractor.choices = [_blank(_l("(unchanged)"))] + [
            SelectChoice(org.code, org.name) for org in contractors
        ]


class HandoverForm(FlaskForm):
    """Draft a hand-over of chosen assets from a transferor to a receiver."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64)])
    from_org = SelectField(_l("From (transferor)"), validators=[DataRequired()])
    to_org = SelectField(_l("To (receiver)"), validators=[DataRequired()])
    assets = SelectMultipleField(
        _l("Assets"),
        validators=[DataRequired(message=_l("Choose at least one asset."))],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )

    def set_choices(self, transferors, receivers, assets, category_label) -> None:
        self.from_org.choices = [SelectChoice(org.code, org.name) for org in transferors]
        self.to_org.choices = [_blank(_l("Choose the receiver"))] + [
            SelectChoice(org.code, org.name) for org in receivers
        ]
        self.assets.choices = [
            SelectChoice(a.code, " · ".join(
                part for part in (a.code, category_label(a.category), a.name) if part))
            for a in assets
        ]


# --- Hand-over actions: each posts its name in `action` ------------------------------


class ActionForm(FlaskForm):
    """An action without fields of its own (submit)."""

    action = HiddenField(validators=[DataRequired()])

    def payload(self) -> dict:
        """The keyword arguments of services.take_action for this action."""
        return {}


class ReturnForm(ActionForm):
    note = TextAreaField(_l("Reasons for returning"),
                         validators=[DataRequired(), Length(max=4000)])

    def payload(self) -> dict:
        return {"note": self.note.data}


class InspectForm(ActionForm):
    inspected_on = DateField(_l("Inspected on"), validators=[Optional()])
    participants = TextAreaField(_l("Participants"), validators=[Optional(), Length(max=2000)])
    defects = TextAreaField(_l("Defects found, one per line"),
                            validators=[Optional(), Length(max=8000)])

    def payload(self) -> dict:
        lines = [line.strip() for line in (self.defects.data or "").splitlines()]
        return {"note": self.participants.data or "", "inspected_on": self.inspected_on.data,
                "defects": [line for line in lines if line]}


class FixDefectForm(ActionForm):
    # InputRequired, not DataRequired: 0 names the first defect.
    defect = IntegerField(validators=[InputRequired(message=_l("Name the defect.")),
                                      NumberRange(min=0)])

    def payload(self) -> dict:
        return {"defect": self.defect.data}


class SignForm(ActionForm):
    effective_on = DateField(_l("Effective on (optional)"), validators=[Optional()])

    def payload(self) -> dict:
        return {"effective_on": self.effective_on.data}


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "submit": ActionForm,
    "return": ReturnForm,
    "inspect": InspectForm,
    "fix_defect": FixDefectForm,
    "sign": SignForm,
}


# --- Filters (query string, no CSRF) ---------------------------------------------


class HandoverFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        default="",
        choices=[_blank(_l("All statuses")),
                 *(SelectChoice(s.value, label) for s, label in HANDOVER_STATUS_LABELS.items())],
    )


class BacklogFilterForm(FlaskForm):
    class Meta:
        csrf = False

    region = SelectField(_l("Region"), default="")
    on = DateField(_l("On"), validators=[Optional()])

    def set_regions(self, regions) -> None:
        self.region.choices = [_blank(_l("All your area"))] + [
            SelectChoice(r.code, r.name) for r in regions
        ]
