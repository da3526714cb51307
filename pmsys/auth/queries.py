"""Reading users and organisations for answers, in a fixed number of statements."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, aliased

from pmsys.models.auth import Organization, OrganizationCategory
from pmsys.models.places import Community, Region

_community = aliased(Community)
_ORG_DETAILS = (
    select(Region.code, _community.code, OrganizationCategory.category)
    .select_from(Organization)
    .outerjoin(Region, Region.id == Organization.region_id)
    .outerjoin(_community, _community.id == Organization.community_id)
    .outerjoin(OrganizationCategory, OrganizationCategory.organization_id == Organization.id)
    .where(Organization.id == bindparam("org_id"))
    .order_by(OrganizationCategory.category)
)


def org_profile(session: Session, org: Organization) -> dict:
    """An organisation as `auth.serializers.org_json` shows it, read in one statement."""
    # Plain columns: the connection runs it without the ORM's result handling.
    rows = session.connection().execute(_ORG_DETAILS, {"org_id": org.id}).all()
    region, community = (rows[0][0], rows[0][1]) if rows else (None, None)
    return {
        "code": org.code,
        "name": org.name,
        "kind": org.kind.value,
        "region": region,
        "community": community,
        "categories": [category for _r, _c, category in rows if category is not None],
    }
