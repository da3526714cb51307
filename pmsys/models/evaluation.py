"""The evaluation (考核评价) of managing organisations: inspection deductions and the
published bulletins (docs/domain.md#evaluation)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pmsys.db import Base, UTCDateTime, utcnow
from pmsys.models.auth import Organization, User
from pmsys.models.places import Region


class OrgDeduction(Base):
    """Points a street office deducts from a manager after an inspection, with a note and photo."""

    __tablename__ = "org_deductions"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    on: Mapped[date] = mapped_column(Date, index=True)
    points: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    note: Mapped[str] = mapped_column(Text)
    # The office that inspected, and who entered it.
    entered_by_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The inspection photo: a random file name under UPLOAD_FOLDER/tickets/, as a ticket's.
    photo_name: Mapped[str | None] = mapped_column(String(80), unique=True)
    photo_type: Mapped[str | None] = mapped_column(String(40))

    organization: Mapped[Organization] = relationship(foreign_keys=[organization_id])
    entered_by_org: Mapped[Organization] = relationship(foreign_keys=[entered_by_org_id])
    entered_by: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint("points > 0 AND points <= 100", name="points"),
    )

    def __repr__(self) -> str:
        return f"<OrgDeduction {self.organization_id} {self.on} -{self.points}>"


class EvaluationBulletin(Base):
    """A published bulletin: the ranked scores of one period in one region (半月通报)."""

    __tablename__ = "evaluation_bulletins"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    # "YYYY", "YYYY-MM" or a half month "YYYY-MM-1" / "YYYY-MM-2".
    period: Mapped[str] = mapped_column(String(10))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The ranked scores as published (the API's items), so that the bulletin never changes.
    scores: Mapped[list] = mapped_column(JSON)

    region: Mapped[Region] = relationship()

    __table_args__ = (UniqueConstraint("region_id", "period"),)

    def __repr__(self) -> str:
        return f"<EvaluationBulletin {self.period} of {self.region_id}>"
