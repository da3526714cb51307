"""Fee rows of the access world, for the access table and the list checks
(docs/reliability.md#access).

`add_fees(world)` puts on top of tests/access_tickets.py's world (the clock
reads NOW, 2025-06-02), through the services and committed:

    standards  CA 0.50 yuan/m²/month from 2025-01-01, set by manager_a (PM-A);
               CB 0.45 + 2.00 per household from 2024-01-01, by manager_b (PM-B);
               CC 0.40 from 2025-01-01, by the sysadmin (CC has no manager today)
    bills      every household of CA, CB and CC for each of PERIODS, made by the
               scheduler's billing run
    R-0001     50.00 cash from CA/1/1/101 on 2025-05-10, posted by manager_a

The table's rows name three bills of 2025-06 by placeholder: B_A is resident_a's
(CA/1/1/101), B_N resident_ac's in CA (CA/1/1/102, resident_a's neighbour), B_B
resident_b's (CB/1/1/101). A new standard must start after the billed months:
from 2025-07-01 (NEXT_START); billing 2025-07 (NEXT_PERIOD) creates new bills.
"""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from sqlalchemy import select

from pmsys.extensions import db
from pmsys.fees import services
from pmsys.models.fees import Bill
from tests.world import World

PERIODS = ("2025-05", "2025-06")
NEXT_PERIOD = "2025-07"
NEXT_START = "2025-07-01"

# The bills the table names: (household, period) by placeholder.
NAMED_BILLS = {
    "B_A": ("CA/1/1/101", "2025-06"),
    "B_N": ("CA/1/1/102", "2025-06"),
    "B_B": ("CB/1/1/101", "2025-06"),
}


def add_fees(world: World) -> None:
    """Set the standards, bill PERIODS and post R-0001; `world.bills` by (place, period)."""
    session = db.session
    ca, cb, cc = (world.communities[code] for code in ("CA", "CB", "CC"))
    services.set_standard(session, world.users["manager_a"], ca, price_per_m2_month="0.50",
                          start="2025-01-01")
    services.set_standard(session, world.users["manager_b"], cb, price_per_m2_month="0.45",
                          fixed_per_household="2.00", start="2024-01-01")
    services.set_standard(session, world.users["sysadmin"], cc, price_per_m2_month="0.40",
                          start="2025-01-01")
    for month in PERIODS:
        services.run_billing(session, "scheduler", month)
    services.post_payment(session, world.users["manager_a"], receipt_no="R-0001",
                          household="CA/1/1/101", amount="50.00", paid_on=date(2025, 5, 10),
                          method="cash")
    session.commit()
    world.bills = {
        (bill.household.place_code, bill.period): bill
        for bill in session.scalars(select(Bill).order_by(Bill.id))
    }


def bill_ids(world: World) -> dict[str, str]:
    """The values of the bill placeholders in this world."""
    return {name: str(world.bills[key].id) for name, key in NAMED_BILLS.items()}


def payments_xlsx() -> bytes:
    """An Excel file of one payment for CA/1/1/102, as a bank would export it."""
    book = Workbook()
    sheet = book.active
    sheet.append(["receipt_no", "household", "amount", "paid_on", "method"])
    sheet.append(["R-XLSX-1", "CA/1/1/102", "24.13", "2025-06-01", "cash"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
