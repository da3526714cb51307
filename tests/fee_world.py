"""The fixture world of the fee tests: tests/world.py plus standards, bills and payments.

On top of build_world() (see its docstring for CA, CB, CC and the logins; the
clock reads NOW, 2025-06-02):

    CA/3/1/301   a fourth household of CA, 60.25 m², owned by P-A301 (no login)
    standards    CA 0.50 yuan/m²/month from 2025-01-01, set by manager_a (PM-A);
                 CB 0.45 yuan/m²/month + 2.00 per household from 2024-01-01, by
                 manager_b (PM-B); CC none, so CC is never billed
    bills        every household of CA and CB for 2025-04, 2025-05 and 2025-06,
                 made by the billing run of the scheduler (mode professional,
                 organisation PM-A in CA and PM-B in CB)
    R-0001       50.00 cash from CA/1/1/101 on 2025-05-10, unnamed period:
                 pays 2025-04 (31.25) in full and 18.75 of 2025-05
    R-0002       26.75 bank transfer from CB/1/1/101 on 2025-05-20 for 2025-05:
                 pays that bill in full
    waiver       −10.00 on CA/1/1/102's 2025-04 bill ("low-income household")

Each month's amounts (AMOUNTS) are area × price + fixed, half-up to the fen:
48.25 × 0.50 = 24.125 → 24.13 and 60.25 × 0.50 = 30.125 → 30.13, where
banker's rounding would give 24.12 and 30.12.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from pmsys.extensions import db
from pmsys.fees import services
from pmsys.models.fees import Bill, BillAdjustment, FeeStandard, Payment
from pmsys.models.places import Household
from tests.factories import HouseholdFactory, PersonFactory
from tests.world import NOW, World, _building, _unit, build_world

__all__ = ["AMOUNTS", "NOW", "OUTSTANDING", "PERIODS", "FeeWorld", "build_fee_world"]

PERIODS = ("2025-04", "2025-05", "2025-06")

# Each household's monthly bill (the same in each of PERIODS).
AMOUNTS = {
    "CA/1/1/101": Decimal("31.25"),  # 62.50 m² × 0.50
    "CA/1/1/102": Decimal("24.13"),  # 48.25 m² × 0.50 = 24.125
    "CA/2/1/201": Decimal("35.00"),  # 70.00 m² × 0.50
    "CA/3/1/301": Decimal("30.13"),  # 60.25 m² × 0.50 = 30.125
    "CB/1/1/101": Decimal("26.75"),  # 55.00 m² × 0.45 + 2.00
}

# What is still owed on each bill after the payments and the waiver, on NOW.
OUTSTANDING = {
    (place, month): amount for place, amount in AMOUNTS.items() for month in PERIODS
} | {
    ("CA/1/1/101", "2025-04"): Decimal("0.00"),
    ("CA/1/1/101", "2025-05"): Decimal("12.50"),
    ("CA/1/1/102", "2025-04"): Decimal("14.13"),
    ("CB/1/1/101", "2025-05"): Decimal("0.00"),
}


@dataclass
class FeeWorld:
    """The access world plus its fee rows: standards by community, bills by (place, period)."""

    world: World
    standards: dict[str, FeeStandard]
    bills: dict[tuple[str, str], Bill]
    payments: dict[str, Payment]
    waiver: BillAdjustment

    @property
    def users(self):
        return self.world.users

    @property
    def communities(self):
        return self.world.communities

    @property
    def households(self) -> dict[str, Household]:
        return self.world.households


def build_fee_world() -> FeeWorld:
    """Build (and commit) the access world and its fees; the clock reads NOW."""
    world = build_world()
    session = db.session
    ca, cb = world.communities["CA"], world.communities["CB"]
    unit = _unit(_building(ca, "3"), "1")
    world.households["CA/3/1/301"] = HouseholdFactory(
        unit=unit, code="301", area=Decimal("60.25"),
        owner=PersonFactory(code="P-A301", name="业主己", phone="13800000501"),
    )
    manager_a, manager_b = world.users["manager_a"], world.users["manager_b"]
    standards = {
        "CA": services.set_standard(session, manager_a, ca, price_per_m2_month="0.50",
                                    start="2025-01-01"),
        "CB": services.set_standard(session, manager_b, cb, price_per_m2_month="0.45",
                                    fixed_per_household="2.00", start="2024-01-01"),
    }
    for month in PERIODS:
        services.run_billing(session, "scheduler", month)
    bills = {
        (bill.household.place_code, bill.period): bill
        for bill in session.scalars(select(Bill).order_by(Bill.id))
    }
    payments = {}
    payments["R-0001"], _ = services.post_payment(
        session, manager_a, receipt_no="R-0001", household="CA/1/1/101", amount="50.00",
        paid_on=date(2025, 5, 10), method="cash")
    payments["R-0002"], _ = services.post_payment(
        session, manager_b, receipt_no="R-0002", household="CB/1/1/101", amount="26.75",
        paid_on=date(2025, 5, 20), method="bank", period_text="2025-05")
    waiver = services.adjust_bill(
        session, manager_a, bills[("CA/1/1/102", "2025-04")], amount="-10.00",
        reason="low-income household", kind="waiver")
    session.commit()
    return FeeWorld(world=world, standards=standards, bills=bills, payments=payments,
                    waiver=waiver)
