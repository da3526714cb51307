"""POST /api/v1/imports: bureau administrators and sysadmins load region bundles."""

import pytest
from sqlalchemy import select

from pmsys.imports.services import import_bundle
from pmsys.models.auth import OrgKind, Role
from pmsys.models.places import Region
from tests import factories
from tests.services.import_bundles import row_counts, small_bundle


@pytest.fixture
def bureau_headers(db, api_token):
    """A bureau administrator of the district TYQ, whose regions already exist."""
    import_bundle(db.session, {"version": 1, "regions": small_bundle()["regions"]}, actor="cli")
    district = db.session.scalar(select(Region).where(Region.code == "TYQ"))
    bureau = factories.OrganizationFactory(kind=OrgKind.housing_bureau, region=district)
    return api_token(factories.staff(Role.bureau_admin, bureau))


def area_bundle() -> dict:
    """The small bundle as a district's bureau may load it: no deployment settings, no
    city, no administrator logins."""
    bundle = small_bundle()
    del bundle["settings"]
    bundle["regions"] = [r for r in bundle["regions"] if r["kind"] != "city"]
    bundle["users"] = [u for u in bundle["users"] if u["role"] not in ("bureau_admin",
                                                                          "sysadmin")]
    return bundle


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
    response = client.post("/api/v1/imports", json=area_bundle(), headers=bureau_headers)

    assert response.status_code == 200
    counts = response.json["counts"]
    assert counts["households"] == {"created": 3, "updated": 0, "unchanged": 0}
    assert counts["management_terms"] == {"created": 2, "updated": 0, "unchanged": 0}
    assert counts["projects"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert counts["assets"] == {"created": 5, "updated": 0, "unchanged": 0}
    assert counts["handovers"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert row_counts(db.session)["households"] == 3
    assert row_counts(db.session)["asset_maintainers"] == 2

    again = client.post("/api/v1/imports", json=area_bundle(), headers=bureau_headers)
    assert again.status_code == 200
    assert all(tally["created"] == tally["updated"] == 0 for tally in again.json["counts"].values())


def test_a_sysadmin_loads_a_bundle(db, client, api_token):
    response = client.post(
        "/api/v1/imports", json=small_bundle(), headers=api_token(factories.UserFactory())
    )
    assert response.status_code == 200


def test_an_invalid_bundle_answers_400_with_every_error(db, client, bureau_headers):
    bundle = area_bundle()
    bundle["fee_standards"] = {}
    bundle["users"][0]["password"] = "short"
    before = row_counts(db.session)

    response = client.post("/api/v1/imports", json=bundle, headers=bureau_headers)

    assert response.status_code == 400
    error = response.json["error"]
    assert error["code"] == "invalid_bundle"
    assert error["message"] == "the bundle was not loaded: 2 problems"
    assert error["fields"] == {"errors": [
        "users[0].password: Use at least 10 characters.",
        "fee_standards: must be a list",
    ]}
    assert row_counts(db.session) == before


def test_a_register_that_breaks_history_answers_400_at_its_paths(db, client, bureau_headers):
    assert client.post("/api/v1/imports", json=area_bundle(),
                       headers=bureau_headers).status_code == 200
    before = row_counts(db.session)
    bundle = {"version": 1, "handovers": [
        {"code": "H-2", "from": "TYQ-HB", "to": "WATER", "assets": ["GXL-WS", "GXL-XX"],
         "effective_on": "2021-01-01"},
    ]}

    response = client.post("/api/v1/imports", json=bundle, headers=bureau_headers)

    assert response.status_code == 400
    assert response.json["error"]["fields"]["errors"] == [
        "handovers[0].assets[1]: unknown asset GXL-XX",
        "handovers[0].effective_on: GXL-WS: effective date 2021-01-01 is not after the current "
        "maintainer's start 2022-03-01",
    ]
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


def test_a_bureau_import_stays_in_its_district(db, client, bureau_headers):
    other = factories.RegionFactory(code="FAR", kind="district")
    factories.CommunityFactory(code="FARC", street=factories.street(other))
    before = row_counts(db.session)
    bundle = {
        "version": 1,
        "settings": {"handover_overdue_days": 1},
        "regions": [{"code": "BT", "name": "包头市", "kind": "city"}],
        "communities": [{"code": "FARC", "name": "改名", "street": "SLQ"}],
        "users": [{"username": "boss", "password": "a long enough passphrase",
                   "role": "sysadmin"}],
    }

    response = client.post("/api/v1/imports", json=bundle, headers=bureau_headers)

    assert response.status_code == 400
    assert response.json["error"]["fields"]["errors"] == [
        "settings: only a system administrator may change deployment settings",
        "regions[0].code: outside your area",
        "communities[0].code: outside your area",
        "users[0].role: only a system administrator may grant this role",
    ]
    assert row_counts(db.session) == before


def test_a_bureau_admin_loads_fund_entries_and_building_leaders_of_its_area(db, client,
                                                                           bureau_headers):
    bundle = area_bundle()
    bundle["users"].append({"username": "leader1", "password": "leads building one 2022",
                            "role": "building_leader", "person": "P3"})
    bundle["fund_entries"] = [{"community": "GXL", "ref": "D-101", "kind": "deposit",
                               "household": "GXL/1/1/101", "amount": "3000.00"}]
    bundle["building_leaders"] = [{"user": "leader1", "community": "GXL", "buildings": ["1"],
                                   "start": "2022-03-01"}]

    response = client.post("/api/v1/imports", json=bundle, headers=bureau_headers)

    assert response.status_code == 200
    counts = response.json["counts"]
    assert counts["fund_entries"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert counts["building_leaders"] == {"created": 1, "updated": 0, "unchanged": 0}

    other = factories.RegionFactory(code="FAR", kind="district")
    factories.CommunityFactory(code="FARC", street=factories.street(other))
    far = {"version": 1,
           "fund_entries": [{"community": "FARC", "ref": "X", "kind": "interest",
                             "amount": "1.00"}],
           "building_leaders": [{"user": "leader1", "community": "FARC", "buildings": ["1"],
                                 "start": "2022-03-01"}]}
    refused = client.post("/api/v1/imports", json=far, headers=bureau_headers)

    assert refused.status_code == 400
    assert "fund_entries[0].community: outside your area" in (
        refused.json["error"]["fields"]["errors"])
    assert "building_leaders[0].community: outside your area" in (
        refused.json["error"]["fields"]["errors"])
