"""API: satisfaction surveys (docs/domain.md#surveys): define, answer by household, results."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import g
from pydantic import Field, StrictInt, StrictStr

from pmsys import clock
from pmsys.api import bp
from pmsys.api.answer_types import CodeText, Count, DayText, Moment, Ratio
from pmsys.api.assets.serializers import time_str
from pmsys.api.helpers import api_login_required, date_str, page_rows, use_callers_language
from pmsys.api.typed import Answer, Code, Day, Input, Page, Paged, endpoint, text
from pmsys.extensions import db
from pmsys.models.surveys import Survey, SurveyResponse
from pmsys.surveys import rules
from pmsys.surveys import services as surveys

SURVEY_PATH = {"code": "The survey's code."}
PLACE_LENGTH = 300


def _caller():
    use_callers_language(g.api_user)
    return g.api_user


def _visible_survey(code: str, **_path) -> Survey:
    """The survey of the path, if the caller sees it (else 404, before any 400)."""
    return surveys.survey_or_404(db.session, _caller(), code)


# --- bodies ------------------------------------------------------------------------------------


class Scope(Input):
    community: Code | None = None
    project: Code | None = None
    org: Annotated[Code | None, Field(description="A managing organisation's code.")] = None


class Label(Input):
    zh: text(rules.LABEL_MAX, 1)
    en: text(rules.LABEL_MAX, 1) | None = None


class Question(Input):
    key: Annotated[str, Field(pattern=rules.KEY_RULE.pattern, description=(
        "Lower-case letters, digits and _, unique in the survey."))]
    kind: Literal["choice", "scale", "text"]
    label: Annotated[text(rules.LABEL_MAX, 1) | Label, Field(description=(
        "One text for both languages, or {zh, en}."))]
    choices: Annotated[list[text(rules.CHOICE_MAX, 1)] | None, Field(
        description="A choice question's 2 to 20 choices.")] = None
    satisfied: Annotated[list[StrictStr | StrictInt] | None, Field(description=(
        "The answers that count as satisfied: choices, or scale points such as [4, 5]."))] = None


class NewSurvey(Input):
    code: Code
    title: text(surveys.TITLE_MAX, 1)
    scope: Annotated[Scope, Field(description="Exactly one of community, project, org.")]
    opens_on: Day
    closes_on: Annotated[Day, Field(description="The last day answers are taken.")]
    questions: Annotated[list[Question], Field(min_length=1, max_length=rules.MAX_QUESTIONS)]


class NewResponse(Input):
    household: Annotated[text(PLACE_LENGTH, 1) | None, Field(description=(
        "COMMUNITY/BUILDING/UNIT/HOUSEHOLD: staff recording a paper form or a call name it; "
        "a resident answers for their own household without it (or names one of theirs)."))] = None
    channel: Literal["web", "qr", "paper", "phone"]
    answers: Annotated[dict[str, StrictStr | StrictInt | None], Field(description=(
        "Question key → a choice, a scale point 1–5, or a text."))]


# --- answers -----------------------------------------------------------------------------------


class ScopeAnswer(Answer):
    kind: Literal["community", "project", "org"]
    code: CodeText


class SurveyAnswer(Answer):
    """A survey with its questions and window."""

    code: CodeText
    title: str
    scope: ScopeAnswer
    opens_on: DayText
    closes_on: DayText
    status: Literal["coming", "open", "closed"]
    communities: list[CodeText]
    questions: list[dict]


class ResponseAnswer(Answer):
    """One household's answer as kept."""

    survey: CodeText
    household: str
    channel: Literal["web", "qr", "paper", "phone"]
    answers: dict
    answered_at: Moment
    replaced: Count


class ResultsAnswer(Answer):
    """A survey's results: participation by households and satisfaction (docs/api.md#surveys)."""

    households_total: Count
    households_answered: Count
    households_judged: Annotated[int, Field(ge=0, description=(
        "Households that answered at least one satisfied-marked question."))]
    households_satisfied: Count
    participation_rate: Ratio | None
    satisfaction_rate: Ratio | None
    by_channel: dict[str, int]
    questions: Annotated[dict[str, dict], Field(description=(
        "Per question: kind, answered; counts per choice or scale point, average (scale), "
        "satisfied and satisfied_rate (where marked); texts (text)."))]


