"""Logging in, throttling, tokens, password changes and disabling
(docs/reliability.md#session-end, #passwords, #audit)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pmsys import clock
from pmsys.audit import AuditRecord, AuditTamperError
from pmsys.auth import services
from pmsys.auth.passwords import verify_password
from pmsys.errors import InvalidInput, TooManyRequests, Unauthenticated
from pmsys.models.auth import ApiToken, Role
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.units import as_request

LIMITS = (5, 30, timedelta(minutes=15))
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
NEW_PASSWORD = "a long walk along the yellow river"


def audits(db, action=None):
    query = select(AuditRecord).order_by(AuditRecord.id)
    if action:
        query = query.where(AuditRecord.action == action)
    return list(db.session.scalars(query))


def login(db, username, password, client="10.0.0.1", channel="web"):
    """Log in as one request would: a refusal's audit record is written as the request ends."""
    with as_request(db.session):
        return services.authenticate(
            db.session, username, password, client=client, limits=LIMITS, channel=channel
        )


def test_right_credentials_return_the_user_and_audit_the_login(db):
    user = UserFactory(username="wang")

    assert login(db, "  wang ", DEFAULT_PASSWORD) is user

    (record,) = audits(db, "login")
    assert (record.actor_id, record.object_key, record.client) == (user.id, "wang", "10.0.0.1")
    assert record.data == {"channel": "web"}


@pytest.mark.parametrize("case", ["wrong password", "unknown user", "disabled user", "empty"])
def test_failures_raise_the_same_error_and_are_audited(db, case):
    UserFactory(username="wang")
    UserFactory(username="off", active=False)
    username, password = {
        "wrong password": ("wang", "not the password at all"),
        "unknown user": ("nobody", DEFAULT_PASSWORD),
        "disabled user": ("off", DEFAULT_PASSWORD),
        "empty": ("", ""),
    }[case]

    with pytest.raises(Unauthenticated) as caught:
        login(db, username, password)

    # One answer for every cause: nothing tells whether the account exists.
    assert caught.value.code == "bad_credentials"
    assert caught.value.message == "wrong username or password"
    (record,) = audits(db, "login_failed")
    assert (record.actor_id, record.actor, record.object_key) == (None, "system", username)
    assert record.client == "10.0.0.1"
    assert audits(db, "login") == []


def test_account_is_throttled_after_five_failures_until_the_window_passes(db):
    """Promise 7 (docs/reliability.md#passwords)."""
    user = UserFactory(username="li")
    clock.set_now(T0)
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            login(db, "li", "guess guess guess")

    clock.set_now(T0 + timedelta(minutes=14))
    with pytest.raises(TooManyRequests) as caught:
        login(db, "li", DEFAULT_PASSWORD)  # even the right password
    assert caught.value.code == "login_throttled"
    assert len(audits(db, "login_throttled")) == 1

    clock.set_now(T0 + timedelta(minutes=15))  # the window still holds the failures
    with pytest.raises(TooManyRequests):
        login(db, "li", DEFAULT_PASSWORD)

    clock.set_now(T0 + timedelta(minutes=15, seconds=1))
    assert login(db, "li", DEFAULT_PASSWORD) is user


def test_four_failures_do_not_throttle_and_other_accounts_are_unaffected(db):
    li = UserFactory(username="li")
    zhao = UserFactory(username="zhao")
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            login(db, "zhao", "guess guess guess", client=None)
    for _ in range(4):
        with pytest.raises(Unauthenticated):
            login(db, "li", "guess guess guess", client=None)

    assert login(db, "li", DEFAULT_PASSWORD, client=None) is li
    with pytest.raises(TooManyRequests):
        login(db, "zhao", DEFAULT_PASSWORD, client=None)
    assert zhao.active


