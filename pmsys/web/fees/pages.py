"""Fee pages: a community's fees (standards, billing, payments, bills) and a resident's bills.

The community's page is for the staff who read fees (the manager in office keeps
them; the committee, the street office and the bureau read them); a resident or
an operator gets 404 there, as for a page that does not exist. A resident reads
their own bills at /bills; staff get 404 there (their bills are the community's).
Every form posts to its own route; a refusal re-renders the page with its status
(400 input, 403 not the user's to take, 422 a rule) and changes nothing.
"""

from __future__ import annotations

import math
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from pmsys import clock, money
from pmsys.api.fees import serializers
from pmsys.auth import permissions
from pmsys.errors import DomainError, InvalidInput, NotFound
from pmsys.extensions import db
from pmsys.fees import billing, queries, services
from pmsys.models.auth import Role
from pmsys.models.fees import Bill, FeeStandard, Payment
from pmsys.models.places import Building, Community, Household, Unit
from pmsys.web.assets.common import current_actor, refused
from pmsys.web.assets.common import refusal_message as general_refusal
from pmsys.web.fees import bp, forms

PER_PAGE = 50
RECENT_PAYMENTS = 20

# What the pages say for the codes of the fee services' refusals (their own words are
# the API's English).
REFUSALS = {
    "not_the_manager": lambda e: _("Only the community's manager in office keeps its fees."),
    "standard_exists": lambda e: _("A standard already starts on that day."),
    "period_billed": lambda e: _(
        "Months up to %(period)s are billed and bills are never changed: start the new "
        "standard after them.", period=str(e.fields.get("start", "")).removeprefix("after ")),
    "below_paid": lambda e: _("The bill would ask less than has already been paid on it."),
    "receipt_conflict": lambda e: _(
        "This receipt number was already posted for another household or amount."),
    "household_not_found": lambda e: _("There is no such household in this community."),
    "other_community": lambda e: _("The household is not in this community."),
    "not_xlsx": lambda e: _("The file is not an Excel workbook (.xlsx)."),
    "missing_columns": lambda e: _(
        "No header row names the columns receipt_no, household, amount, paid_on and method "
        "(or 收据号, 房屋, 金额, 缴费日期, 缴费方式)."),
    "too_many_rows": lambda e: _("The file has too many rows for one import."),
    "too_large": lambda e: _("The file is too large."),
}
FIELD_NAMES = {"price_per_m2_month", "fixed_per_household", "start", "period", "receipt_no",
               "household", "amount", "paid_on", "method", "kind", "reason", "file"}


def refusal_message(error: DomainError) -> str:
    """What the page says for a refusal: a translated sentence for the codes it knows."""
    explain = REFUSALS.get(error.code)
    if explain:
        return explain(error)
    if isinstance(error, InvalidInput) and error.fields:
        return _("Please check the marked fields.")
    return general_refusal(error)


def mark_fields(form, error: DomainError) -> None:
    """Point at the fields the service named, in the reader's language."""
    for name in error.fields:
        field = getattr(form, name, None) if name in FIELD_NAMES else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, _("Please check this field.")]


@bp.app_template_filter("yuan")
def yuan_filter(value) -> str:
    """Show money as "¥1,234.50"."""
    amount = Decimal(value or 0)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


@bp.app_template_global()
def may_read_fees(user) -> bool:
    """Whether the page links to a community's fees for `user`."""
    return permissions.can_read_fees(getattr(user, "_get_current_object", lambda: user)())


# --- a community's fees ----------------------------------------------------------------

def community_or_404(user, code: str) -> Community:
    community = permissions.get_community_or_404(db.session, user, code)
    if not permissions.can_read_fees(user):
        raise NotFound(f"no community {code}", code="community_not_found",
                       hidden=("community", code))
    return community


def _billed_periods(community: Community) -> list[str]:
    return list(db.session.scalars(
        select(Bill.period).where(Bill.community_id == community.id).group_by(Bill.period)
        .order_by(Bill.period.desc()).limit(36)))