def survey_json(survey: Survey) -> dict:
    kind, code = survey.scope
    return {
        "code": survey.code, "title": survey.title, "scope": {"kind": kind, "code": code},
        "opens_on": date_str(survey.opens_on), "closes_on": date_str(survey.closes_on),
        "status": survey.status_on(clock.today()),
        "communities": [link.community.code for link in survey.community_links],
        "questions": survey.questions,
    }


def response_json(survey: Survey, response: SurveyResponse) -> dict:
    return {
        "survey": survey.code, "household": response.household.place_code,
        "channel": response.channel.value, "answers": response.answers,
        "answered_at": time_str(response.answered_at), "replaced": response.replaced,
    }


# --- routes ------------------------------------------------------------------------------------


@bp.get("/surveys")
@api_login_required
@endpoint(query=Paged, answers={200: ("A page of surveys.", Page[SurveyAnswer])},
          tags=("surveys",))
def list_surveys(query: Paged):
    """The surveys asking a community the caller sees, the latest opening first."""
    rows, total = page_rows(surveys.visible_surveys(_caller()), query)
    return {"items": [survey_json(s) for s in rows], "total": total}


@bp.post("/surveys")
@api_login_required
@endpoint(body=NewSurvey, answers={201: ("The survey.", SurveyAnswer)}, refusals={
    400: "Malformed input; bad questions (the field named), `closes_before_opens`.",
    403: "Not the street office, the housing bureau or a sysadmin (`forbidden`).",
    404: "The community, project or organisation is not in the caller's area "
         "(`community_not_found`, `project_not_found`, `org_not_found`).",
    409: "The code is taken (`code_taken`)."}, tags=("surveys",))
def define_survey(body: NewSurvey):
    """Define a satisfaction survey of a community, a project or a managing organisation.

    The street office for the communities of its area, the housing bureau for its region. An
    organisation's survey asks the households of the communities it manages during the
    window that are in the caller's area. `satisfied` marks which answers count as satisfied.
    """
    scope = {kind: code for kind, code in body.scope.model_dump().items() if code is not None}
    questions = [q.model_dump(exclude_none=True) for q in body.questions]
    survey = surveys.define_survey(db.session, _caller(), code=body.code, title=body.title,
                                   scope=scope, opens_on=body.opens_on,
                                   closes_on=body.closes_on, questions=questions)
    return survey_json(survey), 201


@bp.get("/surveys/<code>")
@api_login_required
@endpoint(answers={200: ("The survey.", SurveyAnswer)}, refusals={404: ""}, path=SURVEY_PATH,
          tags=("surveys",), find=_visible_survey)
def get_survey(code: str, found: Survey):
    """One survey with its questions."""
    return survey_json(found)


@bp.post("/surveys/<code>/responses")
@api_login_required
@endpoint(body=NewResponse, answers={
    200: ("It replaced the household's earlier answer.", ResponseAnswer),
    201: ("The household's first answer.", ResponseAnswer)}, refusals={
    400: "Malformed input; an answer that does not fit its question; a channel the caller "
         "does not use (residents: web, qr; staff: paper, phone).",
    403: "A resident naming another household (`not_your_household`) or with none asked "
         "(`not_a_household`); a role that neither answers nor records (`forbidden`).",
    404: "", 409: "Outside the window (`survey_not_open`, `survey_closed`).",
    422: "The named household is not asked by this survey (`household_not_in_scope`)."},
    path=SURVEY_PATH, tags=("surveys",), find=_visible_survey)
def answer_survey(code: str, body: NewResponse, found: Survey):
    """Answer a survey for one household.

    A resident answers for their own household; the street office or the bureau records a
    paper form or a follow-up call for a named household. One answer per household: a later
    one replaces it while the survey is open (200).
    """
    response, replaced = surveys.answer(db.session, _caller(), found, channel=body.channel,
                                        answers=body.answers, household=body.household)
    return response_json(found, response), 200 if replaced else 201


@bp.get("/surveys/<code>/results")
@api_login_required
@endpoint(answers={200: ("The results so far.", ResultsAnswer)}, refusals={
    403: "A resident (`forbidden`): residents answer, staff read the results.", 404: ""},
    path=SURVEY_PATH, tags=("surveys",), find=_visible_survey)
def survey_results(code: str, found: Survey):
    """A survey's results: participation by households, satisfaction, per question.

    Ratios have 4 places, rounded half up; null where nothing is counted.
    """
    return surveys.survey_results(db.session, _caller(), found).as_dict()
