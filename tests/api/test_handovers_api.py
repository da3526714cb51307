"""POST/GET /api/v1/handovers and the workflow actions: the walk, refusals, roles, bad input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from pmsys.audit import AuditRecord
from pmsys.models.assets import Handover, HandoverStatus
from tests.api.asset_world import (
    Caller,
    HandoverFactory,
    bodies,
    build_asset_world,
    conforms_to_document,
)
from tests.api.test_errors import assert_envelope

LOCAL_NOW = "2025-06-02T10:00:00+08:00"


@pytest.fixture
def world(db):
    return build_asset_world()


@pytest.fixture
def api(client, world):
    return Caller(client, world)


def draft(api, code="H-1", assets=("CA-WS", "CA-DR"), to="WATER", frm="HB", who="bureau"):
    response = api.post(who, "/handovers",
                        {"code": code, "from": frm, "to": to, "assets": list(assets)})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def act(api, who, code="H-1", **body):
    return api.post(who, f"/handovers/{code}/actions", body)


def ok(response) -> dict:
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def status_of_list(api) -> list[str]:
    return [h["code"] for h in ok(api.get("sysadmin", "/handovers"))["items"]]


def status_of(api, code="H-1") -> str:
    return ok(api.get("sysadmin", f"/handovers/{code}"))["status"]


def to_inspected(api, code="H-1", defects=()):
    ok(act(api, "bureau", code, action="submit"))
    return ok(act(api, "water", code, action="inspect", note="HB, WATER",
                  defects=list(defects), inspected_on="2025-06-01"))


# --- the walk ----------------------------------------------------------------------------------


def test_full_walk_from_draft_to_effective_with_return_defects_and_signatures(api, db):
    body = draft(api)
    assert body["code"] == "H-1"
    assert body["status"] == "draft"
    assert body["from"] == {"org": "HB", "name": "HB 单位"}
    assert body["to"] == {"org": "WATER", "name": "WATER 单位"}
    assert body["assets"] == [
        {"code": "CA-DR", "category": "drainage", "community": "CA", "building": None,
         "unit": None},
        {"code": "CA-WS", "category": "water_supply", "community": "CA", "building": None,
         "unit": None},
    ]
    assert body["signatures"] == {"transferor": None, "receiver": None, "committee": [],
                                  "committee_required": True}
    assert body["inspection"] is None and body["defects"] == [] and body["effective_on"] is None
    assert [(e["action"], e["status"], e["actor"]) for e in body["events"]] == [
        ("create", "draft", "bureau")
    ]

    body = ok(act(api, "bureau", action="submit"))
    assert body["status"] == "submitted"
    assert body["submitted_at"] == LOCAL_NOW

    body = ok(act(api, "water", action="return", note="the as-built drawings are missing"))
    assert body["status"] == "returned"
    assert body["return_reason"] == "the as-built drawings are missing"
    # Only the transferor resubmits.
    assert_envelope(act(api, "water", action="submit"), 403, "not_a_party")
    assert ok(act(api, "bureau", action="submit", note="drawings attached"))["status"] == (
        "submitted"
    )

    body = ok(act(api, "water", action="inspect", note="HB: Wang; WATER: Li; OC-A: Zhao",
                  defects=["valve in well 3 leaks", "meter box lid missing"],
                  inspected_on="2025-06-01"))
    assert body["status"] == "inspected"
    assert body["inspection"] == {"on": "2025-06-01",
                                  "participants": "HB: Wang; WATER: Li; OC-A: Zhao"}
    assert body["defects"] == [
        {"index": 0, "description": "valve in well 3 leaks", "fixed_at": None},
        {"index": 1, "description": "meter box lid missing", "fixed_at": None},
    ]

    # Signing is refused while a defect is open, and nothing changes but the audit trail.
    before = ok(api.get("sysadmin", "/handovers/H-1"))
    error = assert_envelope(act(api, "water", action="sign"), 422, "open_defects")
    assert "2 defect" in error["message"]
    assert ok(api.get("sysadmin", "/handovers/H-1")) == before
    refusals = db.session.scalars(
        select(AuditRecord).where(AuditRecord.action.like("%refused"))
    ).all()
    # The last one: the signature over open defects (the first: the receiver's resubmission).
    assert (refusals[-1].actor, refusals[-1].object_key) == ("water", "H-1")
    assert refusals[-1].data["open_defects"] == 2

    body = ok(act(api, "water", action="fix_defect", defect=0))
    assert body["defects"][0]["fixed_at"] == LOCAL_NOW
    assert body["defects"][1]["fixed_at"] is None
    assert_envelope(act(api, "bureau", action="sign"), 422, "open_defects")
    ok(act(api, "bureau", action="fix_defect", defect=1))

    body = ok(act(api, "water", action="sign", effective_on="2025-06-02"))
    assert body["status"] == "inspected"
    assert body["signatures"]["receiver"] == {"by": "water", "at": LOCAL_NOW}
    assert body["effective_on"] == "2025-06-02"
    body = ok(act(api, "bureau", action="sign"))
    assert body["status"] == "inspected", "CA's owners' committee has not co-signed yet"
    assert body["signatures"]["transferor"] == {"by": "bureau", "at": LOCAL_NOW}
    body = ok(act(api, "committee", action="sign", note="co-signed for CA"))
    assert body["status"] == "effective"
    assert body["effective_on"] == "2025-06-02"
    assert body["signatures"]["committee"] == [
        {"community": "CA", "by": "committee", "at": LOCAL_NOW}
    ]
    assert [(e["action"], e["status"]) for e in body["events"]] == [
        ("create", "draft"), ("submit", "submitted"), ("return", "returned"),
        ("submit", "submitted"), ("inspect", "inspected"), ("fix_defect", "inspected"),
        ("fix_defect", "inspected"), ("sign", "inspected"), ("sign", "inspected"),
        ("sign", "effective"),
    ]
    assert body["events"][2]["note"] == "the as-built drawings are missing"
    assert body["events"][-1]["actor"] == "committee"

    # From the effective date the receiver maintains the assets.
    asset = ok(api.get("water", "/assets/CA-WS"))
    assert asset["maintainer"] == {"org": "WATER", "name": "WATER 单位"}
    assert asset["maintainers"] == [{"org": "WATER", "name": "WATER 单位",
                                     "start": "2025-06-02", "end": None, "handover": "H-1"}]
    # Every step is audited.
    actions = db.session.scalars(
        select(AuditRecord.action).where(AuditRecord.object_key == "H-1",
                                         AuditRecord.object_type == "handover")
        .order_by(AuditRecord.id)
    ).all()
    assert [a for a in actions if not a.endswith("refused")] == [
        "handover_created", "handover_submit", "handover_return", "handover_submit",
        "handover_inspect", "handover_fix_defect", "handover_fix_defect", "handover_sign",
        "handover_sign", "handover_sign",
    ]
    # The refusals (the non-party's submit, two signatures over open defects) are kept too.
    assert len([a for a in actions if a.endswith("refused")]) == 3
    # After the end nothing fits any more.
    assert_envelope(act(api, "water", action="return", note="too late"), 409, "wrong_state")


def test_a_later_effective_date_leaves_it_signed_and_the_asset_unmaintained_today(api):
    draft(api, assets=["CB-WS"])  # CB has no owners' committee
    to_inspected(api)
    ok(act(api, "water", action="sign", effective_on="2025-07-01"))
    body = ok(act(api, "bureau", action="sign"))
    assert body["status"] == "signed"
    assert body["signatures"]["committee_required"] is False
    assert body["effective_on"] == "2025-07-01"
    asset = ok(api.get("sysadmin", "/assets/CB-WS"))
    assert asset["maintainer"] is None
    assert asset["maintainers"] == [{"org": "WATER", "name": "WATER 单位",
                                     "start": "2025-07-01", "end": None, "handover": "H-1"}]


def test_an_effective_date_before_the_inspection_is_refused(api):
    draft(api, assets=["CB-WS"])
    to_inspected(api)
    assert_envelope(act(api, "water", action="sign", effective_on="2025-05-31"), 422,
                    "effective_before_inspection")
    assert ok(api.get("water", "/handovers/H-1"))["signatures"]["receiver"] is None


# --- state conflicts (409) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "steps, who, body, code",
    [
        ([], "bureau", {"action": "sign"}, "wrong_state"),
        ([], "water", {"action": "inspect"}, "wrong_state"),
        ([("bureau", {"action": "submit"})], "bureau", {"action": "submit"}, "wrong_state"),
        ([("bureau", {"action": "submit"})], "water", {"action": "fix_defect", "defect": 0},
         "wrong_state"),
        ([("bureau", {"action": "submit"}), ("water", {"action": "inspect"}),
          ("water", {"action": "sign"})], "water", {"action": "sign"}, "already_signed"),
        ([("bureau", {"action": "submit"}), ("water", {"action": "inspect", "defects": ["x"]}),
          ("water", {"action": "fix_defect", "defect": 0})], "bureau",
         {"action": "fix_defect", "defect": 0}, "already_fixed"),
        ([("bureau", {"action": "submit"}), ("water", {"action": "inspect"})], "water",
         {"action": "return", "note": "no"}, "wrong_state"),
    ],
)
def test_an_action_that_does_not_fit_the_state_is_409_and_changes_nothing(
    api, steps, who, body, code
):
    draft(api)
    for actor, step in steps:
        ok(act(api, actor, **step))
    before = ok(api.get("sysadmin", "/handovers/H-1"))
    assert_envelope(act(api, who, **body), 409, code)
    assert ok(api.get("sysadmin", "/handovers/H-1")) == before


def test_a_concurrent_update_is_409(api, db):
    draft(api)
    loaded = db.session.scalar(select(Handover).where(Handover.code == "H-1"))
    # Another worker acts first: the row's version moves on behind this session's back.
    db.session.execute(
        update(Handover.__table__).where(Handover.__table__.c.id == loaded.id)
        .values(version=Handover.__table__.c.version + 1)
    )
    assert_envelope(act(api, "bureau", action="submit"), 409, "concurrent_update")
    assert status_of(api) == "draft"


# --- who may act, who may see ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "sysadmin", "committee"])
def test_one_who_sees_it_but_is_not_the_party_gets_403(api, who):
    draft(api)
    assert ok(api.get(who, "/handovers/H-1"))["code"] == "H-1"
    assert_envelope(act(api, who, action="submit"), 403, "not_a_party")
    assert status_of(api) == "draft"


def test_the_bureau_is_no_party_to_an_original_units_hand_over(api):
    draft(api, frm="OU")
    assert_envelope(act(api, "bureau", action="submit"), 403, "not_a_party")
    # The original unit's staff are the transferor, though they manage no community.
    assert ok(act(api, "ou_staff", action="submit"))["status"] == "submitted"
    assert ok(api.get("ou_staff", "/handovers/H-1"))["from"]["org"] == "OU"


@pytest.mark.parametrize(
    "who", ["power", "water_out", "builder", "resident", "manager", "bureau_out"]
)
def test_one_who_cannot_see_it_gets_404_for_reads_and_actions(api, who):
    draft(api)
    assert_envelope(api.get(who, "/handovers/H-1"), 404, "handover_not_found")
    assert_envelope(act(api, who, action="submit"), 404, "handover_not_found")
    assert_envelope(act(api, who, action="nonsense"), 404, "handover_not_found")
    assert status_of(api) == "draft"


def test_anonymous_callers_get_401(api):
    draft(api)
    for response in (api.get(None, "/handovers"), api.get(None, "/handovers/H-1"),
                     api.post(None, "/handovers", {}),
                     act(api, None, action="submit")):
        assert_envelope(response, 401, "unauthenticated")
    assert status_of(api) == "draft"


def test_unknown_hand_over_is_404(api):
    assert_envelope(api.get("sysadmin", "/handovers/NOPE"), 404, "handover_not_found")
    assert_envelope(act(api, "sysadmin", "NOPE", action="submit"), 404, "handover_not_found")


# --- drafting ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, status",
    [
        ("bureau", 201), ("sysadmin", 201),
        ("officer", 403), ("water", 403), ("committee", 403), ("manager", 403),
        ("resident", 403), ("power", 403),
        # The contractor sees the assets it holds under warranty, but is not the transferor.
        ("builder", 403),
        # Those who cannot see CA's assets do not learn that they exist.
        ("water_out", 400), ("bureau_out", 400),
    ],
)
def test_who_may_draft(api, who, status):
    response = api.post(who, "/handovers",
                        {"code": "H-1", "from": "HB", "to": "WATER", "assets": ["CA-WS"]})
    assert response.status_code == status, response.get_json()
    if status != 201:
        assert_envelope(response, status)
        assert status_of_list(api) == []
    else:
        assert response.get_json()["code"] == "H-1"


def test_the_transferor_itself_may_draft(api, world, db):
    from pmsys.models.auth import Role
    from tests.factories import staff

    world.users["hb_staff"] = staff(Role.bureau_admin, world.orgs["HB"], username="hb_staff")
    assert draft(api, who="hb_staff")["status"] == "draft"


@pytest.mark.parametrize(
    "body, code, field",
    [
        ({"code": "H-1", "from": "HB", "to": "HB", "assets": ["CA-WS"]}, "invalid_input", "to"),
        ({"code": "H-1", "from": "HB", "to": "NOPE", "assets": ["CA-WS"]}, "invalid_input",
         "to"),
        ({"code": "H-1", "from": "HB", "to": "WATER", "assets": ["CA-WS", "NOPE"]},
         "invalid_input", "assets"),
        ({"code": "H-1", "from": "HB", "to": "WATER", "assets": []}, "invalid_input", "assets"),
        ({"code": "", "from": "HB", "to": "WATER", "assets": ["CA-WS"]}, "invalid_input",
         "code"),
        ({"code": "a/b", "from": "HB", "to": "WATER", "assets": ["CA-WS"]}, "invalid_input",
         "code"),
        ({"code": "H" * 65, "from": "HB", "to": "WATER", "assets": ["CA-WS"]},
         "invalid_input", "code"),
        ({"code": 1, "from": "HB", "to": "WATER", "assets": ["CA-WS"]}, "invalid_input", "code"),
        ({"from": "HB", "to": "WATER", "assets": ["CA-WS"]}, "invalid_input", "code"),
        ({"code": "H-1", "from": ["HB"], "to": "WATER", "assets": ["CA-WS"]}, "invalid_input",
         "from"),
        ({"code": "H-1", "from": "HB", "to": {"org": "WATER"}, "assets": ["CA-WS"]},
         "invalid_input", "to"),
        ({"code": "H-1", "from": "HB", "to": "WATER", "assets": "CA-WS"}, "invalid_input",
         "assets"),
        ({"code": "H-1", "from": "HB", "to": "WATER", "assets": [1, 2]}, "invalid_input",
         "assets"),
        ({"code": "H-1", "from": "HB", "to": "WATER", "assets": [["CA-WS"]]}, "invalid_input",
         "assets"),
    ],
)
def test_a_malformed_draft_is_400_naming_the_field(api, db, body, code, field):
    error = assert_envelope(api.post("bureau", "/handovers", body), 400, code)
    assert field in error["fields"]
    assert db.session.scalar(select(func.count(Handover.id))) == 0


@pytest.mark.parametrize("raw", ["", "null", "[]", '"H-1"', "{", "42", '{"code": "H-1",}'])
def test_a_body_that_is_not_a_json_object_is_400(api, raw):
    response = api.client.post("/api/v1/handovers", headers=api.headers("bureau"), data=raw,
                               content_type="application/json")
    assert_envelope(response, 400, "invalid_json")
    draft(api)
    response = api.client.post("/api/v1/handovers/H-1/actions", headers=api.headers("bureau"),
                               data=raw, content_type="application/json")
    assert_envelope(response, 400, "invalid_json")


def test_duplicate_code_and_assets_already_in_an_open_hand_over_are_409(api):
    draft(api, assets=["CA-WS"])
    assert_envelope(api.post("bureau", "/handovers", {"code": "H-1", "from": "HB",
                                                      "to": "WATER", "assets": ["CA-DR"]}),
                    409, "duplicate_code")
    error = assert_envelope(
        api.post("bureau", "/handovers",
                 {"code": "H-2", "from": "HB", "to": "WATER", "assets": ["CA-WS", "CA-DR"]}),
        409, "asset_in_open_handover")
    assert "CA-WS (H-1)" in error["fields"]["assets"]


# --- malformed actions (400) -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "action"),
        ({"action": None}, "action"),
        ({"action": 1}, "action"),
        ({"action": "fly"}, "action"),
        ({"action": ["submit"]}, "action"),
        ({"action": "submit", "note": 5}, "note"),
        ({"action": "submit", "note": "x" * 4001}, "note"),
        ({"action": "inspect", "defects": "leaks"}, "defects"),
        ({"action": "inspect", "defects": [1]}, "defects"),
        ({"action": "inspect", "defects": [{"text": "x"}]}, "defects"),
        ({"action": "inspect", "inspected_on": "2025/06/01"}, "inspected_on"),
        ({"action": "inspect", "inspected_on": "2025-13-01"}, "inspected_on"),
        ({"action": "inspect", "inspected_on": 20250601}, "inspected_on"),
        ({"action": "fix_defect", "defect": "0"}, "defect"),
        ({"action": "fix_defect", "defect": True}, "defect"),
        ({"action": "fix_defect", "defect": 0.5}, "defect"),
        ({"action": "sign", "effective_on": "tomorrow"}, "effective_on"),
        ({"action": "sign", "effective_on": "20250602"}, "effective_on"),
    ],
)
def test_a_malformed_action_is_400_and_changes_nothing(api, body, field):
    draft(api)
    error = assert_envelope(act(api, "bureau", **body), 400, "invalid_input")
    assert field in error["fields"]
    assert status_of(api) == "draft"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"action": "return"}, "note"),
        ({"action": "return", "note": "   "}, "note"),
    ],
)
def test_returning_needs_the_reasons(api, body, field):
    draft(api)
    ok(act(api, "bureau", action="submit"))
    error = assert_envelope(act(api, "water", **body), 400)
    assert field in error["fields"]
    assert status_of(api) == "submitted"


@pytest.mark.parametrize("body", [{"action": "inspect", "defects": ["ok", " "]},
                                  {"action": "fix_defect"},
                                  {"action": "fix_defect", "defect": 7}])
def test_bad_defects_are_400(api, body):
    draft(api)
    ok(act(api, "bureau", action="submit"))
    if body["action"] == "fix_defect":
        ok(act(api, "water", action="inspect", defects=["leak"]))
    before = ok(api.get("sysadmin", "/handovers/H-1"))
    assert_envelope(act(api, "water", **body), 400)
    assert ok(api.get("sysadmin", "/handovers/H-1")) == before


@pytest.fixture
def drafted(api):
    return draft(api, assets=["CB-WS"])


_bodies = bodies(
    action=st.sampled_from(["submit", "return", "inspect", "fix_defect", "sign"]),
    note=st.text(), defects=st.lists(st.text()), defect=st.integers(),
    effective_on=st.dates().map(str), inspected_on=st.dates().map(str),
    code=st.text(max_size=70), assets=st.lists(st.sampled_from(["CA-WS", "CB-WS", "X"])),
    **{"from": st.sampled_from(["HB", "WATER", "X"]), "to": st.sampled_from(["HB", "WATER"])},
)


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(body=_bodies)
def test_random_bodies_never_cause_a_server_error(api, drafted, body):
    for who, path in (("bureau", "/handovers"), ("bureau", "/handovers/H-1/actions"),
                      ("water", "/handovers/H-1/actions")):
        response = api.post(who, path, body)
        assert response.status_code < 500, response.get_data(as_text=True)[:300]
        if response.status_code >= 400:
            assert_envelope(response, response.status_code)


# --- lists -------------------------------------------------------------------------------------


@pytest.fixture
def three(api):
    """H-1 (CA-WS) a draft, H-2 (CA-DR) submitted, H-3 (CA-PW, to POWER) inspected."""
    draft(api, "H-1", ["CA-WS"])
    draft(api, "H-2", ["CA-DR"])
    ok(act(api, "bureau", "H-2", action="submit"))
    draft(api, "H-3", ["CA-PW"], to="POWER")
    ok(act(api, "bureau", "H-3", action="submit"))
    ok(act(api, "power", "H-3", action="inspect"))


def codes(response) -> list[str]:
    body = ok(response)
    assert body["total"] == len(body["items"])
    return [item["code"] for item in body["items"]]


@pytest.mark.parametrize(
    "who, expected",
    [
        ("bureau", ["H-1", "H-2", "H-3"]), ("sysadmin", ["H-1", "H-2", "H-3"]),
        ("officer", ["H-1", "H-2", "H-3"]), ("committee", ["H-1", "H-2", "H-3"]),
        ("water", ["H-1", "H-2"]), ("power", ["H-3"]),
        ("water_out", []), ("builder", []), ("manager", []), ("resident", []),
        ("bureau_out", []),
    ],
)
def test_the_list_agrees_with_the_object_check(api, three, who, expected):
    assert codes(api.get(who, "/handovers")) == expected
    for code in ("H-1", "H-2", "H-3"):
        status = api.get(who, f"/handovers/{code}").status_code
        assert status == (200 if code in expected else 404), (who, code)


@pytest.mark.parametrize(
    "who, expected",
    [
        # Either party records the inspection, so a submitted one waits for both.
        ("water", ["H-2"]), ("power", ["H-3"]), ("bureau", ["H-1", "H-2", "H-3"]),
        ("committee", ["H-3"]), ("officer", []), ("resident", []), ("sysadmin", []),
    ],
)
def test_waiting_lists_what_the_callers_organisation_must_act_on(api, three, who, expected):
    assert codes(api.get(who, "/handovers?waiting=1")) == expected


def test_filters_and_paging(api, three):
    assert codes(api.get("bureau", "/handovers?status=submitted")) == ["H-2"]
    assert codes(api.get("bureau", "/handovers?community=CA&status=inspected")) == ["H-3"]
    assert codes(api.get("bureau", "/handovers?community=CB")) == []
    assert codes(api.get("bureau", "/handovers?waiting=true&status=draft")) == ["H-1"]
    assert codes(api.get("bureau", "/handovers?waiting=0&status=draft")) == ["H-1"]
    page = ok(api.get("bureau", "/handovers?per_page=2&page=2"))
    assert page["total"] == 3 and [h["code"] for h in page["items"]] == ["H-3"]
    page = ok(api.get("water", "/handovers?waiting=1&per_page=1&page=1"))
    assert page["total"] == 1 and [h["code"] for h in page["items"]] == ["H-2"]
    page = ok(api.get("bureau", "/handovers?waiting=1&per_page=2&page=2"))
    assert page["total"] == 3 and [h["code"] for h in page["items"]] == ["H-3"]


@pytest.mark.parametrize("query, field", [("status=open", "status"), ("waiting=yes", "waiting"),
                                          ("page=0", "page"), ("per_page=201", "per_page")])
def test_bad_list_parameters_are_400(api, query, field):
    error = assert_envelope(api.get("bureau", "/handovers?" + query), 400)
    assert field in error["fields"]


def test_hand_overs_made_by_the_import_show_their_state(api, world):
    HandoverFactory(code="H-OLD", from_org=world.orgs["HB"], to_org=world.orgs["WATER"],
                    status=HandoverStatus.effective, assets=[world.assets["CB-WS"]])
    body = ok(api.get("water", "/handovers/H-OLD"))
    assert body["status"] == "effective"
    assert body["events"] == [] and body["submitted_at"] is None
    assert body["signatures"]["committee_required"] is False


# --- the answers fit the OpenAPI document ------------------------------------------------------


def test_answers_fit_the_documented_schemas(api, client):
    created = api.post("bureau", "/handovers",
                       {"code": "H-1", "from": "HB", "to": "WATER", "assets": ["CA-WS"]})
    answers = [
        ("/handovers", "post", created),
        ("/handovers", "post", api.post("bureau", "/handovers", {"code": "H-1"})),
        ("/handovers", "post", api.post("water", "/handovers", {
            "code": "H-2", "from": "HB", "to": "WATER", "assets": ["CA-DR"]})),
        ("/handovers", "post", api.post("bureau", "/handovers", {
            "code": "H-1", "from": "HB", "to": "WATER", "assets": ["CA-DR"]})),
        ("/handovers/{code}/actions", "post", act(api, "bureau", action="submit")),
        ("/handovers/{code}/actions", "post", act(api, "water", action="inspect",
                                                  note="both", defects=["leak"])),
        ("/handovers/{code}/actions", "post", act(api, "water", action="sign")),
        ("/handovers/{code}/actions", "post", act(api, "officer", action="sign")),
        ("/handovers/{code}/actions", "post", act(api, "bureau", action="submit")),
        ("/handovers/{code}/actions", "post", act(api, "power", action="submit")),
        ("/handovers/{code}/actions", "post", act(api, "water", action="fix")),
        ("/handovers/{code}/actions", "post", act(api, "water", action="fix_defect", defect=0)),
        ("/handovers/{code}/actions", "post", act(api, "water", action="sign")),
        ("/handovers/{code}/actions", "post", act(api, "bureau", action="sign")),
        ("/handovers/{code}/actions", "post", act(api, "committee", action="sign")),
        ("/handovers/{code}", "get", api.get("committee", "/handovers/H-1")),
        ("/handovers/{code}", "get", api.get("power", "/handovers/H-1")),
        ("/handovers/{code}", "get", api.get(None, "/handovers/H-1")),
        ("/handovers", "get", api.get("bureau", "/handovers")),
        ("/handovers", "get", api.get("water", "/handovers?waiting=1")),
        ("/handovers", "get", api.get("water", "/handovers?status=nope")),
    ]
    assert [r.status_code for _, _, r in answers] == [
        201, 400, 403, 409, 200, 200, 422, 403, 409, 404, 400, 200, 200, 200, 200, 200, 404,
        401, 200, 200, 400,
    ]
    assert answers[-7][2].get_json()["status"] == "effective"
    conforms_to_document(client, answers)


@pytest.mark.parametrize("query, code", [
    ("status=", "invalid_filter"), ("community=", "invalid_filter"),
    ("waiting=", "invalid_filter"), ("page=", "invalid_paging"), ("per_page=", "invalid_paging"),
])
def test_an_empty_list_parameter_is_400_naming_it(api, three, query, code):
    error = assert_envelope(api.get("bureau", "/handovers?" + query), 400, code)
    assert set(error["fields"]) == {query[:-1]}


def test_a_malformed_list_of_values_names_the_list_and_an_item_field_its_path(api):
    error = assert_envelope(api.post("bureau", "/handovers", {
        "code": "H-1", "from": "HB", "to": "WATER", "assets": ["CA-WS", 7]}), 400,
        "invalid_input")
    assert error["fields"] == {"assets": "every item: a string"}
