"""The handover_reminders job makes signed hand-overs effective on their date, not before."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from pmsys import clock, scheduling
from pmsys.assets.services import maintainer_on
from pmsys.audit import AuditRecord
from pmsys.models.assets import Handover, HandoverEvent, HandoverStatus
from tests.asset_factories import asset, build_region, inspected, make_effective, project_for

NOW = datetime(2022, 6, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def region(db):
    clock.set_now(NOW)
    region = build_region()
    project = project_for([region.cc], accepted_on=date(2021, 11, 20), code="2021-01")
    for code in ("CC-1", "CC-2", "CC-3", "CC-4"):
        asset(region, code, "water_supply", "cc", project=project)
    return region


def status(db, code) -> HandoverStatus:
    return db.session.scalar(select(Handover.status).where(Handover.code == code))


def test_the_job_activates_each_handover_on_its_own_date(db, region):
    make_effective(region, inspected(region, "H-JUL", ["CC-1"]), date(2022, 7, 1))
    make_effective(region, inspected(region, "H-AUG", ["CC-2"]), date(2022, 8, 1))
    make_effective(region, inspected(region, "H-NOW", ["CC-3"]))  # effective at once
    inspected(region, "H-OPEN", ["CC-4"])  # not signed: never touched by the job
    assert [status(db, c) for c in ("H-JUL", "H-AUG", "H-NOW", "H-OPEN")] == [
        HandoverStatus.signed, HandoverStatus.signed, HandoverStatus.effective,
        HandoverStatus.inspected]

    # 23:59 on 30 June in Shanghai.
    assert scheduling.run_job("handover_reminders", datetime(2022, 6, 30, 15, 59, tzinfo=UTC)) \
        == {"activated": 0, "open": 3}
    assert status(db, "H-JUL") is HandoverStatus.signed
    # 00:00 on 1 July in Shanghai is still 30 June in UTC: the local date counts.
    assert scheduling.run_job("handover_reminders", datetime(2022, 6, 30, 16, 0, tzinfo=UTC)) \
        == {"activated": 1, "open": 2}
    assert status(db, "H-JUL") is HandoverStatus.effective
    assert status(db, "H-AUG") is HandoverStatus.signed
    # Running again the same day changes nothing.
    assert scheduling.run_job("handover_reminders", datetime(2022, 7, 1, 3, 0, tzinfo=UTC)) \
        == {"activated": 0, "open": 2}
    # A job that missed a few days catches up.
    assert scheduling.run_job("handover_reminders", datetime(2022, 8, 20, 3, 0, tzinfo=UTC)) \
        == {"activated": 1, "open": 1}
    assert status(db, "H-AUG") is HandoverStatus.effective
    assert status(db, "H-OPEN") is HandoverStatus.inspected


def test_the_job_leaves_a_trail(db, region):
    handover = make_effective(region, inspected(region, "H-JUL", ["CC-1"]), date(2022, 7, 1))
    version = handover.version
    moment = datetime(2022, 7, 1, 1, 0, tzinfo=UTC)

    scheduling.run_job("handover_reminders", moment)

    handover = db.session.scalar(select(Handover).where(Handover.code == "H-JUL"))
    assert handover.version == version + 1
    event = db.session.scalars(select(HandoverEvent).where(
        HandoverEvent.handover_id == handover.id).order_by(HandoverEvent.id.desc())).first()
    assert (event.action, event.status_after, event.actor_id, event.at) == (
        "effective", "effective", None, moment)
    records = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action.in_(["handover_effective", "job_run"]), AuditRecord.at == moment)
        .order_by(AuditRecord.id)).all()
    assert [(r.action, r.actor, r.object_key, r.data) for r in records] == [
        ("handover_effective", "scheduler", "H-JUL", {"effective_on": "2022-07-01"}),
        ("job_run", "scheduler", "handover_reminders", {"activated": 1, "open": 0}),
    ]


def test_the_maintainer_changes_on_the_date_whether_or_not_the_job_ran(db, region):
    # The stints are dated at signing; the job only moves the status on its day.
    handover = make_effective(region, inspected(region, "H-JUL", ["CC-1"]), date(2022, 7, 1))
    pipe = handover.assets[0]
    assert maintainer_on(pipe, date(2022, 6, 30)) is None
    assert maintainer_on(pipe, date(2022, 7, 1)) == region.water


def test_the_cli_runs_the_job_with_a_given_now(app, db, region):
    make_effective(region, inspected(region, "H-JUL", ["CC-1"]), date(2022, 7, 1))
    result = app.test_cli_runner().invoke(
        args=["pmsys", "run-job", "handover_reminders", "--now", "2022-07-01T00:05+08:00"]
    )
    assert result.exit_code == 0, result.output
    assert '"activated": 1' in result.output
    assert status(db, "H-JUL") is HandoverStatus.effective
