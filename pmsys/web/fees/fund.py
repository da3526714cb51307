"""The maintenance fund page of a community (维修资金, docs/domain.md#fund): its statement,
the keepers' forms, the signatures of pending spends and the Excel export.

Whoever sees the community reads the page; the households' lines are those the reader may
read (a resident: their own household's statement). A refusal re-renders the page with its
status and changes nothing.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from pmsys.auth import permissions
from pmsys.errors import DomainError
from pmsys.extensions import db
from pmsys.fund import ledger
from pmsys.models.governance import Vote, VoteStatus
from pmsys.models.places import Community
from pmsys.web.assets.common import current_actor, refused
from pmsys.web.fees import bp
from pmsys.web.fees.pages import refusal_message as fee_refusal_message
from pmsys.web.spreadsheets import (
    DATE_FORMAT,
    MONEY_FORMAT,
    add_sheet,
    book_bytes,
    download,
    new_book,
)

KIND_LABELS = {
    "deposit": _l("Deposit"),
    "interest": _l("Interest"),
    "spend": _l("Spend"),
    "correction": _l("Correction"),
}
STATUS_LABELS = {"pending": _l("Waiting for signatures"), "posted": _l("Posted")}
SIDE_LABELS = {"committee": _l("Owners' committee"), "street_office": _l("Street office")}


# What the page says for the codes of the fund service's refusals (their words are the API's).
REFUSALS = {
    "ref_conflict": lambda e: _("This reference was already recorded for another entry."),
    "vote_amount_exceeded": lambda e: _(
        "The spends of this vote would pass the amount it approved."),
    "vote_not_passed": lambda e: _("The vote has not passed."),
    "vote_wrong_matter": lambda e: _("The vote is not on using the maintenance fund."),
    "vote_without_amount": lambda e: _("The vote approved no amount."),
    "no_balance_to_share": lambda e: _(
        "No household has a balance to share this by: name the household."),
    "no_households": lambda e: _("The community has no households to share the spend."),
    "fund_insufficient": lambda e: _("The fund's balance does not cover this spend."),
    "not_pending": lambda e: _("This entry is posted: there is nothing left to sign."),
    "already_signed": lambda e: _("Your side has signed this spend already."),
    "not_a_signer": lambda e: _(
        "Only the owners' committee in office and the street office sign a spend."),
    "not_a_fund_keeper": lambda e: _(
        "Only the street office, the bureau and the owners' committee in office record the "
        "maintenance fund."),
}


def refusal_message(error: DomainError) -> str:
    """What the page says for a refusal of the fund service."""
    explain = REFUSALS.get(error.code)
    return explain(error) if explain else fee_refusal_message(error)


@bp.app_template_filter("fund_kind")
def fund_kind(code: str) -> str:
    """The name of a kind of fund entry in the interface's language."""
    return str(KIND_LABELS.get(code, code))


class FundEntryForm(FlaskForm):
    """One entry of the maintenance fund (its keepers)."""

    ref = StringField(_l("Reference"), validators=[
        InputRequired(message=_l("Enter a reference.")), Length(max=ledger.MAX_REF)])
    kind = SelectField(_l("Kind"), default="deposit",
                       choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()])
    household = StringField(_l("Household (building/unit/household)"),
                            validators=[Optional(), Length(max=200)])
    amount = StringField(_l("Amount (yuan)"),
                         validators=[InputRequired(message=_l("Enter the amount."))])
    vote = SelectField(_l("Approving vote"), validate_choice=False, validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Length(max=ledger.MAX_NOTE)])

    def household_path(self, community_code: str) -> str | None:
        value = (self.household.data or "").strip()
        if not value:
            return None
        return value if value.count("/") == 3 else f"{community_code}/{value}"


class DepositsForm(FlaskForm):
    """Collect one deposit per household at a rate per m² of exclusive area."""

    rate = StringField(_l("Rate (yuan per m²)"),
                       validators=[InputRequired(message=_l("Enter the rate."))])
    prefix = StringField(_l("Reference prefix"), validators=[
        InputRequired(message=_l("Enter a reference prefix.")), Length(max=ledger.MAX_PREFIX)])


def _fund_votes(community: Community) -> list[Vote]:
    """The community's passed votes on using the fund, newest first."""
    return list(db.session.scalars(
        select(Vote).where(Vote.community_id == community.id,
                           Vote.matter == ledger.FUND_MATTER,
                           Vote.status == VoteStatus.closed, Vote.passed.is_(True))
        .order_by(Vote.closed_at.desc(), Vote.id.desc())))


def _page(user, community: Community, status: int = 200, entry_form=None, deposits_form=None):
    session = db.session
    keeper = permissions.can_keep_fund(session, user, community)
    votes = _fund_votes(community) if keeper else []
    if keeper:
        entry_form = entry_form or FundEntryForm(formdata=None)
        deposits_form = deposits_form or DepositsForm(formdata=None)
        entry_form.vote.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(v.id), f"{v.title} (≤ {v.amount})") for v in votes]
    else:  # the forms are the keepers' only
        entry_form = deposits_form = None
    seen = ledger.statement(session, user, community)
    return render_template(
        "fees/fund.html", community=community, seen=seen, entry_form=entry_form,
        deposits_form=deposits_form, kinds=KIND_LABELS, statuses=STATUS_LABELS,
        sides=SIDE_LABELS,
        side=permissions.fund_signing_side(session, user, community),
    ), status


