"""Recent attempts of rate-limited actions, counted by every worker alike."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from pmsys.db import Base, UTCDateTime, utcnow


class ThrottleHit(Base):
    """One attempt counted against a limit: "file:user:12", "file:client:10.0.0.7", …"""

    __tablename__ = "throttle_hits"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_throttle_hits_key_at", "key", "at"),)

    def __repr__(self) -> str:
        return f"<ThrottleHit {self.key} {self.at:%H:%M:%S}>"
