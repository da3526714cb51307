"""The monthly billing job (docs/domain.md#billing, docs/reliability.md#jobs-once).

On the first of each month the scheduler bills the month for every community
with a fee standard. A bill is unique per household and period, so running the
job twice for the same month — or again after it was killed half-way — creates
only the bills still missing.
"""

from __future__ import annotations

from datetime import datetime

from pmsys import audit, clock
from pmsys.extensions import db
from pmsys.fees import billing
from pmsys.fees.services import run_billing
from pmsys.scheduling import job

SYSTEM = "scheduler"


@job("billing", "Bill the month for every household of every community with a fee standard.",
     trigger="cron", day=1, hour=1, minute=0)
def billing_job(now: datetime) -> dict:
    # The month as the communities count it: 1 June 00:30 in Shanghai is still 31 May in UTC.
    month = billing.period_of(now.astimezone(clock.LOCAL_TZ).date())
    created = run_billing(db.session, SYSTEM, month)
    summary = {"period": month, "bills_created": created}
    audit.record(db.session, SYSTEM, "job_run", "job", "billing", **summary)
    return summary
