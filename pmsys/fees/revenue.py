"""The public revenue ledger of a community (公共收益, docs/domain.md#revenue).

What the common parts earn — parking, advertising, rentals — and what that
money is spent on belong to the owners, so the ledger is public: everyone who
sees the community reads it, on its notice page too. The manager in office and
the community's owners' committee keep it. An entry is never edited or deleted;
a mistake is put right by a new entry (the opposite direction, for the
difference) whose description says which entry it corrects.

Where a community's parking spaces are registered as parking assets, a parking
income may name the asset it came from and a spending the asset whose income paid
it (a parking committee paying towards management, say); the ledger then shows,
per parking asset, who maintains it, what it earned and what its income paid for
(docs/domain.md#parking-income).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from pmsys import audit, clock
from pmsys.assets.maintainers import Stint, maintainer_on
from pmsys.auth import permissions
from pmsys.errors import Forbidden, InvalidInput, NotFound, RuleRefused
from pmsys.fees.services import day, money
from pmsys.models.assets import Asset, AssetMaintainer
from pmsys.models.auth import Organization
from pmsys.models.fees import REVENUE_SOURCES, SPENDING_USES, RevenueDirection, RevenueEntry
from pmsys.models.places import Community
from pmsys.money import fen

CATEGORIES = {RevenueDirection.income: REVENUE_SOURCES, RevenueDirection.spending: SPENDING_USES}
MAX_DESCRIPTION = 500
MAX_RESOLUTION = 200
FIRST_YEAR, LAST_YEAR = 1970, 2999
ZERO = Decimal("0.00")
PARKING = "parking"


@dataclass
class ParkingLine:
    """One parking asset's year: who maintained it at the year's end (or today), what its
    spaces earned and what was paid out of that income."""

    asset: Asset
    maintainer: Organization | None
    income: Decimal = ZERO
    spending: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.income - self.spending


@dataclass
class Ledger:
    """One community's ledger for a calendar year, with its totals and balances.

    `opening` is the balance carried from every earlier year; `closing` adds
    this year's income and takes off its spending.
    """

    community: Community
    year: int
    entries: list[RevenueEntry]
    income_by_category: dict[str, Decimal] = field(default_factory=dict)
    spending_by_category: dict[str, Decimal] = field(default_factory=dict)
    income: Decimal = ZERO
    spending: Decimal = ZERO
    opening: Decimal = ZERO
    # The community's parking assets, and the parking income that names none of them.
    parking: list[ParkingLine] = field(default_factory=list)
    parking_unassigned: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.income - self.spending

    @property
    def closing(self) -> Decimal:
        return self.opening + self.net


def ledger_year(value, field_name: str = "year") -> int:
    """A calendar year from 1970 to 2999 (an int or its digits); InvalidInput otherwise."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) == 4:
        value = int(value)
    if not isinstance(value, int) or not FIRST_YEAR <= value <= LAST_YEAR:
        raise InvalidInput(f"{field_name} must be a year from {FIRST_YEAR} to {LAST_YEAR}",
                           code="invalid_year", fields={field_name: "a year YYYY"})
    return value


def bounded_text(value, name: str, limit: int) -> str:
    """`value` stripped, None as ""; InvalidInput when it is not text or longer than `limit`."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be text", fields={name: "text"})
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput(f"{name} has at most {limit} characters",
                           fields={name: f"at most {limit} characters"})
    return value


def check_keeper(session: Session, actor, community: Community) -> None:
    """Refuse (and audit) unless `actor` keeps the community's ledger; NotFound if unseen."""
    if permissions.can_keep_revenue(session, actor, community):
        return
    if not permissions.can_see_community(session, actor, community):
        raise NotFound(f"no community {community.code}", code="community_not_found")
    audit.refusal(session, actor, "revenue_entry_refused", "community", community.code,
                 reason="not_a_keeper")
    raise Forbidden("only the community's manager or owners' committee keeps its "
                    "public revenue ledger", code="not_a_revenue_keeper")


def parking_assets(session: Session, community: Community) -> list[Asset]:
    """The community's parking assets, by code."""
    return list(session.scalars(
        select(Asset).where(Asset.community_id == community.id, Asset.category == PARKING)
        .order_by(Asset.code)))


def parking_asset(session: Session, community: Community, code) -> Asset | None:
    """The community's parking asset with this code (None for none); InvalidInput otherwise."""
    if code in (None, ""):
        return None
    found = None
    if isinstance(code, str):
        found = session.scalar(select(Asset).where(
            Asset.code == code, Asset.community_id == community.id, Asset.category == PARKING))
    if found is None:
        raise InvalidInput(f"no parking asset {code} in {community.code}",
                           fields={"asset": "a parking asset of this community"})
    return found


