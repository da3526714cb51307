"""POST /api/v1/imports: bureau administrators and sysadmins load region bundles."""

import pytest

from pmsys.auth.models import OrgKind, Role
from tests import factories
from tests.services.import_bundles import row_counts, small_bundle


@pytest.fixture
def bureau_headers(db, api_token):
    bureau = factories.OrganizationFactory(kind=OrgKind.housing_bureau)
    return api_token(factories.staff(Role.bureau_admin, bureau))


def test_without_a_token_the_answer_is_401(client):
    response = client.post("/api/v1/imports", json=small_bundle())
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthenticated"


def test_a_resident_is_refused_with_403(db, client, api_token):
    resident = factories.resident_of(factories.HouseholdFactory())
    before = row_counts(db.session)
    response = client.post("/api/v1/imports", json=small_bundle(), headers=api_token(resident))
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"
    assert row_counts(db.session) == before


@pytest.mark.parametrize(
    ("role", "kind"),
    [(Role.manager, OrgKind.property_company), (Role.street_officer, OrgKind.street_office)],
)
def test_other_staff_are_refused_with_403(db, client, api_token, role, kind):
    user = factories.staff(role, factories.OrganizationFactory(kind=kind))
    response = client.post("/api/v1/imports", json=small_bundle(), headers=api_token(user))
    assert response.status_code == 403


def test_a_bureau_admin_loads_a_bundle(db, client, bureau_headers):
    response = client.post("/api/v1/imports", json=small_bundle(), headers=bureau_headers)

    assert response.status_code == 200
    counts = response.json["counts"]
    assert counts["households"] == {"created": 3, "updated": 0, "unchanged": 0}
    assert counts["management_terms"] == {"created": 2, "updated": 0, "unchanged": 0}
    assert row_counts(db.session)["households"] == 3

    again = client.post("/api/v1/imports", json=small_bundle(), headers=bureau_headers)
    assert again.status_code == 200
    assert all(tally["created"] == tally["updated"] == 0 for tally in again.json["counts"].values())


def test_a_sysadmin_loads_a_bundle(db, client, api_token):
    response = client.post(
        "/api/v1/imports", json=small_bundle(), headers=api_token(factories.UserFactory())
    )
    assert response.status_code == 200


def test_an_invalid_bundle_answers_400_with_every_error(db, client, bureau_headers):
    bundle = small_bundle()
    bundle["projects"] = []
    bundle["users"][0]["password"] = "short"
    before = row_counts(db.session)

    response = client.post("/api/v1/imports", json=bundle, headers=bureau_headers)

    assert response.status_code == 400
    error = response.json["error"]
    assert error["code"] == "invalid_bundle"
    assert error["message"] == "the bundle was not loaded: 2 problems"
    assert error["fields"] == {"errors": [
        "users[0].password: Use at least 10 characters.",
        "projects: not supported yet by this version of pmsys",
    ]}
    assert row_counts(db.session) == before


@pytest.mark.parametrize(
    "body", [b"not json", b"[1, 2]", b'"a string"', b"{" * 100000 + b"}" * 100000]
)
def test_a_body_that_is_not_a_json_object_answers_400(db, client, bureau_headers, body):
    response = client.post(
        "/api/v1/imports", data=body, content_type="application/json", headers=bureau_headers
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_json"


def test_a_wrong_version_answers_400(db, client, bureau_headers):
    response = client.post(
        "/api/v1/imports", json={"version": 2, "regions": []}, headers=bureau_headers
    )
    assert response.status_code == 400
    assert response.json["error"]["fields"]["errors"] == ["version: must be 1"]
