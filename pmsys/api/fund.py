"""API: a community's maintenance fund (维修资金, docs/domain.md#fund): its statement, its
entries and the two signatures of a spend."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from pmsys.api import bp
from pmsys.api.answer_types import Amount, CodeText, Id, Moment
from pmsys.api.fees.bills import HouseholdParam
from pmsys.api.governance.committees import COMMUNITY_PATH, caller, visible_community
from pmsys.api.helpers import api_login_required
from pmsys.api.typed import Answer, Input, NoBody, endpoint, number, text
from pmsys.extensions import db
from pmsys.fund import ledger
from pmsys.models.fund import FundEntry, FundKind, FundSide, FundStatus
from pmsys.models.places import Community
from pmsys.money import decimal_str

ENTRY_PATH = {"entry_id": "The fund entry's id."}
Kind = Literal[tuple(kind.value for kind in FundKind)]
_KEEPERS = ("Not the street office, the bureau, a sysadmin or the owners' committee in office "
            "(`not_a_fund_keeper`).")


class FundSignatureAnswer(Answer):
    side: Literal[tuple(side.value for side in FundSide)]
    organization: CodeText
    by: Annotated[str | None, Field(description="The signer's login; for staff readers only.")]
    at: Moment


class FundEntryAnswer(Answer):
    """One line of the fund's ledger. Another household's entry shows no household, ref
    or note to a resident."""

    id: Id
    ref: str | None
    kind: Kind
    status: Literal[tuple(status.value for status in FundStatus)]
    amount: Annotated[Amount, Field(description="Signed as it moves the balance: a spend "
                                    "is negative.")]
    household: Annotated[str | None, Field(description="COMMUNITY/BUILDING/UNIT/HOUSEHOLD, "
                                           "when the entry is one household's.")]
    vote: Annotated[Id | None, Field(description="The vote a spend rests on.")]
    note: str
    recorded_at: Moment
    posted_at: Moment | None
    signatures: list[FundSignatureAnswer]
    share: Annotated[Amount | None, Field(description=(
        "For a resident: their own household's part of the entry."))] = None


class FundHouseholdLine(Answer):
    household: str
    balance: Amount


class FundBuildingLine(Answer):
    building: str
    households: int
    balance: Amount


class FundStatement(Answer):
    """A community's maintenance fund: posted balance, pending spends, the households'
    balances the caller may read, and the entries."""

    community: CodeText
    balance: Amount
    pending: Amount
    by_household: list[FundHouseholdLine]
    by_building: Annotated[list[FundBuildingLine] | None, Field(
        description="For the staff who serve the community; null for residents and "
                    "operators.")]
    entries: list[FundEntryAnswer]


class NewFundEntry(Input):
    ref: Annotated[text(ledger.MAX_REF, 1), Field(description=(
        "The caller's own reference, unique in the community: a repeat with the same body "
        "answers 200, with another body 409."))]
    kind: Kind
    household: Annotated[HouseholdParam | None, Field(description=(
        "Required for a deposit; absent for a spend; for interest or a correction, absent "
        "shares it by the households' balances."))] = None
    amount: Annotated[number("1200.00"), Field(description=(
        "Yuan, at most two places: more than zero, except a correction, which is signed."))]
    vote: Annotated[int | None, Field(description="A spend's passed use_maintenance_fund "
                                      "vote.")] = None
    note: Annotated[text(ledger.MAX_NOTE) | None, Field(description=(
        "Required for a spend and a correction."))] = None


def signature_json(signature, staff: bool) -> dict:
    return {"side": signature.side.value, "organization": signature.organization.code,
            "by": signature.user.username if staff else None,
            "at": signature.signed_at.isoformat()}


def entry_json(view: ledger.EntryView, staff: bool = True) -> dict:
    entry = view.entry
    return {
        "id": entry.id, "ref": view.ref, "kind": entry.kind.value,
        "status": entry.status.value, "amount": decimal_str(entry.amount),
        "household": view.household, "vote": entry.vote_id, "note": view.note,
        "recorded_at": entry.created_at.isoformat(),
        "posted_at": entry.posted_at.isoformat() if entry.posted_at else None,
        "signatures": [signature_json(s, staff) for s in entry.signatures],
        "share": decimal_str(view.share),
    }


def statement_json(seen: ledger.Statement) -> dict:
    staff = seen.buildings is not None
    return {
        "community": seen.community.code,
        "balance": decimal_str(seen.balance),
        "pending": decimal_str(seen.pending),
        "by_household": [{"household": line.path, "balance": decimal_str(line.balance)}
                         for line in seen.households],
        "by_building": None if seen.buildings is None else [
            {"building": line.building, "households": line.households,
             "balance": decimal_str(line.balance)} for line in seen.buildings],
        "entries": [entry_json(view, staff) for view in seen.entries],
    }


def _own_view(entry: FundEntry) -> ledger.EntryView:
    household = entry.household.place_code if entry.household is not None else None
    return ledger.EntryView(entry=entry, household=household, ref=entry.ref, note=entry.note,
                            share=None)


def visible_entry(entry_id: int) -> FundEntry:
    """The entry of the path, if the caller sees its community (else 404, before any 400)."""
    return ledger.entry_or_404(db.session, caller(), entry_id)


@bp.get("/communities/<code>/fund")
@api_login_required
@endpoint(answers={200: ("The fund's statement.", FundStatement)}, refusals={404: ""},
          path=COMMUNITY_PATH, tags=("fund",), find=visible_community)
def get_fund(code: str, found: Community):
    """A community's maintenance fund statement.

    Everyone who sees the community reads the balance (posted entries), the pending spends
    and the entries; `by_household` holds the households the caller may read — all of them
    for the staff who serve the community, a resident's own — and another household's
    entries show a resident no household, ref or note.
    """
    return statement_json(ledger.statement(db.session, caller(), found))


@bp.post("/communities/<code>/fund/entries")
@api_login_required
@endpoint(body=NewFundEntry, answers={
    200: ("The ref was recorded already with this body: that entry.", FundEntryAnswer),
    201: ("The entry as recorded.", FundEntryAnswer)}, refusals={
    400: "Malformed input: a deposit without a household, a spend without a vote or note, "
         "a household or vote not of this community.",
    403: _KEEPERS, 404: "",
    409: "The ref was recorded with another body (`ref_conflict`).",
    422: "The vote is not a passed `use_maintenance_fund` vote (`vote_not_passed`, "
         "`vote_wrong_matter`, `vote_without_amount`), its amount would be passed "
         "(`vote_amount_exceeded`), or nobody has a balance to share it by "
         "(`no_balance_to_share`)."},
    path=COMMUNITY_PATH, tags=("fund",), find=visible_community)
def record_fund_entry(code: str, body: NewFundEntry, found: Community):
    """Record a deposit, interest, a spend or a correction, once per ref.

    Entries are never edited: a correction is a new entry. A spend needs a passed
    `use_maintenance_fund` vote of the community; the spends of one vote never add up to
    more than it approved. A spend is `pending` until the committee and the street office
    have both signed it.
    """
    entry, created = ledger.record_entry(db.session, caller(), found, **body.model_dump())
    return entry_json(_own_view(entry)), 201 if created else 200


@bp.post("/fund/entries/<int:entry_id>/sign")
@api_login_required
@endpoint(body=NoBody, answers={200: ("The entry, posted after the second signature.",
                                      FundEntryAnswer)}, refusals={
    403: "Not the committee in office nor the street office (`not_a_signer`).", 404: "",
    409: "This side signed already (`already_signed`) or the entry is posted "
         "(`not_pending`).",
    422: "The balance does not cover the spend (`fund_insufficient`)."},
    path=ENTRY_PATH, tags=("fund",), find=visible_entry)
def sign_fund_entry(entry_id: int, found: FundEntry):
    """Sign a pending spend for the owners' committee or for the street office.

    Each side signs once, with who and when recorded; the second signature posts the spend.
    """
    entry = ledger.sign(db.session, caller(), found)
    return entry_json(_own_view(entry))
