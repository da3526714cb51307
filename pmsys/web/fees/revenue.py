"""The public revenue ledger page and the community's notice page (docs/domain.md#revenue).

Both are public within the community: whoever sees the community reads them,
its residents included; anyone else gets 404. The ledger page also carries the
form of the manager in office and the owners' committee, who keep the ledger.
"""

from __future__ import annotations

from decimal import Decimal

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from pmsys import clock
from pmsys.auth import permissions
from pmsys.errors import DomainError, Forbidden, InvalidInput
from pmsys.extensions import db
from pmsys.fees import billing, revenue, services
from pmsys.governance import access as governance_access
from pmsys.models.fees import REVENUE_SOURCES, SPENDING_USES
from pmsys.models.governance import Vote, VoteStatus
from pmsys.surveys import services as survey_services
from pmsys.web.assets.common import current_actor, refusal_message, refused
from pmsys.web.fees import bp

# The home the notice page's worked example of the fee standard is for (m²).
EXAMPLE_AREA = Decimal("60.00")
DIRECTION_LABELS = {"income": _l("Income"), "spending": _l("Spending")}
CATEGORY_LABELS = {
    "parking": _l("Parking"),
    "advertising": _l("Advertising"),
    "rental": _l("Rental of common parts"),
    "other_income": _l("Other income"),
    "maintenance": _l("Repairs and maintenance"),
    "subsidy": _l("Subsidy of property fees"),
    "facilities": _l("Common facilities"),
    "other_spending": _l("Other spending"),
}


@bp.app_template_filter("revenue_category")
def revenue_category(code: str) -> str:
    """The name of a revenue source or spending use in the interface's language."""
    return str(CATEGORY_LABELS.get(code, code))


class RevenueEntryForm(FlaskForm):
    """One income or spending of the public revenue (its keepers)."""

    direction = SelectField(_l("Income or spending"), default="income",
                            choices=[SelectChoice(k, v) for k, v in DIRECTION_LABELS.items()])
    category = SelectField(_l("Category"), choices=[
        SelectChoice(code, CATEGORY_LABELS[code]) for code in (*REVENUE_SOURCES, *SPENDING_USES)
    ])
    amount = StringField(_l("Amount (yuan)"),
                         validators=[InputRequired(message=_l("Enter the amount."))])
    on = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter the date."))])
    description = TextAreaField(_l("What it was"), validators=[
        InputRequired(message=_l("Say what the money was for.")),
        Length(max=revenue.MAX_DESCRIPTION)])
    resolution = StringField(_l("Committee resolution"),
                             validators=[Length(max=revenue.MAX_RESOLUTION)])
    asset = SelectField(_l("Parking asset"), default="")

    def offer_parking(self, community) -> None:
        """Offer the community's parking assets (none chosen by default)."""
        self.asset.choices = [SelectChoice("", _("(none)"))] + [
            SelectChoice(a.code, f"{a.code} {a.name}".strip())
            for a in revenue.parking_assets(db.session, community)
        ]

    def validate_asset(self, field) -> None:
        if (field.data and self.direction.data == "income"
                and self.category.data != revenue.PARKING):
            raise ValidationError(_("Only a parking income or a spending names a parking "
                                    "asset."))

    def validate_category(self, field) -> None:
        allowed = REVENUE_SOURCES if self.direction.data == "income" else SPENDING_USES
        if field.data not in allowed:
            raise ValidationError(_("Choose a category of the chosen direction."))

    def validate_amount(self, field) -> None:
        # The one money parser of the services, bounds and all (docs/domain.md#fees).
        try:
            services.money((field.data or "").strip().replace(",", ""), "amount")
        except InvalidInput:
            raise ValidationError(_("Enter an amount in yuan, more than zero, with at most "
                                    "two decimals.")) from None

    def validate_on(self, field) -> None:
        if field.data and field.data > clock.today():
            raise ValidationError(_("The date cannot be in the future."))

    def validate_resolution(self, field) -> None:
        if self.direction.data == "spending" and not (field.data or "").strip():
            raise ValidationError(_("A spending needs the owners' committee's resolution."))


