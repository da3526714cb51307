"""Fee standards, bills, adjustments, payments and the public revenue ledger
(docs/domain.md#fees)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pmsys.db import Base, UTCDateTime, str_enum, utcnow
from pmsys.models.assets import Asset
from pmsys.models.auth import Organization, User
from pmsys.models.governance import ManagementMode
from pmsys.models.places import Community, Household

MONEY = Numeric(12, 2)


class FeeStandard(Base):
    """A community's property fee from a start date: yuan per m² per month, plus a fixed part."""

    __tablename__ = "fee_standards"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    price_per_m2_month: Mapped[Decimal] = mapped_column(Numeric(10, 4))
    fixed_per_household: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    start: Mapped[date] = mapped_column(Date)
    # The organisation that set it (the manager of the term it belongs to), where known.
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    community: Mapped[Community] = relationship()
    organization: Mapped[Organization | None] = relationship()

    __table_args__ = (
        UniqueConstraint("community_id", "start"),
        CheckConstraint("price_per_m2_month >= 0", name="price_not_negative"),
        CheckConstraint("fixed_per_household >= 0", name="fixed_not_negative"),
    )

    def __repr__(self) -> str:
        return f"<FeeStandard {self.community_id} {self.price_per_m2_month} from {self.start}>"


class Bill(Base):
    """One household's fee for one month ("YYYY-MM"); never edited (adjustments are separate)."""

    __tablename__ = "bills"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    period: Mapped[str] = mapped_column(String(7))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("fee_standards.id"))
    area: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    # The arrangement in force on the period's first day: who bills, in which mode.
    mode: Mapped[ManagementMode | None] = mapped_column(
        str_enum(ManagementMode, "bill_management_mode")
    )
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    household: Mapped[Household] = relationship()
    adjustments: Mapped[list[BillAdjustment]] = relationship(
        back_populates="bill", order_by="BillAdjustment.id"
    )

    __table_args__ = (
        UniqueConstraint("household_id", "period"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("length(period) = 7", name="period_format"),
        Index("ix_bills_period_community", "period", "community_id"),
    )

    def __repr__(self) -> str:
        return f"<Bill {self.household_id} {self.period} {self.amount}>"


class AdjustmentKind(enum.StrEnum):
    waiver = "waiver"  # 减免: e.g. a low-income household
    correction = "correction"  # a mistake in area or standard, up or down


class BillAdjustment(Base):
    """A change to what a bill asks, with its reason; negative lowers the bill."""

    __tablename__ = "bill_adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id"), index=True)
    kind: Mapped[AdjustmentKind] = mapped_column(str_enum(AdjustmentKind, "adjustment_kind"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    bill: Mapped[Bill] = relationship(back_populates="adjustments")
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        CheckConstraint("kind <> 'waiver' OR amount < 0", name="waiver_lowers"),
    )

    def __repr__(self) -> str:
        return f"<BillAdjustment {self.bill_id} {self.amount}>"


class PaymentMethod(enum.StrEnum):
    cash = "cash"
    bank = "bank"
    wechat = "wechat"
    alipay = "alipay"
    other = "other"


class Payment(Base):
    """Money received for a household, once per receipt number (docs/reliability.md#payments)."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_no: Mapped[str] = mapped_column(String(64), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    paid_on: Mapped[date] = mapped_column(Date)
    method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod, "payment_method"))
    # The period it was paid for, if the payer named one; else the oldest open bills.
    period: Mapped[str | None] = mapped_column(String(7))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    household: Mapped[Household] = relationship()
    allocations: Mapped[list[PaymentAllocation]] = relationship(
        back_populates="payment", order_by="PaymentAllocation.id"
    )

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_payments_paid_on", "paid_on"),
    )

    def __repr__(self) -> str:
        return f"<Payment {self.receipt_no} {self.amount}>"


class PaymentAllocation(Base):
    """The part of a payment that settles one bill."""

    __tablename__ = "payment_allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)

    payment: Mapped[Payment] = relationship(back_populates="allocations")
    bill: Mapped[Bill] = relationship()

    __table_args__ = (
        UniqueConstraint("payment_id", "bill_id"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    def __repr__(self) -> str:
        return f"<PaymentAllocation {self.payment_id}→{self.bill_id} {self.amount}>"


class _CollectionGroup:
    """The group a collection row counts the bills of: one period's bills of one community
    under one management mode ("" for none), the key the summary's rows and day rows share;
    and what the payments the row counts paid on them, and how many of them they paid in
    full."""

    # The key first in each table, as the migrations made them; a mixin's columns otherwise
    # come last, as `paid` and `paid_full` do in both.
    period: Mapped[str] = mapped_column(String(7), sort_order=-1)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), sort_order=-1)
    mode: Mapped[str] = mapped_column(String(32), sort_order=-1)
    paid: Mapped[Decimal] = mapped_column(MONEY)
    paid_full: Mapped[int] = mapped_column(Integer)


class CollectionSummary(_CollectionGroup, Base):
    """The collection of one community's bills of one period, kept in step with them.

    Written only by pmsys/fees/summary.py, in the transaction of every service that
    makes bills, adjusts them or allocates payments to them (docs/domain.md#collection).
    Per (period, community, mode): the row whose `paid_month` is "" holds the bills
    (how many, their amount after adjustments, what waivers took off), what was
    paid on them in all and how many are paid in full (those asking nothing
    included); each other row holds what payments dated in `paid_month` paid on
    those bills, and in `paid_full` how many bills those payments paid in full
    (their payments up to that month's first fell short). `mode` is the bills'
    management mode, "" for none.
    """

    __tablename__ = "fee_collection_summaries"

    paid_month: Mapped[str] = mapped_column(String(7))
    bills: Mapped[int] = mapped_column(Integer)
    billed: Mapped[Decimal] = mapped_column(MONEY)
    waived: Mapped[Decimal] = mapped_column(MONEY)

    __table_args__ = (
        PrimaryKeyConstraint("period", "community_id", "mode", "paid_month"),
        Index("ix_fee_collection_summaries_community_id", "community_id"),
        # The reports read the bills rows and the rows of later months apart
        # (pmsys/fees/summary.py as_of); on PostgreSQL the bills rows from the index alone.
        Index("ix_fee_collection_summaries_bills", "period",
              postgresql_include=["community_id", "mode", "bills", "billed", "paid",
                                  "paid_full"],
              postgresql_where=text("paid_month = ''"), sqlite_where=text("paid_month = ''")),
        Index("ix_fee_collection_summaries_paid_month", "paid_month", "period"),
    )


class CollectionDay(_CollectionGroup, Base):
    """What payments dated one day paid on one community's bills of one period, kept in step.

    Written with the collection summary, by pmsys/fees/summary.py alone. A report "as of" a
    day within a month takes off what the rest of that month's payments did
    (docs/domain.md#collection): these rows hold it per day, so the report need not read a
    month's payments from the bills. Per (period, community, mode, paid_on): what was paid
    that day, and in `paid_full` how many bills that day's payments paid in full (their
    payments before it fell short).
    """

    __tablename__ = "fee_collection_days"

    paid_on: Mapped[date] = mapped_column(Date)

    __table_args__ = (
        PrimaryKeyConstraint("period", "community_id", "mode", "paid_on"),
        Index("ix_fee_collection_days_community_id", "community_id"),
        # The reports read the days after the one asked, to the end of its month (or its
        # first days up to it); on PostgreSQL from the index alone.
        Index("ix_fee_collection_days_paid_on", "paid_on",
              postgresql_include=["period", "community_id", "mode", "paid", "paid_full"]),
    )


class RevenueDirection(enum.StrEnum):
    income = "income"
    spending = "spending"


# What the public revenue of a community comes from and goes to (公共收益).
REVENUE_SOURCES = ("parking", "advertising", "rental", "other_income")
SPENDING_USES = ("maintenance", "subsidy", "facilities", "other_spending")


class RevenueEntry(Base):
    """A line of a community's public revenue ledger, published on its notice page."""

    __tablename__ = "revenue_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    direction: Mapped[RevenueDirection] = mapped_column(
        str_enum(RevenueDirection, "revenue_direction")
    )
    category: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    # The committee's resolution behind a spending, where there is one.
    resolution: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The parking asset a parking income came from, or whose income a spending went out of
    # (docs/domain.md#parking-income).
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    community: Mapped[Community] = relationship()
    recorded_by: Mapped[User | None] = relationship()
    asset: Mapped[Asset | None] = relationship()

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("asset_id IS NULL OR direction = 'spending' OR category = 'parking'",
                        name="asset_for_parking"),
    )

    def __repr__(self) -> str:
        return f"<RevenueEntry {self.community_id} {self.direction.value} {self.amount}>"


class BillingRun(Base):
    """A record of one billing run: who or what ran it, for which period, what it created."""

    __tablename__ = "billing_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    bills_created: Mapped[int] = mapped_column(default=0)
    run_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<BillingRun {self.period} +{self.bills_created}>"
