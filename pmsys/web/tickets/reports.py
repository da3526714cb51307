"""The ticket measures page (docs/domain.md#measures): filters, charts, the table, and its
Excel export."""

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
from pmsys.tickets import measures
from pmsys.tickets.services import callbacks, disputes, reports
from pmsys.web.spreadsheets import (
    COUNT_FORMAT,
    RATE_FORMAT,
    add_sheet,
    book_bytes,
    download,
    new_book,
)
from pmsys.web.tickets import bp

MINUTES_FORMAT = "0.0"
WIDTHS = (14, 24)
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


def _require_reader(user) -> None:
    if not permissions.can_read_ticket_reports(user):
        raise Forbidden(_("Ticket measures are for the organisations that handle or watch "
                          "tickets."))


def _requested() -> tuple[TicketReportForm, reports.TicketReport | None]:
    """The request's filters and the report they ask for; None (errors on the form) if bad."""
    user = current_user._get_current_object()
    _require_reader(user)
    form = TicketReportForm(formdata=request.args)
    return form, _report(user, form)


def _report(user, form: TicketReportForm) -> reports.TicketReport | None:
    if not form.validate():
        return None
    first, last = reports.default_period(clock.today())
    date_to = form.date_to.data or last
    if form.date_from.data is None and form.date_to.data is not None:
        first, _unused = reports.default_period(date_to)
    try:
        return reports.ticket_report(
            db.session, user, date_from=form.date_from.data or first, date_to=date_to,
            group=form.group.data)
    except InvalidInput as refused:
        _period_errors(form, refused)
        return None


@bp.get("/reports/tickets")
@login_required
def ticket_report():
    """Ticket measures per organisation, community, category or month, with charts."""
    form, report = _requested()
    disputed = called = None
    if report is not None:
        # Show the period the report used, so the reader sees it and can change it.
        form.date_from.data, form.date_to.data = report.date_from, report.date_to
        # Disputes by who raised them, with the rulings (docs/domain.md#measures).
        disputed = disputes.dispute_report(
            db.session, current_user._get_current_object(), date_from=report.date_from,
            date_to=report.date_to, group=report.group)
        called = _calls(report)
    return render_template("tickets/report.html", form=form, report=report,
                           groups=GROUP_LABELS, disputes=disputed,
                           calls=called), 200 if report else 400


@bp.get("/reports/tickets.xlsx")
@login_required
def ticket_report_export():
    """The measures page's table and monthly trend as an Excel workbook."""
    form, report = _requested()
    if report is None:
        return render_template("tickets/report.html", form=form, report=None,
                               groups=GROUP_LABELS), 400
    name = (f"ticket-measures-{report.date_from.isoformat()}-{report.date_to.isoformat()}"
            f"-{report.group}.xlsx")
    return download(workbook(report, _calls(report)), name)


def _calls(report: reports.TicketReport):
    """Follow-up calls beside the reporters' own ratings (docs/domain.md#callbacks)."""
    return callbacks.callback_counts(
        db.session, current_user._get_current_object(), date_from=report.date_from,
        date_to=report.date_to, group=report.group)


# --- the workbook ------------------------------------------------------------------------------

# Every measure, in the order of the API's items (docs/api.md#measures): counts, then rates.
COLUMNS = (
    ("filed", _l("Filed"), COUNT_FORMAT),
    ("due", _l("Due for a response"), COUNT_FORMAT),
    ("responded", _l("Responded"), COUNT_FORMAT),
    ("responded_on_time", _l("Responded in time"), COUNT_FORMAT),
    ("response_rate", _l("Response rate"), RATE_FORMAT),
    ("resolved", _l("Resolved"), COUNT_FORMAT),
    ("resolved_on_time", _l("Resolved in time"), COUNT_FORMAT),
    ("resolution_rate", _l("Resolution rate"), RATE_FORMAT),
    ("on_time_rate", _l("On-time rate"), RATE_FORMAT),
    ("rated", _l("Rated"), COUNT_FORMAT),
    ("satisfied", _l("Rated 4–5"), COUNT_FORMAT),
    ("satisfaction_rate", _l("Satisfaction rate"), RATE_FORMAT),
    ("reopens", _l("Reopened"), COUNT_FORMAT),
    ("reopen_rate", _l("Reopen rate"), RATE_FORMAT),
    ("disputes", _l("Disputed"), COUNT_FORMAT),
    ("dispute_rate", _l("Dispute rate"), RATE_FORMAT),
    ("median_response_minutes", _l("Median minutes to respond"), MINUTES_FORMAT),
    ("median_resolution_minutes", _l("Median minutes to resolve"), MINUTES_FORMAT),
)


def _measure_row(item: measures.Measures, key, name) -> list:
    return [key, name, *(getattr(item, column[0]) for column in COLUMNS)]


def workbook(report: reports.TicketReport, calls=None) -> bytes:
    """The measures per group with their total, and per month, as an .xlsx file.

    With follow-up calls in the period (`calls`: groups and total of
    callbacks.callback_counts), a third sheet holds them, as the page's card does.
    """
    book = new_book()
    header = [_("Code"), str(GROUP_LABELS[report.group]),
              *(str(column[1]) for column in COLUMNS)]
    formats = [None, None, *(column[2] for column in COLUMNS)]
    add_sheet(book, _("Measures"), header,
              [_measure_row(item, item.key, item.name) for item in report.items]
              + [_measure_row(report.total, "", _("All tickets"))], formats, WIDTHS)
    add_sheet(book, _("Per month"), [_("Month"), *header[2:]],
              [[month.key, *_measure_row(month, "", "")[2:]] for month in report.by_month],
              [None, *formats[2:]])
    if calls is not None and calls[1].callbacks:
        _calls_sheet(book, report, *calls)
    return book_bytes(book)


def _calls_sheet(book, report: reports.TicketReport, groups: dict, total) -> None:
    names = {item.key: item.name for item in report.items}
    header = [_("Code"), str(GROUP_LABELS[report.group]), _("Calls that reached the reporter"),
              _("Satisfied on the call"), _("Satisfaction rate")]

    def row(key, name, measured):
        return [key, name, measured.callbacks, measured.satisfied, measured.satisfaction_rate]

    rows = [row(key, names.get(key) or key, groups[key]) for key in sorted(groups, key=str)]
    add_sheet(book, _("Follow-up calls"), header, rows + [row("", _("All calls"), total)],
              [None, None, COUNT_FORMAT, COUNT_FORMAT, RATE_FORMAT], WIDTHS)
