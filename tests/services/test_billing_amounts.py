"""Billing computes each amount in SQL: it must be the pure rule's, billing.bill_amount.

The rule rounds area × price + fixed half-up to the fen. The SQL does it in whole
numbers on both engines; these tests bill households chosen to land on, just
below and just above half a fen with prices of up to four decimals, a fixed part,
the smallest and largest areas, and a seeded spread of ordinary ones.
"""

import random
from decimal import Decimal

from sqlalchemy import insert, select

from pmsys.fees import billing, services
from pmsys.models.auth import Role
from pmsys.models.fees import Bill
from pmsys.models.places import Household
from tests.factories import BuildingFactory, PersonFactory, UnitFactory, UserFactory

D = Decimal
MONEY_MAX = D("99999999.99")
# (price per m² and month, fixed part per household) of each community's standard.
STANDARDS = (
    ("0.50", "0.00"), ("0.4525", "0.00"), ("1.2050", "5.00"), ("0.0050", "0.01"),
    ("0.0001", "0.00"), ("3.3333", "2.50"), ("0", "15.00"),
)


def _remainder(area: Decimal, price: Decimal, fixed: Decimal) -> int:
    """The part of a fen the exact amount holds, in millionths of a yuan (0 … 9999)."""
    return int((area * price + fixed) * 1_000_000) % 10_000


def _areas(price: Decimal, fixed: Decimal, rnd: random.Random) -> list[Decimal]:
    """Areas whose amount ends on, just below and just above half a fen; then ordinary ones."""
    units, fixed_micro = int(price * 10_000), int(fixed * 1_000_000)
    areas: list[Decimal] = []
    for wanted in (5000, 4999, 5001, 0, 9999):
        found = (D(fen) / 100 for fen in range(1, 200_000)
                 if (fen * units + fixed_micro) % 10_000 == wanted)
        areas.extend(area for area, _ in zip(found, range(3), strict=False))
    areas += [D("0.01"), D("99999999.99"), D("2.01"), D("48.25"), D("60.25")]
    areas += [D(rnd.randint(1, 50_000)) / 100 for _ in range(40)]
    unique = sorted(set(areas))
    return [area for area in unique if billing.bill_amount(area, price, fixed) <= MONEY_MAX]


def test_the_amounts_billed_in_sql_are_the_pure_rules(db):
    session = db.session
    admin = UserFactory(role=Role.sysadmin)
    owner = PersonFactory()
    rnd = random.Random(20261201)
    expected: dict[int, Decimal] = {}
    half_fen = 0
    for number, (price, fixed) in enumerate(STANDARDS):
        unit = UnitFactory(building=BuildingFactory())
        community = unit.building.community
        services.set_standard(session, admin, community, price_per_m2_month=price,
                              fixed_per_household=fixed, start="2025-01-01")
        areas = _areas(D(price), D(fixed), rnd)
        rows = [{"unit_id": unit.id, "code": f"{number}-{position}", "area": area,
                 "owner_id": owner.id} for position, area in enumerate(areas)]
        session.execute(insert(Household), rows)
        ids = session.scalars(select(Household.id).where(Household.unit_id == unit.id)
                              .order_by(Household.id)).all()
        for household_id, area in zip(ids, areas, strict=True):
            expected[household_id] = billing.bill_amount(area, D(price), D(fixed))
            half_fen += _remainder(area, D(price), D(fixed)) == 5000

    assert services.run_billing(session, "scheduler", "2025-07") == len(expected)

    billed = dict(session.execute(select(Bill.household_id, Bill.amount)).all())
    assert billed == expected
    assert half_fen >= len(STANDARDS) - 1  # "0" with a fixed part never lands on half a fen


def test_half_a_fen_rounds_up_where_floating_point_would_not(db):
    # 2.01 × 0.50 = 1.005 and 48.25 × 0.50 = 24.125 exactly; in binary floating point
    # the first is 1.00499…, and rounding the second to even gives 24.12.
    assert (round(2.01 * 0.5, 2), round(48.25 * 0.5, 2)) == (1.0, 24.12)
    unit = UnitFactory(building=BuildingFactory())
    services.set_standard(db.session, UserFactory(role=Role.sysadmin), unit.building.community,
                          price_per_m2_month="0.50", start="2025-01-01")
    for code, area in (("101", "2.01"), ("102", "48.25")):
        db.session.add(Household(unit=unit, code=code, area=D(area), owner=PersonFactory()))
    db.session.flush()
    services.run_billing(db.session, "scheduler", "2025-07")
    amounts = sorted(db.session.scalars(select(Bill.amount)).all())
    assert amounts == [D("1.01"), D("24.13")]
