"""Forms of the ticket pages: filing (also for a hotline caller), acting, filtering."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from pmsys.categories import CODES as CATEGORY_CODES
from pmsys.models.tickets import TicketStatus
from pmsys.tickets import explain
from pmsys.tickets.lifecycle import ACTION_NAMES
from pmsys.tickets.services.actions import MAX_NOTE
from pmsys.tickets.services.filing import MAX_DESCRIPTION, MAX_PUBLIC_NAME

PRIORITIES = ("emergency", "urgent", "normal")


def _blank(label) -> SelectChoice:
    return SelectChoice("", label)


def _code_field(label):
    return StringField(label, validators=[Optional(), Length(max=64)],
                       filters=[lambda value: value.strip() if isinstance(value, str) else value])


def building_label(building) -> str:
    """A building as residents call it: its name, else "Building 3"."""
    return building.name or _("Building %(code)s", code=building.code)


def unit_label(unit) -> str:
    return _("Unit %(code)s", code=unit.code)


def home_label(household) -> str:
    """A home as its residents say it: community, building, unit and door."""
    unit = household.unit
    return " ".join((unit.building.community.name, building_label(unit.building),
                     unit_label(unit), household.code))


class PlaceFields:
    """What a ticket says about the problem and its place (shared by filing and preview).

    The building and the unit are chosen from the community's, never typed: a unit's
    value is BUILDING/UNIT (its code within its building), so that one list holds the
    units of every building. Links and the API still say `unit` relative to `building`.
    """

    category = SelectField(_l("What is wrong"), validators=[DataRequired()])
    community = SelectField(_l("Community"), validators=[DataRequired()])
    building = SelectField(_l("Building"), default="", validate_choice=False,
                           validators=[Optional(), Length(max=64)])
    unit = SelectField(_l("Unit (entrance)"), default="", validate_choice=False,
                       validators=[Optional(), Length(max=129)])
    household = _code_field(_l("Household"))
    inside_home = BooleanField(_l("The problem is inside the home"))

    def set_place_choices(self, categories, communities) -> None:
        """Offer the categories (in the reader's language) and the communities to file for."""
        self.category.choices = [_blank(_l("Choose a category"))] + [
            SelectChoice(c.code, c.label) for c in categories
        ]
        self.community.choices = [SelectChoice(c.code, f"{c.name} ({c.code})")
                                  for c in communities]

    def set_buildings(self, buildings) -> None:
        """Offer the buildings of the chosen community and their units (grouped by building)."""
        self.building.choices = [_blank(_l("The whole community"))] + [
            SelectChoice(b.code, building_label(b)) for b in buildings
        ]
        self.unit.choices = [_blank(_l("The whole building"))] + [
            SelectChoice(f"{b.code}/{u.code}", unit_label(u), optgroup=building_label(b))
            for b in buildings for u in b.units
        ]

    def building_codes(self) -> set[str]:
        """The codes of the buildings offered."""
        return {choice.value for choice in self.building.choices if choice.value}

    def prefill(self, args) -> None:
        """Fill the place in from a link or a QR code (?community=&building=&unit=...)."""
        for name in ("community", "building", "unit", "household", "category"):
            value = args.get(name, "")
            if value and len(value) <= 64:
                getattr(self, name).data = value
        if self.unit.data and "/" not in self.unit.data and self.building.data:
            self.unit.data = f"{self.building.data}/{self.unit.data}"

    def validate_unit(self, field) -> None:
        building, _slash, unit = (field.data or "").rpartition("/")
        if unit and building and self.building.data and building != self.building.data:
            raise ValidationError(_l("This unit is in another building."))

    def place_fields(self) -> dict:
        """The place as the services take it (codes relative to the community)."""
        building, unit = self.building.data or None, self.unit.data or None
        if unit and "/" in unit:
            building, unit = unit.rsplit("/", 1)
        return {
            "community": self.community.data,
            "building": building,
            "unit": unit,
            "household": self.household.data or None,
            "inside_home": bool(self.inside_home.data),
            "asset": self.asset.data or None,
        }


class TicketForm(PlaceFields, FlaskForm):
    """File a ticket: what, where, how bad, and (hotline) who called and when."""

    asset = SelectField(_l("Which one is at fault"), default="", validate_choice=False)
    description = TextAreaField(
        _l("Describe the problem"),
        validators=[DataRequired(), Length(max=MAX_DESCRIPTION)],
    )
    priority = SelectField(_l("How urgent"), default="")
    photos = MultipleFileField(_l("Photos (up to 4)"))
    caller_name = StringField(_l("Caller's name"), validators=[Optional(), Length(max=200)])
    caller_phone = StringField(_l("Caller's phone"), validators=[Optional(), Length(max=20)])
    called_at = DateTimeLocalField(_l("Time of the call"), validators=[Optional()],
                                   format="%Y-%m-%dT%H:%M")

    def set_choices(self, categories, communities) -> None:
        """Offer the categories, the communities and the three priorities."""
        self.set_place_choices(categories, communities)
        self.priority.choices = [_blank(_l("As usual for the category"))] + [
            SelectChoice(code, explain.priority_label(code)) for code in PRIORITIES
        ]

    def set_assets(self, assets) -> None:
        """Offer the assets routing found covering the place equally (one must be named)."""
        self.asset.choices = [_blank(_l("Choose the one at fault"))] + [
            SelectChoice(a.code, f"{a.name or a.code} ({a.code})") for a in assets
        ]

    def caller(self) -> dict | None:
        """The caller of a hotline entry, or None when the user reports for themselves."""
        name, phone = (self.caller_name.data or "").strip(), (self.caller_phone.data or "").strip()
        if not name and not phone:
            return None
        return {"name": name, "phone": phone}


class PreviewForm(PlaceFields, FlaskForm):
    """The routing preview's fields: a link's query string, or the filing form posted.

    The application's CSRF protection checks every POST before the view runs.
    """

    class Meta:
        csrf = False

    asset = _code_field(_l("Asset"))


RATINGS = ("5", "4", "3", "2", "1")


class ActionForm(FlaskForm):
    """One lifecycle action (`action`) with whichever fields it uses.

    `version` is the ticket's version the page showed: acting on a ticket that
    somebody changed since is refused (409) instead of silently overwriting.
    """

    action = HiddenField(validators=[DataRequired()])
    version = HiddenField()
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=MAX_NOTE)])
    rating = SelectField(_l("How well was it fixed (5 best)"), default="",
                         choices=[_blank(_l("Choose")), *(SelectChoice(r, r) for r in RATINGS)])
    org = SelectField(_l("Reassign to"), default="", validate_choice=False)
    handover = BooleanField(_l("Also draft a hand-over of the asset to this organisation"))
    photos = MultipleFileField(_l("Photos of the fix (up to 4)"))

    def validate_action(self, field) -> None:
        if field.data not in ACTION_NAMES:
            raise ValidationError(_l("Unknown action."))

    def set_orgs(self, orgs, kind_label) -> None:
        self.org.choices = [_blank(_l("Choose the organisation"))] + [
            SelectChoice(o.code, f"{o.name} · {kind_label(o.kind)}") for o in orgs
        ]

    def stale(self, version: int) -> bool:
        """Whether the page was showing an older version of the ticket than `version`."""
        shown = (self.version.data or "").strip()
        return shown.isdigit() and int(shown) != version

    def payload(self) -> dict:
        """The keyword arguments of services.take_action for the posted action."""
        action = self.action.data
        payload = {"note": self.note.data or None}
        if action == "confirm":
            payload["rating"] = self.rating.data or None
        if action == "reassign":
            payload["org"] = self.org.data or None
            payload["handover"] = bool(self.handover.data)
        return payload


