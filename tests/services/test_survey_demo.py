"""The demo survey (pmsys/demo/surveys.py) on the demo bundle."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from pmsys.demo.surveys import CODE, build_survey_examples
from pmsys.models.surveys import Survey, SurveyResponse
from pmsys.surveys import services


@pytest.mark.database("demo_bundle")
def test_the_demo_survey_has_qr_paper_and_phone_answers_and_runs_once(db):
    assert build_survey_examples(db.session) == {"surveys": 1, "answers": 16, "existing": 0}
    db.session.commit()
    survey = db.session.scalar(select(Survey).where(Survey.code == CODE))
    channels = Counter(r.channel.value for r in db.session.scalars(
        select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)))
    assert channels == {"qr": 1, "paper": 10, "phone": 5}
    result = services.tally(db.session, survey)
    assert result.households_answered == 16 and result.households_total > 16
    # 11 of the 16 answered satisfied on every marked question (the demo's rows).
    assert (result.households_judged, result.households_satisfied) == (16, 11)

    assert build_survey_examples(db.session) == {"surveys": 0, "answers": 0, "existing": 1}
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 16
