"""Organisations, users and API tokens (docs/domain.md#organisations)."""

from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pmsys.db import Base, UTCDateTime, str_enum, utcnow
from pmsys.models.places import Community, Person, Region


class OrgKind(enum.StrEnum):
    housing_bureau = "housing_bureau"
    street_office = "street_office"
    community_office = "community_office"
    utility = "utility"
    property_company = "property_company"
    self_management = "self_management"
    original_unit = "original_unit"
    contractor = "contractor"
    maintainer = "maintainer"
    authority = "authority"
    owners_committee = "owners_committee"
    party_organization = "party_organization"
    parking_committee = "parking_committee"


# Kinds whose organisation belongs to exactly one community (docs/api.md#import).
COMMUNITY_BOUND_KINDS = frozenset(
    {
        OrgKind.owners_committee,
        OrgKind.self_management,
        OrgKind.party_organization,
        OrgKind.parking_committee,
    }
)
# Kinds whose staff log in with the operator role (docs/domain.md#organisations): a parking
# committee maintains its community's parking spaces like any maintainer (#parking).
OPERATOR_KINDS = frozenset(
    {OrgKind.utility, OrgKind.contractor, OrgKind.maintainer, OrgKind.authority,
     OrgKind.parking_committee}
)
# Kinds that may be the manager of a community (docs/domain.md#management).
MANAGER_KINDS = frozenset(
    {
        OrgKind.property_company,
        OrgKind.self_management,
        OrgKind.owners_committee,
        OrgKind.community_office,
        OrgKind.street_office,
        OrgKind.original_unit,
    }
)


class Role(enum.StrEnum):
    resident = "resident"
    committee_member = "committee_member"
    manager = "manager"
    operator = "operator"
    street_officer = "street_officer"
    bureau_admin = "bureau_admin"
    sysadmin = "sysadmin"
    # Assigned to buildings (docs/domain.md#building-leaders): a resident volunteer (楼栋长)
    # and community-office staff with a grid of buildings (网格员).
    building_leader = "building_leader"
    grid_worker = "grid_worker"


# The organisation kinds each role's users may belong to.
ROLE_ORG_KINDS: dict[Role, frozenset[OrgKind] | None] = {
    Role.resident: None,
    Role.committee_member: frozenset({OrgKind.owners_committee}),
    Role.manager: MANAGER_KINDS - {OrgKind.owners_committee},
    Role.operator: OPERATOR_KINDS,
    Role.street_officer: frozenset({OrgKind.street_office, OrgKind.community_office}),
    Role.bureau_admin: frozenset({OrgKind.housing_bureau}),
    Role.sysadmin: None,
    Role.building_leader: None,
    Role.grid_worker: frozenset({OrgKind.street_office, OrgKind.community_office}),
}
# Roles whose reach is the buildings assigned to them (docs/domain.md#building-leaders).
BUILDING_ROLES = frozenset({Role.building_leader, Role.grid_worker})


class Organization(Base):
    """An organisation whose staff use pmsys, or that is responsible for something."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrgKind] = mapped_column(str_enum(OrgKind, "org_kind"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", use_alter=True), index=True
    )
    duty: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str | None] = mapped_column(String(40))

    region: Mapped[Region | None] = relationship()
    community: Mapped[Community | None] = relationship(foreign_keys=[community_id])
    category_links: Mapped[list[OrganizationCategory]] = relationship(
        cascade="all, delete-orphan", order_by="OrganizationCategory.category"
    )

    @property
    def categories(self) -> list[str]:
        """The categories this organisation serves (utilities, authorities)."""
        return [link.category for link in self.category_links]

    def __repr__(self) -> str:
        return f"<Organization {self.code} {self.kind.value}>"


class OrganizationCategory(Base):
    """A category (docs/domain.md#categories) that an organisation serves."""

    __tablename__ = "organization_categories"

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)

    def __repr__(self) -> str:
        return f"<OrganizationCategory {self.organization_id}:{self.category}>"


def new_session_token() -> str:
    """Return a fresh value that identifies a user's current login generation."""
    return secrets.token_hex(16)


class User(UserMixin, Base):
    """A login: a resident (a person) or staff of one organisation."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    # Changing this value ends every session of the user (docs/reliability.md#session-end).
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization | None] = relationship()
    person: Mapped[Person | None] = relationship()

    __table_args__ = (
        CheckConstraint(
            "role IN ('resident', 'sysadmin', 'building_leader') OR organization_id IS NOT NULL",
            name="staff_have_org",
        ),
        CheckConstraint("role <> 'resident' OR person_id IS NOT NULL", name="resident_person"),
        CheckConstraint("role <> 'building_leader' OR person_id IS NOT NULL",
                        name="leader_person"),
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        # The session stores id and login generation, so rotating the token logs out.
        return f"{self.id}:{self.session_token}"

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role.value}>"


def hash_token(token: str) -> str:
    """Return the stored form of an API token (tokens are never stored in clear)."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(Base):
    """A bearer token for the JSON API; stored hashed, expiring, revocable."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} of user {self.user_id}>"
