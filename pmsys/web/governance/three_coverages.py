"""The three full coverages page (docs/domain.md#three-coverages): per child region the rates of
communities with a management term, a committee in office and a Party organisation, the
communities missing each, and its Excel export."""

from __future__ import annotations

from decimal import Decimal

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from pmsys import clock
from pmsys.extensions import db
from pmsys.governance.services import three_coverages as service
from pmsys.governance.services.coverage import rate
from pmsys.web.assets.common import current_actor
from pmsys.web.governance import bp
from pmsys.web.governance.coverage import require_reader
from pmsys.web.governance.forms import ThreeCoveragesForm
from pmsys.web.spreadsheets import (
    COUNT_FORMAT,
    RATE_FORMAT,
    add_sheet,
    book_bytes,
    download,
    new_book,
)

COVERAGE_LABELS = {
    "managed": _l("Management term in force"),
    "committee": _l("Committee in office"),
    "party": _l("Party organisation"),
}


def _requested() -> tuple[ThreeCoveragesForm, dict | None]:
    """The request's day and region and the report they ask for; None if the form is bad."""
    user = current_actor()
    require_reader(user)
    form = ThreeCoveragesForm(formdata=request.args)
    if not form.validate():
        return form, None
    form.on.data = form.on.data or clock.today()
    report = service.three_coverages(db.session, user, form.on.data, form.region.data or None)
    for figures in (*report["items"], report["total"]):
        figures["rates"] = {name: rate(figures[name], figures["communities"])
                            for name in service.COVERAGES}
    return form, report


def _page(form, report):
    return render_template("governance/three_coverages.html", form=form, report=report,
                           coverages=service.COVERAGES, labels=COVERAGE_LABELS,
                           ), 200 if report else 400


@bp.get("/reports/three-coverages")
@login_required
def three_coverages_report():
    """The three coverages on a day (today unless asked) per child region of a region."""
    return _page(*_requested())


@bp.get("/reports/three-coverages.xlsx")
@login_required
def three_coverages_export():
    """The page's table and its lists of communities missing each coverage as a workbook."""
    form, report = _requested()
    if report is None:
        return _page(form, None)
    return download(three_coverages_workbook(report),
                    f"three-coverages-{report['region'] or 'all'}-{report['on']}.xlsx")


def _row(key: str, name: str, figures: dict) -> list:
    return [key, name, figures["communities"],
            *(value for coverage in service.COVERAGES
              for value in (figures[coverage], Decimal(figures["rates"][coverage])))]


def three_coverages_workbook(report: dict) -> bytes:
    """A sheet of the figures per child region with their total, and one of the gaps."""
    book = new_book()
    add_sheet(book, _("Three coverages on %(day)s", day=report["on"]), [
        _("Code"), _("Region"), _("Communities"),
        *(heading for coverage in service.COVERAGES
          for heading in (str(COVERAGE_LABELS[coverage]), _("Rate"))),
    ], [_row(item["key"], item["name"], item) for item in report["items"]]
        + [_row("", _("All"), report["total"])],
        [None, None, COUNT_FORMAT, *([COUNT_FORMAT, RATE_FORMAT] * len(service.COVERAGES))],
        (12, 20))
    add_sheet(book, _("Communities missing a coverage"), [
        _("Missing"), _("Code"), _("Community"), _("Street"),
    ], [[str(COVERAGE_LABELS[coverage]), c["code"], c["name"], c["street_name"]]
        for coverage in service.COVERAGES for c in report["missing"][coverage]],
        [None, None, None, None], (24, 12, 24, 16))
    return book_bytes(book)
