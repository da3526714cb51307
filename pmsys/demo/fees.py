"""Demo fees: standards, 24 months of bills and payments, waivers and public revenue.

Every community of the demo region with a manager in office gets a fee standard
from the first day of the month 23 months before the current one, priced by its
mode (professional managers charge most). Bills run month by month up to the
current month (the billing job bills a month on its first day) through the billing
service, and payments are posted through the payment service at the dates they
would have been made, so the collection reports have two years to read:

- Households pay ahead (预交), per quarter, half-year or calendar year: one payment
  for the block of months, in its first month or a month or two later. So the
  current month reads as it would on the day: paid by most of those who pay, less
  on the first days of a month that starts a block. A block reaching past the
  current month is paid at the household's monthly amount; the rest of the payment
  is credit, which pays the later months' bills when the billing job makes them.
- Whether a household pays at all depends on its community: about 45–65 % in
  self-managed and community-run blocks, 55–68 % under the original units, and
  under professional managers 60 % at the start of the term rising by six
  points a year to 92 % — so collection rises in the communities whose manager
  arrived in 2021–2022. A household that starts paying settles its arrears with its
  first payment; of those that never do, a third pay off their arrears once,
  late.
- About one household in two hundred is low-income and has half of each bill
  waived.

Each household's behaviour is drawn from a generator seeded by its place code,
so every run decides the same. A payment's receipt number names the household
and the month it is paid in, and its amount depends only on the household's
monthly bill (the standard never changes), so a second run — the same day or
months later — posts nothing twice and never a different amount under a known
receipt; a payment dated after today waits for a later run. The anchor of it all
is the standards' start, read back from the database on later runs.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pmsys import audit, clock, money
from pmsys.fees import billing, revenue, services
from pmsys.models.auth import User
from pmsys.models.fees import (
    AdjustmentKind,
    Bill,
    BillAdjustment,
    FeeStandard,
    Payment,
    RevenueEntry,
)
from pmsys.models.governance import ManagementMode, ManagementTerm
from pmsys.models.places import Building, Community, Household, Unit

SEED = "pmsys-fees-2021"
MONTHS = 24
RECEIPT_PREFIX = "DEMO-"
WAIVER_REASON = "低保户，减免50%物业费"
WAIVED_SHARE = 0.006
# yuan per m² per month, by mode: (lowest, highest)
PRICES = {
    ManagementMode.professional: (Decimal("0.60"), Decimal("0.80")),
    ManagementMode.original_unit: (Decimal("0.40"), Decimal("0.50")),
    ManagementMode.self: (Decimal("0.30"), Decimal("0.40")),
    ManagementMode.community: (Decimal("0.30"), Decimal("0.45")),
}
# Share of households that pay, by mode (professional: see _paying_share).
PAYING = {
    ManagementMode.original_unit: (0.55, 0.68),
    ManagementMode.self: (0.45, 0.60),
    ManagementMode.community: (0.42, 0.56),
}
CYCLES = ((3, 40), (6, 45), (12, 15))  # (months per payment, weight)
# The demo logins who keep a community's books where one exists; else the sysadmin.
KEEPERS = {"PM-XT": "manager", "SM-DTCJSL": "selfmgr"}
# (community, months after the start, direction, category, amount, description, resolution)
REVENUE = (
    ("DKHTXQ", 2, "income", "parking", "3600.00", "地面停车位租金（第一季度）", ""),
    ("DKHTXQ", 5, "income", "advertising", "1800.00", "小区门口广告牌年租金", ""),
    ("DKHTXQ", 7, "spending", "maintenance", "2350.00", "更换楼道感应灯",
     "业委会决议〔2025〕2号"),
    ("DKHTXQ", 11, "income", "parking", "3600.00", "地面停车位租金（第二季度）", ""),
    ("DKHTXQ", 14, "spending", "facilities", "4200.00", "增设电动自行车充电桩",
     "业委会决议〔2025〕5号"),
    ("DKHTXQ", 16, "spending", "subsidy", "2400.00", "停车收入抵扣部分物业管理费",
     "业委会决议〔2025〕6号"),
    ("DKHTXQ", 20, "income", "parking", "3750.00", "地面停车位租金（第三季度）", ""),
    ("DZYXQ", 3, "income", "rental", "6000.00", "一楼公共用房出租年租金", ""),
    ("DZYXQ", 9, "spending", "subsidy", "3000.00", "公共收益抵扣部分物业费",
     "业委会决议〔2025〕1号"),
    ("DZYXQ", 16, "income", "advertising", "1200.00", "电梯间广告位租金", ""),
    ("TJJSL", 4, "income", "parking", "1500.00", "院内停车管理费", ""),
    ("TJJSL", 10, "spending", "subsidy", "900.00", "停车收入补贴自管物业管理费",
     "业委会决议〔2025〕4号"),
    ("TJJSL", 13, "spending", "maintenance", "980.00", "修补院内破损路面",
     "业委会决议〔2025〕3号"),
    ("DTCJSL", 6, "income", "rental", "2400.00", "锅炉房改库房出租", ""),
    ("DTCJSL", 18, "spending", "maintenance", "1650.00", "疏通化粪池",
     "业主自管会决定（业主代表会议通过）"),
)
# The parking assets whose parking committee's income is recorded, and what it pays towards
# management (docs/domain.md#parking-income): their parking incomes and subsidies name them.
PARKING_ASSETS = {"DKHTXQ": "DKHTXQ-PK", "TJJSL": "TJJSL-PK"}
PAID_BY_PARKING = ("parking", "subsidy")


@dataclass
class _Community:
    community: Community
    terms: list[ManagementTerm]
    keeper: User
    share: float  # of households that pay, where the mode does not decide it over time


def _rng(*parts) -> random.Random:
    return random.Random("/".join([SEED, *map(str, parts)]))


def _month_index(period: str) -> int:
    year, month = billing.parse_period(period)
    return year * 12 + month - 1


def _period(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _term_on(terms: list[ManagementTerm], on: date) -> ManagementTerm | None:
    for term in terms:
        if term.start <= on and (term.end is None or term.end >= on):
            return term
    return None


def _paying_share(info: _Community, period: str) -> float:
    """The share of the community's households that pay a block starting in `period`."""
    on = billing.period_start(period)
    term = _term_on(info.terms, on)
    if term is None:
        return 0.5
    if term.mode is ManagementMode.professional:
        # Count the manager's years from its first term without a break (a renewal
        # continues it): people pay more as a new manager earns their trust.
        start = term.start
        for earlier in sorted(info.terms, key=lambda t: t.start, reverse=True):
            if (earlier.organization_id == term.organization_id and earlier.end is not None
                    and (start - earlier.end).days <= 1):
                start = earlier.start
        years = (on - start).days / 365.25
        return min(0.92, 0.60 + 0.06 * years)
    return info.share


