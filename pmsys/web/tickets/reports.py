"""The ticket measures page (docs/domain.md#measures): filters, charts, the table."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from pmsys import clock
from pmsys.auth import permissions
from pmsys.errors import Forbidden, InvalidInput
from pmsys.extensions import db
from pmsys.tickets.services import disputes, reports
from pmsys.web.tickets import bp

GROUP_LABELS = {
    "org": _l("Organisation"),
    "community": _l("Community"),
    "category": _l("Category"),
    "month": _l("Month"),
}


class TicketReportForm(FlaskForm):
    """The filters of the page, read from the query string (a GET form, no CSRF token)."""

    class Meta:
        csrf = False

    # Named as the API names them, so that a page's address and the API's agree.
    date_from = DateField(_l("From"), validators=[Optional()], name="from")
    date_to = DateField(_l("To"), validators=[Optional()], name="to")
    group = SelectField(_l("Group by"), default="org",
                        choices=[SelectChoice(key, label) for key, label in GROUP_LABELS.items()])

    def validate_date_to(self, field) -> None:
        # The API answers a reversed period with an empty report; a person meant another.
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_("The end of the period is before its start."))


def _period_errors(form: TicketReportForm, refused: InvalidInput) -> None:
    """Put the service's refusal of the period on the fields it names."""
    messages = {
        "invalid_period": _("Choose dates from 1970 to 2999."),
        "invalid_group": _("Choose a grouping from the list."),
    }
    message = messages.get(refused.code, _("Please correct the filter."))
    targets = {"from": form.date_from, "to": form.date_to, "group": form.group}
    for name in refused.fields or {"to": ""}:
        targets.get(name, form.date_to).errors = [message]


@bp.get("/reports/tickets")
@login_required
def ticket_report():
    """Ticket measures per organisation, community, category or month, with charts."""
    user = current_user._get_current_object()
    if not permissions.can_read_ticket_reports(user):
        raise Forbidden(_("Ticket measures are for the organisations that handle or watch "
                          "tickets."))
    form = TicketReportForm(formdata=request.args)
    context = {"form": form, "report": None, "groups": GROUP_LABELS, "disputes": None}
    if not form.validate():
        return render_template("tickets/report.html", **context), 400
    first, last = reports.default_period(clock.today())
    date_to = form.date_to.data or last
    if form.date_from.data is None and form.date_to.data is not None:
        first, _unused = reports.default_period(date_to)
    period = {"date_from": form.date_from.data or first, "date_to": date_to,
              "group": form.group.data}
    try:
        context["report"] = reports.ticket_report(db.session, user, **period)
        context["disputes"] = disputes.dispute_report(db.session, user, **period)
    except InvalidInput as refused:
        _period_errors(form, refused)
        return render_template("tickets/report.html", **context), 400
    return render_template("tickets/report.html", **context)
