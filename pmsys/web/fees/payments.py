"""Recording a community's payments: one at a time, or a workbook of them, with its template.

The pages are those of pmsys/web/fees/pages.py; a refusal re-renders the community's fees
page with its status and changes nothing.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pmsys import clock
from pmsys.auth import permissions
from pmsys.errors import DomainError, Forbidden, InvalidInput
from pmsys.extensions import db
from pmsys.fees import billing, payment_import, services
from pmsys.models.places import Building, Household, Unit
from pmsys.web.assets.common import current_actor
from pmsys.web.fees import bp, forms
from pmsys.web.fees.pages import (
    community_or_404,
    refusal_message,
    rerender_invalid,
    rerender_refused,
    yuan_filter,
)
from pmsys.web.spreadsheets import add_sheet, book_bytes, download, new_book


@bp.post("/communities/<code>/fees/payments")
@login_required
def record_payment(code: str):
    """Record one payment under its receipt number (the same receipt again: nothing new)."""
    user = current_actor()
    community = community_or_404(user, code)
    form = forms.PaymentForm()
    if not form.validate_on_submit():
        return rerender_invalid(user, community, "payment_form", form)
    path = form.household_path(community.code)
    try:
        if path.split("/")[0] != community.code:
            raise InvalidInput("not a household of this community", code="other_community",
                               fields={"household": community.code})
        try:
            household = services.household_by_path(db.session, path)
        except InvalidInput as error:
            if error.fields.get("household") != "unknown":
                raise
            raise InvalidInput(f"no household {path}", code="household_not_found",
                               fields={"household": "unknown"}) from None
        payment, created = services.post_payment(
            db.session, user, receipt_no=form.receipt_no.data, household=household,
            amount=form.amount.data, paid_on=form.paid_on.data, method=form.method.data,
            period_text=form.period.data or None)
    except DomainError as error:
        return rerender_refused(user, community, error, "payment_form", form)
    if created:
        flash(_("Payment %(receipt)s of %(amount)s posted for %(household)s.",
                receipt=payment.receipt_no, amount=yuan_filter(payment.amount),
                household=path), "success")
    else:
        flash(_("Receipt %(receipt)s was already posted; nothing changed.",
                receipt=payment.receipt_no), "info")
    return redirect(url_for("fees.community_fees", code=community.code))


@bp.post("/communities/<code>/fees/payments/import")
@login_required
def import_payments(code: str):
    """Post the payments of an .xlsx file; show what became of each row."""
    user = current_actor()
    community = community_or_404(user, code)
    form = forms.ImportForm()
    if not form.validate_on_submit():
        return rerender_invalid(user, community, "import_form", form)
    if not permissions.can_keep_fees(db.session, user, community):
        return rerender_refused(user, community, Forbidden(
            "only the community's manager records payments", code="not_the_manager"),
            "import_form", form)
    data = form.file.data.read(payment_import.MAX_BYTES + 1)
    try:
        report = payment_import.import_payments(db.session, user, data, community)
    except DomainError as error:
        return rerender_refused(user, community, error, "import_form", form)
    reasons = {row.row: refusal_message(DomainError(row.reason or "", code=row.code))
               for row in report.rows if row.status == "refused"}
    return render_template("fees/import_report.html", community=community, report=report,
                           reasons=reasons)


@bp.get("/communities/<code>/fees/payments/template.xlsx")
@login_required
def payment_template(code: str):
    """An empty payment sheet with the columns the import reads, and a sheet explaining them."""
    user = current_actor()
    community = community_or_404(user, code)
    if not permissions.can_keep_fees(db.session, user, community):
        raise Forbidden(_("Only the community's manager in office keeps its fees."),
                        code="not_the_manager")
    example = db.session.scalar(
        select(Household).join(Unit, Unit.id == Household.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(Building.community_id == community.id)
        .order_by(Building.code, Unit.code, Household.code).limit(1)
        .options(selectinload(Household.unit).selectinload(Unit.building)))
    place = (f"{community.code}/{example.unit.building.code}/{example.unit.code}/{example.code}"
             if example else f"{community.code}/1/1/101")
    return download(template_workbook(place, clock.today()),
                    f"payment-import-template-{community.code}.xlsx")


def template_workbook(household: str, today) -> bytes:
    """The payment sheet the import reads (its Chinese header only) and its explanations."""
    names = {key: next(name for name in names if not name.isascii())
             for key, names in payment_import.COLUMNS.items()}
    book = new_book()
    add_sheet(book, _("Payments"), list(names.values()), [], [None] * len(names),
              (18, 18, 12, 14, 12, 10))
    explained = {
        "receipt_no": (_("The receipt number; a receipt already posted is left unchanged."),
                       f"R-{today:%Y%m%d}-001"),
        "household": (_("The household's full code: community/building/unit/home."), household),
        "amount": (_("The amount paid in yuan, e.g. 31.25."), "31.25"),
        "paid_on": (_("The day of the payment, YYYY-MM-DD."), today.isoformat()),
        "method": (_("One of %(methods)s.", methods="现金、银行转账、微信、支付宝、其他"), "微信"),
        "period": (_("Optional: the month paid for, YYYY-MM; without it the oldest open bills "
                     "are paid first."), billing.period_of(today)),
    }
    add_sheet(book, _("How to fill it in"),
              [_("Column"), _("Required"), _("What it holds"), _("Example")],
              [[names[key], _("yes") if key in payment_import.REQUIRED else _("no"), text,
                example] for key, (text, example) in explained.items()],
              [None, None, None, None], (12, 8, 60, 20))
    return book_bytes(book)