def _bills_of(user, community: Community, period: str | None, page: int):
    if period is None:
        return None
    query = queries.visible_bills(user, community=community.code, period=period)
    total = db.session.scalar(
        select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(page, 1), pages)
    rows = db.session.scalars(
        query.order_by(None).join(Household, Household.id == Bill.household_id)
        .join(Unit, Unit.id == Household.unit_id).join(Building, Building.id == Unit.building_id)
        .order_by(Building.code, Unit.code, Household.code)
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    views = serializers.bill_views(db.session, list(rows))
    totals = db.session.execute(
        select(func.count(Bill.id), func.sum(Bill.amount))
        .where(Bill.community_id == community.id, Bill.period == period)).one()
    return {"items": views, "total": total, "page": page, "pages": pages,
            "billed": totals[1] or 0}


def standards_of(views) -> dict[int, FeeStandard]:
    """The fee standards the bills were computed with, by id (one statement)."""
    ids = {view.bill.standard_id for view in views}
    if not ids:
        return {}
    return {standard.id: standard for standard in db.session.scalars(
        select(FeeStandard).where(FeeStandard.id.in_(ids)))}


def _distinct_fees(views) -> list:
    """One bill per (area, standard) among `views`, newest first: how the fees came about."""
    seen: dict[tuple, object] = {}
    for view in views:
        seen.setdefault((view.bill.area, view.bill.standard_id), view.bill)
    return list(seen.values())


def _recent_payments(community: Community):
    households = (select(Household.id).join(Unit, Unit.id == Household.unit_id)
                  .join(Building, Building.id == Unit.building_id)
                  .where(Building.community_id == community.id))
    payments = db.session.scalars(
        select(Payment).where(Payment.household_id.in_(households))
        .order_by(Payment.paid_on.desc(), Payment.id.desc()).limit(RECENT_PAYMENTS)).all()
    paths = serializers.household_paths(db.session, (p.household_id for p in payments))
    return [(payment, paths[payment.household_id]) for payment in payments]


def _fees_page(user, community: Community, *, status: int = 200, period: str | None = None,
               adjusting: int | None = None, **given):
    """Render the community's fee page; `given` are forms a refused request brings back."""
    keeps = permissions.can_keep_fees(db.session, user, community)
    periods = _billed_periods(community)
    if period is None:
        wanted = request.args.get("period", "")
        period = wanted if wanted in periods else (periods[0] if periods else None)
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 1
    standards = db.session.scalars(
        select(FeeStandard).where(FeeStandard.community_id == community.id)
        .options(selectinload(FeeStandard.organization))
        .order_by(FeeStandard.start.desc())).all()
    today = clock.today()
    current = services.standard_on(db.session, community, today)
    blank = {
        "standard_form": forms.StandardForm(formdata=None),
        "billing_form": forms.BillingForm(formdata=None, period=billing.period_of(today)),
        "payment_form": forms.PaymentForm(formdata=None, paid_on=today),
        "import_form": forms.ImportForm(formdata=None),
        "adjustment_form": forms.AdjustmentForm(formdata=None),
    }
    blank.update(given)
    return render_template(
        "fees/community_fees.html", community=community, keeps=keeps, standards=standards,
        current=current, periods=periods, period=period,
        bills=_bills_of(user, community, period, page),
        payments=_recent_payments(community), adjusting=adjusting,
        status_labels=forms.STATUS_LABELS, method_labels=forms.METHOD_LABELS,
        kind_labels=forms.KIND_LABELS, **blank,
    ), status


def rerender_refused(user, community, error: DomainError, form_name: str, form, **extra):
    status = refused(error)
    flash(refusal_message(error), "error")
    mark_fields(form, error)
    return _fees_page(user, community, status=status, **{form_name: form}, **extra)


def rerender_invalid(user, community, form_name: str, form, **extra):
    flash(_("Please correct the form."), "error")
    return _fees_page(user, community, status=400, **{form_name: form}, **extra)


@bp.get("/communities/<code>/fees")
@login_required
def community_fees(code: str):
    """The community's fee standards, billing, recent payments and the bills of a month."""
    user = current_actor()
    return _fees_page(user, community_or_404(user, code))


@bp.post("/communities/<code>/fees/standards")
@login_required
def set_standard(code: str):
    """Set the community's fee from a start date."""
    user = current_actor()
    community = community_or_404(user, code)
    form = forms.StandardForm()
    if not form.validate_on_submit():
        return rerender_invalid(user, community, "standard_form", form)
    try:
        standard = services.set_standard(
            db.session, user, community, price_per_m2_month=form.price_per_m2_month.data,
            fixed_per_household=form.fixed_per_household.data or "0.00",
            start=form.start.data)
    except DomainError as error:
        return rerender_refused(user, community, error, "standard_form", form)
    flash(_("The fee from %(start)s is %(price)s yuan per m² per month.",
            start=standard.start.isoformat(),
            price=money.decimal_str(standard.price_per_m2_month, 4)),
          "success")
    return redirect(url_for("fees.community_fees", code=community.code))


@bp.post("/communities/<code>/fees/billing")
@login_required
def bill_month(code: str):
    """Bill one month for the community (again: nothing new)."""
    user = current_actor()
    community = community_or_404(user, code)
    form = forms.BillingForm()
    if not form.validate_on_submit():
        return rerender_invalid(user, community, "billing_form", form)
    try:
        created = services.run_billing(db.session, user, form.period.data, [community])
    except DomainError as error:
        return rerender_refused(user, community, error, "billing_form", form)
    if created:
        flash(_("%(num)s bills created for %(period)s.", num=created, period=form.period.data),
              "success")
    else:
        flash(_("No new bill: every household with a standard is already billed for "
                "%(period)s.", period=form.period.data), "info")
    return redirect(url_for("fees.community_fees", code=community.code,
                            period=form.period.data))


@bp.post("/bills/<int:bill_id>/adjustments")
@login_required
def adjust_bill(bill_id: int):
    """Waive or correct part of one bill, with the reason."""
    user = current_actor()
    bill = services.get_bill_or_404(db.session, user, bill_id)
    community = db.session.get(Community, bill.community_id)
    if not permissions.can_read_fees(user):
        abort(404)
    form = forms.AdjustmentForm()
    extra = {"adjusting": bill.id, "period": bill.period}
    if not form.validate_on_submit():
        return rerender_invalid(user, community, "adjustment_form", form, **extra)
    try:
        services.adjust_bill(db.session, user, bill, amount=form.amount.data,
                             reason=form.reason.data, kind=form.kind.data)
    except DomainError as error:
        return rerender_refused(user, community, error, "adjustment_form", form, **extra)
    flash(_("The bill of %(period)s is adjusted.", period=bill.period), "success")
    return redirect(url_for("fees.community_fees", code=community.code, period=bill.period,
                            _anchor=f"bill-{bill.id}"))


# --- a resident's bills ----------------------------------------------------------------

MONTHS_SHOWN = 24


@bp.get("/bills")
@login_required
def my_bills():
    """A resident's bills per household, month by month: amount, paid, owed; total owed."""
    user = current_actor()
    if user.role is not Role.resident:
        abort(404)
    bills = db.session.scalars(queries.visible_bills(user)).all()
    views = serializers.bill_views(db.session, list(bills))
    households: dict[str, list] = {}
    for view in views:
        households.setdefault(view.household, []).append(view)
    summary = [
        {"household": path, "bills": rows[:MONTHS_SHOWN], "more": len(rows) > MONTHS_SHOWN,
         "owed": sum((v.outstanding for v in rows if v.outstanding > 0), Decimal("0.00")),
         "fees": _distinct_fees(rows[:MONTHS_SHOWN])}
        for path, rows in sorted(households.items())
    ]
    total = sum((h["owed"] for h in summary), Decimal("0.00"))
    return render_template("fees/my_bills.html", households=summary, total_owed=total,
                           status_labels=forms.STATUS_LABELS, standards=standards_of(views))
