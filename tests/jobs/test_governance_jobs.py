"""The governance jobs: votes open and close by the clock, committee terms end by the calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

import pmsys.jobs.governance  # noqa: F401  (registers the jobs until create_app imports them)
from pmsys import scheduling
from pmsys.audit import AuditRecord
from pmsys.governance import access
from pmsys.governance.services import votes
from pmsys.models.auth import OrgKind, Role
from pmsys.models.governance import CommitteeStatus, Vote, VoteStatus
from pmsys.models.tickets import Notification
from tests.factories import OrganizationFactory, staff
from tests.vote_world import NOW, OWNERS_ON_ROLL, build_vote_world

OPENS = NOW + timedelta(hours=1)
CLOSES = OPENS + timedelta(days=7)


@pytest.fixture
def world(db):
    return build_vote_world()


def job_runs(db, name: str) -> list[AuditRecord]:
    return list(db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "job_run", AuditRecord.object_key == name)
        .order_by(AuditRecord.id)))


def scheduled(db, world, opens_at=OPENS, closes_at=CLOSES) -> Vote:
    vote = votes.convene(db.session, world.committee, world.community, matter="hire_manager",
                         title="Hire 表决物业", opens_at=opens_at, closes_at=closes_at)
    db.session.commit()
    return vote


def test_the_jobs_are_registered_with_their_schedules(app):
    assert scheduling.JOBS["votes"].trigger == {"trigger": "interval", "minutes": 5}
    assert scheduling.JOBS["committee_terms"].trigger == {
        "trigger": "cron", "hour": 2, "minute": 0}
    assert scheduling.JOBS["votes"].description and scheduling.JOBS["committee_terms"].description


def test_the_votes_job_opens_a_vote_when_its_time_comes_and_only_once(db, world):
    vote = scheduled(db, world)
    assert scheduling.run_job("votes", OPENS - timedelta(seconds=1)) == {"opened": 0, "closed": 0}
    assert vote.status is VoteStatus.scheduled
    assert scheduling.run_job("votes", OPENS) == {"opened": 1, "closed": 0}
    assert scheduling.run_job("votes", OPENS + timedelta(minutes=5)) == {"opened": 0, "closed": 0}
    db.session.expire_all()
    vote = db.session.get(Vote, vote.id)
    assert (vote.status, vote.roll_frozen_at) == (VoteStatus.open, OPENS)
    opened = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "vote_opened", AuditRecord.object_key == str(vote.id))).all()
    assert [record.actor for record in opened] == ["scheduler"]
    runs = job_runs(db, "votes")
    assert [(r.actor, r.data) for r in runs] == [
        ("scheduler", {"opened": 0, "closed": 0}), ("scheduler", {"opened": 1, "closed": 0}),
        ("scheduler", {"opened": 0, "closed": 0})]
    assert votes.tally(db.session, vote) == {"ballots": 0, "owners": OWNERS_ON_ROLL}


def test_the_votes_job_closes_a_vote_when_its_time_is_over_and_only_once(db, world):
    vote = scheduled(db, world)
    scheduling.run_job("votes", OPENS)
    for code in ("V-O1", "V-O2", "V-O3", "V-O4", "V-DEV"):
        votes.cast_ballot(db.session, world.residents[code], vote, choice="approve",
                          now=OPENS + timedelta(hours=1))
    db.session.commit()
    assert scheduling.run_job("votes", CLOSES - timedelta(seconds=1)) == {
        "opened": 0, "closed": 0}
    assert scheduling.run_job("votes", CLOSES) == {"opened": 0, "closed": 1}
    assert scheduling.run_job("votes", CLOSES + timedelta(minutes=5)) == {
        "opened": 0, "closed": 0}
    db.session.expire_all()
    vote = db.session.get(Vote, vote.id)
    assert (vote.status, vote.passed, vote.reason, vote.closed_at, vote.closed_by_id) == (
        VoteStatus.closed, True, "passed", CLOSES, None)
    assert vote.result["participants"] == 5
    told = db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "vote_result")).all()
    assert sorted(told) == sorted([world.committee.id, world.officer.id])


def test_a_vote_whose_whole_window_passed_unseen_opens_and_closes_in_one_run(db, world):
    vote = scheduled(db, world)
    assert scheduling.run_job("votes", CLOSES + timedelta(days=1)) == {"opened": 1, "closed": 1}
    db.session.expire_all()
    vote = db.session.get(Vote, vote.id)
    assert (vote.status, vote.reason, vote.roll_frozen_at) == (
        VoteStatus.closed, "quorum_area", CLOSES + timedelta(days=1))


def test_a_vote_closed_by_its_convenor_is_left_alone(db, world):
    vote = scheduled(db, world)
    votes.close(db.session, world.officer, vote, CLOSES)
    db.session.commit()
    assert scheduling.run_job("votes", CLOSES + timedelta(minutes=5)) == {
        "opened": 0, "closed": 0}
    db.session.expire_all()
    assert db.session.get(Vote, vote.id).closed_by_id == world.officer.id


def test_the_votes_job_handles_several_votes(db, world):
    first = scheduled(db, world)
    second = scheduled(db, world, opens_at=OPENS + timedelta(days=1),
                       closes_at=CLOSES + timedelta(days=1))
    assert scheduling.run_job("votes", OPENS + timedelta(days=1)) == {"opened": 2, "closed": 0}
    assert scheduling.run_job("votes", CLOSES + timedelta(days=1)) == {"opened": 0, "closed": 2}
    db.session.expire_all()
    assert {db.session.get(Vote, v.id).status for v in (first, second)} == {VoteStatus.closed}


def test_the_terms_job_expires_by_the_local_date_and_warns_once(db, world):
    ending = access.active_committee(db.session, world.community)
    ending.term_start, ending.term_end = date(2020, 9, 2), date(2025, 9, 1)
    other_org = OrganizationFactory(code="VX-YWH", kind=OrgKind.owners_committee,
                                    community=world.other_community)
    member = staff(Role.committee_member, other_org, username="v_other_committee")
    soon = access.active_committee(db.session, world.other_community)
    soon.term_start, soon.term_end = date(2021, 1, 1), date(2025, 10, 31)
    db.session.commit()

    # 18:30 UTC on 1 September is 02:30 on 2 September in Shanghai: VA's term is over.
    first = datetime(2025, 9, 1, 18, 30, tzinfo=UTC)
    assert scheduling.run_job("committee_terms", first) == {
        "day": "2025-09-02", "expired": 1, "warned": 1}
    assert scheduling.run_job("committee_terms", first + timedelta(days=1)) == {
        "day": "2025-09-03", "expired": 0, "warned": 0}
    db.session.expire_all()
    assert db.session.get(type(ending), ending.id).status is CommitteeStatus.expired
    assert db.session.get(type(soon), soon.id).status is CommitteeStatus.active
    warnings = db.session.scalars(select(Notification).where(
        Notification.kind == "committee_term_ending")).all()
    assert member.id in {n.user_id for n in warnings}
    assert world.users["other_officer"].id in {n.user_id for n in warnings}
    assert {(n.data["community"], n.data["term_end"], n.data["days"]) for n in warnings} == {
        ("VX", "2025-10-31", 59)}
    assert [r.data for r in job_runs(db, "committee_terms")][0] == {
        "day": "2025-09-02", "expired": 1, "warned": 1}


def test_the_terms_job_counts_the_day_in_shanghai_not_utc(db, world):
    ending = access.active_committee(db.session, world.community)
    ending.term_start, ending.term_end = date(2020, 9, 2), date(2025, 9, 1)
    db.session.commit()
    # 15:59 UTC on 1 September is 23:59 in Shanghai: still the term's last day.
    summary = scheduling.run_job("committee_terms", datetime(2025, 9, 1, 15, 59, tzinfo=UTC))
    assert (summary["day"], summary["expired"]) == ("2025-09-01", 0)
