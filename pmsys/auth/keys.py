"""Organisations' API keys (docs/api.md#api-keys): issued by its administrator, revocable.

A key is a login of its own that belongs to the organisation, with the role its
staff log in with, and one bearer token that does not expire. So a key reads and
acts exactly as the organisation's staff may — the same permission rules, no
second set — and the audit trail names the key's login (`apikey-…`). Only the
token's hash is stored; the key is shown once.

Who administers an organisation: there is no administrator role inside an
organisation, so the closest existing one stands in — an active staff login of
that organisation (its kind's staff role, docs/domain.md#organisations) that is
not itself an API key — and sysadmins, for any organisation.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys import audit, clock
from pmsys.db import valid_id
from pmsys.errors import Forbidden, NotFound
from pmsys.models.auth import (
    ApiToken,
    Organization,
    OrgKind,
    Role,
    User,
    hash_token,
)
from pmsys.models.integrations import ApiKey

# A key does not expire: it ends when revoked. A token row needs an end, so a far one.
KEY_LIFETIME = timedelta(days=365 * 100)
# Not a password hash of any method: no password ever matches, so a key cannot log in.
NO_PASSWORD = "!api-key"
KEY_PREFIX = "pmk_"

# The role a key acts with when its issuer is not staff of the organisation (a sysadmin).
_KIND_ROLE = {
    OrgKind.housing_bureau: Role.bureau_admin,
    OrgKind.street_office: Role.street_officer,
    OrgKind.community_office: Role.street_officer,
    OrgKind.owners_committee: Role.committee_member,
    OrgKind.utility: Role.operator,
    OrgKind.contractor: Role.operator,
    OrgKind.maintainer: Role.operator,
    OrgKind.authority: Role.operator,
}


def is_api_key(session: Session, user) -> bool:
    """Whether this login is an organisation's API key."""
    if isinstance(user, str) or user is None or getattr(user, "id", None) is None:
        return False
    return session.scalar(select(ApiKey.id).where(ApiKey.user_id == user.id)) is not None


def may_administer(session: Session, actor, org: Organization) -> bool:
    """Whether `actor` administers the organisation's keys and webhooks (see module)."""
    if isinstance(actor, str) or actor is None or not getattr(actor, "active", False):
        return False
    if actor.role is Role.sysadmin:
        return True
    if actor.role in (Role.resident, Role.grid_worker) or actor.organization_id != org.id:
        return False
    return not is_api_key(session, actor)


def org_for_admin(session: Session, actor, code: str, action: str) -> Organization:
    """The organisation `code` if `actor` administers it; else 404 (unknown) or 403 (audited)."""
    org = session.scalar(select(Organization).where(Organization.code == code))
    if org is None:
        raise NotFound("no such organisation", code="not_found")
    if not may_administer(session, actor, org):
        audit.refusal(session, actor, f"{action}_refused", "organization", org.code)
        raise Forbidden("only the organisation's own staff or a sysadmin may do this",
                        code="not_org_admin")
    return org


def issue_key(session: Session, actor, org: Organization) -> tuple[str, ApiKey]:
    """Create an API key for `org`; return the clear key (shown once) and its row."""
    role = (actor.role if getattr(actor, "organization_id", None) == org.id
            else _KIND_ROLE.get(org.kind, Role.manager))
    login = User(username=f"apikey-{secrets.token_hex(8)}", password_hash=NO_PASSWORD,
                 role=role, organization_id=org.id, active=True)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=login, token_hash=hash_token(key),
                     expires_at=clock.now() + KEY_LIFETIME)
    row = ApiKey(organization_id=org.id, user=login, token=token,
                 created_by_id=getattr(actor, "id", None))
    session.add_all([login, token, row])
    session.flush()
    audit.record(session, actor, "api_key_issued", "api_key", row.id, org=org.code,
                 login=login.username, role=role.value)
    return key, row


def list_keys(session: Session, org: Organization) -> list[ApiKey]:
    """The organisation's keys, newest first (revoked ones included)."""
    return list(session.scalars(
        select(ApiKey).where(ApiKey.organization_id == org.id).order_by(ApiKey.id.desc())))


def revoke_key(session: Session, actor, org: Organization, key_id: int) -> ApiKey:
    """Revoke one of the organisation's keys: its token ends and its login is disabled."""
    row = session.scalar(select(ApiKey).where(ApiKey.id == valid_id(key_id),
                                              ApiKey.organization_id == org.id))
    if row is None:
        raise NotFound("no such API key", code="not_found")
    if row.revoked_at is None:
        now = clock.now()
        row.revoked_at = now
        if row.token is not None and row.token.revoked_at is None:
            row.token.revoked_at = now
        row.user.active = False
        audit.record(session, actor, "api_key_revoked", "api_key", row.id, org=org.code,
                     login=row.user.username)
    return row
