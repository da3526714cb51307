"""The management coverage report (docs/domain.md#coverage): communities with a term in force on a
day, by street or district, and the communities without one; the page and its Excel export.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from pmsys import clock
from pmsys.errors import Forbidden, InvalidInput
from pmsys.extensions import db
from pmsys.governance import access
from pmsys.governance.services import coverage as coverage_service
from pmsys.labels import MODE_LABELS
from pmsys.web.assets.common import current_actor
from pmsys.web.governance import bp
from pmsys.web.governance.forms import CoverageForm
from pmsys.web.spreadsheets import (
    COUNT_FORMAT,
    DATE_FORMAT,
    RATE_FORMAT,
    add_sheet,
    book_bytes,
    download,
    new_book,
)

MODES = ("professional", "self", "community", "original_unit")


def require_reader(user) -> None:
    if not access.may_read_coverage(user):
        raise Forbidden(_("The coverage report is for street offices, housing bureaus and "
                          "system administrators."))


def _requested() -> tuple[CoverageForm, dict | None]:
    """The request's filters and the report they ask for; None (errors on the form) if bad."""
    user = current_actor()
    require_reader(user)
    form = CoverageForm(formdata=request.args)
    return form, _coverage(user, form)


def _coverage(user, form: CoverageForm) -> dict | None:
    if not form.validate():
        return None
    try:
        report = coverage_service.coverage(db.session, user, form.on.data or clock.today(),
                                           level=form.level.data)
    except InvalidInput as refused:
        for name in refused.fields or {"on": ""}:
            target = form.level if name == "level" else form.on
            target.errors = [_("Please correct this field.")]
        return None
    form.on.data = form.on.data or clock.today()
    return report


def _page(form, report):
    return render_template("governance/coverage.html", form=form, report=report, modes=MODES,
                           mode_labels=MODE_LABELS), 200 if report else 400


@bp.get("/reports/coverage")
@login_required
def coverage_report():
    """Coverage on a day (today unless asked), grouped by street or district."""
    return _page(*_requested())


@bp.get("/reports/coverage.xlsx")
@login_required
def coverage_export():
    """The coverage table and the communities without a term as an Excel workbook."""
    form, report = _requested()
    if report is None:
        return _page(form, None)
    return download(coverage_workbook(report),
                    f"coverage-{report['level']}-{report['on']}.xlsx")


def _coverage_row(key: str, name: str, figures: dict) -> list:
    return [key, name, figures["communities"], figures["covered"], Decimal(figures["rate"]),
            *(figures["by_mode"].get(mode, 0) for mode in MODES)]


def coverage_workbook(report: dict) -> bytes:
    """The page's two tables: coverage per region with its total, and the uncovered."""
    book = new_book()
    region = _("Street") if report["level"] == "street" else _("District")
    add_sheet(book, _("Coverage on %(day)s", day=report["on"]), [
        _("Code"), region, _("Communities"), _("Covered"), _("Rate"),
        *(str(MODE_LABELS[mode]) for mode in MODES),
    ], [_coverage_row(item["key"], item["name"], item) for item in report["items"]]
        + [_coverage_row("", _("All"), report["total"])],
        [None, None, COUNT_FORMAT, COUNT_FORMAT, RATE_FORMAT, *([COUNT_FORMAT] * len(MODES))],
        (12, 20))
    add_sheet(book, _("Communities without a term"), [
        _("Code"), _("Community"), _("Street"), _("Last term ended"),
    ], [[c["code"], c["name"], c["street_name"],
         date.fromisoformat(c["last_term_end"]) if c["last_term_end"] else None]
        for c in report["uncovered"]], [None, None, None, DATE_FORMAT], (12, 24, 16, 14))
    return book_bytes(book)
