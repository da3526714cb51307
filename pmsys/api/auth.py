"""API authentication: tokens and the caller's own profile."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from flask import current_app, g, request
from pydantic import Field

from pmsys.api import bp
from pmsys.api.helpers import api_login_required, bearer_token
from pmsys.api.refs import user_json
from pmsys.api.typed import Answer, Input, endpoint, text
from pmsys.auth import services
from pmsys.auth.queries import org_profile
from pmsys.config import Config
from pmsys.extensions import db
from pmsys.models.auth import Role


class Credentials(Input):
    # Any length: a name or password no account can have is simply wrong (401, audited).
    username: text(1_000_000, 1)
    password: text(1_000_000, 1)


class Token(Answer):
    token: Annotated[str, Field(description="Send as `Authorization: Bearer …`.")]
    expires_at: datetime


class Organization(Answer):
    code: Annotated[str, Field(min_length=1)]
    name: str
    kind: str
    region: str | None
    community: str | None
    categories: list[str]


class PersonRef(Answer):
    code: Annotated[str, Field(min_length=1)]
    name: str


class Me(Answer):
    username: str
    role: Literal[tuple(role.value for role in Role)]
    organization: Organization | None
    person: PersonRef | None
    locale: Literal[tuple(Config.LANGUAGES)]


@bp.post("/auth/token")
@endpoint(body=Credentials, public=True, tags=("auth",),
          answers={201: ("A new token; shown only this once.", Token)},
          refusals={401: "Wrong username or password, or a disabled account "
                         "(code `bad_credentials`).",
                    429: ""})
def create_token(body: Credentials):
    """Exchange a username and password for a bearer token.

    Failures are audited. After 5 failures for one account (or 30 from one client) within
    15 minutes every attempt answers 429 `login_throttled` until the window has passed,
    even with the right password.
    """
    config = current_app.config
    limits = (
        config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        config["LOGIN_MAX_FAILURES_PER_CLIENT"],
        config["LOGIN_FAILURE_WINDOW"],
    )
    user = services.authenticate(
        db.session, body.username, body.password, client=request.remote_addr, limits=limits,
        channel="api",
    )
    token, row = services.issue_token(db.session, user, config["API_TOKEN_TTL"])
    return {"token": token, "expires_at": row.expires_at.isoformat()}, 201


@bp.delete("/auth/token")
@api_login_required
@endpoint(answers={204: ("Revoked.", None)}, tags=("auth",),
          refusals={403: "The token is an organisation's API key, which its administrator "
                         "revokes (`api_key`)."})
def delete_token():
    """Revoke the token used for this request (log out)."""
    services.revoke_token(db.session, g.api_user, bearer_token())
    return "", 204


@bp.get("/me")
@api_login_required
@endpoint(answers={200: ("The caller.", Me)}, tags=("auth",))
def me():
    """The caller's profile."""
    user = g.api_user
    organization = org_profile(db.session, user.organization) if user.organization else None
    return user_json(user, organization)
