"""Who sees which community, household and phone number, for every role
(docs/domain.md#visibility)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from pmsys import clock
from pmsys.auth import permissions
from pmsys.errors import NotFound
from pmsys.models.auth import OrgKind, Role
from pmsys.models.places import Building, Community, Household, HouseholdResident, RegionKind, Unit
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    HouseholdFactory,
    ManagementTermFactory,
    OrganizationFactory,
    PersonFactory,
    RegionFactory,
    UnitFactory,
    UserFactory,
    resident_of,
    staff,
)

# 10:00 on 1 June 2025 in China; "today" for management terms is that date.
NOW = datetime(2025, 6, 1, 2, 0, tzinfo=UTC)


def household_in(community, owner=None) -> Household:
    unit = UnitFactory(building=BuildingFactory(community=community))
    return HouseholdFactory(unit=unit, **({"owner": owner} if owner else {}))


def manager_with_term(community, start: date, end: date | None):
    org = OrganizationFactory(kind=OrgKind.property_company)
    ManagementTermFactory(community=community, organization=org, start=start, end=end)
    return staff(Role.manager, org)


@pytest.fixture
def world(db):
    """Two districts of one city; communities A and B in district 1, C in district 2."""
    clock.set_now(NOW)
    city = RegionFactory(kind=RegionKind.city)
    district1 = RegionFactory(kind=RegionKind.district, parent=city)
    district2 = RegionFactory(kind=RegionKind.district, parent=city)
    street1 = RegionFactory(kind=RegionKind.street, parent=district1)
    street2 = RegionFactory(kind=RegionKind.street, parent=district1)
    street3 = RegionFactory(kind=RegionKind.street, parent=district2)
    office = OrganizationFactory(kind=OrgKind.community_office, region=street2)

    a = CommunityFactory(street=street1, community_office=office)
    b = CommunityFactory(street=street2)
    c = CommunityFactory(street=street3)

    owner = PersonFactory()
    tenant = PersonFactory()
    stranger = PersonFactory()
    a1 = household_in(a, owner)
    a2 = household_in(a)
    b1 = household_in(b)
    c1 = household_in(c, owner)  # one person may own households in several communities
    db.session.add(HouseholdResident(household_id=a1.id, person_id=tenant.id))
    db.session.flush()

    committee_org = OrganizationFactory(kind=OrgKind.owners_committee, community=a)
    users = {
        "owner": resident_of(a1),
        "tenant": UserFactory(role=Role.resident, person=tenant),
        "stranger": UserFactory(role=Role.resident, person=stranger),
        "committee_member": staff(Role.committee_member, committee_org),
        "manager": manager_with_term(a, date(2020, 1, 1), None),
        "manager_ended": manager_with_term(b, date(2020, 1, 1), date(2025, 5, 31)),
        "manager_ends_today": manager_with_term(b, date(2025, 6, 1), date(2025, 6, 1)),
        "manager_future": manager_with_term(c, date(2025, 6, 2), None),
        "manager_starts_today": manager_with_term(c, date(2025, 6, 1), date(2025, 6, 1)),
        "operator": staff(
            Role.operator, OrganizationFactory(kind=OrgKind.utility, region=district1)
        ),
        "street_officer": staff(
            Role.street_officer, OrganizationFactory(kind=OrgKind.street_office, region=street1)
        ),
        # The office serves A although it sits in B's street: the link decides, not the street.
        "community_officer": staff(Role.street_officer, office),
        "bureau_admin": staff(
            Role.bureau_admin, OrganizationFactory(kind=OrgKind.housing_bureau, region=district1)
        ),
        "city_bureau_admin": staff(
            Role.bureau_admin, OrganizationFactory(kind=OrgKind.housing_bureau, region=city)
        ),
        "sysadmin": UserFactory(role=Role.sysadmin),
        "inactive_sysadmin": UserFactory(role=Role.sysadmin, active=False),
        "anonymous": AnonymousUserMixin(),
        "nobody": None,
    }
    # A colleague of A's manager whose login was switched off.
    users["inactive_manager"] = staff(Role.manager, users["manager"].organization, active=False)
    return SimpleNamespace(
        communities={"A": a, "B": b, "C": c},
        households={"a1": a1, "a2": a2, "b1": b1, "c1": c1},
        users=users,
    )


VISIBLE = {
    "owner": {"A", "C"},
    "tenant": {"A"},
    "stranger": set(),
    "committee_member": {"A"},
    "manager": {"A"},
    "manager_ended": set(),
    "manager_ends_today": {"B"},
    "manager_future": set(),
    "manager_starts_today": {"C"},
    "operator": {"A", "B"},
    "street_officer": {"A"},
    "community_officer": {"A"},
    "bureau_admin": {"A", "B"},
    "city_bureau_admin": {"A", "B", "C"},
    "sysadmin": {"A", "B", "C"},
    "inactive_sysadmin": set(),
    "inactive_manager": set(),
    "anonymous": set(),
    "nobody": set(),
}


def names_of(world, ids) -> set[str]:
    by_id = {community.id: name for name, community in world.communities.items()}
    return {by_id[i] for i in ids if i in by_id}


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_community_clause_selects_what_each_role_may_see(db, world, who):
    actor = world.users[who]

    ids = db.session.scalars(select(Community.id).where(permissions.community_clause(actor)))
    listed = db.session.scalars(permissions.visible_communities(actor))

    assert names_of(world, ids) == VISIBLE[who]
    assert names_of(world, [c.id for c in listed]) == VISIBLE[who]


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_object_checks_agree_with_the_list(db, world, who):
    actor = world.users[who]

    for name, community in world.communities.items():
        visible = name in VISIBLE[who]
        assert permissions.can_see_community(db.session, actor, community) is visible, name
        if visible:
            found = permissions.get_community_or_404(db.session, actor, community.code)
            assert found is community
        else:
            with pytest.raises(NotFound) as caught:
                permissions.get_community_or_404(db.session, actor, community.code)
            assert caught.value.code == "community_not_found"


def test_a_forbidden_community_looks_like_a_missing_one(db, world):
    stranger = world.users["committee_member"]

    with pytest.raises(NotFound) as forbidden:
        permissions.get_community_or_404(db.session, stranger, world.communities["B"].code)
    with pytest.raises(NotFound) as missing:
        permissions.get_community_or_404(db.session, stranger, "NO-SUCH-CODE")

    assert forbidden.value.code == missing.value.code
    assert forbidden.value.status == missing.value.status == 404


def test_the_clock_decides_which_terms_are_in_force(db, world):
    manager = world.users["manager_future"]
    c = world.communities["C"]
    assert not permissions.can_see_community(db.session, manager, c)

    clock.set_now(datetime(2025, 6, 1, 16, 30, tzinfo=UTC))  # 00:30 on 2 June in China

    assert permissions.can_see_community(db.session, manager, c)
    assert not permissions.can_see_community(db.session, world.users["manager_starts_today"], c)


# Households of community A each role may read, once it may see A at all.
HOUSEHOLDS_OF_A = {
    "owner": {"a1"},
    "tenant": {"a1"},
    "stranger": set(),
    "committee_member": {"a1", "a2"},
    "manager": {"a1", "a2"},
    "operator": set(),
    "street_officer": {"a1", "a2"},
    "community_officer": {"a1", "a2"},
    "bureau_admin": {"a1", "a2"},
    "sysadmin": {"a1", "a2"},
    "inactive_sysadmin": set(),
    "inactive_manager": set(),
    "anonymous": set(),
    "nobody": set(),
}


def households_read(db, world, actor, community) -> set[str]:
    units = select(Unit.id).join(Unit.building).where(Building.community_id == community.id)
    ids = db.session.scalars(
        select(Household.id).where(
            Household.unit_id.in_(units), permissions.household_clause(actor, community)
        )
    )
    by_id = {household.id: name for name, household in world.households.items()}
    return {by_id[i] for i in ids}


@pytest.mark.parametrize("who", sorted(HOUSEHOLDS_OF_A))
def test_household_clause_for_each_role(db, world, who):
    actor = world.users[who]

    assert households_read(db, world, actor, world.communities["A"]) == HOUSEHOLDS_OF_A[who]


def test_resident_reads_only_own_households_in_each_community(db, world):
    owner = world.users["owner"]

    assert households_read(db, world, owner, world.communities["C"]) == {"c1"}
    assert households_read(db, world, owner, world.communities["B"]) == set()


# Who may read owners' phone numbers unmasked: only a community's manager of today.
FULL_PHONE = {
    "manager": {"A"},
    "manager_ends_today": {"B"},
    "manager_starts_today": {"C"},
    "sysadmin": {"A", "B", "C"},
}


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_full_phone_numbers_only_for_the_current_manager(db, world, who):
    actor = world.users[who]

    for name, community in world.communities.items():
        expected = name in FULL_PHONE.get(who, set())
        assert permissions.can_see_full_phone(db.session, actor, community) is expected, name


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("047212345678", "047*****5678"),
        ("1234567", "*******"),
        ("", ""),
        (None, None),
    ],
)
def test_mask_phone(phone, masked):
    assert permissions.mask_phone(phone) == masked


def test_owners_and_imports_by_role(db, world):
    readers = {who for who, user in world.users.items() if permissions.can_see_owners(user)}
    importers = {who for who, user in world.users.items() if permissions.can_import(user)}

    assert readers == {
        "committee_member", "manager", "manager_ended", "manager_ends_today", "manager_future",
        "manager_starts_today", "street_officer", "community_officer", "bureau_admin",
        "city_bureau_admin", "sysadmin",
    }
    assert importers == {"bureau_admin", "city_bureau_admin", "sysadmin"}
