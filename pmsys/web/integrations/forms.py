"""The forms of the integrations page."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

# What each event means to the organisation that receives it (docs/api.md#webhooks).
EVENT_LABELS = {
    "ticket.assigned": _l("A ticket is assigned to us"),
    "ticket.reassigned_away": _l("A ticket of ours is reassigned elsewhere"),
    "ticket.reopened": _l("A ticket of ours is reopened"),
    "ticket.escalated": _l("A ticket of ours is escalated"),
    "ticket.hurried": _l("A ticket of ours is hurried"),
    "handover.waiting": _l("A hand-over waits for us"),
}


class WebhookForm(FlaskForm):
    url = StringField(_l("Address (https://…)"), validators=[DataRequired(), Length(max=2000)])
    events = SelectMultipleField(
        _l("Events"), choices=[SelectChoice(code, label) for code, label in EVENT_LABELS.items()],
        validators=[DataRequired()],
        widget=widgets.ListWidget(prefix_label=False), option_widget=widgets.CheckboxInput())


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
