"""Renovation projects, the asset register and hand-overs (docs/domain.md#projects, #handovers)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pmsys.db import Base, UTCDateTime, str_enum, utcnow
from pmsys.models.auth import Organization, User
from pmsys.models.places import Building, Community, Unit


class ItemClass(enum.StrEnum):
    """The three classes of renovation content (基础类 / 完善类 / 提升类)."""

    basic = "basic"
    complete = "complete"
    upgrade = "upgrade"


# Item kinds of a renovation project, with the asset category each one renews.
ITEM_KINDS: dict[str, str | None] = {
    "roof_waterproofing": "roof_leak",
    "facade_insulation": "facade",
    "energy_saving": "facade",
    "water_pipes": "water_supply",
    "drainage_pipes": "drainage",
    "rain_sewage_separation": "drainage",
    "heating_pipes": "heating",
    "gas_pipes": "gas",
    "power_lines": "power",
    "weak_current_buried": "telecom",
    "cable_tv_lines": "cable_tv",
    "stairwell_renovation": "common_parts",
    "road": "road",
    "lighting": "lighting",
    "access_control": "access_security",
    "video_surveillance": "access_security",
    "fire_facilities": "fire_safety",
    "greening": "greenery",
    "waste_sorting": "waste",
    "elevator_added": "elevator",
    "charging_piles": "ev_charging",
    "fitness_equipment": "fitness",
    "parcel_lockers": "parcel_locker",
    "elderly_care_room": "other",
    "other": "other",
}


# The bounds of a parking asset's spaces (docs/domain.md#parking).
MAX_SPACES = 100_000
MAX_SPACE_NUMBERS = 2000


class Project(Base):
    """A renovation project (改造项目) and its acceptance record."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    year: Mapped[int] = mapped_column(Integer)
    contractor_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    completed_on: Mapped[date | None] = mapped_column(Date)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    satisfaction_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acceptance_note: Mapped[str] = mapped_column(Text, default="")
    # Where the satisfaction rate came from (docs/domain.md#projects): "survey" (the project's
    # closed survey, whose code and participation are kept) or "typed" (with a reason).
    satisfaction_source: Mapped[str | None] = mapped_column(String(16))
    satisfaction_survey: Mapped[str | None] = mapped_column(String(64))
    participation_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    satisfaction_reason: Mapped[str | None] = mapped_column(Text)
    # Accepted although a community had no long-term management arrangement (no term in
    # force, no recorded plan): why (docs/domain.md#projects).
    management_override: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contractor: Mapped[Organization | None] = relationship(foreign_keys=[contractor_id])
    accepted_by: Mapped[User | None] = relationship(foreign_keys=[accepted_by_id])
    community_links: Mapped[list[ProjectCommunity]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectCommunity.id"
    )
    items: Mapped[list[ProjectItem]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectItem.id"
    )

    __table_args__ = (
        CheckConstraint("year BETWEEN 1990 AND 2100", name="year"),
        CheckConstraint(
            "satisfaction_rate IS NULL OR (satisfaction_rate >= 0 AND satisfaction_rate <= 1)",
            name="satisfaction_rate",
        ),
        CheckConstraint(
            "participation_rate IS NULL OR (participation_rate >= 0 AND participation_rate <= 1)",
            name="participation_rate",
        ),
        CheckConstraint(
            "satisfaction_source IS NULL OR satisfaction_source IN ('survey', 'typed')",
            name="satisfaction_source",
        ),
        CheckConstraint(
            "accepted_on IS NULL OR completed_on IS NULL OR accepted_on >= completed_on",
            name="accepted_after_completed",
        ),
        CheckConstraint(
            "management_override IS NULL OR accepted_on IS NOT NULL",
            name="override_on_acceptance",
        ),
    )

    def __repr__(self) -> str:
        return f"<Project {self.code}>"


class ProjectCommunity(Base):
    """A community covered by a project, with its committee's acceptance sign-off."""

    __tablename__ = "project_communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    committee_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    committee_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    project: Mapped[Project] = relationship(back_populates="community_links")
    community: Mapped[Community] = relationship()
    committee_signed_by: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("project_id", "community_id"),)

    def __repr__(self) -> str:
        return f"<ProjectCommunity {self.project_id}:{self.community_id}>"


class ProjectItem(Base):
    """One line of work in a project: kind, class, where, and by whom."""

    __tablename__ = "project_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    item_class: Mapped[ItemClass] = mapped_column(str_enum(ItemClass, "item_class"))
    contractor_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    description: Mapped[str] = mapped_column(Text, default="")

    project: Mapped[Project] = relationship(back_populates="items")
    community: Mapped[Community | None] = relationship()
    contractor: Mapped[Organization | None] = relationship()

    def __repr__(self) -> str:
        return f"<ProjectItem {self.kind} of project {self.project_id}>"


