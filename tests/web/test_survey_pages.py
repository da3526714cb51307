"""Survey pages (docs/domain.md#surveys): define one in the form, answer on the phone and by the
QR code of the notice page, record a paper form or a call, read the results and export them;
and the acceptance of a project from its closed survey."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from pmsys.assets.services import sign_off_project
from pmsys.extensions import db as _db
from pmsys.models.assets import Project
from pmsys.models.surveys import Survey, SurveyResponse
from pmsys.surveys import services as surveys
from tests.survey_world import QUESTIONS
from tests.web.test_governance_pages import INLINE, Browser, squash
from tests.world import build_world

QUESTION_LINES = (
    "overall | choice | 总体是否满意 / Satisfied overall | 满意;基本满意;不满意 | 满意;基本满意\n"
    "quality | scale | 施工质量 / Quality of the work | | 4;5\n"
    "comment | text | 意见和建议 / Comments\n")
FORM = {"code": "SV-1", "title": "物业服务满意度", "scope_kind": "community", "scope_code": "CA",
        "opens_on": "2025-06-01", "closes_on": "2025-06-30", "questions": QUESTION_LINES}


@pytest.fixture
def world(db):
    world = build_world()  # the clock reads 2025-06-02
    for user in world.users.values():
        user.locale = "en"
    db.session.commit()
    return world


@pytest.fixture
def web(client, login_as, world):
    return Browser(client, login_as, world.users)


def responses() -> list[tuple[str, str, dict]]:
    rows = _db.session.scalars(select(SurveyResponse).order_by(SurveyResponse.id))
    return [(r.household.place_code, r.channel.value, r.answers) for r in rows]


def test_a_survey_from_the_form_to_its_results(web, db):
    page = web.get("officer", "/surveys/new?community=CA")
    assert page.status_code == 200
    assert 'value="CA"' in page.get_data(as_text=True)
    made = web.post("officer", "/surveys/new", **FORM)
    assert made.status_code == 302, squash(made)
    assert made.headers["Location"].endswith("/surveys/SV-1")
    survey = db.session.scalar(select(Survey).where(Survey.code == "SV-1"))
    assert survey.questions[0]["label"] == {"zh": "总体是否满意", "en": "Satisfied overall"}
    assert survey.questions[1]["satisfied"] == [4, 5]
    assert "SV-1" in squash(web.get("officer", "/surveys"))

    # The resident answers on the phone, from the QR code, and changes the answer.
    answer_page = web.get("resident_a", "/surveys/SV-1/answer?via=qr")
    assert answer_page.status_code == 200
    text = answer_page.get_data(as_text=True)
    assert "Satisfied overall" in text and 'value="qr"' in text
    assert 'name="viewport"' in text and not INLINE.search(text)
    sent = web.post("resident_a", "/surveys/SV-1/answer", via="qr", q_overall="不满意",
                    q_quality="2", q_comment="")
    assert sent.status_code == 302
    again = web.post("resident_a", "/surveys/SV-1/answer", via="qr", q_overall="满意",
                     q_quality="5", q_comment="很好")
    assert again.status_code == 302
    shown = squash(web.get("resident_a", "/surveys/SV-1/answer"))
    assert "sending again replaces the answer" in shown

    # The street office records a paper form and a follow-up call.
    assert web.get("officer", "/surveys/SV-1/record").status_code == 200
    paper = web.post("officer", "/surveys/SV-1/record", household="CA/1/1/102",
                     channel="paper", q_overall="基本满意", q_quality="3")
    assert paper.status_code == 302
    outside = web.post("officer", "/surveys/SV-1/record", household="CB/1/1/101",
                       channel="phone", q_overall="满意")
    assert outside.status_code == 422
    assert "not among those the survey asks" in squash(outside)
    assert responses() == [
        ("CA/1/1/101", "qr", {"overall": "满意", "quality": 5, "comment": "很好"}),
        ("CA/1/1/102", "paper", {"overall": "基本满意", "quality": 3}),
    ]

    # Results: 2 of CA's 3 households answered; one of the two satisfied on every question.
    detail = squash(web.get("manager_a", "/surveys/SV-1"))
    assert "2 of 3 · 66.67 %" in detail
    assert "50.00 % (1 of 2 households)" in detail
    assert "average 4.00" in detail and "很好" in detail
    resident_view = squash(web.get("resident_a", "/surveys/SV-1"))
    assert "Results" not in resident_view

    export = web.get("officer", "/surveys/SV-1/results.xlsx")
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.data))
    summary = list(book.worksheets[0].iter_rows(values_only=True))
    assert summary[1][:6] == (3, 2, 0.6667, 2, 1, 0.5)
    answers = list(book.worksheets[2].iter_rows(values_only=True))
    assert [row[0] for row in answers[1:]] == ["CA/1/1/101", "CA/1/1/102"]
    assert web.get("resident_a", "/surveys/SV-1/results.xlsx").status_code == 403


def test_a_survey_outside_the_offices_area_is_refused_on_the_form(web, db):
    refused = web.post("officer", "/surveys/new", **{**FORM, "scope_code": "CB"})
    assert refused.status_code == 404
    assert "New survey" in squash(refused)
    bad = web.post("officer", "/surveys/new", **{**FORM, "questions": "overall | vote | x"})
    assert bad.status_code == 400
    assert db.session.scalar(select(Survey.id)) is None


def test_the_notice_page_shows_the_open_survey_with_its_qr_code(web, db, world):
    surveys.define_survey(db.session, world.users["officer"], code="SV-N", title="保洁满意度",
                          scope={"community": "CA"}, opens_on="2025-06-01",
                          closes_on="2025-06-30", questions=QUESTIONS)
    db.session.commit()
    page = web.get("resident_a", "/communities/CA/notices").get_data(as_text=True)
    assert 'id="notice-survey-SV-N"' in page and "/surveys/SV-N/qr.svg" in page
    svg = web.get("resident_a", "/surveys/SV-N/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.data


def test_the_project_page_accepts_with_the_closed_survey(web, db, world):
    project = world.projects["P-CA"]
    sign_off_project(db.session, world.users["committee_a"], project, world.communities["CA"])
    survey = surveys.define_survey(
        db.session, world.users["bureau"], code="SV-P", title="改造满意度",
        scope={"project": "P-CA"}, opens_on="2025-05-20", closes_on="2025-06-01",
        questions=QUESTIONS)
    for household in ("CA/1/1/101", "CA/1/1/102", "CA/2/1/201"):
        surveys.answer(db.session, world.users["officer"], survey, channel="phone",
                       answers={"overall": "满意"}, household=household,
                       today=date(2025, 5, 25))
    db.session.commit()
    page = squash(web.get("bureau", "/projects/P-CA"))
    assert "The satisfaction survey SV-P closed on 2025-06-01." in page

    typed = web.post("bureau", "/projects/P-CA/accept", accepted_on="2025-06-02",
                     satisfaction_percent="99")
    assert typed.status_code == 400  # a typed rate needs the reason

    accepted = web.post("bureau", "/projects/P-CA/accept", accepted_on="2025-06-02")
    assert accepted.status_code == 302, squash(accepted)
    db.session.expire_all()
    done = db.session.get(Project, project.id)
    assert (done.satisfaction_rate, done.participation_rate) == (1, 1)
    assert done.satisfaction_survey == "SV-P"
    shown = squash(web.get("bureau", "/projects/P-CA"))
    assert "From the survey SV-P" in shown
