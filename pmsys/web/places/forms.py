"""The community list's filter form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from pmsys.labels import MODE_LABELS


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
