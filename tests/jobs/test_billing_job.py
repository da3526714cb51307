"""The billing job: the month of the local date, every community with a standard, once."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pmsys import scheduling
from pmsys.audit import AuditRecord
from pmsys.fees import services
from pmsys.models.fees import Bill
from tests.fee_world import AMOUNTS, build_fee_world
from tests.world import build_world


@pytest.fixture
def fees(db):
    return build_fee_world()


def bills_of(db, month) -> dict[str, Decimal]:
    return {bill.household.place_code: bill.amount
            for bill in db.session.scalars(select(Bill).where(Bill.period == month))}


def test_the_job_runs_monthly_on_the_first_at_one(app):
    entry = scheduling.JOBS["billing"]
    assert entry.trigger == {"trigger": "cron", "day": 1, "hour": 1, "minute": 0}
    assert entry.description


def test_the_job_bills_the_month_for_every_community_with_a_standard(db, fees):
    summary = scheduling.run_job("billing", datetime(2025, 7, 1, 1, 0, tzinfo=UTC))
    assert summary == {"period": "2025-07", "bills_created": 5}
    assert bills_of(db, "2025-07") == AMOUNTS  # CA and CB; CC has no standard
    record = db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == "job_run",
                                  AuditRecord.object_key == "billing")).one()
    assert (record.actor, record.data) == ("scheduler", summary)


def test_running_the_job_again_creates_nothing(db, fees):
    moment = datetime(2025, 7, 1, 1, 0, tzinfo=UTC)
    assert scheduling.run_job("billing", moment)["bills_created"] == 5
    assert scheduling.run_job("billing", moment) == {"period": "2025-07", "bills_created": 0}
    assert scheduling.run_job("billing", datetime(2025, 7, 20, tzinfo=UTC))["bills_created"] == 0
    assert db.session.scalar(select(func.count()).select_from(Bill)
                             .where(Bill.period == "2025-07")) == 5


def test_a_run_cut_short_is_completed_by_the_next(db, fees):
    # As if the scheduler was killed after billing CA only: the rerun bills the rest.
    services.run_billing(db.session, fees.users["manager_a"], "2025-07", [fees.communities["CA"]])
    db.session.commit()
    assert scheduling.run_job("billing", datetime(2025, 7, 1, 1, tzinfo=UTC)) == {
        "period": "2025-07", "bills_created": 1}
    assert bills_of(db, "2025-07") == AMOUNTS


def test_the_month_is_the_local_one(db, fees):
    # 00:30 on 1 August in Shanghai is still 31 July in UTC.
    summary = scheduling.run_job("billing", datetime(2025, 7, 31, 16, 30, tzinfo=UTC))
    assert summary["period"] == "2025-08"
    summary = scheduling.run_job("billing", datetime(2025, 7, 31, 15, 59, tzinfo=UTC))
    assert summary == {"period": "2025-07", "bills_created": 5}


def test_nothing_to_bill_without_standards(db):
    build_world()
    assert scheduling.run_job("billing", datetime(2025, 7, 1, 1, tzinfo=UTC)) == {
        "period": "2025-07", "bills_created": 0}


def test_the_billing_job_through_the_cli(app, db, fees):
    result = app.test_cli_runner().invoke(args=["pmsys", "run-job", "billing", "--now",
                                                "2025-07-01T02:00"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"job": "billing", "period": "2025-07",
                                         "bills_created": 5}
    # June was billed by the world's runs: nothing more (the time is read as Shanghai's).
    again = app.test_cli_runner().invoke(
        args=["pmsys", "run-job", "billing", "--now", "2025-06-01T02:00"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.output) == {"job": "billing", "period": "2025-06",
                                        "bills_created": 0}
    db.session.expire_all()
    assert bills_of(db, "2025-07") == AMOUNTS
