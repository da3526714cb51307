"""A project's acceptance takes its closed survey's satisfaction (docs/domain.md#projects)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from pmsys.assets.services import accept_project, sign_off_project
from pmsys.audit import AuditRecord
from pmsys.errors import InvalidInput, RuleRefused
from pmsys.surveys import services as surveys
from tests.survey_world import QUESTIONS
from tests.units import as_request
from tests.world import build_world

IN_WINDOW = date(2025, 5, 25)


@pytest.fixture
def world(db):
    built = build_world()  # today is 2025-06-02
    sign_off_project(db.session, built.users["committee_a"], built.projects["P-CA"],
                     built.communities["CA"])
    return built


def project_survey(db, world, closes_on="2025-06-01", code="SV-P"):
    return surveys.define_survey(
        db.session, world.users["bureau"], code=code, title="改造满意度", scope={"project": "P-CA"},
        opens_on="2025-05-20", closes_on=closes_on, questions=QUESTIONS)


def answer(db, world, survey, household, overall, who="officer"):
    return surveys.answer(db.session, world.users[who], survey, channel="paper",
                          answers={"overall": overall}, household=household, today=IN_WINDOW)


def accept(db, world, **kwargs):
    return accept_project(db.session, world.users["bureau"], world.projects["P-CA"],
                          accepted_on=date(2025, 6, 2), **kwargs)


def test_acceptance_records_the_closed_surveys_result(db, world):
    survey = project_survey(db, world)
    for household in ("CA/1/1/101", "CA/1/1/102"):
        answer(db, world, survey, household, "满意")

    project = accept(db, world)

    assert project.satisfaction_rate == Decimal("1.0000")
    assert project.participation_rate == Decimal("0.6667")  # 2 of CA's 3 households
    assert (project.satisfaction_source, project.satisfaction_survey) == ("survey", "SV-P")
    assert project.satisfaction_reason is None
    entry = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "project_accepted")).one()
    assert entry.data["satisfaction_source"] == "survey" and entry.data["survey"] == "SV-P"
    assert entry.data["participation_rate"] == "0.6667"


def test_a_survey_below_the_minimum_refuses_the_acceptance(db, world):
    survey = project_survey(db, world)
    answer(db, world, survey, "CA/1/1/101", "满意")
    answer(db, world, survey, "CA/1/1/102", "不满意")
    with pytest.raises(RuleRefused) as refused, as_request(db.session):
        accept(db, world)
    assert refused.value.code == "satisfaction_too_low"
    assert "0.5000" in refused.value.message
    assert world.projects["P-CA"].accepted_on is None


def test_a_typed_rate_needs_a_reason_and_is_audited(db, world):
    project_survey(db, world)  # closed, but nobody answered
    with pytest.raises(InvalidInput) as refused:
        accept(db, world, satisfaction_rate="0.95")
    assert refused.value.code == "reason_required"
    assert refused.value.fields == {"satisfaction_reason": "required with a typed rate"}

    project = accept(db, world, satisfaction_rate="0.95",
                     satisfaction_reason="问卷回收不足，按入户走访结果")
    assert project.satisfaction_rate == Decimal("0.9500")
    assert (project.satisfaction_source, project.satisfaction_survey) == ("typed", None)
    assert project.satisfaction_reason == "问卷回收不足，按入户走访结果"
    entry = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "project_accepted")).one()
    assert entry.data["reason"] == "问卷回收不足，按入户走访结果"
    assert entry.data["survey"] == "SV-P"  # the survey that was set aside


def test_without_a_closed_survey_or_a_typed_rate_acceptance_is_refused(db, world):
    with pytest.raises(RuleRefused) as refused, as_request(db.session):
        accept(db, world)
    assert refused.value.code == "satisfaction_missing"
    assert "no closed satisfaction survey" in refused.value.message

    # A survey still open does not count yet.
    survey = project_survey(db, world, closes_on="2025-06-10", code="SV-OPEN")
    answer(db, world, survey, "CA/1/1/101", "满意")
    with pytest.raises(RuleRefused) as refused, as_request(db.session):
        accept(db, world)
    assert refused.value.code == "satisfaction_missing"
    assert world.projects["P-CA"].accepted_on is None
