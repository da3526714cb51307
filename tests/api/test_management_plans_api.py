"""Long-term management plans (POST /api/v1/communities/{code}/management-plan) and the
acceptance rule they feed: every community of a project needs a term in force on the
acceptance day or a recorded plan, unless the acceptance is overridden with a reason.

tests/api/asset_world.py: P2025 covers CA (a term since 2022, committee OC-A) and CB (no term;
its plan is removed here); the bureau HB sees both, the street office SO only CA.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from pmsys.audit import AuditRecord
from pmsys.models.governance import ManagementPlan
from tests.api.asset_world import Caller, build_asset_world, conforms_to_document
from tests.api.test_errors import assert_envelope

PLAN = {"mode": "community", "note": "街道托管，社区居委会组织保洁", "starts_on": "2025-07-01"}


@pytest.fixture
def world(db):
    world = build_asset_world()
    db.session.execute(delete(ManagementPlan).where(
        ManagementPlan.community_id == world.communities["CB"].id))
    db.session.commit()
    return world


@pytest.fixture
def api(client, world):
    return Caller(client, world)


def accept(api, **extra):
    return api.post("bureau", "/projects/P2025/accept",
                    {"accepted_on": "2025-06-01", "satisfaction_rate": "0.95",
                     "satisfaction_reason": "paper survey", **extra})


def test_a_community_without_an_arrangement_refuses_the_acceptance_until_a_plan(api, db,
                                                                                client):
    assert api.post("committee", "/projects/P2025/sign-off", {"community": "CA"}).status_code \
        == 200
    error = assert_envelope(accept(api), 422, "no_management_arrangement")
    assert error["fields"]["reasons"] == ["no_management_arrangement"]
    assert error["fields"]["without_arrangement"] == ["CB"]
    assert "CB" in error["message"]
    refused = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "project_acceptance_refused")).one()
    assert refused.data["without_arrangement"] == ["CB"]

    recorded = api.post("bureau", "/communities/CB/management-plan", PLAN)
    assert recorded.status_code == 201, recorded.get_json()
    plan = recorded.get_json()
    assert {k: plan[k] for k in ("community", "mode", "note", "starts_on", "recorded_on",
                                 "recorded_by")} == {
        "community": "CB", "mode": "community", "note": PLAN["note"],
        "starts_on": "2025-07-01", "recorded_on": "2025-06-02", "recorded_by": "bureau"}
    entry = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "management_plan_recorded")).one()
    assert (entry.actor, entry.object_key, entry.data["mode"]) == ("bureau", "CB", "community")

    accepted = accept(api)
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["management_override"] is None
    conforms_to_document(client, [
        ("/communities/{code}/management-plan", "post", recorded),
        ("/projects/{code}/accept", "post", accepted)])


def test_an_override_with_a_reason_accepts_and_is_kept_and_audited(api, db):
    api.post("committee", "/projects/P2025/sign-off", {"community": "CA"})
    reason = "街道已承诺年内引入物业，先行验收"
    body = accept(api, management_override=reason)
    assert body.status_code == 200, body.get_json()
    assert body.get_json()["management_override"] == reason
    assert api.get("bureau", "/projects/P2025").get_json()["management_override"] == reason
    entry = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "project_accepted")).one()
    assert entry.data["management_override"] == reason
    assert entry.data["without_arrangement"] == ["CB"]


def test_an_empty_override_is_no_override(api):
    api.post("committee", "/projects/P2025/sign-off", {"community": "CA"})
    assert_envelope(accept(api, management_override="   "), 422, "no_management_arrangement")


@pytest.mark.parametrize(("who", "community", "status"), [
    ("officer", "CA", 201),  # CA's street office
    ("bureau", "CA", 201),
    ("sysadmin", "CB", 201),
    ("officer", "CB", 404),  # not its street
    ("bureau_out", "CA", 404),
    ("committee", "CA", 403),
    ("manager", "CA", 403),
    ("resident", "CA", 403),
    (None, "CA", 401),
])
def test_who_records_a_plan(api, who, community, status):
    answer = api.post(who, f"/communities/{community}/management-plan", PLAN)
    assert answer.status_code == status, answer.get_json()


@pytest.mark.parametrize(("body", "field"), [
    ({"mode": "original_unit", "note": "x"}, "mode"),
    ({"mode": "hired", "note": "x"}, "mode"),
    ({"mode": "self", "note": ""}, "note"),
    ({"mode": "self", "note": "   "}, "note"),
    ({"mode": "self"}, "note"),
    ({"mode": "self", "note": "x", "starts_on": "someday"}, "starts_on"),
    ({"mode": "self", "note": "x" * 2001}, "note"),
])
def test_a_bad_plan_is_400_and_records_nothing(api, db, body, field):
    error = assert_envelope(api.post("bureau", "/communities/CB/management-plan", body), 400)
    assert field in error["fields"]
    assert db.session.scalars(select(ManagementPlan)).all() == [] or all(
        p.community.code != "CB" for p in db.session.scalars(select(ManagementPlan)))
