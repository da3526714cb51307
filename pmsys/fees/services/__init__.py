"""Fee use cases: standards, billing runs, adjustments, payments, balances (docs/domain.md#fees).

Billing is set-based: one INSERT … SELECT makes the bill of every household to
bill, with its area and standard, computing the amount in SQL exactly as the pure
rule billing.bill_amount does (bill_amount_sql; a test holds them to the same
answers, half-fen cases included), with "on conflict do nothing", so a second
run (or two at once) creates nothing new. A payment is written in one transaction
with its allocations; its receipt number is unique in the database, so the same
receipt posted twice — or twenty times at once — makes one payment.

The checks of inputs, the bills and the payments are modules of their own; every use case
is importable from here.
"""

from pmsys.fees.services.bills import (
    adjust_bill,
    bill_amount_sql,
    net_amounts,
    open_bills,
    run_billing,
    set_standard,
    standard_on,
)
from pmsys.fees.services.inputs import (
    MAX_MONEY,
    community_of,
    day,
    household_by_path,
    money,
    period,
    price,
)
from pmsys.fees.services.payments import (
    get_bill_or_404,
    lock_household,
    post_payment,
)

__all__ = [
    "MAX_MONEY",
    "adjust_bill",
    "bill_amount_sql",
    "community_of",
    "day",
    "get_bill_or_404",
    "household_by_path",
    "lock_household",
    "money",
    "net_amounts",
    "open_bills",
    "period",
    "post_payment",
    "price",
    "run_billing",
    "set_standard",
    "standard_on",
]
