"""The fee collection page and its Excel export (docs/domain.md#collection): filters, charts,
tables."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import DateField, MonthField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from pmsys import clock
from pmsys.auth import permissions
from pmsys.errors import Forbidden, InvalidInput
from pmsys.extensions import db
from pmsys.fees import billing, queries, rates, reports
from pmsys.web.assets.common import current_actor
from pmsys.web.fees import bp
from pmsys.web.spreadsheets import (
    COUNT_FORMAT,
    MONEY_FORMAT,
    RATE_FORMAT,
    add_sheet,
    book_bytes,
    download,
    new_book,
)

LEVEL_LABELS = {
    "community": _l("Community"),
    "street": _l("Street"),
    "district": _l("District"),
    "mode": _l("Management mode"),
}


class CollectionFilterForm(FlaskForm):
    """The filters of the page, read from the query string (a GET form, no CSRF token)."""

    class Meta:
        csrf = False

    # Named as the API names them, so that a page's address and the API's agree.
    period = MonthField(_l("Billing period"), validators=[Optional()])
    as_of = DateField(_l("Payments up to"), validators=[Optional()])
    level = SelectField(_l("Group by"), default="community",
                        choices=[SelectChoice(key, label) for key, label in LEVEL_LABELS.items()])


def _filter_errors(form: CollectionFilterForm, refused: InvalidInput) -> None:
    """Put the service's refusal of a filter on the field it names."""
    messages = {
        "invalid_period": _("Choose a month from 1970 to 2999."),
        "invalid_date": _("Choose a day from 1970 to 2999."),
        "invalid_level": _("Choose a grouping from the list."),
    }
    message = messages.get(refused.code, _("Please correct the filter."))
    targets = {"period": form.period, "as_of": form.as_of, "level": form.level}
    for name in refused.fields or {"period": ""}:
        targets.get(name, form.period).errors = [message]


def _report(form: CollectionFilterForm) -> reports.CollectionReport | None:
    """The report the valid filters ask for; None (with the errors on the form) otherwise."""
    if not form.validate():
        return None
    user = current_actor()
    # Without a month asked for, the latest with something paid (docs/domain.md#collection).
    period = (billing.period_of(form.period.data) if form.period.data
              else queries.latest_collected_period(db.session, user, clock.today()))
    try:
        report = reports.collection_report(db.session, user, period=period,
                                           as_of=form.as_of.data, level=form.level.data)
    except InvalidInput as refused:
        _filter_errors(form, refused)
        return None
    # Show the defaults the report used, so the reader sees which month and day it is.
    form.period.data = billing.period_start(report.period)
    form.as_of.data = report.as_of
    return report


def _require_reader() -> None:
    if not permissions.can_read_fees(current_actor()):
        raise Forbidden(_("Fee reports are for managers, owners' committees, street offices "
                          "and housing bureaus."))


@bp.get("/reports/collection")
@login_required
def collection_report():
    """Fee collection per community, street, district or mode, with trend, arrears, recovery."""
    _require_reader()
    form = CollectionFilterForm(formdata=request.args)
    report = _report(form)
    context = {"form": form, "report": report, "levels": LEVEL_LABELS,
               "buckets": billing.AGE_BUCKETS}
    return render_template("fees/report.html", **context), 200 if report else 400


@bp.get("/reports/collection.xlsx")
@login_required
def collection_export():
    """The collection page's tables as an Excel workbook."""
    _require_reader()
    form = CollectionFilterForm(formdata=request.args)
    report = _report(form)
    if report is None:
        context = {"form": form, "report": None, "levels": LEVEL_LABELS,
                   "buckets": billing.AGE_BUCKETS}
        return render_template("fees/report.html", **context), 400
    name = f"collection-{report.period}-{report.level}-{report.as_of.isoformat()}.xlsx"
    return download(workbook(report), name)


# --- the workbook ------------------------------------------------------------------------------


WIDTHS = (14, 24, 14, 14, 12, 12, 12, 12)


def _sheet(book, title: str, header: list[str], rows: list[list],
           formats: list[str | None]) -> None:
    add_sheet(book, title, header, rows, formats, WIDTHS)


def _collection_row(item: rates.Collection, key: str, name: str) -> list:
    return [key, name, item.billed, item.paid, item.rate_amount, item.households_billed,
            item.households_paid, item.rate_households]


def workbook(report: reports.CollectionReport) -> bytes:
    """The report's tables (collection, trend, arrears, recovery) as an .xlsx file in memory.

    Money and counts are numbers, rates fractions shown as percentages, so that
    the figures add up in the spreadsheet; a rate over nothing is an empty cell.
    """
    book = new_book()
    level = str(LEVEL_LABELS[report.level])
    money, rate, count = MONEY_FORMAT, RATE_FORMAT, COUNT_FORMAT
    collection_formats = [None, None, money, money, rate, count, count, rate]
    collection_header = [_("Code"), level, _("Billed"), _("Paid"), _("Rate by amount"),
                         _("Households billed"), _("Households paid in full"),
                         _("Rate by household")]
    _sheet(book, _("Collection %(period)s", period=report.period), collection_header,
           [_collection_row(item, item.key, item.name) for item in report.items]
           + [_collection_row(report.total, "", _("Total"))], collection_formats)
    _sheet(book, _("Trend"), [_("Period"), *collection_header[2:]],
           [[month.key, *_collection_row(month, "", "")[2:]] for month in report.trend],
           [None, *collection_formats[2:]])
    buckets = list(billing.AGE_BUCKETS)
    _sheet(book, _("Arrears"),
           [_("Code"), level, *[_("%(bucket)s months", bucket=b) for b in buckets],
            _("Outstanding")],
           [[item.key, item.name, *(item.buckets[b] for b in buckets), item.outstanding]
            for item in report.arrears]
           + [["", _("Total"), *(report.arrears_total.buckets[b] for b in buckets),
               report.arrears_total.outstanding]],
           [None, None, *([money] * (len(buckets) + 1))])
    _sheet(book, _("Recovery"),
           [_("Code"), level, _("Owed on %(day)s", day=report.recovery_from.isoformat()),
            _("Recovered"), _("Recovery rate")],
           [[item.key, item.name, item.arrears, item.recovered, item.rate]
            for item in report.recovery]
           + [["", _("Total"), report.recovery_total.arrears, report.recovery_total.recovered,
               report.recovery_total.rate]],
           [None, None, money, money, rate])
    return book_bytes(book)
