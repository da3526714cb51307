"""Payments posted at the same moment (docs/reliability.md#payments, #concurrent-writers), on real
connections.

The `db` fixture keeps a test inside one rolled-back transaction, where threads
could not see each other's work. Here every thread has its own session on the
engine and commits for real, as web workers do. The audit trail these posts
write can never be deleted, so the rows live in a database of their own — a
separate SQLite file, or a separate PostgreSQL schema — built by the same
migrations and dropped afterwards.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.extensions import db as _db
from pmsys.fees import services
from pmsys.models.auth import User
from pmsys.models.fees import Bill, Payment, PaymentAllocation
from tests.fee_world import NOW, build_fee_world
from tests.live import at_once, live_database

# Counted per engine at the end of a run; on PostgreSQL one skipped fails it (conftest.py).
pytestmark = pytest.mark.concurrency
SCHEMA = "fee_concurrency"


@pytest.fixture(scope="module")
def live(app, database_url, tmp_path_factory):
    """An app on a database of its own holding the fee world, committed; yields (app, ids)."""

    def build() -> dict:
        world = build_fee_world()
        return {
            "manager": world.users["manager_a"].id,
            "bills": {key: bill.id for key, bill in world.bills.items()},
        }

    with live_database(app, database_url, tmp_path_factory, SCHEMA, build) as live_world:
        yield live_world


def read(live_app, query):
    with live_app.app_context(), Session(_db.engine) as session:
        return session.execute(query).all()


def test_twenty_posts_of_one_receipt_make_one_payment(live):
    """Promise 12 (docs/reliability.md#payments)."""
    live_app, ids = live
    clock.set_now(NOW)

    def post(session, _index):
        manager = session.get(User, ids["manager"])
        payment, created = services.post_payment(
            session, manager, receipt_no="R-SAME", household="CA/2/1/201", amount="40.00",
            paid_on="2025-06-01", method="cash")
        return payment.id, created

    results = at_once(live_app, 20, post)

    assert sorted(created for _id, created in results) == [False] * 19 + [True]
    assert len({payment_id for payment_id, _created in results}) == 1
    [(payment_id, amount)] = read(live_app, select(Payment.id, Payment.amount)
                                  .where(Payment.receipt_no == "R-SAME"))
    assert amount == Decimal("40.00")
    parts = read(live_app, select(Bill.period, PaymentAllocation.amount)
                 .join(Bill, Bill.id == PaymentAllocation.bill_id)
                 .where(PaymentAllocation.payment_id == payment_id).order_by(Bill.period))
    assert [tuple(row) for row in parts] == [("2025-04", Decimal("35.00")),
                                             ("2025-05", Decimal("5.00"))]
    place_bills = [ids["bills"][("CA/2/1/201", month)] for month in ("2025-04", "2025-05")]
    [(allocated,)] = read(live_app, select(func.sum(PaymentAllocation.amount))
                          .where(PaymentAllocation.bill_id.in_(place_bills)))
    assert allocated == Decimal("40.00")


def test_ten_receipts_of_one_household_at_once_keep_every_balance(live):
    """Promise 14 (docs/reliability.md#concurrent-writers)."""
    live_app, ids = live
    clock.set_now(NOW)
    place = "CA/3/1/301"  # three bills of 30.13: 90.39 owed

    def post(session, index):
        manager = session.get(User, ids["manager"])
        payment, created = services.post_payment(
            session, manager, receipt_no=f"R-MANY-{index}", household=place, amount="12.34",
            paid_on="2025-06-01", method="wechat")
        return created

    assert at_once(live_app, 10, post) == [True] * 10

    bill_ids = [ids["bills"][(place, month)] for month in ("2025-04", "2025-05", "2025-06")]
    per_bill = dict(read(live_app, select(PaymentAllocation.bill_id,
                                          func.sum(PaymentAllocation.amount))
                         .where(PaymentAllocation.bill_id.in_(bill_ids))
                         .group_by(PaymentAllocation.bill_id)))
    # 123.40 paid: every bill is settled exactly, never beyond what it asks.
    assert per_bill == dict.fromkeys(bill_ids, Decimal("30.13"))
    payments = read(live_app, select(Payment.id, Payment.amount)
                    .where(Payment.receipt_no.like("R-MANY-%")))
    assert len(payments) == 10
    allocated = dict(read(live_app, select(PaymentAllocation.payment_id,
                                           func.sum(PaymentAllocation.amount))
                          .group_by(PaymentAllocation.payment_id)))
    for payment_id, amount in payments:
        assert Decimal(0) <= allocated.get(payment_id, Decimal(0)) <= amount
    assert sum(allocated.get(payment_id, Decimal(0)) for payment_id, _ in payments) == (
        Decimal("90.39"))