def _communities(session: Session) -> list[_Community]:
    """The communities with a manager in office today, with their terms and book-keeper."""
    today = clock.today()
    users = {u.username: u for u in session.scalars(
        select(User).where(User.username.in_([*KEEPERS.values(), "admin"])))}
    found = []
    for community in session.scalars(select(Community).order_by(Community.code)):
        terms = list(session.scalars(select(ManagementTerm).where(
            ManagementTerm.community_id == community.id).order_by(ManagementTerm.start)))
        current = _term_on(terms, today)
        if current is None:
            continue
        keeper = users.get(KEEPERS.get(current.organization.code, ""), users.get("admin"))
        if keeper is None:
            continue
        low, high = PAYING.get(current.mode, (0.5, 0.5))
        share = low + (high - low) * _rng("share", community.code).random()
        found.append(_Community(community, terms, keeper, share))
    return found


def _standards(session: Session, infos: list[_Community]) -> tuple[date, int]:
    """Give each community without one a standard; return the start and how many were set."""
    existing = session.scalar(select(func.min(FeeStandard.start)).where(
        FeeStandard.community_id.in_([i.community.id for i in infos])))
    today = clock.today()
    start = existing or billing.period_start(
        _period(_month_index(billing.period_of(today)) - (MONTHS - 1)))
    having = set(session.scalars(select(FeeStandard.community_id)))
    created = 0
    for info in infos:
        if info.community.id in having:
            continue
        term = _term_on(info.terms, start) or _term_on(info.terms, today)
        low, high = PRICES[term.mode]
        steps = int((high - low) / Decimal("0.05"))
        price = low + Decimal("0.05") * _rng("price", info.community.code).randint(0, steps)
        session.add(FeeStandard(community_id=info.community.id, price_per_m2_month=price,
                                start=start, organization_id=term.organization_id))
        audit.record(session, "demo", "fee_standard_set", "community", info.community.code,
                     price=str(price), fixed="0.00", start=start.isoformat())
        created += 1
    session.flush()
    return start, created