def test_client_is_throttled_after_thirty_failures_across_usernames(db):
    user = UserFactory(username="sun")
    clock.set_now(T0)
    for number in range(30):
        with pytest.raises(Unauthenticated):
            login(db, f"guess{number}", "guess guess guess", client="10.9.9.9")

    with pytest.raises(TooManyRequests):
        login(db, "sun", DEFAULT_PASSWORD, client="10.9.9.9")
    # Another client, and the same client once the window has passed, may log in.
    assert login(db, "sun", DEFAULT_PASSWORD, client="10.1.1.1") is user
    clock.set_now(T0 + timedelta(minutes=16))
    assert login(db, "sun", DEFAULT_PASSWORD, client="10.9.9.9") is user


def test_api_and_web_failures_share_one_budget(db):
    UserFactory(username="qian")
    for channel in ("web", "api", "web", "api", "web"):
        with pytest.raises(Unauthenticated):
            login(db, "qian", "guess guess guess", channel=channel)

    with pytest.raises(TooManyRequests):
        login(db, "qian", DEFAULT_PASSWORD, channel="api")


@pytest.mark.parametrize(
    "username",
    ["x" * 300, "nul\x00byte", "lone\ud800surrogate", "tab\tinside"],
)
def test_hostile_usernames_are_counted_not_crashing(db, username):
    # PostgreSQL refuses NUL bytes and over-long values, no driver encodes a lone
    # surrogate: such names must fail like any wrong login and still be throttled.
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            login(db, username, "guess guess guess")
    with pytest.raises(TooManyRequests):
        login(db, username, "guess guess guess")

    keys = {record.object_key for record in audits(db, "login_failed")}
    (key,) = keys
    assert len(key) <= 64
    assert "\x00" not in key and "\ud800" not in key


def test_lone_surrogate_password_fails_cleanly(db):
    UserFactory(username="zhou")

    with pytest.raises(Unauthenticated):
        login(db, "zhou", "lone \ud800 surrogate")


def test_no_audit_record_holds_the_password(db):
    user = UserFactory(username="wu")
    secret_guess = "my-secret-guess-7731"
    with pytest.raises(Unauthenticated):
        login(db, "wu", secret_guess)
    login(db, "wu", DEFAULT_PASSWORD)
    with pytest.raises(InvalidInput), as_request(db.session):
        services.change_password(db.session, user, secret_guess, NEW_PASSWORD)
    services.change_password(db.session, user, DEFAULT_PASSWORD, NEW_PASSWORD)
    token, _row = services.issue_token(db.session, user, timedelta(days=1))
    db.session.flush()

    records = audits(db)
    assert {"login_failed", "login", "password_change_refused", "password_changed"} <= {
        record.action for record in records
    }
    for record in records:
        stored = json.dumps(record.data) + record.object_key + (record.client or "")
        for secret in (secret_guess, DEFAULT_PASSWORD, NEW_PASSWORD, token):
            assert secret not in stored


def test_tokens_are_stored_hashed_expire_and_can_be_revoked(db):
    user = UserFactory()
    clock.set_now(T0)
    token, row = services.issue_token(db.session, user, timedelta(days=30))

    assert row.token_hash != token and token not in row.token_hash
    with as_request(db.session):
        assert services.resolve_token(db.session, token) is user
    assert row.last_used_at == T0
    assert services.resolve_token(db.session, token + "x") is None
    assert services.resolve_token(db.session, "") is None

    clock.set_now(T0 + timedelta(days=30))
    assert services.resolve_token(db.session, token) is None  # expired

    clock.set_now(T0)
    services.revoke_token(db.session, user, token)
    assert row.revoked_at == T0
    assert services.resolve_token(db.session, token) is None


def test_another_users_token_cannot_be_revoked(db):
    owner, other = UserFactory(), UserFactory()
    token, row = services.issue_token(db.session, owner, timedelta(days=1))

    services.revoke_token(db.session, other, token)

    assert row.revoked_at is None
    assert services.resolve_token(db.session, token) is owner


