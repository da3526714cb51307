"""The governance jobs: assembly votes by the clock, committee terms by the calendar
(docs/domain.md#votes, #committees).

`votes` opens every scheduled vote whose opening time has come (freezing its
roll) and closes every vote whose closing time is over, computing its result;
`committee_terms` expires committees whose term ended and warns once, ahead of
the end, those about to. Both take an explicit `now`, so `run-job NAME --now
ISO` and the scheduler run the same code, and running either twice for the
same `now` changes nothing the second time.
"""

from __future__ import annotations

from datetime import datetime

from pmsys import audit, clock
from pmsys.extensions import db
from pmsys.governance.services import committee_terms, votes
from pmsys.scheduling import job

SYSTEM = "scheduler"


@job("votes", "Open assembly votes whose time has come; close and count those whose time is over.",
     trigger="interval", minutes=5)
def votes_job(now: datetime) -> dict:
    """Open and close the votes due at `now`."""
    summary = votes.close_due(db.session, now)
    audit.record(db.session, SYSTEM, "job_run", "job", "votes", **summary)
    return summary


@job("committee_terms", "Expire owners' committees whose term ended; warn of terms ending soon.",
     trigger="cron", hour=2, minute=0)
def committee_terms_job(now: datetime) -> dict:
    """Expire and warn committees as of the local date of `now`."""
    # The day as the communities count it: 02:00 in Shanghai is still yesterday in UTC.
    today = now.astimezone(clock.LOCAL_TZ).date()
    summary = {"day": today.isoformat(), **committee_terms.expire_due(db.session, today)}
    audit.record(db.session, SYSTEM, "job_run", "job", "committee_terms", **summary)
    return summary
