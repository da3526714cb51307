"""Logging in, API tokens and password changes."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from pmsys import audit, clock, unit_of_work
from pmsys.audit import AuditRecord
from pmsys.auth.keys import is_api_key
from pmsys.auth.passwords import (
    has_control_characters,
    hash_password,
    password_problem,
    verify_password,
)
from pmsys.auth.queries import USER_COLUMNS, joined_user, user_of
from pmsys.config import Config
from pmsys.errors import Forbidden, InvalidInput, TooManyRequests, Unauthenticated
from pmsys.models.auth import ApiToken, User, hash_token, new_session_token

USERNAME_MAX = User.username.type.length

# A hash to compare against when the username is unknown, so both paths cost the same.
_DUMMY_HASH = hash_password(secrets.token_hex(16))


def _recent_failures(session: Session, since: datetime, **match) -> tuple[int, datetime | None]:
    """How many logins failed since `since` for this account or client, and the oldest."""
    query = select(func.count(AuditRecord.id), func.min(AuditRecord.at)).where(
        AuditRecord.action == "login_failed", AuditRecord.at >= since
    )
    for column, value in match.items():
        query = query.where(getattr(AuditRecord, column) == value)
    count, oldest = session.execute(query).one()
    return count or 0, oldest


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    client: str | None,
    limits: tuple[int, int, timedelta],
    channel: str = "web",
) -> User:
    """Return the active user with these credentials, or raise.

    Failures are audited, and the audit trail (in the shared database, so all
    workers see it) is what throttles: too many recent failures for the
    account or from the client refuse further attempts (docs/reliability.md#passwords).
    """
    per_account, per_client, window = limits
    now = clock.now()
    since = now - window
    key, plausible = login_key(username)
    throttled = [found for found, limit in (
        (_recent_failures(session, since, object_key=key), per_account),
        (_recent_failures(session, since, client=client) if client else (0, None), per_client),
    ) if found[0] >= limit]
    if throttled:
        audit.refusal(session, None, "login_throttled", "user", key, client=client, channel=channel)
        # Free again once the oldest counted failure has left the window.
        free_at = max(oldest + window for _count, oldest in throttled)
        raise TooManyRequests("too many failed logins; wait and try again", code="login_throttled",
                              retry_after=int((free_at - now).total_seconds()) + 1)
    user = session.scalar(select(User).where(User.username == key)) if plausible else None
    valid = verify_password(user.password_hash if user else _DUMMY_HASH, password or "")
    if user is None or not valid or not user.active:
        audit.refusal(session, None, "login_failed", "user", key, client=client, channel=channel)
        raise Unauthenticated("wrong username or password", code="bad_credentials")
    audit.record(session, user, "login", "user", key, client=client, channel=channel)
    return user


def login_key(username: str | None) -> tuple[str, bool]:
    """Return the name under which a login attempt is counted, and whether it can be a user's.

    Whatever a client sends must be storable in the audit trail and usable in a
    query on both engines: PostgreSQL refuses NUL characters and over-long
    values, and no driver can encode a lone surrogate. Such a name cannot be
    any user's, so it is counted under a cleaned, shortened form.
    """
    name = (username or "").strip()
    key = "".join("\ufffd" if has_control_characters(ch) else ch for ch in name)[:USERNAME_MAX]
    return key, key == name


def issue_token(session: Session, user: User, ttl: timedelta) -> tuple[str, ApiToken]:
    """Create an API token for `user`; return the clear token (shown once) and its row."""
    token = secrets.token_urlsafe(32)
    row = ApiToken(user=user, token_hash=hash_token(token), expires_at=clock.now() + ttl)
    session.add(row)
    session.flush()
    audit.record(session, user, "token_issued", "api_token", row.id)
    return token, row


# A token's last use is bookkeeping: kept to the minute, written at most that often.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
# Built once: every API request runs it. The token's own columns come as plain values
# beside the user's, its organisation's and its person's (made into objects by `user_of`).
_TOKEN_WITH_USER = joined_user(
    select(ApiToken.id, ApiToken.expires_at, ApiToken.revoked_at, ApiToken.last_used_at,
           *USER_COLUMNS)
    .select_from(ApiToken).join(User, User.id == ApiToken.user_id)
).where(ApiToken.token_hash == bindparam("token_hash"))


def resolve_token(session: Session, token: str) -> User | None:
    """Return the active user of a valid, unexpired, unrevoked token, else None.

    One statement reads the token with its user, organisation and person, as plain
    columns: the objects are made from them (`auth.queries.user_of`). The
    last use is recorded at most once a minute, after the request, in a short
    transaction of its own: the token's row is never locked while a request
    works, so requests carrying one token run side by side.
    """
    if not token:
        return None
    session.flush()  # what this unit of work changed is read back, as a query would see it
    found = session.connection().execute(_TOKEN_WITH_USER,
                                         {"token_hash": hash_token(token)}).first()
    if found is None:
        return None
    token_id, expires_at, revoked_at, last_used_at = found[:4]
    now = clock.now()
    if revoked_at is not None or expires_at <= now:
        return None
    user = user_of(session, found[4:])
    if not user.active:
        return None
    if last_used_at is None or now - last_used_at >= TOKEN_TOUCH_INTERVAL:
        unit_of_work.after_end(session, partial(_touch_token, token_id, now), best_effort=True)
    return user


def _touch_token(token_id: int, now: datetime, session: Session) -> None:
    stale = or_(ApiToken.last_used_at.is_(None),
                ApiToken.last_used_at <= now - TOKEN_TOUCH_INTERVAL)
    session.execute(
        update(ApiToken).where(ApiToken.id == token_id, stale).values(last_used_at=now),
        execution_options={"synchronize_session": False},
    )


def revoke_token(session: Session, user: User, token: str) -> None:
    """Revoke one token of `user` (API logout); an organisation's API key cannot log out.

    A key ends only when its organisation's administrator revokes it (docs/api.md#api-keys).
    """
    if is_api_key(session, user):
        raise Forbidden("an API key is revoked by its organisation's administrator",
                        code="api_key")
    row = session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.user_id == user.id
        )
    )
    if row is not None and row.revoked_at is None:
        row.revoked_at = clock.now()
        audit.record(session, user, "token_revoked", "api_token", row.id)


def end_all_sessions(session: Session, user: User) -> int:
    """End every web session and revoke every API token of `user`; how many tokens ended.

    (docs/reliability.md#session-end)
    """
    user.session_token = new_session_token()
    return session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    ).rowcount or 0


def log_out(session: Session, user: User) -> None:
    """End every web session and API token of `user`, and audit it (#session-end).

    Per kind of credential: a web logout means the person has left, so their
    sessions in every browser and the API tokens issued to them end
    (ASVS 7.4.1); an API client's own logout (DELETE /api/v1/auth/token) ends
    only its token; an organisation's API keys belong to the organisation and
    end only when its administrator revokes them. Session cookies are signed,
    not stored, so a copy of one taken before the logout would still be valid:
    only a new login generation ends it.
    """
    revoked = end_all_sessions(session, user)
    audit.record(session, user, "logout", "user", user.username, tokens_revoked=revoked)


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change `user`'s password after checking the current one; ends all other sessions.

    A refusal is audited (docs/reliability.md#audit), so the caller should commit then too.
    """
    if not verify_password(user.password_hash, current or ""):
        audit.refusal(
            session, user, "password_change_refused", "user", user.username,
            reason="bad_current_password",
        )
        raise InvalidInput(
            "the current password is wrong",
            code="bad_current_password",
            fields={"current_password": "wrong"},
        )
    problem = password_problem(new or "", user.username)
    if problem:
        audit.refusal(
            session, user, "password_change_refused", "user", user.username,
            reason="weak_password",
        )
        raise InvalidInput(
            str(problem), code="weak_password", fields={"new_password": str(problem)}
        )
    user.password_hash = hash_password(new)
    user.password_changed_at = clock.now()
    end_all_sessions(session, user)
    audit.record(session, user, "password_changed", "user", user.username)


def choose_language(session: Session, user: User, locale: str | None) -> None:
    """Keep `locale` as the account's language; None lets each browser's language decide.

    Only this choice is stored on the account: the switch in the page header lasts
    for the browser session (docs/style.md#words).
    """
    if locale is not None and locale not in Config.LANGUAGES:
        raise InvalidInput("unknown language", fields={"language": ", ".join(Config.LANGUAGES)})
    if user.locale == locale:
        return
    before = user.locale
    user.locale = locale
    session.flush()
    audit.record(session, user, "language_chosen", "user", user.username,
                 before=before, after=locale)


def set_active(session: Session, actor, user: User, active: bool) -> None:
    """Enable or disable a login; disabling ends its sessions and tokens."""
    user.active = active
    if not active:
        end_all_sessions(session, user)
    audit.record(
        session, actor, "user_enabled" if active else "user_disabled", "user", user.username
    )