def test_wrong_current_password_changes_nothing(db):
    user = UserFactory(username="zheng")
    old_hash, old_generation = user.password_hash, user.session_token
    token, _row = services.issue_token(db.session, user, timedelta(days=1))

    with pytest.raises(InvalidInput) as caught, as_request(db.session):
        services.change_password(db.session, user, "not my password", NEW_PASSWORD)

    assert caught.value.code == "bad_current_password"
    assert "current_password" in caught.value.fields
    assert (user.password_hash, user.session_token) == (old_hash, old_generation)
    assert services.resolve_token(db.session, token) is user
    (refusal,) = audits(db, "password_change_refused")
    assert refusal.data == {"reason": "bad_current_password"}


@pytest.mark.parametrize("weak", ["password123", "short1!", "zheng-the-great-1"])
def test_weak_new_password_is_refused_with_a_reason(db, weak):
    user = UserFactory(username="zheng")
    old_hash = user.password_hash

    with pytest.raises(InvalidInput) as caught:
        services.change_password(db.session, user, DEFAULT_PASSWORD, weak)

    assert caught.value.code == "weak_password"
    assert caught.value.fields["new_password"] == caught.value.message
    assert user.password_hash == old_hash


def test_password_change_ends_sessions_and_revokes_tokens(db):
    user = UserFactory(username="feng")
    old_generation = user.session_token
    first, _ = services.issue_token(db.session, user, timedelta(days=1))
    second, _ = services.issue_token(db.session, user, timedelta(days=1))
    clock.set_now(T0)

    services.change_password(db.session, user, DEFAULT_PASSWORD, NEW_PASSWORD)
    db.session.flush()

    assert user.session_token != old_generation
    assert user.password_changed_at == T0
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert not verify_password(user.password_hash, DEFAULT_PASSWORD)
    assert services.resolve_token(db.session, first) is None
    assert services.resolve_token(db.session, second) is None
    revoked = db.session.scalars(select(ApiToken.revoked_at).where(ApiToken.user_id == user.id))
    assert set(revoked) == {T0}
    (record,) = audits(db, "password_changed")
    assert record.actor_id == user.id


def test_disabling_ends_sessions_and_tokens_and_enabling_does_not_revive_them(db):
    admin = UserFactory(role=Role.sysadmin, username="root")
    user = UserFactory(username="chen")
    old_generation = user.session_token
    token, _ = services.issue_token(db.session, user, timedelta(days=1))

    services.set_active(db.session, admin, user, False)
    db.session.flush()

    assert user.active is False
    assert user.session_token != old_generation
    assert services.resolve_token(db.session, token) is None
    with pytest.raises(Unauthenticated):
        login(db, "chen", DEFAULT_PASSWORD)

    services.set_active(db.session, admin, user, True)
    db.session.flush()
    assert services.resolve_token(db.session, token) is None
    assert login(db, "chen", DEFAULT_PASSWORD) is user
    actions = [(r.action, r.actor_id) for r in audits(db) if r.action.startswith("user_")]
    assert actions == [("user_disabled", admin.id), ("user_enabled", admin.id)]


def test_a_disabled_users_token_stops_working_even_if_not_revoked(db):
    user = UserFactory()
    token, _ = services.issue_token(db.session, user, timedelta(days=1))
    user.active = False  # e.g. switched off directly in the database

    assert services.resolve_token(db.session, token) is None


def test_log_out_starts_a_new_login_generation_and_ends_every_api_token(db):
    user = UserFactory(username="he")
    other = UserFactory(username="ta")
    old_generation = user.session_token
    tokens = [services.issue_token(db.session, user, timedelta(days=1))[0] for _ in range(2)]
    others_token, _ = services.issue_token(db.session, other, timedelta(days=1))

    services.log_out(db.session, user)
    db.session.flush()

    assert user.session_token != old_generation
    assert [services.resolve_token(db.session, token) for token in tokens] == [None, None]
    assert services.resolve_token(db.session, others_token) is other
    (record,) = audits(db, "logout")
    assert (record.actor_id, record.object_key) == (user.id, "he")
    assert record.data == {"tokens_revoked": 2}


