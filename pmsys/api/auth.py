"""API authentication: tokens and the caller's own profile."""

from __future__ import annotations

from flask import current_app, g, request

from pmsys.api import bp
from pmsys.api.helpers import api_login_required, bearer_token, json_body
from pmsys.auth import services
from pmsys.auth.queries import org_profile
from pmsys.auth.serializers import user_json
from pmsys.errors import InvalidInput
from pmsys.extensions import db


@bp.post("/auth/token")
def create_token():
    """Exchange a username and password for a bearer token."""
    data = json_body()
    username, password = data.get("username"), data.get("password")
    fields = {
        name: "required (a string)"
        for name, value in (("username", username), ("password", password))
        if not isinstance(value, str) or not value
    }
    if fields:
        raise InvalidInput("username and password are required", fields=fields)
    config = current_app.config
    limits = (
        config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        config["LOGIN_MAX_FAILURES_PER_CLIENT"],
        config["LOGIN_FAILURE_WINDOW"],
    )
    user = services.authenticate(
        db.session, username, password, client=request.remote_addr, limits=limits,
        channel="api",
    )
    token, row = services.issue_token(db.session, user, config["API_TOKEN_TTL"])
    return {"token": token, "expires_at": row.expires_at.isoformat()}, 201


@bp.delete("/auth/token")
@api_login_required
def delete_token():
    """Revoke the token used for this request (API logout)."""
    services.revoke_token(db.session, g.api_user, bearer_token())
    return "", 204


@bp.get("/me")
@api_login_required
def me():
    """The caller: username, role, organisation, person, language."""
    user = g.api_user
    organization = org_profile(db.session, user.organization) if user.organization else None
    return user_json(user, organization)