def record_entry(session: Session, actor, community: Community, *, direction, category, amount,
                 on, description, resolution="", asset=None) -> RevenueEntry:
    """Add a line to the community's public revenue ledger (its manager or committee).

    `direction` is income or spending; `category` one of REVENUE_SOURCES for an
    income and SPENDING_USES for a spending; `amount` yuan, more than zero;
    `on` the day the money came in or went out, not in the future; a
    `description` says what it was. A spending must name the owners'
    committee's `resolution` that decided it: public revenue belongs to the
    owners and is published with the committee's resolutions (docs/domain.md#revenue), so
    a spending without one is refused (422 `resolution_required`). Entries are
    never edited: a correction is a new entry whose description names the one
    it corrects. `asset` names the community's parking asset a parking income came
    from, or whose income a spending went out of (docs/domain.md#parking-income).
    """
    check_keeper(session, actor, community)
    if not isinstance(direction, str) or direction not in RevenueDirection.__members__:
        raise InvalidInput("direction must be income or spending",
                           fields={"direction": "income or spending"})
    kind = RevenueDirection(direction)
    allowed = CATEGORIES[kind]
    if not isinstance(category, str) or category not in allowed:
        raise InvalidInput(f"unknown category for {kind.value}",
                           fields={"category": "one of " + ", ".join(allowed)})
    value = money(amount, "amount")
    when = day(on, "on")
    if when > clock.today():
        raise InvalidInput("an entry cannot be dated in the future",
                           fields={"on": "in the future"})
    what = bounded_text(description, "description", MAX_DESCRIPTION)
    if not what:
        raise InvalidInput("say what the money was for", fields={"description": "required"})
    basis = bounded_text(resolution, "resolution", MAX_RESOLUTION)
    spaces = parking_asset(session, community, asset)
    if spaces is not None and kind is RevenueDirection.income and category != PARKING:
        raise InvalidInput("only a parking income names the parking asset it came from",
                           fields={"asset": "only for a parking income or a spending"})
    if kind is RevenueDirection.spending and not basis:
        raise RuleRefused("a spending of public revenue needs the owners' committee's "
                          "resolution", code="resolution_required",
                          fields={"resolution": "required for a spending"})
    entry = RevenueEntry(community_id=community.id, direction=kind, category=category,
                         amount=value, on=when, description=what, resolution=basis,
                         recorded_by_id=actor.id, asset=spaces)
    session.add(entry)
    session.flush()
    audit.record(session, actor, "revenue_entry_recorded", "community", community.code,
                 entry=entry.id, direction=kind.value, category=category, amount=str(value),
                 on=when.isoformat(), **({"asset": spaces.code} if spaces else {}))
    return entry


def _signed():
    return case((RevenueEntry.direction == RevenueDirection.income, RevenueEntry.amount),
                else_=-RevenueEntry.amount)


def ledger(session: Session, actor, community: Community, year) -> Ledger:
    """The community's entries of one calendar year with totals by category and balances.

    Public: whoever sees the community reads it (its residents included);
    anyone else gets NotFound.
    """
    if not permissions.can_see_community(session, actor, community):
        raise NotFound(f"no community {community.code}", code="community_not_found")
    year = ledger_year(year)
    first, last = date(year, 1, 1), date(year, 12, 31)
    entries = list(session.scalars(
        select(RevenueEntry)
        .where(RevenueEntry.community_id == community.id, RevenueEntry.on >= first,
               RevenueEntry.on <= last)
        .options(selectinload(RevenueEntry.recorded_by), selectinload(RevenueEntry.asset))
        .order_by(RevenueEntry.on, RevenueEntry.id)
    ))
    opening = session.scalar(
        select(func.coalesce(func.sum(_signed()), 0))
        .where(RevenueEntry.community_id == community.id, RevenueEntry.on < first)
    )
    result = Ledger(
        community=community, year=year, entries=entries,
        income_by_category=dict.fromkeys(REVENUE_SOURCES, ZERO),
        spending_by_category=dict.fromkeys(SPENDING_USES, ZERO),
        opening=fen(opening),
    )
    for entry in entries:
        if entry.direction is RevenueDirection.income:
            result.income_by_category[entry.category] += entry.amount
            result.income += entry.amount
        else:
            result.spending_by_category[entry.category] += entry.amount
            result.spending += entry.amount
    _parking(session, result, min(last, clock.today()))
    return result


def _parking(session: Session, result: Ledger, on: date) -> None:
    """Each parking asset's income and spending of the year, and its maintainer on `on`."""
    spaces = session.scalars(
        select(Asset).where(Asset.community_id == result.community.id, Asset.category == PARKING)
        .options(selectinload(Asset.stints).joinedload(AssetMaintainer.organization))
        .order_by(Asset.code)
    ).all()
    lines = {
        asset.id: ParkingLine(asset, maintainer_on(
            (Stint(s.organization, s.start, s.end) for s in asset.stints), on))
        for asset in spaces
    }
    for entry in result.entries:
        line = lines.get(entry.asset_id)
        if line is None:
            if entry.direction is RevenueDirection.income and entry.category == PARKING:
                result.parking_unassigned += entry.amount
        elif entry.direction is RevenueDirection.income:
            line.income += entry.amount
        else:
            line.spending += entry.amount
    result.parking = list(lines.values())


def ledger_years(session: Session, community: Community, around: int) -> list[int]:
    """The years from the first entry to the last, and `around` (the year shown), newest first."""
    first, last = session.execute(
        select(func.min(RevenueEntry.on), func.max(RevenueEntry.on))
        .where(RevenueEntry.community_id == community.id)
    ).one()
    years = {around}
    if first is not None:
        years.update(range(first.year, last.year + 1))
    return sorted(years, reverse=True)