class Asset(Base):
    """Something that can break and that somebody must fix, with its warranty."""

    __tablename__ = "assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(32), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    project_item_id: Mapped[int | None] = mapped_column(ForeignKey("project_items.id"))
    warranty_contractor_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    # The contract's own date, where one was given; `warranty_until` is the effective end.
    warranty_contract_until: Mapped[date | None] = mapped_column(Date)
    warranty_until: Mapped[date | None] = mapped_column(Date)
    # A parking asset's spaces (docs/domain.md#parking): how many, and their numbers as
    # painted on the ground ("A01-A40"); other categories have neither.
    spaces: Mapped[int | None] = mapped_column(Integer)
    space_numbers: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    community: Mapped[Community] = relationship()
    building: Mapped[Building | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    project: Mapped[Project | None] = relationship()
    project_item: Mapped[ProjectItem | None] = relationship()
    warranty_contractor: Mapped[Organization | None] = relationship()
    stints: Mapped[list[AssetMaintainer]] = relationship(
        back_populates="asset", order_by="AssetMaintainer.start"
    )

    __table_args__ = (
        CheckConstraint("unit_id IS NULL OR building_id IS NOT NULL", name="unit_needs_building"),
        CheckConstraint("spaces IS NULL OR (spaces > 0 AND category = 'parking')",
                        name="parking_spaces"),
    )

    @property
    def scope(self) -> str:
        """community, building or unit: how much of the community the asset covers."""
        if self.unit_id is not None:
            return "unit"
        if self.building_id is not None:
            return "building"
        return "community"

    def __repr__(self) -> str:
        return f"<Asset {self.code} {self.category}>"


class AssetMaintainer(Base):
    """One organisation's time as an asset's maintainer, `start` through `end` inclusive."""

    __tablename__ = "asset_maintainers"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    handover_id: Mapped[int | None] = mapped_column(ForeignKey("handovers.id"), index=True)

    asset: Mapped[Asset] = relationship(back_populates="stints")
    organization: Mapped[Organization] = relationship()

    __table_args__ = (
        UniqueConstraint("asset_id", "start"),
        CheckConstraint('"end" IS NULL OR "end" >= start', name="end_after_start"),
    )

    def __repr__(self) -> str:
        return f"<AssetMaintainer {self.asset_id} {self.organization_id} {self.start}..{self.end}>"


class HandoverStatus(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    inspected = "inspected"
    signed = "signed"
    effective = "effective"


class Handover(Base):
    """The transfer of assets from a transferor to a receiver (产权移交,
    docs/domain.md#handovers)."""

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    from_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    to_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    status: Mapped[HandoverStatus] = mapped_column(
        str_enum(HandoverStatus, "handover_status"), default=HandoverStatus.draft
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_reason: Mapped[str] = mapped_column(Text, default="")
    inspected_on: Mapped[date | None] = mapped_column(Date)
    inspection_participants: Mapped[str] = mapped_column(Text, default="")
    receiver_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    receiver_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transferor_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    transferor_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    effective_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    from_org: Mapped[Organization] = relationship(foreign_keys=[from_org_id])
    to_org: Mapped[Organization] = relationship(foreign_keys=[to_org_id])
    assets: Mapped[list[Asset]] = relationship(secondary="handover_assets", order_by="Asset.code")
    defects: Mapped[list[HandoverDefect]] = relationship(
        back_populates="handover", cascade="all, delete-orphan", order_by="HandoverDefect.position"
    )
    committee_signatures: Mapped[list[HandoverCommitteeSignature]] = relationship(
        back_populates="handover", cascade="all, delete-orphan"
    )

    __table_args__ = (CheckConstraint("from_org_id <> to_org_id", name="two_parties"),)
    # Concurrent actions on one hand-over: the second writer gets a StaleDataError (→ 409).
    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Handover {self.code} {self.status.value}>"


class HandoverAsset(Base):
    """An asset included in a hand-over."""

    __tablename__ = "handover_assets"

    handover_id: Mapped[int] = mapped_column(ForeignKey("handovers.id"), primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id"), primary_key=True, index=True)


class HandoverDefect(Base):
    """A defect found at the joint inspection; an open one blocks signing."""

    __tablename__ = "handover_defects"

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handovers.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fixed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    handover: Mapped[Handover] = relationship(back_populates="defects")

    __table_args__ = (UniqueConstraint("handover_id", "position"),)

    def __repr__(self) -> str:
        return f"<HandoverDefect {self.handover_id}#{self.position}>"


class HandoverCommitteeSignature(Base):
    """An owners' committee's co-signature for the assets of its community."""

    __tablename__ = "handover_committee_signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handovers.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    handover: Mapped[Handover] = relationship(back_populates="committee_signatures")

    __table_args__ = (UniqueConstraint("handover_id", "community_id"),)


class HandoverEvent(Base):
    """One step of a hand-over's trail, shown to the parties."""

    __tablename__ = "handover_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handovers.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))
    status_after: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User | None] = relationship()
