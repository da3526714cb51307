"""A bundle's maintenance-fund entries (docs/domain.md#fund): checked, then recorded.

validation.py has checked each entry's kind, amount and note by the ledger's own rules
(pmsys/fund/ledger.py `entry_body`) and refused spends. Here an entry is checked against the
bundle and the database: its community and household exist, the household lies in the
community, a ref already recorded says the same (else the import would change history), and
an interest or correction shared by the households' balances has balances to share over.
The entries are then recorded in bundle order through `ledger.import_entry`, which shares
them as the ledger does; the same ref with the same content is left unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.errors import DomainError
from pmsys.fund import ledger
from pmsys.imports.bulk import rows_among
from pmsys.imports.fields import Item, Problems
from pmsys.imports.references import Lookup
from pmsys.imports.validation import Parsed
from pmsys.imports.writer import tally
from pmsys.models.fund import FundEntry, FundShare, FundStatus
from pmsys.models.places import Building, Community, Household, Unit


@dataclass(frozen=True)
class _Recorded:
    kind: str
    amount: Decimal
    household: str | None  # its path
    note: str
    on: date


def _households(session: Session, communities: set[str]) -> set[str]:
    """The paths of the households of `communities` in the database."""
    query = (select(Community.code, Building.code, Unit.code, Household.code)
             .join(Building, Building.community_id == Community.id)
             .join(Unit, Unit.building_id == Building.id)
             .join(Household, Household.unit_id == Unit.id))
    return {"/".join(row) for row in rows_among(session, query, Community.code, communities)}


def _recorded(session: Session, communities: set[str]) -> dict[tuple[str, str], _Recorded]:
    query = (select(Community.code, FundEntry.ref, FundEntry.kind, FundEntry.amount,
                    Building.code, Unit.code, Household.code, FundEntry.note,
                    FundEntry.created_at)
             .join(Community, Community.id == FundEntry.community_id)
             .outerjoin(Household, Household.id == FundEntry.household_id)
             .outerjoin(Unit, Unit.id == Household.unit_id)
             .outerjoin(Building, Building.id == Unit.building_id))
    found = {}
    for community, ref, kind, amount, b, u, h, note, at in rows_among(
            session, query, Community.code, communities):
        path = f"{community}/{b}/{u}/{h}" if h is not None else None
        found[(community, ref)] = _Recorded(kind.value, amount, path, note,
                                            at.astimezone(clock.LOCAL_TZ).date())
    return found


def _with_balances(session: Session, communities: set[str]) -> set[str]:
    """The communities where some household has a posted balance to share by."""
    query = (select(Community.code).join(FundEntry, FundEntry.community_id == Community.id)
             .join(FundShare, FundShare.entry_id == FundEntry.id)
             .where(FundEntry.status == FundStatus.posted).distinct())
    return {row[0] for row in rows_among(session, query, Community.code, communities)}


def check_fund_entries(session: Session, parsed: Parsed, lookup: Lookup,
                       problems: Problems) -> None:
    """Add a problem for every entry that cannot be recorded as the bundle says."""
    if not parsed.fund_entries:
        return
    communities = {entry.get("community") for entry in parsed.fund_entries
                   if lookup.has_community(entry.get("community"))}
    households = _households(session, communities) | {
        f"{c.get('code')}/{b.get('code')}/{u.get('code')}/{h.get('code')}"
        for c, b, u, h in parsed.households()}
    recorded = _recorded(session, communities)
    # Deposits and household entries before a shared one give it balances to share by.
    balanced = _with_balances(session, communities)
    for entry in parsed.fund_entries:
        community = entry.get("community")
        if community is None:
            continue
        if community not in communities:
            problems.add(entry.at("community"), f"unknown community {community}")
            continue
        if entry.refused:
            continue
        household = entry.get("household")
        if household is not None:
            if household.split("/", 1)[0] != community:
                problems.add(entry.at("household"), f"not a household of {community}")
                continue
            if household not in households:
                problems.add(entry.at("household"), f"unknown household {household}")
                continue
        before = recorded.get((community, entry.get("ref").strip()))
        if before is not None:
            if _differs(entry, before):
                problems.add(entry.at("ref"), f"{community} recorded ref {entry.get('ref')} "
                                              "for another entry; entries are never edited")
            continue
        if household is None and community not in balanced:
            problems.add(entry.at("household"), "no household has a balance to share this by; "
                                                "name the household")
            continue
        if _signed(entry) > 0:
            balanced.add(community)


def _signed(entry: Item) -> Decimal:
    return ledger.entry_body(kind=entry.get("kind"), amount=entry.get("amount"),
                             note=entry.get("note", ""), vote_named=False,
                             household_named=entry.get("household") is not None).amount


def _differs(entry: Item, before: _Recorded) -> bool:
    on = entry.get("on")
    return (entry.get("kind") != before.kind or _signed(entry) != before.amount
            or entry.get("household") != before.household
            or entry.get("note", "").strip() != before.note
            or (on is not None and on != before.on))


class EntryRefused(Exception):
    """The ledger refused an entry that the checks let through (a balance they do not see)."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.line = f"{path}: {message}"


def write_fund_entries(session: Session, parsed: Parsed, existing, actor, counts) -> None:
    """Record the bundle's entries in order through the ledger; count them in `counts`.

    Raises EntryRefused, naming the entry's path, when the ledger refuses one; the caller
    undoes what was written.
    """
    for entry in parsed.fund_entries:
        community = existing.communities[entry.get("community")]
        try:
            _row, created = ledger.import_entry(
                session, actor, community, ref=entry.get("ref"), kind=entry.get("kind"),
                amount=entry.get("amount"), household=entry.get("household"),
                note=entry.get("note", ""), on=entry.get("on"))
        except DomainError as refused:
            raise EntryRefused(entry.path, refused.message) from None
        tally(counts, "fund_entries", created, False)
