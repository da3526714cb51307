"""factory_boy factories for the models; they add to the test's session and flush."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory
from factory.alchemy import SQLAlchemyModelFactory

from pmsys.auth.passwords import hash_password
from pmsys.extensions import db
from pmsys.models.auth import Organization, OrganizationCategory, OrgKind, Role, User
from pmsys.models.governance import (
    Committee,
    CommitteeKind,
    CommitteeStatus,
    ManagementMode,
    ManagementPlan,
    ManagementTerm,
)
from pmsys.models.places import Building, Community, Household, Person, Region, RegionKind, Unit

DEFAULT_PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password(DEFAULT_PASSWORD)  # hashing is slow: do it once


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class RegionFactory(_Base):
    class Meta:
        model = Region

    code = factory.Sequence(lambda n: f"R{n}")
    name = factory.Sequence(lambda n: f"区域{n}")
    kind = RegionKind.city


def street(parent_district=None) -> Region:
    """Return a city → district → street chain's street (new regions each call)."""
    district = parent_district or RegionFactory(
        kind=RegionKind.district, parent=RegionFactory(kind=RegionKind.city)
    )
    return RegionFactory(kind=RegionKind.street, parent=district)


class PersonFactory(_Base):
    class Meta:
        model = Person

    code = factory.Sequence(lambda n: f"P{n}")
    name = factory.Sequence(lambda n: f"业主{n}")
    phone = factory.Sequence(lambda n: f"138{n:08d}")


class OrganizationFactory(_Base):
    class Meta:
        model = Organization

    code = factory.Sequence(lambda n: f"ORG{n}")
    name = factory.Sequence(lambda n: f"单位{n}")
    kind = OrgKind.property_company
    duty = ""

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        for code in extracted or ():
            self.category_links.append(OrganizationCategory(category=code))
        if extracted:
            db.session.flush()

    @factory.post_generation
    def in_office(self, create, extracted, **kwargs):
        """An owners' committee organisation bound to a community is its committee in office
        (pass in_office=False for one that is not)."""
        if self.kind is OrgKind.owners_committee and self.community is not None and (
            extracted is None or extracted
        ):
            db.session.add(Committee(community=self.community, kind=CommitteeKind.owners,
                                     status=CommitteeStatus.active, organization=self))
            db.session.flush()


class CommunityFactory(_Base):
    class Meta:
        model = Community

    code = factory.Sequence(lambda n: f"C{n}")
    name = factory.Sequence(lambda n: f"小区{n}")
    street = factory.LazyFunction(street)
    built_year = 1995


class BuildingFactory(_Base):
    class Meta:
        model = Building

    community = factory.SubFactory(CommunityFactory)
    code = factory.Sequence(lambda n: str(n + 1))
    floors = 5


class UnitFactory(_Base):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    code = factory.Sequence(lambda n: str(n + 1))


class HouseholdFactory(_Base):
    class Meta:
        model = Household

    unit = factory.SubFactory(UnitFactory)
    code = factory.Sequence(lambda n: str(101 + n))
    area = Decimal("62.50")
    owner = factory.SubFactory(PersonFactory)


class UserFactory(_Base):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    password_hash = _PASSWORD_HASH
    role = Role.sysadmin
    active = True


class ManagementTermFactory(_Base):
    class Meta:
        model = ManagementTerm

    community = factory.SubFactory(CommunityFactory)
    mode = ManagementMode.professional
    organization = factory.SubFactory(OrganizationFactory, kind=OrgKind.property_company)
    start = date(2020, 1, 1)
    end = None
    basis = "test"


class ManagementPlanFactory(_Base):
    """A recorded long-term management plan (community-run by default)."""

    class Meta:
        model = ManagementPlan

    community = factory.SubFactory(CommunityFactory)
    mode = ManagementMode.community
    note = "街道社区准物业服务"
    recorded_on = date(2020, 1, 1)
    recorded_by = factory.SubFactory("tests.factories.UserFactory", role=Role.bureau_admin)


def resident_of(household: Household, **kwargs) -> User:
    """A resident login for the owner of `household`."""
    return UserFactory(role=Role.resident, person=household.owner, **kwargs)


def staff(role: Role, org: Organization, **kwargs) -> User:
    """A staff login of `org` with `role`."""
    return UserFactory(role=role, organization=org, **kwargs)
