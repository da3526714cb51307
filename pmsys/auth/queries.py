"""Reading users and organisations for answers, in a fixed number of statements."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, aliased

from pmsys.db import Loaded
from pmsys.models.auth import Organization, OrganizationCategory, User
from pmsys.models.places import Community, Person, Region

# A user with the organisation and person every answer and page reads, as plain columns
# (`joined_user`) made into the objects a query would load (`user_of`).
_USER, _ORG, _PERSON = Loaded(User), Loaded(Organization), Loaded(Person)
_ORG_AT = len(_USER.columns)
_PERSON_AT = _ORG_AT + len(_ORG.columns)
USER_COLUMNS = (*_USER.columns, *_ORG.columns, *_PERSON.columns)


def joined_user(query: Select) -> Select:
    """`query`, which selects USER_COLUMNS from the users, joined to their organisation and
    person."""
    return (query.outerjoin(Organization, Organization.id == User.organization_id)
            .outerjoin(Person, Person.id == User.person_id))


def user_of(session: Session, values: Sequence) -> User:
    """The user of USER_COLUMNS' values, its organisation and person loaded, in `session`."""
    return _USER.of(session, values[:_ORG_AT],
                    organization=_ORG.of(session, values[_ORG_AT:_PERSON_AT]),
                    person=_PERSON.of(session, values[_PERSON_AT:]))

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
