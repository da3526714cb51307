"""The region tree and the places in it (docs/domain.md#places)."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pmsys.db import Base, UTCDateTime, str_enum, utcnow


class RegionKind(enum.StrEnum):
    city = "city"
    district = "district"
    street = "street"


class Region(Base):
    """A city, a district (banner, county) or a street office / town."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[RegionKind] = mapped_column(str_enum(RegionKind, "region_kind"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)

    parent: Mapped[Region | None] = relationship(remote_side=[id])

    def lineage(self) -> list[Region]:
        """Return this region and its ancestors, nearest first."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.kind.value}>"


class Person(Base):
    """A natural person (or a developer) who may own households."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    # The developer (开发建设单位): the households it owns are its unsold parts,
    # which count as one owner in an assembly vote (SPC interpretation Art. 9).
    is_developer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    def __repr__(self) -> str:
        return f"<Person {self.code}>"


class Community(Base):
    """A residential community (小区) under a street office."""

    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    street_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    community_office_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id"), index=True
    )
    built_year: Mapped[int | None] = mapped_column(Integer)
    address: Mapped[str | None] = mapped_column(String(300))

    street: Mapped[Region] = relationship()
    community_office = relationship("Organization", foreign_keys=[community_office_id])
    buildings: Mapped[list[Building]] = relationship(
        back_populates="community", order_by="Building.id"
    )

    __table_args__ = (
        CheckConstraint(
            "built_year IS NULL OR built_year BETWEEN 1900 AND 2100", name="built_year"
        ),
    )

    def __repr__(self) -> str:
        return f"<Community {self.code}>"


class Building(Base):
    """A building (楼栋) in a community."""

    __tablename__ = "buildings"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    floors: Mapped[int | None] = mapped_column(Integer)

    community: Mapped[Community] = relationship(back_populates="buildings")
    units: Mapped[list[Unit]] = relationship(back_populates="building", order_by="Unit.id")

    __table_args__ = (
        UniqueConstraint("community_id", "code"),
        CheckConstraint("floors IS NULL OR floors BETWEEN 1 AND 200", name="floors"),
    )

    def __repr__(self) -> str:
        return f"<Building {self.code} of community {self.community_id}>"


class Unit(Base):
    """A unit or entrance (单元) of a building."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))

    building: Mapped[Building] = relationship(back_populates="units")
    households: Mapped[list[Household]] = relationship(
        back_populates="unit", order_by="Household.id"
    )

    __table_args__ = (UniqueConstraint("building_id", "code"),)

    def __repr__(self) -> str:
        return f"<Unit {self.code} of building {self.building_id}>"


class Household(Base):
    """A household (户): an exclusive part with its registered area and owner of record."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    area: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)

    unit: Mapped[Unit] = relationship(back_populates="households")
    owner: Mapped[Person] = relationship()
    residents: Mapped[list[Person]] = relationship(secondary="household_residents")

    __table_args__ = (
        UniqueConstraint("unit_id", "code"),
        CheckConstraint("area > 0", name="area_positive"),
    )

    @property
    def place_code(self) -> str:
        """The household's path, as the API names it: COMMUNITY/BUILDING/UNIT/HOUSEHOLD."""
        unit = self.unit
        building = unit.building
        return f"{building.community.code}/{building.code}/{unit.code}/{self.code}"

    def __repr__(self) -> str:
        return f"<Household {self.code} of unit {self.unit_id}>"


class HouseholdResident(Base):
    """A person who lives in a household without owning it (tenant, family)."""

    __tablename__ = "household_residents"

    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True, index=True)

    def __repr__(self) -> str:
        return f"<HouseholdResident {self.person_id} in {self.household_id}>"


class Setting(Base):
    """A configurable value (heating season, overdue days, …), global or per region."""

    __tablename__ = "settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "" for the whole deployment, else a region code (nearest region wins).
    scope: Mapped[str] = mapped_column(String(64), default="")
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("scope", "key"),)

    def __repr__(self) -> str:
        return f"<Setting {self.scope or '*'}:{self.key}>"
