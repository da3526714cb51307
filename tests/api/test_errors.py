"""The API's error envelope: unknown paths, wrong methods, bad paging, odd input; never a 500."""

from __future__ import annotations

from urllib.parse import quote, quote_from_bytes, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmsys.models.auth import Role
from tests.factories import CommunityFactory, UserFactory


def assert_envelope(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) <= {"code", "message", "fields"}
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code
    return error


@pytest.fixture
def headers(db, api_token):
    CommunityFactory(code="A")
    return api_token(UserFactory(role=Role.sysadmin))


@pytest.mark.parametrize(
    "path", ["/api/v1/nope", "/api/v1/", "/api/v1/communities/A/nope", "/api/v1/me/", "/api/v2/me"]
)
def test_unknown_path_is_404_envelope(client, headers, path):
    assert_envelope(client.get(path, headers=headers), 404, "not_found")


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("put", "/api/v1/me", {"GET", "HEAD", "OPTIONS"}),
        ("post", "/api/v1/communities", {"GET", "HEAD", "OPTIONS"}),
        ("delete", "/api/v1/communities/A", {"GET", "HEAD", "OPTIONS"}),
        ("patch", "/api/v1/openapi.json", {"GET", "HEAD", "OPTIONS"}),
        ("get", "/api/v1/auth/token", {"POST", "DELETE", "OPTIONS"}),
    ],
)
def test_wrong_method_is_405_envelope_with_allow(client, headers, method, path, allowed):
    response = getattr(client, method)(path, headers=headers)
    assert_envelope(response, 405, "method_not_allowed")
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed


@pytest.mark.parametrize(
    "query, bad",
    [
        ("page=0", {"page"}),
        ("page=-1", {"page"}),
        ("page=abc", {"page"}),
        ("page=1.5", {"page"}),
        ("page=1e3", {"page"}),
        ("page=99999999999999999999999", {"page"}),
        ("page=" + "9" * 5000, {"page"}),
        ("per_page=0", {"per_page"}),
        ("per_page=201", {"per_page"}),
        ("per_page=abc", {"per_page"}),
        ("page=0&per_page=201", {"page", "per_page"}),
    ],
)
def test_bad_paging_is_400_with_fields(client, headers, query, bad):
    error = assert_envelope(
        client.get("/api/v1/communities?" + query, headers=headers), 400, "invalid_paging"
    )
    assert set(error["fields"]) == bad


@pytest.mark.parametrize("query", ["page=1", "page=", "per_page=200", "per_page=1&page=2"])
def test_good_paging_is_accepted(client, headers, query):
    assert client.get("/api/v1/communities?" + query, headers=headers).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/communities?street=%00",
        "/api/v1/communities?mode=none&x%00=1",
        "/api/v1/communities/A%00",
    ],
)
def test_nul_characters_in_the_url_are_400(client, headers, path):
    assert_envelope(client.get(path, headers=headers), 400, "invalid_characters")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Basic d2FuZzpwdw==",
        "Basic xx",
        "bearer-ish token",
        "Bearer " + "A" * 20_000,
        "Bearer two words",
        "Bearer ñ",
        "Token abc",
        "",
    ],
    ids=["no-token", "blank-token", "basic", "basic-garbage", "odd-scheme", "very-long",
         "two-words", "latin1", "other-scheme", "empty"],
)
def test_malformed_authorization_header_is_401(client, headers, header):
    # A valid token exists (the fixture made one), so only the header's form can refuse.
    response = client.get("/api/v1/communities", headers={"Authorization": header})
    assert_envelope(response, 401, "unauthenticated")


def test_an_unexpected_failure_is_a_500_envelope_without_details(
    client, headers, monkeypatch
):
    """Promise 9 (docs/reliability.md#headers)."""
    from pmsys.places import services

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services, "community_detail", broken)
    response = client.get("/api/v1/communities/A", headers=headers)
    assert_envelope(response, 500, "internal_error")
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


_KEYS = st.sampled_from(["page", "per_page", "street", "mode", "x", ""]) | st.text(max_size=8)
_VALUES = st.text(max_size=40) | st.sampled_from(
    ["0", "-1", "201", "1e9", "none", "professional", "%", "%%", "\\", "[]", "1" * 30]
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    pairs=st.lists(st.tuples(_KEYS, _VALUES), max_size=5),
    raw=st.binary(max_size=40),
    code=st.text(min_size=1, max_size=30),
)
def test_malformed_query_strings_and_codes_never_500(client, headers, pairs, raw, code):
    query = urlencode(pairs) + "&" + quote_from_bytes(raw, safe="=&%+;")
    for path in ("/api/v1/communities?" + query, f"/api/v1/communities/{quote(code, safe='')}"):
        response = client.get(path, headers=headers)
        assert response.status_code < 500, (path, response.get_json())
        if response.status_code >= 400:
            assert_envelope(response, response.status_code)
