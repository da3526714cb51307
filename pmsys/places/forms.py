"""The community list's filter form, and the labels places pages show for codes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from pmsys.auth.models import OrgKind, Role

MODE_LABELS = {
    "professional": _l("Professional property company"),
    "self": _l("Owner self-management"),
    "community": _l("Community quasi-property service"),
    "original_unit": _l("Original unit"),
    "none": _l("No management"),
}

COMMITTEE_LABELS = {
    "active": _l("In office"),
    "none": _l("Not formed"),
    "preparing": _l("Being prepared"),
    "expired": _l("Expired"),
}

ROLE_LABELS = {
    Role.resident: _l("Resident"),
    Role.committee_member: _l("Owners' committee member"),
    Role.manager: _l("Property manager"),
    Role.operator: _l("Operator"),
    Role.street_officer: _l("Street officer"),
    Role.bureau_admin: _l("Housing bureau administrator"),
    Role.sysadmin: _l("System administrator"),
}

ORG_KIND_LABELS = {
    OrgKind.housing_bureau: _l("Housing bureau"),
    OrgKind.street_office: _l("Street office"),
    OrgKind.community_office: _l("Community office"),
    OrgKind.utility: _l("Utility"),
    OrgKind.property_company: _l("Property company"),
    OrgKind.self_management: _l("Self-management group"),
    OrgKind.original_unit: _l("Original property unit"),
    OrgKind.contractor: _l("Contractor"),
    OrgKind.maintainer: _l("Maintainer"),
    OrgKind.authority: _l("Authority"),
    OrgKind.owners_committee: _l("Owners' committee"),
}


class CommunityFilterForm(FlaskForm):
    """Filter the community list by street and management mode (query string, no CSRF)."""

    class Meta:
        csrf = False

    street = SelectField(_l("Street"), default="")
    mode = SelectField(
        _l("Management mode"),
        default="",
        choices=[
            SelectChoice("", _l("All modes")),
            *(SelectChoice(code, label) for code, label in MODE_LABELS.items()),
        ],
    )

    def set_streets(self, streets) -> None:
        """Offer the streets the user may see; any other code is not a valid choice."""
        self.street.choices = [SelectChoice("", _l("All streets"))] + [
            SelectChoice(street.code, street.name) for street in streets
        ]