class PhotoForm(FlaskForm):
    """Add photos to a ticket: the reporter's of the problem, the assignee's of the fix."""

    purpose = HiddenField(default="report")
    photos = MultipleFileField(_l("Add photos"))


STATUS_CHOICES = tuple(s.value for s in TicketStatus)


class TicketFilterForm(FlaskForm):
    """The filters of the ticket list (query string, no CSRF)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), default="")
    community = SelectField(_l("Community"), default="")
    category = SelectField(_l("Category"), default="")

    def set_choices(self, communities, categories) -> None:
        self.status.choices = [_blank(_l("All statuses"))] + [
            SelectChoice(code, explain.status_label(code)) for code in STATUS_CHOICES
        ]
        self.community.choices = [_blank(_l("All communities"))] + [
            SelectChoice(c.code, c.name) for c in communities
        ]
        self.category.choices = [_blank(_l("All categories"))] + [
            SelectChoice(c.code, c.label) for c in categories
        ]


class PublicReportForm(FlaskForm):
    """A common-area fault reported from a building's QR page, without a login.

    The category is the button that sends it (one tap: the fourth interaction).
    """

    description = TextAreaField(_l("What is wrong, and where exactly?"),
                                validators=[DataRequired(), Length(max=MAX_DESCRIPTION)])
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=MAX_PUBLIC_NAME)])
    phone = StringField(_l("Your phone, for a call back"),
                        validators=[DataRequired(), Length(max=20)])
    category = HiddenField()

    def validate_category(self, field) -> None:
        if field.data not in CATEGORY_CODES:
            raise ValidationError(_l("Tap the kind of fault to send the report."))


def uploads(field) -> list[bytes]:
    """The bytes of the files chosen in a file field (an empty choice is no file)."""
    return [f.read() for f in field.data or [] if getattr(f, "filename", "")]


# The outcome of a follow-up call as the page asks it: (reached, satisfied) of each choice.
CALL_RESULTS = {"satisfied": (True, True), "dissatisfied": (True, False),
                "not_reached": (False, None)}


class CallbackForm(FlaskForm):
    """A follow-up call's result (回访) and what the reporter said."""

    result = SelectField(_l("Result of the call"), validators=[DataRequired()], choices=[
        SelectChoice("satisfied", _l("Reached: satisfied")),
        SelectChoice("dissatisfied", _l("Reached: not satisfied")),
        SelectChoice("not_reached", _l("Not reached")),
    ])
    note = TextAreaField(_l("What the reporter said"),
                         validators=[Optional(), Length(max=MAX_NOTE)])
    back = HiddenField()

    def payload(self) -> dict:
        """The keyword arguments of callbacks.record_callback."""
        reached, satisfied = CALL_RESULTS[self.result.data]
        return {"reached": reached, "satisfied": satisfied, "note": self.note.data or None}


