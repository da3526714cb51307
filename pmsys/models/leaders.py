"""Building leaders and grid workers: their buildings and their follow-up visits
(docs/domain.md#building-leaders)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pmsys.db import Base, UTCDateTime, str_enum, utcnow
from pmsys.models.auth import User
from pmsys.models.places import Building
from pmsys.models.tickets import Ticket


class BuildingAssignment(Base):
    """A building leader's or grid worker's building, from `start` until `end` (inclusive).

    A building leader's buildings lie in one community; a grid worker's grid is the set of
    their buildings, possibly across the communities of their street. Ending an assignment
    sets `end`; rows are never deleted (the audit trail names them).
    """

    __tablename__ = "building_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    building: Mapped[Building] = relationship()

    __table_args__ = (
        CheckConstraint('"end" IS NULL OR "end" >= start', name="end_after_start"),
        Index("ix_building_assignments_building_user", "building_id", "user_id"),
    )

    def __repr__(self) -> str:
        return f"<BuildingAssignment {self.user_id} on building {self.building_id}>"


class VisitOutcome(enum.StrEnum):
    resolved = "resolved"  # the resident says the problem is solved
    not_resolved = "not_resolved"
    not_home = "not_home"  # nobody opened the door


class TicketVisit(Base):
    """A follow-up visit (上门回访/走访) by a building leader or grid worker on a ticket."""

    __tablename__ = "ticket_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    visited_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[VisitOutcome] = mapped_column(str_enum(VisitOutcome, "visit_outcome"))
    note: Mapped[str] = mapped_column(Text, default="")
    visitor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship()
    visitor: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<TicketVisit {self.ticket_id} {self.outcome.value}>"
