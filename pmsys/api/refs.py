"""JSON shapes of users and organisations, shared by the API modules."""

from __future__ import annotations

from pmsys.models.auth import Organization, User


def org_ref(org: Organization | None) -> dict | None:
    """`{"org": code, "name": name}`, the API's reference to an organisation."""
    if org is None:
        return None
    return {"org": org.code, "name": org.name}


def org_json(org: Organization) -> dict:
    """An organisation with its kind, region and served categories."""
    return {
        "code": org.code,
        "name": org.name,
        "kind": org.kind.value,
        "region": org.region.code if org.region else None,
        "community": org.community.code if org.community else None,
        "categories": org.categories,
    }


def user_json(user: User, organization: dict | None = None) -> dict:
    """The caller's own profile (GET /api/v1/me); `organization` as `org_json` gives it."""
    if organization is None and user.organization is not None:
        organization = org_json(user.organization)
    return {
        "username": user.username,
        "role": user.role.value,
        "organization": organization,
        "person": (
            {"code": user.person.code, "name": user.person.name} if user.person else None
        ),
        "locale": user.locale or "zh_CN",
    }
