"""Forms of the fee pages: a standard, a billing run, a payment, an import, an adjustment.

The forms check shape only (required, lengths, a date); the services check
meaning (a decimal with two places, a household of the community, who may act)
and their refusals are shown next to the fields they name.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from pmsys.models.fees import AdjustmentKind, PaymentMethod

PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


METHOD_LABELS = {
    PaymentMethod.cash: _l("Cash"),
    PaymentMethod.bank: _l("Bank transfer"),
    PaymentMethod.wechat: _l("WeChat Pay"),
    PaymentMethod.alipay: _l("Alipay"),
    PaymentMethod.other: _l("Other"),
}
KIND_LABELS = {
    AdjustmentKind.waiver: _l("Waiver (lowers the bill)"),
    AdjustmentKind.correction: _l("Correction (up or down)"),
}
STATUS_LABELS = {"open": _l("owed"), "paid": _l("paid")}


def _period_field(label, required: bool = True):
    return StringField(
        label,
        validators=[DataRequired() if required else Optional(),
                    Regexp(PERIOD_PATTERN, message=_l("Give the month as YYYY-MM."))],
        filters=[_strip], render_kw={"placeholder": "2025-06", "inputmode": "numeric"},
    )


def _money_field(label, required: bool = True):
    return StringField(label, validators=[DataRequired() if required else Optional(),
                                          Length(max=20)],
                       filters=[_strip], render_kw={"inputmode": "decimal"})


class StandardForm(FlaskForm):
    """A new fee standard from a start date."""

    price_per_m2_month = _money_field(_l("Price per m² per month (yuan)"))
    fixed_per_household = _money_field(_l("Fixed part per household (yuan)"), required=False)
    start = DateField(_l("From"), validators=[DataRequired()])


class BillingForm(FlaskForm):
    """Bill one month."""

    period = _period_field(_l("Month to bill"))


class PaymentForm(FlaskForm):
    """One payment received, under its receipt number."""

    receipt_no = StringField(_l("Receipt number"), validators=[DataRequired(), Length(max=64)],
                             filters=[_strip])
    household = StringField(
        _l("Household (building/unit/household)"),
        validators=[DataRequired(), Length(max=4 * 64 + 3)], filters=[_strip],
        render_kw={"placeholder": "1/1/101"},
    )
    amount = _money_field(_l("Amount (yuan)"))
    paid_on = DateField(_l("Paid on"), validators=[DataRequired()])
    method = SelectField(_l("Method"), choices=[
        SelectChoice(method.value, label) for method, label in METHOD_LABELS.items()])
    period = _period_field(_l("For the month (optional)"), required=False)

    def household_path(self, community_code: str) -> str:
        """The household as a full path: a path inside the community gets its code in front."""
        value = self.household.data or ""
        return value if value.count("/") == 3 else f"{community_code}/{value}"


class ImportForm(FlaskForm):
    """An Excel file of payments."""

    file = FileField(_l("Excel file (.xlsx)"), validators=[FileRequired()])


class AdjustmentForm(FlaskForm):
    """A waiver or correction of one bill, with its reason."""

    kind = SelectField(_l("Adjustment kind"), choices=[
        SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()])
    amount = StringField(_l("Amount (yuan; negative lowers the bill)"),
                         validators=[DataRequired(), Length(max=20)], filters=[_strip],
                         render_kw={"placeholder": "-30.00"})
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)],
                           filters=[_strip])