def _bill_months(session: Session, infos: list[_Community], start: date) -> tuple[str, int]:
    """Bill every month from the start to this month; return this month and the bills made."""
    last = billing.period_of(clock.today())
    billed = set(session.scalars(select(Bill.period).where(
        Bill.community_id.in_([i.community.id for i in infos])).distinct()))
    created = 0
    month = billing.period_of(start)
    while month <= last:
        if month not in billed:
            with clock.frozen(datetime.combine(billing.period_start(month), time(1), UTC)):
                created += services.run_billing(session, "demo", month,
                                                [i.community for i in infos])
        month = billing.next_period(month)
    return last, created


def _households(session: Session, infos: list[_Community]) -> dict[int, tuple[str, _Community]]:
    """Household id → (place code "GXL/1/1/101", its community) for the demo communities."""
    by_id = {info.community.id: info for info in infos}
    rows = session.execute(
        select(Household.id, Community.code, Building.code, Unit.code, Household.code,
               Community.id)
        .join(Unit, Unit.id == Household.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .join(Community, Community.id == Building.community_id)
        .where(Community.id.in_(list(by_id)))
    )
    return {hid: ("/".join((c, b, u, h)), by_id[cid]) for hid, c, b, u, h, cid in rows}


def _waive(session: Session, households: dict[int, tuple[str, _Community]]) -> int:
    """Waive half of every bill of the low-income households; return how many bills."""
    chosen = [hid for hid, (path, _info) in households.items()
              if _rng("waiver", path).random() < WAIVED_SHARE]
    if not chosen:
        return 0
    adjusted = select(BillAdjustment.bill_id)
    bills = session.scalars(select(Bill).where(Bill.household_id.in_(chosen),
                                               Bill.id.not_in(adjusted))
                            .order_by(Bill.household_id, Bill.period)).all()
    for bill in bills:
        keeper = households[bill.household_id][1].keeper
        services.adjust_bill(session, keeper, bill, kind=AdjustmentKind.waiver.value,
                             amount=-money.fen(bill.amount / 2), reason=WAIVER_REASON)
    return len(bills)


def _net_bills(session: Session, ids) -> dict[int, dict[str, Decimal]]:
    """Household id → {period: amount after adjustments} for the demo households."""
    adjusted = (select(BillAdjustment.bill_id, func.sum(BillAdjustment.amount).label("sum"))
                .group_by(BillAdjustment.bill_id).subquery())
    rows = session.execute(
        select(Bill.household_id, Bill.period, Bill.amount, adjusted.c.sum)
        .outerjoin(adjusted, adjusted.c.bill_id == Bill.id)
        .where(Bill.household_id.in_(list(ids)))
    )
    bills: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for household_id, period, amount, change in rows:
        bills[household_id][period] = amount + (change or 0)
    return bills


def _plan(path: str, info: _Community, bills: dict[str, Decimal], last: int
          ) -> dict[int, Decimal]:
    """Month index → amount the household pays that month, up to month index `last`.

    Bills are paid ahead in blocks of `cycle` months, in the block's first month (or
    a month or two later); a household that pays settles its arrears with it, so
    each payment pays the oldest open bills and then its own block, as the
    allocation does. A month not billed yet counts at the household's monthly
    amount: its latest bill, the same every month.
    """
    rng = _rng("household", path)
    threshold = rng.random()
    cycle = rng.choices([c for c, _w in CYCLES], weights=[w for _c, w in CYCLES])[0]
    periods = sorted(bills)
    if not periods:
        return {}
    first = _month_index(periods[0])
    monthly = bills[periods[-1]]
    lump_at = first + rng.randint(6, 20) if rng.random() < 1 / 3 else None
    paid: dict[int, Decimal] = defaultdict(Decimal)
    arrears = Decimal("0.00")
    key = first // cycle
    while True:
        begin = max(key * cycle, first)
        due = begin + rng.choice((0, 0, 0, 1, 2))
        if due > last:
            break
        if lump_at is not None and lump_at < due:
            if arrears:
                paid[lump_at] += arrears
                arrears = Decimal("0.00")
            lump_at = None
        arrears += sum((bills.get(_period(month), monthly)
                        for month in range(begin, (key + 1) * cycle)), Decimal("0.00"))
        if threshold < _paying_share(info, _period(begin)):
            paid[due] += arrears
            arrears = Decimal("0.00")
        key += 1
    if lump_at is not None and lump_at <= last and arrears:
        paid[lump_at] += arrears
    return {month: amount for month, amount in paid.items() if amount > 0}


def _pay(session: Session, households: dict[int, tuple[str, _Community]], last: int
         ) -> tuple[int, int]:
    """Post every planned payment not posted yet; return (posted, already there)."""
    bills = _net_bills(session, households)
    known = set(session.scalars(select(Payment.receipt_no).where(
        Payment.receipt_no.startswith(RECEIPT_PREFIX))))
    planned = []
    for household_id, (path, info) in households.items():
        for month, amount in _plan(path, info, bills.get(household_id, {}), last).items():
            day = _rng("day", path, month).randint(3, 26)
            paid_on = date(month // 12, month % 12 + 1, day)
            receipt = f"{RECEIPT_PREFIX}{month // 12:04d}{month % 12 + 1:02d}-" + path.replace(
                "/", "-")
            planned.append((paid_on, receipt, household_id, amount, info))
    planned.sort(key=lambda row: (row[0], row[1]))
    today = clock.today()
    posted = existing = 0
    targets = {h.id: h for h in session.scalars(
        select(Household).where(Household.id.in_(list(households))))}
    for paid_on, receipt, household_id, amount, info in planned:
        if receipt in known:
            existing += 1
            continue
        if paid_on > today:
            continue  # later this month: a run on that day or after posts it
        method = _rng("method", receipt).choices(
            ("wechat", "alipay", "cash", "bank"), weights=(35, 20, 30, 15))[0]
        moment = datetime.combine(paid_on, time(10), clock.LOCAL_TZ)
        with clock.frozen(moment):
            services.post_payment(session, info.keeper, receipt_no=receipt,
                                  household=targets[household_id], amount=amount,
                                  paid_on=paid_on, method=method)
        posted += 1
    return posted, existing


def _revenue(session: Session, infos: list[_Community], start: date) -> int:
    """Record the demo's public revenue entries not recorded yet; return how many."""
    by_code = {info.community.code: info for info in infos}
    logins = {"DKHTXQ": "committee", "DZYXQ": "manager", "DTCJSL": "selfmgr"}
    users = {u.username: u for u in session.scalars(
        select(User).where(User.username.in_([*logins.values(), "admin"])))}
    today = clock.today()
    created = 0
    for code, months, direction, category, amount, description, resolution in REVENUE:
        info = by_code.get(code)
        index = _month_index(billing.period_of(start)) + months
        on = date(index // 12, index % 12 + 1, 15)
        if info is None or on > today:
            continue
        community = info.community
        if session.scalar(select(RevenueEntry.id).where(
                RevenueEntry.community_id == community.id, RevenueEntry.on == on,
                RevenueEntry.description == description)) is not None:
            continue
        actor = users.get(logins.get(code, "admin")) or users["admin"]
        with clock.frozen(datetime.combine(on, time(16), clock.LOCAL_TZ)):
            revenue.record_entry(session, actor, community, direction=direction,
                                 category=category, amount=amount, on=on,
                                 description=description, resolution=resolution,
                                 asset=PARKING_ASSETS.get(code)
                                 if category in PAID_BY_PARKING else None)
        created += 1
    return created


def build_fee_examples(session: Session) -> dict:
    """Load the demo's fees after the demo bundle: standards, bills, waivers, payments, revenue.

    Idempotent: what exists is left alone, so a second run creates nothing. Returns
    how many of each were created (and how many planned payments were already posted).
    """
    infos = _communities(session)
    if not infos:
        return {"standards": 0, "bills": 0, "waived_bills": 0, "payments": 0,
                "payments_existing": 0, "revenue_entries": 0}
    start, standards = _standards(session, infos)
    last_period, bills = _bill_months(session, infos, start)
    households = _households(session, infos)
    waived = _waive(session, households)
    posted, existing = _pay(session, households, _month_index(last_period))
    entries = _revenue(session, infos, start)
    session.flush()
    return {"standards": standards, "bills": bills, "waived_bills": waived,
            "payments": posted, "payments_existing": existing, "revenue_entries": entries}