def test_login_key_cleans_and_bounds_names():
    assert services.login_key("  wang  ") == ("wang", True)
    assert services.login_key(None) == ("", True)
    assert services.login_key("张三") == ("张三", True)
    assert services.login_key("a\x00b") == ("a\ufffdb", False)
    key, plausible = services.login_key("y" * 65)
    assert (key, plausible) == ("y" * 64, False)


def test_login_audit_records_cannot_be_altered_or_deleted(db):
    UserFactory(username="kong")
    with pytest.raises(Unauthenticated):
        login(db, "kong", "guess guess guess")
    db.session.commit()  # as the view does; the test's outer transaction still rolls back
    (record,) = audits(db, "login_failed")

    record.object_key = "someone-else"
    with pytest.raises(AuditTamperError):
        db.session.flush()
    db.session.rollback()

    (record,) = audits(db, "login_failed")
    db.session.delete(record)
    with pytest.raises(AuditTamperError):
        db.session.flush()


def _fresh_token(db, user) -> str:
    token, _row = services.issue_token(db.session, user, timedelta(hours=1))
    db.session.commit()
    db.session.expunge_all()  # a request's session starts empty
    return token


def test_a_tokens_user_is_loaded_from_one_statement_as_a_query_would_load_it(db):
    """The caller, its organisation and its person come from one statement's plain columns
    (auth.queries.user_of): persistent objects of the session, every column as stored,
    the relationships read without another statement."""
    from tests.factories import OrganizationFactory, PersonFactory
    from tests.statements import statements_sent

    org = OrganizationFactory(code="W-9", name="水司")
    person = PersonFactory(name="王五")
    user = UserFactory(role=Role.operator, organization=org, person=person, locale="en")
    db.session.flush()
    ids, kind = (user.id, org.id, person.id), org.kind
    expected = {key: getattr(user, key) for key in
                ("username", "role", "organization_id", "person_id", "active", "locale",
                 "session_token", "created_at", "password_hash")}
    token = _fresh_token(db, user)
    with statements_sent(db.engine) as statements:
        found = services.resolve_token(db.session, token)
        seen = (found.organization.code, found.organization.kind, found.person.name,
                {key: getattr(found, key) for key in expected})
    assert len([text for text in statements if text.lstrip().upper().startswith("SELECT")]) == 1
    assert seen == ("W-9", kind, "王五", expected)
    assert (found.id, found.organization.id, found.person.id) == ids
    state = db.inspect(found)
    assert state.persistent and not state.modified and found in db.session
    assert db.session.get(type(found), found.id) is found
    # A change to the loaded user is written like any other.
    found.locale = "zh_CN"
    db.session.commit()
    db.session.expunge_all()
    assert db.session.get(type(found), ids[0]).locale == "zh_CN"


def test_a_tokens_user_the_session_holds_is_the_one_given_back_refreshed(db):
    """A user the session holds already (expired by a commit) is given back, not copied,
    with what the commit expired read from the same statement."""
    from tests.statements import statements_sent

    user = UserFactory(role=Role.sysadmin, locale="en")
    db.session.flush()
    model, user_id = type(user), user.id
    token = _fresh_token(db, user)
    held = db.session.get(model, user_id)
    db.session.commit()  # expires it
    with statements_sent(db.engine) as statements:
        found = services.resolve_token(db.session, token)
        assert found is held
        assert (found.locale, found.organization, found.person) == ("en", None, None)
    assert len([text for text in statements if text.lstrip().upper().startswith("SELECT")]) == 1


def test_a_user_without_organisation_or_person_loads_with_neither(db):
    user = UserFactory(role=Role.sysadmin)
    db.session.flush()
    username = user.username
    token = _fresh_token(db, user)
    found = services.resolve_token(db.session, token)
    assert found.username == username
    assert (found.organization, found.person) == (None, None)
