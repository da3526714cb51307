"""Satisfaction surveys over the API (docs/api.md#surveys): define, answer, results."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pmsys import clock
from pmsys.audit import AuditRecord
from pmsys.extensions import db as _db
from pmsys.models.surveys import SurveyResponse
from tests.api.test_openapi import conforms, response_schema
from tests.survey_world import survey_body
from tests.world import build_world

API = "/api/v1"


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def as_(world, api_token):
    return lambda name: api_token(world.users[name])


@pytest.fixture
def doc(client):
    return client.get(f"{API}/openapi.json").get_json()


def define(client, headers, **overrides):
    return client.post(f"{API}/surveys", json=survey_body(**overrides), headers=headers)


def answer(client, headers, answers, channel="web", household=None, code="SV-CA"):
    body = {"channel": channel, "answers": answers}
    if household is not None:
        body["household"] = household
    return client.post(f"{API}/surveys/{code}/responses", json=body, headers=headers)


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


def test_the_street_office_defines_a_survey_of_its_community(client, as_, doc):
    made = define(client, as_("officer"))
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    conforms(doc, body, response_schema(doc, "/surveys", "post", "201"))
    assert body["scope"] == {"kind": "community", "code": "CA"}
    assert body["status"] == "open" and body["communities"] == ["CA"]
    assert body["questions"][0]["label"] == {"zh": "总体是否满意", "en": "Satisfied overall"}
    assert body["questions"][1]["satisfied"] == [4, 5]
    assert body["questions"][2]["label"] == {"zh": "意见和建议", "en": "意见和建议"}
    assert client.get(f"{API}/surveys/SV-CA", headers=as_("resident_a")).status_code == 200
    listed = client.get(f"{API}/surveys", headers=as_("bureau")).get_json()
    assert [s["code"] for s in listed["items"]] == ["SV-CA"]
    audit = _db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "survey_defined")).one()
    assert audit.object_key == "SV-CA" and audit.data["communities"] == ["CA"]
    assert define(client, as_("officer")).status_code == 409


@pytest.mark.parametrize(("who", "scope", "status", "code"), [
    ("officer", {"community": "CB"}, 404, "community_not_found"),  # another street's
    ("officer", {"community": "CC"}, 404, "community_not_found"),
    ("office_officer", {"community": "CA"}, 404, "community_not_found"),
    ("officer", {"org": "SM-B"}, 404, "org_not_found"),  # manages only CB
    ("officer", {"org": "NOPE"}, 404, "org_not_found"),
    ("manager_a", {"community": "CA"}, 403, "forbidden"),
    ("resident_a", {"community": "CA"}, 403, "forbidden"),
    ("committee_a", {"community": "CA"}, 403, "forbidden"),
])
def test_an_office_defines_only_in_its_area(client, as_, who, scope, status, code):
    made = define(client, as_(who), scope=scope)
    assert made.status_code == status, made.get_json()
    assert error_code(made) == code


def test_another_office_does_not_see_the_survey(client, as_):
    assert define(client, as_("officer")).status_code == 201
    for who in ("office_officer", "resident_b", "operator_in", "manager_b"):
        assert client.get(f"{API}/surveys/SV-CA", headers=as_(who)).status_code == 404, who
        assert client.get(f"{API}/surveys/SV-CA/results", headers=as_(who)).status_code == 404
        assert client.get(f"{API}/surveys", headers=as_(who)).get_json()["items"] == []


def test_an_org_survey_asks_the_communities_it_manages_in_the_area(client, as_):
    made = define(client, as_("bureau"), code="SV-PM-A", scope={"org": "PM-A"})
    assert made.status_code == 201, made.get_json()
    # PM-A manages CA now, and CC from next year only (outside the window).
    assert made.get_json()["communities"] == ["CA"]


def test_a_project_survey_asks_the_projects_communities(client, as_):
    made = define(client, as_("bureau"), code="SV-P", scope={"project": "P-CA"})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["scope"] == {"kind": "project", "code": "P-CA"}
    assert made.get_json()["communities"] == ["CA"]


@pytest.mark.parametrize(("change", "field"), [
    ({"scope": {}}, "scope"),
    ({"scope": {"community": "CA", "org": "PM-A"}}, "scope"),
    ({"closes_on": "2025-05-01"}, "closes_on"),
    ({"questions": []}, "questions"),
    ({"questions": [{"key": "a", "kind": "choice", "label": "甲", "choices": ["一"]}]},
     "questions[0].choices"),
    ({"questions": [{"key": "a", "kind": "scale", "label": "甲", "satisfied": [6]}]},
     "questions[0].satisfied"),
    ({"questions": [{"key": "a", "kind": "text", "label": "甲"},
                    {"key": "a", "kind": "text", "label": "乙"}]}, "questions[1].key"),
    ({"questions": [{"key": "a", "kind": "vote", "label": "甲"}]}, "questions[0].kind"),
    ({"code": "a/b"}, "code"),
])
def test_bad_definitions_are_400_and_change_nothing(client, as_, change, field):
    made = define(client, as_("officer"), **change)
    assert made.status_code == 400, made.get_json()
    assert field in made.get_json()["error"]["fields"], made.get_json()
    assert client.get(f"{API}/surveys/SV-CA", headers=as_("officer")).status_code == 404


def test_a_resident_answers_and_a_later_answer_replaces_it(client, as_, doc):
    assert define(client, as_("officer")).status_code == 201
    first = answer(client, as_("resident_a"), {"overall": "满意", "quality": 5})
    assert first.status_code == 201, first.get_json()
    conforms(doc, first.get_json(),
             response_schema(doc, "/surveys/{code}/responses", "post", "201"))
    assert first.get_json()["household"] == "CA/1/1/101"
    again = answer(client, as_("resident_a"), {"overall": "不满意", "comment": "电梯常坏"},
                   channel="qr")
    assert again.status_code == 200 and again.get_json()["replaced"] == 1
    rows = _db.session.scalars(select(SurveyResponse)).all()
    assert [(r.channel.value, r.answers) for r in rows] == [
        ("qr", {"overall": "不满意", "comment": "电梯常坏"})]
    actions = _db.session.scalars(select(AuditRecord.action).where(
        AuditRecord.object_type == "survey").order_by(AuditRecord.id)).all()
    assert actions == ["survey_defined", "survey_answered", "survey_answer_replaced"]


def test_a_resident_cannot_answer_for_another_household(client, as_):
    assert define(client, as_("officer")).status_code == 201
    other = answer(client, as_("resident_a"), {"overall": "满意"}, household="CA/1/1/102")
    assert other.status_code == 403 and error_code(other) == "not_your_household"
    paper = answer(client, as_("resident_a"), {"overall": "满意"}, channel="paper")
    assert paper.status_code == 400
    # A resident outside the scope sees no survey at all.
    assert answer(client, as_("resident_b"), {"overall": "满意"}).status_code == 404
    assert _db.session.scalars(select(SurveyResponse)).all() == []


def test_staff_record_paper_forms_and_calls_for_named_households(client, as_):
    assert define(client, as_("officer")).status_code == 201
    paper = answer(client, as_("officer"), {"overall": "基本满意", "quality": "4"},
                   channel="paper", household="CA/1/1/102")
    assert paper.status_code == 201, paper.get_json()
    assert paper.get_json()["answers"] == {"overall": "基本满意", "quality": 4}
    call = answer(client, as_("bureau"), {"overall": "不满意"}, channel="phone",
                  household="CA/2/1/201")
    assert call.status_code == 201
    outside = answer(client, as_("officer"), {"overall": "满意"}, channel="phone",
                     household="CB/1/1/101")
    assert outside.status_code == 422 and error_code(outside) == "household_not_in_scope"
    assert answer(client, as_("officer"), {"overall": "满意"}, channel="web",
                  household="CA/1/1/101").status_code == 400
    assert answer(client, as_("officer"), {"overall": "满意"},
                  channel="paper").status_code == 400
    manager = answer(client, as_("manager_a"), {"overall": "满意"}, channel="paper",
                     household="CA/1/1/101")
    assert manager.status_code == 403 and error_code(manager) == "forbidden"


def test_answers_outside_the_window_are_409(client, as_):
    assert define(client, as_("officer"), code="SV-LATER", opens_on="2025-06-10").status_code \
        == 201
    early = answer(client, as_("resident_a"), {"overall": "满意"}, code="SV-LATER")
    assert early.status_code == 409 and error_code(early) == "survey_not_open"
    assert define(client, as_("officer")).status_code == 201
    assert answer(client, as_("resident_a"), {"overall": "满意"}).status_code == 201
    clock.set_now(clock.now() + timedelta(days=29))  # 2025-07-01
    late = answer(client, as_("resident_a"), {"overall": "不满意"})
    assert late.status_code == 409 and error_code(late) == "survey_closed"
    recorded = answer(client, as_("officer"), {"overall": "满意"}, channel="paper",
                      household="CA/1/1/102")
    assert recorded.status_code == 409
    assert [r.answers for r in _db.session.scalars(select(SurveyResponse))] == [
        {"overall": "满意"}]


@pytest.mark.parametrize("answers", [
    {"overall": "很好"}, {"quality": 6}, {"quality": True}, {"nope": "x"}, {},
    {"comment": "x" * 1001},
])
def test_answers_that_do_not_fit_are_400(client, as_, answers):
    assert define(client, as_("officer")).status_code == 201
    assert answer(client, as_("resident_a"), answers).status_code == 400


def test_results_count_households_and_satisfaction(client, as_, doc):
    assert define(client, as_("officer")).status_code == 201
    assert answer(client, as_("resident_a"), {"overall": "满意", "quality": 5}).status_code == 201
    assert answer(client, as_("officer"), {"overall": "基本满意", "quality": 3},
                  channel="paper", household="CA/1/1/102").status_code == 201
    assert answer(client, as_("officer"), {"comment": "没意见"}, channel="phone",
                  household="CA/2/1/201").status_code == 201
    got = client.get(f"{API}/surveys/SV-CA/results", headers=as_("manager_a"))
    assert got.status_code == 200, got.get_json()
    body = got.get_json()
    conforms(doc, body, response_schema(doc, "/surveys/{code}/results", "get", "200"))
    # CA has three households; all three answered; two answered a satisfied-marked question,
    # one of them satisfied on every one (CA/1/1/102 rated quality 3).
    assert {k: body[k] for k in ("households_total", "households_answered", "households_judged",
                                 "households_satisfied", "participation_rate",
                                 "satisfaction_rate", "by_channel")} == {
        "households_total": 3, "households_answered": 3, "households_judged": 2,
        "households_satisfied": 1, "participation_rate": "1.0000",
        "satisfaction_rate": "0.5000",
        "by_channel": {"web": 1, "qr": 0, "paper": 1, "phone": 1}}
    assert body["questions"]["overall"] == {
        "kind": "choice", "answered": 2, "counts": {"满意": 1, "基本满意": 1, "不满意": 0},
        "satisfied": 2, "satisfied_rate": "1.0000"}
    assert body["questions"]["quality"] == {
        "kind": "scale", "answered": 2, "counts": {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1},
        "average": "4.00", "satisfied": 1, "satisfied_rate": "0.5000"}
    assert body["questions"]["comment"] == {"kind": "text", "answered": 1, "texts": ["没意见"]}
    refused = client.get(f"{API}/surveys/SV-CA/results", headers=as_("resident_a"))
    assert refused.status_code == 403


def test_ratios_are_rounded_half_up_to_four_places(client, as_):
    assert define(client, as_("officer")).status_code == 201
    assert answer(client, as_("resident_a"), {"overall": "满意"}).status_code == 201
    body = client.get(f"{API}/surveys/SV-CA/results", headers=as_("officer")).get_json()
    assert body["participation_rate"] == "0.3333"  # 1 of 3
    assert answer(client, as_("officer"), {"overall": "满意"}, channel="paper",
                  household="CA/1/1/102").status_code == 201
    body = client.get(f"{API}/surveys/SV-CA/results", headers=as_("officer")).get_json()
    assert body["participation_rate"] == "0.6667"  # 2 of 3, 0.66666… rounds up


def test_an_empty_survey_has_null_rates(client, as_):
    assert define(client, as_("officer")).status_code == 201
    body = client.get(f"{API}/surveys/SV-CA/results", headers=as_("officer")).get_json()
    assert body["participation_rate"] == "0.0000" and body["satisfaction_rate"] is None
