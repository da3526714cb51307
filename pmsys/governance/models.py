"""Management terms (DESIGN.md §5)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pmsys.auth.models import Organization, User
from pmsys.db import Base, UTCDateTime, str_enum, utcnow
from pmsys.places.models import Community


class ManagementMode(enum.StrEnum):
    professional = "professional"
    self = "self"
    community = "community"
    original_unit = "original_unit"


class ManagementTerm(Base):
    """Who manages a community from `start` through `end` (inclusive; None: open-ended)."""

    __tablename__ = "management_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    mode: Mapped[ManagementMode] = mapped_column(str_enum(ManagementMode, "management_mode"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    basis: Mapped[str] = mapped_column(String(300), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    community: Mapped[Community] = relationship()
    organization: Mapped[Organization] = relationship()
    decided_by: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint("community_id", "start"),
        CheckConstraint('"end" IS NULL OR "end" >= start', name="end_after_start"),
    )

    def covers(self, day: date) -> bool:
        """Whether this term is in force on `day`."""
        return self.start <= day and (self.end is None or day <= self.end)

    def __repr__(self) -> str:
        return f"<ManagementTerm {self.community_id} {self.mode.value} {self.start}..{self.end}>"