class ProxyTicketForm(FlaskForm):
    """A building leader or grid worker files for a household of their buildings."""

    household = SelectField(_l("Household"), validators=[DataRequired()])
    inside_home = BooleanField(_l("Inside the home"), default=True)
    category = SelectField(_l("What is wrong"), validators=[DataRequired()])
    description = TextAreaField(
        _l("Describe the problem"),
        validators=[DataRequired(), Length(max=MAX_DESCRIPTION)],
    )
    priority = SelectField(_l("How urgent"), default="")
    photos = MultipleFileField(_l("Photos (up to 4)"))

    def set_choices(self, categories, buildings) -> None:
        """Offer the households of the buildings, the categories and the priorities."""
        self.household.choices = [_blank(_l("Choose the household"))] + [
            SelectChoice(household.place_code, home_label(household))
            for building in buildings for unit in building.units
            for household in unit.households
        ]
        self.category.choices = [_blank(_l("Choose a category"))] + [
            SelectChoice(c.code, c.label) for c in categories]
        self.priority.choices = [_blank(_l("As usual for the category"))] + [
            SelectChoice(code, explain.priority_label(code)) for code in PRIORITIES
        ]


# The outcomes of a follow-up visit as the page names them.
VISIT_OUTCOMES = (("resolved", _l("Problem solved")), ("not_resolved", _l("Not resolved")),
                  ("not_home", _l("Nobody at home")))


class VisitForm(FlaskForm):
    """A follow-up visit (上门回访) by a building leader or grid worker."""

    visited_on = DateField(_l("Day of the visit"), validators=[DataRequired()])
    outcome = SelectField(_l("Outcome"), validators=[DataRequired()],
                          choices=[SelectChoice(code, label) for code, label in VISIT_OUTCOMES])
    note = TextAreaField(_l("What the resident said"),
                         validators=[Optional(), Length(max=MAX_NOTE)])

    def payload(self) -> dict:
        """The keyword arguments of leaders.record_visit."""
        return {"visited_on": self.visited_on.data, "outcome": self.outcome.data,
                "note": self.note.data or None}


class AssignmentForm(FlaskForm):
    """The street office assigns buildings to a building leader or a grid worker."""

    kind = SelectField(_l("As"), validators=[DataRequired()], choices=[
        SelectChoice("building-leaders", _l("Building leader")),
        SelectChoice("grids", _l("Grid worker")),
    ])
    user = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    buildings = StringField(_l("Buildings"), validators=[DataRequired(), Length(max=2000)])
    start = DateField(_l("From"), validators=[Optional()])


class EndAssignmentForm(FlaskForm):
    """End all of a user's buildings in the community today."""

    kind = HiddenField(validators=[DataRequired()])
    user = HiddenField(validators=[DataRequired(), Length(max=64)])
