"""Every 403, and every 404 that hides an existing object, leaves one audit record.

One mechanism records them whatever domain or view answered (pmsys/audit.py:
refused_request, called as each request ends): who, the request, the object —
never a body, a query string or a phone number (docs/reliability.md#audit).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pmsys.auth.services import issue_token
from pmsys.extensions import db
from pmsys.models.audit import AuditRecord
from tests.fee_world import build_fee_world

API = "/api/v1"
REFUSALS = ("request_refused", "hidden_object_probed")


@pytest.fixture
def world(db):
    return build_fee_world()


@pytest.fixture
def call(client, world):
    """`call(who, method, path, body)` with a token issued beforehand (no login records)."""
    tokens = {}
    for who in ("resident_a", "manager_a", "manager_b"):
        token, _row = issue_token(db.session, world.users[who], timedelta(days=30))
        tokens[who] = {"Authorization": "Bearer " + token}
    db.session.commit()

    def request(who: str, method: str, path: str, body=None):
        return client.open(API + path, method=method, json=body, headers=tokens[who])

    return request


def records() -> list[AuditRecord]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditRecord).order_by(AuditRecord.id)))


def new_records(before: int) -> list[AuditRecord]:
    return records()[before:]


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/billing/run", {"period": "2025-07", "community": "CA"}),
    ("POST", "/payments", {"receipt_no": "R-9", "household": "CA/1/1/101", "amount": "5.00",
                           "paid_on": "2025-06-01", "method": "cash"}),
    ("POST", "/imports", {"regions": []}),
    ("GET", "/reports/collection?period=2025-05", None),
    ("POST", "/communities/CA/fee-standards", {"price_per_m2_month": "0.60",
                                               "start": "2025-07-01"}),
])
def test_a_residents_forbidden_request_is_recorded_once(call, world, method, path, body):
    before = len(records())
    response = call("resident_a", method, path, body)
    assert response.status_code == 403, response.get_json()
    [entry] = new_records(before)
    assert entry.action == "request_refused"
    assert entry.actor_id == world.users["resident_a"].id
    assert entry.object_type == "request"
    assert entry.object_key == f"{method} {API}{path.split('?')[0]}"  # no query string
    assert entry.data["status"] == 403 and entry.data["code"]


def test_asking_for_a_community_one_may_not_see_is_recorded_with_the_object(call, world):
    before = len(records())
    hidden = call("manager_b", "GET", "/communities/CA")
    missing = call("manager_b", "GET", "/communities/NOWHERE")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == {**missing.get_json(), "error": {
        **missing.get_json()["error"], "message": hidden.get_json()["error"]["message"]}}
    [entry] = new_records(before)  # the unknown one leaves nothing
    assert (entry.action, entry.object_type, entry.object_key) == (
        "hidden_object_probed", "community", "CA")
    assert entry.actor_id == world.users["manager_b"].id
    assert entry.data["request"] == "GET /api/v1/communities/CA"


def test_a_neighbours_bill_is_a_recorded_probe(call, world):
    bill = world.bills[("CA/2/1/201", "2025-06")]
    before = len(records())
    response = call("resident_a", "POST", f"/bills/{bill.id}/adjustments",
                    {"kind": "waiver", "amount": "-1.00", "reason": "x"})
    assert response.status_code == 404
    [entry] = new_records(before)
    assert (entry.object_type, entry.object_key) == ("bill", str(bill.id))


def test_a_refusal_the_service_records_itself_is_not_recorded_twice(call, world):
    before = len(records())
    response = call("resident_a", "POST", "/communities/CA/revenue", {
        "direction": "income", "category": "parking", "amount": "10.00",
        "on": "2025-06-01", "description": "停车费"})
    assert response.status_code == 403
    assert [entry.action for entry in new_records(before)] == ["revenue_entry_refused"]


def test_a_refused_web_page_is_recorded_too(client, login_as, world):
    login_as(world.users["resident_a"])
    before = len(records())
    response = client.get("/reports/collection?phone=13800000101")
    assert response.status_code == 403
    [entry] = new_records(before)
    assert entry.action == "request_refused"
    assert entry.object_key == "GET /reports/collection"
    assert "13800000101" not in str(entry.data) + entry.object_key


def test_anonymous_and_successful_requests_leave_no_refusal(client, call, world):
    before = len(records())
    assert client.get(API + "/communities/CA").status_code == 401
    assert call("manager_a", "GET", "/communities/CA").status_code == 200
    assert not [entry for entry in new_records(before) if entry.action in REFUSALS]
