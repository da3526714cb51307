"""The special maintenance fund of a community (维修资金, docs/domain.md#fund): its entries,
their shares per household and the two signatures a spend needs."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pmsys.db import Base, UTCDateTime, str_enum, utcnow
from pmsys.models.auth import Organization, User
from pmsys.models.fees import MONEY
from pmsys.models.governance import Vote
from pmsys.models.places import Community, Household


class FundKind(enum.StrEnum):
    deposit = "deposit"  # a household pays in (initial or top-up)
    interest = "interest"  # the co-managed account's interest
    spend = "spend"  # money out, against a passed use_maintenance_fund vote
    correction = "correction"  # puts an earlier entry right, either way


class FundStatus(enum.StrEnum):
    pending = "pending"  # a spend waiting for its two signatures
    posted = "posted"  # counts in the balances


class FundSide(enum.StrEnum):
    committee = "committee"
    street_office = "street_office"


class FundEntry(Base):
    """One line of a community's maintenance fund ledger; never edited, never deleted.

    `amount` is signed as it moves the balance: deposits and interest add,
    a spend takes away, a correction does either.
    """

    __tablename__ = "fund_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    ref: Mapped[str] = mapped_column(String(64))
    kind: Mapped[FundKind] = mapped_column(str_enum(FundKind, "fund_kind"))
    # The household a deposit (or a household's interest or correction) belongs to.
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    # The passed use_maintenance_fund vote a spend rests on.
    vote_id: Mapped[int | None] = mapped_column(ForeignKey("votes.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[FundStatus] = mapped_column(str_enum(FundStatus, "fund_status"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    community: Mapped[Community] = relationship()
    household: Mapped[Household | None] = relationship()
    vote: Mapped[Vote | None] = relationship()
    recorded_by: Mapped[User | None] = relationship()
    signatures: Mapped[list[FundSignature]] = relationship(
        back_populates="entry", order_by="FundSignature.signed_at")

    __table_args__ = (
        UniqueConstraint("community_id", "ref"),
        CheckConstraint(
            "(kind IN ('deposit', 'interest') AND amount > 0)"
            " OR (kind = 'spend' AND amount < 0)"
            " OR (kind = 'correction' AND amount <> 0)",
            name="amount_sign"),
        CheckConstraint("(kind = 'spend') = (vote_id IS NOT NULL)", name="spend_has_vote"),
        CheckConstraint("kind <> 'deposit' OR household_id IS NOT NULL",
                        name="deposit_has_household"),
        CheckConstraint("kind <> 'spend' OR household_id IS NULL", name="spend_is_shared"),
        CheckConstraint("kind = 'spend' OR status = 'posted'", name="only_spends_wait"),
        CheckConstraint("status = 'pending' OR posted_at IS NOT NULL", name="posted_at"),
    )

    def __repr__(self) -> str:
        return f"<FundEntry {self.community_id} {self.ref} {self.kind.value} {self.amount}>"


class FundShare(Base):
    """A household's part of an entry; an entry's shares add up to its amount to the fen."""

    __tablename__ = "fund_shares"

    entry_id: Mapped[int] = mapped_column(ForeignKey("fund_entries.id"), primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True,
                                              index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)


class FundSignature(Base):
    """One of the two signatures a spend needs: the committee's and the street office's."""

    __tablename__ = "fund_signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("fund_entries.id"), index=True)
    side: Mapped[FundSide] = mapped_column(str_enum(FundSide, "fund_side"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[FundEntry] = relationship(back_populates="signatures")
    user: Mapped[User] = relationship()
    organization: Mapped[Organization] = relationship()

    __table_args__ = (UniqueConstraint("entry_id", "side"),)
