"""Token authentication of the JSON API
(docs/api.md#conventions; docs/reliability.md#session-end, #passwords, #audit)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pmsys import clock
from pmsys.audit import AuditRecord
from pmsys.auth import services
from pmsys.models.auth import ApiToken, OrgKind, Role, hash_token
from tests.factories import (
    DEFAULT_PASSWORD,
    OrganizationFactory,
    PersonFactory,
    UserFactory,
    staff,
)

T0 = datetime(2025, 6, 1, 2, 0, tzinfo=UTC)
TOKEN_URL = "/api/v1/auth/token"


def login(client, username: str, password: str = DEFAULT_PASSWORD):
    return client.post(TOKEN_URL, json={"username": username, "password": password})


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def assert_envelope(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code
    return error


@pytest.fixture
def user(db):
    clock.set_now(T0)
    org = OrganizationFactory(kind=OrgKind.property_company)
    return staff(Role.manager, org, username="wang", locale="en")


def test_token_is_issued_and_works(client, user):
    response = login(client, "wang")
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"token", "expires_at"}
    assert datetime.fromisoformat(body["expires_at"]) == T0 + timedelta(days=30)

    me = client.get("/api/v1/me", headers=bearer(body["token"]))
    assert me.status_code == 200
    profile = me.get_json()
    assert profile["username"] == "wang"
    assert profile["role"] == "manager"
    assert profile["organization"]["code"] == user.organization.code
    assert profile["locale"] == "en"


def test_resident_profile_names_the_person(client, db):
    person = PersonFactory(name="张三")
    UserFactory(username="zhang", role=Role.resident, person=person)
    token = login(client, "zhang").get_json()["token"]
    profile = client.get("/api/v1/me", headers=bearer(token)).get_json()
    assert profile["person"] == {"code": person.code, "name": "张三"}
    assert profile["organization"] is None
    assert profile["locale"] == "zh_CN"


def test_wrong_password_is_401_bad_credentials(client, user):
    assert_envelope(login(client, "wang", "not the password at all"), 401, "bad_credentials")


def test_unknown_user_answers_like_a_wrong_password(client, user):
    assert_envelope(login(client, "nobody", DEFAULT_PASSWORD), 401, "bad_credentials")


def test_disabled_user_cannot_log_in(client, user, db):
    user.active = False
    db.session.flush()
    assert_envelope(login(client, "wang"), 401, "bad_credentials")


@pytest.mark.parametrize(
    "payload, missing",
    [
        ({}, {"username", "password"}),
        ({"username": "wang"}, {"password"}),
        ({"password": DEFAULT_PASSWORD}, {"username"}),
        ({"username": "", "password": ""}, {"username", "password"}),
        ({"username": 7, "password": ["x"]}, {"username", "password"}),
        ({"username": None, "password": {"a": 1}}, {"username", "password"}),
    ],
)
def test_missing_or_mistyped_fields_are_400(client, user, payload, missing):
    error = assert_envelope(client.post(TOKEN_URL, json=payload), 400)
    assert set(error["fields"]) == missing


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": "{not json", "content_type": "application/json"},
        {"data": "[]", "content_type": "application/json"},
        {"data": '["wang", "pw"]', "content_type": "application/json"},
        {"data": '"wang"', "content_type": "application/json"},
        {"data": "null", "content_type": "application/json"},
        {"data": "12", "content_type": "application/json"},
        {"data": b"\xff\xfe\x00garbage", "content_type": "application/json"},
        {"data": "username=wang&password=x", "content_type": "application/x-www-form-urlencoded"},
        {"data": '{"username": "wang", "password": "x"}', "content_type": "text/plain"},
        {"data": ""},
        {"data": "[" * 200_000, "content_type": "application/json"},
        {"data": bytes(range(256)) * 4000, "content_type": "application/json"},
    ],
    ids=[
        "broken", "empty-array", "array", "string", "null", "number", "binary", "form",
        "text-plain", "no-body", "deep-nesting", "huge-garbage",
    ],
)
def test_a_body_that_is_not_a_json_object_is_400(client, user, kwargs):
    assert_envelope(client.post(TOKEN_URL, **kwargs), 400, "invalid_json")


@pytest.mark.parametrize(
    "body",
    [
        '{"username": "wa\\u0000ng", "password": "correct horse battery staple"}',
        '{"username": "wang", "password": "x\\ud800"}',
        '{"username": "wang", "password": "pw", "extra": [[["\\u0000"]]]}',
    ],
    ids=["nul", "lone-surrogate", "nested-nul"],
)
def test_unstorable_characters_in_the_body_are_400(client, user, body):
    response = client.post(TOKEN_URL, data=body, content_type="application/json")
    assert_envelope(response, 400, "invalid_characters")


def test_deep_but_valid_nesting_is_handled(client, user):
    # Deep enough for the parser to accept, deeper than a recursive walk could go.
    nested = "[" * 900 + "]" * 900
    body = '{"username": "wang", "password": "wrong password", "x": ' + nested + "}"
    response = client.post(TOKEN_URL, data=body, content_type="application/json")
    assert response.status_code in (400, 401), response.status_code
    assert "error" in response.get_json()


def test_an_absurdly_long_username_is_just_wrong(client, user, db):
    assert_envelope(login(client, "x" * 5000), 401, "bad_credentials")
    key = db.session.scalar(
        select(AuditRecord.object_key).where(AuditRecord.action == "login_failed")
    )
    assert key.startswith("xxx") and len(key) <= 64


def test_an_absurdly_long_password_is_just_wrong(client, user):
    assert_envelope(login(client, "wang", "p" * 100_000), 401, "bad_credentials")


def test_a_body_over_the_size_limit_is_413(app, client, user):
    size = app.config["MAX_CONTENT_LENGTH"] + 1
    response = client.post(TOKEN_URL, data=b" " * size, content_type="application/json")
    assert_envelope(response, 413, "too_large")


def test_expired_token_is_refused(client, app, user):
    token = login(client, "wang").get_json()["token"]
    ttl = app.config["API_TOKEN_TTL"]
    clock.set_now(T0 + ttl - timedelta(seconds=1))
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    clock.set_now(T0 + ttl)
    assert_envelope(client.get("/api/v1/me", headers=bearer(token)), 401, "unauthenticated")


def test_delete_revokes_only_the_token_used(client, user):
    first = login(client, "wang").get_json()["token"]
    second = login(client, "wang").get_json()["token"]
    response = client.delete(TOKEN_URL, headers=bearer(first))
    assert response.status_code == 204
    assert response.get_data() == b""
    assert_envelope(client.get("/api/v1/me", headers=bearer(first)), 401)
    assert_envelope(client.delete(TOKEN_URL, headers=bearer(first)), 401)
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 200


def test_delete_without_a_token_is_401(client, user):
    assert_envelope(client.delete(TOKEN_URL), 401, "unauthenticated")


def test_password_change_revokes_every_token(client, user, db):
    tokens = [login(client, "wang").get_json()["token"] for _ in range(2)]
    services.change_password(db.session, user, DEFAULT_PASSWORD, "a much better passphrase 42")
    db.session.flush()
    for token in tokens:
        assert_envelope(client.get("/api/v1/me", headers=bearer(token)), 401)
    assert login(client, "wang", "a much better passphrase 42").status_code == 201


def test_disabled_users_token_is_refused(client, user, db):
    token = login(client, "wang").get_json()["token"]
    user.active = False  # even without the revocation that set_active also does
    db.session.flush()
    assert_envelope(client.get("/api/v1/me", headers=bearer(token)), 401)
    user.active = True
    db.session.flush()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    services.set_active(db.session, None, user, False)
    services.set_active(db.session, None, user, True)
    db.session.flush()
    assert_envelope(client.get("/api/v1/me", headers=bearer(token)), 401)


def test_token_is_stored_hashed(client, user, db):
    token = login(client, "wang").get_json()["token"]
    rows = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()
    assert len(rows) == 1
    assert rows[0].token_hash != token
    assert rows[0].token_hash == hash_token(token)
    assert token not in json.dumps(
        [r.data for r in db.session.scalars(select(AuditRecord))], ensure_ascii=False
    )


def test_no_authorization_header_is_401(client, user):
    assert_envelope(client.get("/api/v1/me"), 401, "unauthenticated")


def test_session_cookie_does_not_authenticate_the_api(client, user, login_as):
    login_as(user)
    assert_envelope(client.get("/api/v1/me"), 401)


def test_five_failures_throttle_the_account_for_fifteen_minutes(client, user, db):
    for _ in range(5):
        assert_envelope(login(client, "wang", "wrong password here"), 401, "bad_credentials")
    throttled = login(client, "wang")
    assert_envelope(throttled, 429, "login_throttled")
    # Free again when the oldest failure leaves the 15 minutes' window (the clock stands still).
    assert int(throttled.headers["Retry-After"]) == 15 * 60 + 1

    # Another account from the same client is not affected.
    staff(Role.manager, user.organization, username="li")
    assert login(client, "li").status_code == 201

    clock.set_now(T0 + timedelta(minutes=14, seconds=59))
    assert_envelope(login(client, "wang"), 429, "login_throttled")
    clock.set_now(T0 + timedelta(minutes=15, seconds=1))
    assert login(client, "wang").status_code == 201


def test_failures_are_audited_without_the_password(client, user, db):
    secret = "my wrong but secret guess"
    for _ in range(5):
        login(client, "wang", secret)
    login(client, "wang", DEFAULT_PASSWORD)
    records = db.session.scalars(
        select(AuditRecord).where(AuditRecord.object_key == "wang").order_by(AuditRecord.id)
    ).all()
    assert [r.action for r in records] == ["login_failed"] * 5 + ["login_throttled"]
    assert all(r.client == "127.0.0.1" and r.actor_id is None for r in records)
    dumped = json.dumps(
        [[r.actor, r.object_key, r.client, r.data] for r in records], ensure_ascii=False
    )
    assert secret not in dumped
    assert DEFAULT_PASSWORD not in dumped


def test_successful_login_is_audited_as_api(client, user, db):
    login(client, "wang")
    record = db.session.scalar(
        select(AuditRecord).where(AuditRecord.action == "login", AuditRecord.actor_id == user.id)
    )
    assert record is not None
    assert record.data.get("channel") == "api"