def _mark(form: RevenueEntryForm, error: DomainError) -> str:
    """Put the service's refusal on the fields it names; return what the page says."""
    if error.code == "resolution_required":
        form.resolution.errors = [_("A spending needs the owners' committee's resolution.")]
        return _("A spending needs the owners' committee's resolution.")
    named = [getattr(form, name) for name in error.fields if name in form._fields]
    for field in named:
        field.errors = [*field.errors, _("Please check this field.")]
    return _("Please check the marked fields.") if named else refusal_message(error)


@bp.route("/communities/<code>/revenue", methods=["GET", "POST"])
@login_required
def revenue_ledger(code: str):
    """The community's public revenue ledger of a year, with the keepers' form."""
    user = current_actor()
    community = permissions.get_community_or_404(db.session, user, code)
    status = 200
    if request.method == "POST":
        try:
            revenue.check_keeper(db.session, user, community)
        except Forbidden:
            raise Forbidden(_("Only the community's manager or owners' committee keeps its "
                              "public revenue ledger.")) from None
        form = RevenueEntryForm()
        form.offer_parking(community)
        year = clock.today().year
        if form.validate_on_submit():
            try:
                entry = revenue.record_entry(
                    db.session, user, community, direction=form.direction.data,
                    category=form.category.data, amount=form.amount.data.strip().replace(",", ""),
                    on=form.on.data, description=form.description.data,
                    resolution=form.resolution.data or "", asset=form.asset.data or None)
            except DomainError as error:
                status = refused(error)
                flash(_mark(form, error), "error")
            else:
                flash(_("The entry is recorded in the public revenue ledger."), "success")
                return redirect(url_for("fees.revenue_ledger", code=code, year=entry.on.year))
        else:
            status = 400
    else:
        year = revenue.ledger_year(request.args.get("year") or clock.today().year)
        form = None
        if permissions.can_keep_revenue(db.session, user, community):
            form = RevenueEntryForm(formdata=None, on=clock.today())
            form.offer_parking(community)
    ledger = revenue.ledger(db.session, user, community, year)
    return render_template(
        "fees/revenue.html", community=community, ledger=ledger, form=form,
        years=revenue.ledger_years(db.session, community, year),
        directions=DIRECTION_LABELS,
    ), status


@bp.get("/communities/<code>/notices")
@login_required
def community_notices(code: str):
    """The community's public notice page: this year's public revenue and its balance,
    the open satisfaction surveys with their QR codes,
    the owners' assembly votes (open ones to vote in, closed ones with their results),
    the owners' committee in office with its members and term, and the fee standard in
    force (收费标准公示) (docs/domain.md#committees, #revenue, #fees).
    """
    user = current_actor()
    community = permissions.get_community_or_404(db.session, user, code)
    ledger = revenue.ledger(db.session, user, community, clock.today().year)
    standard = services.standard_on(db.session, community, clock.today())
    votes = db.session.scalars(
        select(Vote).where(Vote.community_id == community.id)
        .order_by(Vote.opens_at.desc(), Vote.id.desc())
    ).all()
    return render_template(
        "places/notices.html", community=community, ledger=ledger, directions=DIRECTION_LABELS,
        open_votes=[v for v in votes if v.status is not VoteStatus.closed],
        closed_votes=[v for v in votes if v.status is VoteStatus.closed],
        committee=governance_access.active_committee(db.session, community),
        surveys=survey_services.open_surveys(db.session, community),
        standard=standard, example_area=EXAMPLE_AREA, example=billing.bill_amount(
            EXAMPLE_AREA, standard.price_per_m2_month, standard.fixed_per_household)
        if standard else None,
    )