def _mark(form, error: DomainError) -> None:
    named = [getattr(form, name) for name in error.fields if name in form._fields]
    for field in named:
        field.errors = [*field.errors, _("Please check this field.")]
    flash(refusal_message(error), "error")


@bp.get("/communities/<code>/fund")
@login_required
def fund_page(code: str):
    """The community's maintenance fund: balances, pending spends, entries, the forms."""
    user = current_actor()
    community = permissions.get_community_or_404(db.session, user, code)
    return _page(user, community)


@bp.post("/communities/<code>/fund/entries")
@login_required
def fund_record(code: str):
    """Record an entry (the street office, the bureau, the committee in office, a sysadmin)."""
    user = current_actor()
    community = permissions.get_community_or_404(db.session, user, code)
    form = FundEntryForm()
    form.vote.choices = [SelectChoice(str(v.id), v.title) for v in _fund_votes(community)]
    if not form.validate_on_submit():
        flash(_("Please correct the marked fields."), "error")
        return _page(user, community, 400, entry_form=form)
    try:
        entry, created = ledger.record_entry(
            db.session, user, community, ref=form.ref.data, kind=form.kind.data,
            amount=(form.amount.data or "").strip().replace(",", ""),
            household=form.household_path(community.code),
            vote=form.vote.data or None, note=form.note.data or "")
    except DomainError as error:
        status = refused(error)
        _mark(form, error)
        return _page(user, community, status, entry_form=form)
    if created:
        flash(_("The entry %(ref)s is recorded.", ref=entry.ref), "success")
    else:
        flash(_("The entry %(ref)s was recorded already; nothing changed.", ref=entry.ref),
              "success")
    return redirect(url_for("fees.fund_page", code=code))


@bp.post("/communities/<code>/fund/deposits")
@login_required
def fund_collect(code: str):
    """Collect one deposit per household at a rate per m² (again: only the missing ones)."""
    user = current_actor()
    community = permissions.get_community_or_404(db.session, user, code)
    form = DepositsForm()
    if not form.validate_on_submit():
        flash(_("Please correct the marked fields."), "error")
        return _page(user, community, 400, deposits_form=form)
    try:
        made, total = ledger.collect_deposits(
            db.session, user, community, rate=(form.rate.data or "").strip(),
            prefix=form.prefix.data)
    except DomainError as error:
        status = refused(error)
        _mark(form, error)
        return _page(user, community, status, deposits_form=form)
    flash(_("%(count)s deposits of %(total)s in all are recorded.", count=made,
            total=f"{total:,.2f}"), "success")
    return redirect(url_for("fees.fund_page", code=code))


@bp.post("/fund/entries/<int:entry_id>/sign")
@login_required
def fund_sign(entry_id: int):
    """Sign a pending spend for the committee or the street office."""
    user = current_actor()
    entry = ledger.entry_or_404(db.session, user, entry_id)
    community = entry.community
    try:
        entry = ledger.sign(db.session, user, entry)
    except DomainError as error:
        status = refused(error)
        flash(refusal_message(error), "error")
        return _page(user, community, status)
    if entry.status.value == "posted":
        flash(_("Signed. Both sides have signed: the spend is posted."), "success")
    else:
        flash(_("Signed. The spend waits for the other side's signature."), "success")
    return redirect(url_for("fees.fund_page", code=community.code))


@bp.get("/communities/<code>/fund.xlsx")
@login_required
def fund_export(code: str):
    """The fund statement as the reader sees it: households, buildings, entries."""
    user = current_actor()
    community = permissions.get_community_or_404(db.session, user, code)
    seen = ledger.statement(db.session, user, community)
    book = new_book()
    add_sheet(book, _("Households"), [_("Household"), _("Building"), _("Area (m²)"),
                                      _("Balance")],
              [(line.path, line.building, line.area, line.balance) for line in seen.households],
              formats=[None, None, "0.00", MONEY_FORMAT], widths=(24, 10, 12, 14))
    if seen.buildings is not None:
        add_sheet(book, _("Buildings"), [_("Building"), _("Households"), _("Balance")],
                  [(line.building, line.households, line.balance) for line in seen.buildings],
                  formats=[None, "0", MONEY_FORMAT])
    add_sheet(book, _("Entries"), [
        _("Date"), _("Reference"), _("Kind"), _("Status"), _("Household"), _("Amount"),
        _("My share"), _("Note")],
        [(view.entry.created_at.date(), view.ref or "", fund_kind(view.entry.kind.value),
          str(STATUS_LABELS[view.entry.status.value]), view.household or "",
          view.entry.amount, view.share, view.note) for view in seen.entries],
        formats=[DATE_FORMAT, None, None, None, None, MONEY_FORMAT, MONEY_FORMAT, None],
        widths=(12, 24, 10, 14, 24, 14, 12, 30))
    add_sheet(book, _("Totals"), [_("Balance"), _("Pending spends")],
              [(seen.balance, seen.pending)], formats=[MONEY_FORMAT, MONEY_FORMAT])
    return download(book_bytes(book), f"fund-{community.code}.xlsx")
