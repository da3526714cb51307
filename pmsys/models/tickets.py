"""Repair tickets, their trail, photos and in-app notifications
(docs/domain.md#tickets, #notifications)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pmsys.db import Base, UTCDateTime, str_enum, utcnow
from pmsys.models.assets import Asset
from pmsys.models.auth import Organization, User
from pmsys.models.places import Building, Community, Household, Unit


class TicketStatus(enum.StrEnum):
    assigned = "assigned"
    accepted = "accepted"
    in_progress = "in_progress"
    disputed = "disputed"
    resolved = "resolved"
    closed = "closed"
    cancelled = "cancelled"


# A ticket in one of these states is still somebody's work (deadlines run, escalation applies).
OPEN_STATUSES = frozenset(
    {TicketStatus.assigned, TicketStatus.accepted, TicketStatus.in_progress, TicketStatus.disputed}
)


class Priority(enum.StrEnum):
    emergency = "emergency"
    urgent = "urgent"
    normal = "normal"


class Channel(enum.StrEnum):
    web = "web"  # a resident's own filing (also through the building's QR code)
    hotline = "hotline"  # street-office staff entering a caller's report
    api = "api"
    open311 = "open311"
    public = "public"  # a name-and-phone report from a building's QR page, without a login
    # A building leader or grid worker filing for a household of their buildings (filed_by).
    proxy = "proxy"


class Ticket(Base):
    """A repair ticket: what, where, who reported it, who must handle it and by when."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[TicketStatus] = mapped_column(
        str_enum(TicketStatus, "ticket_status"), default=TicketStatus.assigned, index=True
    )
    category: Mapped[str] = mapped_column(String(32), index=True)
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, "ticket_priority"))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "ticket_channel"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    inside_home: Mapped[bool] = mapped_column(Boolean, default=False)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    # The resident who filed it, or None for a caller reported through the hotline.
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reporter_name: Mapped[str] = mapped_column(String(200), default="")
    reporter_phone: Mapped[str | None] = mapped_column(String(20))
    # Who typed it in: the reporter, or the hotline staff member for a caller.
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    assignee_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    # Routing (docs/domain.md#routing): the reason code, flags and the steps considered, as data
    # ({"code", "params"}) so that each reader sees them in their own language.
    routing_reason: Mapped[str] = mapped_column(String(32))
    routing_flags: Mapped[list] = mapped_column(JSON, default=list)
    routing_steps: Mapped[list] = mapped_column(JSON, default=list)

    due_respond_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_resolve_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    dispute_reason: Mapped[str] = mapped_column(Text, default="")
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[int | None] = mapped_column(Integer)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    dispute_count: Mapped[int] = mapped_column(Integer, default=0)
    # The reporter's hurry-ups (催办) past a deadline, and the last one's time (one a day).
    hurry_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    hurried_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    community: Mapped[Community] = relationship()
    building: Mapped[Building | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    household: Mapped[Household | None] = relationship()
    asset: Mapped[Asset | None] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    filed_by: Mapped[User | None] = relationship(foreign_keys=[filed_by_id])
    assignee: Mapped[Organization] = relationship(foreign_keys=[assignee_id])
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan"
    )
    photos: Mapped[list[TicketPhoto]] = relationship(
        back_populates="ticket", order_by="TicketPhoto.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating"),
        CheckConstraint("escalation_level BETWEEN 0 AND 3", name="escalation_level"),
        CheckConstraint("reopen_count >= 0 AND dispute_count >= 0", name="counts"),
        CheckConstraint("due_resolve_at >= due_respond_at", name="deadlines_ordered"),
        CheckConstraint("unit_id IS NULL OR building_id IS NOT NULL", name="unit_needs_building"),
        CheckConstraint("household_id IS NULL OR unit_id IS NOT NULL", name="household_needs_unit"),
        CheckConstraint(
            "status <> 'closed' OR closed_at IS NOT NULL", name="closed_has_time"
        ),
        Index("ix_tickets_assignee_status", "assignee_id", "status"),
        Index("ix_tickets_status_due_resolve", "status", "due_resolve_at"),
        # Who sees a ticket (permissions.ticket_clause: reporter, who entered it, assignee,
        # community, the household a leader filed for, a leader's buildings), each with the
        # order lists show them in (newest first): a page of a list reads the newest entries
        # of these indexes alone, never the rows of every ticket the caller sees
        # (docs/performance.md#ticket-lists).
        *(Index(f"ix_tickets_{name}_reported", column, "reported_at", "id")
          for name, column in (("reporter", "reporter_id"), ("filed_by", "filed_by_id"),
                               ("assignee", "assignee_id"), ("community", "community_id"),
                               ("household", "household_id"), ("building", "building_id"))),
    )
    # Two people acting on the same version: the second gets StaleDataError (→ 409).
    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __repr__(self) -> str:
        return f"<Ticket {self.number} {self.status.value}>"


class TicketSummary(Base):
    """What the ticket measures read of one ticket, narrow (docs/domain.md#measures).

    One row per ticket, kept in step with it by pmsys/tickets/summary.py whenever a flush
    changes what the measures read (filing, answering, resolving, closing, reopening,
    reassigning, disputing, rating, cancelling): the local month, who sees it, whether it
    counts, and its two durations in microseconds. The report reads these rows instead
    of the wide tickets; a test holds both to the same figures.
    """

    __tablename__ = "ticket_summaries"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    month: Mapped[str] = mapped_column(String(7))  # local YYYY-MM of reported_at
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    live: Mapped[bool] = mapped_column(Boolean)  # not cancelled
    resolved: Mapped[bool] = mapped_column(Boolean)  # resolved or closed
    due_respond_at: Mapped[datetime] = mapped_column(UTCDateTime)
    response_us: Mapped[int | None] = mapped_column(BigInteger)  # reported → responded
    responded_on_time: Mapped[bool] = mapped_column(Boolean)
    resolution_us: Mapped[int | None] = mapped_column(BigInteger)  # reported → resolved
    resolved_on_time: Mapped[bool] = mapped_column(Boolean)
    rating: Mapped[int | None] = mapped_column(Integer)
    reopened: Mapped[bool] = mapped_column(Boolean)
    disputed: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating"),
        Index("ix_ticket_summaries_reported_at", "reported_at"),
        Index("ix_ticket_summaries_community_reported", "community_id", "reported_at"),
        Index("ix_ticket_summaries_assignee_reported", "assignee_id", "reported_at"),
        Index("ix_ticket_summaries_month", "month"),
    )


class TicketRollupMonth(Base):
    """A closed month whose rollup rows are written (pmsys/tickets/rollup.py).

    Its rows stand for the month while no mark names it (TicketRollupMark) and every
    unanswered ticket of the month is past its response deadline (`due_until`).
    """

    __tablename__ = "ticket_rollup_months"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # local YYYY-MM
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The latest response deadline of the month's live unanswered tickets (None: none).
    due_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<TicketRollupMonth {self.month}>"


class _RollupCounts:
    """The counts a rollup row keeps of a group's tickets of a month (the rollups' tables)."""

    filed: Mapped[int] = mapped_column(Integer)
    responded: Mapped[int] = mapped_column(Integer)
    responded_on_time: Mapped[int] = mapped_column(Integer)
    resolved: Mapped[int] = mapped_column(Integer)
    resolved_on_time: Mapped[int] = mapped_column(Integer)
    rated: Mapped[int] = mapped_column(Integer)
    satisfied: Mapped[int] = mapped_column(Integer)
    reopens: Mapped[int] = mapped_column(Integer)
    disputes: Mapped[int] = mapped_column(Integer)


class TicketRollupCount(_RollupCounts, Base):
    """The counts of one month's tickets in one group: all of them, or one category."""

    __tablename__ = "ticket_rollup_counts"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    dim: Mapped[str] = mapped_column(String(16), primary_key=True)  # "all" or "category"
    key: Mapped[str] = mapped_column(String(32), primary_key=True)  # "" or the category
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<TicketRollupCount {self.month} {self.dim} {self.key}>"


class TicketRollupBucket(Base):
    """How many of a group's durations fall in one 3-second bucket of a month, and the
    smallest and largest of them (a median's rank structure, pmsys/tickets/rollup.py)."""

    __tablename__ = "ticket_rollup_buckets"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    dim: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    median: Mapped[str] = mapped_column(String(16), primary_key=True)  # response, resolution
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer)
    low_us: Mapped[int] = mapped_column(BigInteger)
    high_us: Mapped[int] = mapped_column(BigInteger)

    def __repr__(self) -> str:
        return f"<TicketRollupBucket {self.month} {self.key} {self.median} {self.bucket}>"


class TicketRollupCoarse(Base):
    """How many of a group's durations fall in one coarse bucket (COARSE fine buckets, an
    hour) of a month: where a median's middle lies, before its fine buckets are read."""

    __tablename__ = "ticket_rollup_coarse"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    dim: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    median: Mapped[str] = mapped_column(String(16), primary_key=True)
    coarse: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<TicketRollupCoarse {self.month} {self.key} {self.median} {self.coarse}>"


class TicketRollupGroup(_RollupCounts, Base):
    """The counts of one month's tickets of one community (`dim` "community") or of one
    assignee (`dim` "org"; `key` 0: none), and each median's durations in microseconds,
    ascending, packed as big-endian 8-byte integers (pmsys/tickets/rollup.py: the reports by
    community and by organisation; written on PostgreSQL only)."""

    __tablename__ = "ticket_rollup_groups"

    dim: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    response_us: Mapped[bytes | None] = mapped_column(LargeBinary)
    resolution_us: Mapped[bytes | None] = mapped_column(LargeBinary)

    def __repr__(self) -> str:
        return f"<TicketRollupGroup {self.month} {self.dim} {self.key}>"


class TicketRollupMark(Base):
    """A month whose tickets changed since its rollup was written: insert-only, so that
    writers never wait for each other; the rollup job folds the marks it has read."""

    __tablename__ = "ticket_rollup_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)

    def __repr__(self) -> str:
        return f"<TicketRollupMark {self.id} {self.month}>"


class TicketEvent(Base):
    """One step of a ticket's trail: who did what, when, and what it changed."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None for the scheduler (escalation, automatic closing).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    action: Mapped[str] = mapped_column(String(32))
    status_after: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    # Action details: {"from": org code, "to": org code}, {"level": 2}, {"rating": 5}, …
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    actor_org: Mapped[Organization | None] = relationship(foreign_keys=[actor_org_id])

    def __repr__(self) -> str:
        return f"<TicketEvent {self.ticket_id} {self.action}>"


class TicketPhoto(Base):
    """A photo of the problem (the reporter's) or of the fix (the assignee's)."""

    __tablename__ = "ticket_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    # Random file name under UPLOAD_FOLDER/tickets/ (never under static/).
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    # "report" at filing, "fix" with the resolution.
    purpose: Mapped[str] = mapped_column(String(16), default="report")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="photos")

    __table_args__ = (
        CheckConstraint("purpose IN ('report', 'fix')", name="purpose"),
        CheckConstraint("width > 0 AND height > 0 AND size > 0", name="dimensions"),
    )

    def __repr__(self) -> str:
        return f"<TicketPhoto {self.stored_name} of {self.ticket_id}>"


class Notification(Base):
    """An in-app message to one user about a ticket (or a hand-over)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # new, reassigned, escalated, status, gas_notice, …: the template of the message.
    kind: Mapped[str] = mapped_column(String(32))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    # Parameters of the message (ticket number, status, level); rendered in the reader's language.
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    ticket: Mapped[Ticket | None] = relationship()

    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    def __repr__(self) -> str:
        return f"<Notification {self.kind} for {self.user_id}>"


class TicketCallback(Base):
    """A follow-up call (回访) by the street office to the reporter of a closed ticket.

    A call that did not reach the reporter may be tried again; once one reached
    them the ticket leaves the call list (docs/domain.md#callbacks).
    """

    __tablename__ = "ticket_callbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    caller_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    caller_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    reached: Mapped[bool] = mapped_column(Boolean)
    # Whether the reporter is satisfied with how the ticket was handled; None if not reached.
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")

    caller: Mapped[User] = relationship(foreign_keys=[caller_id])

    __table_args__ = (
        CheckConstraint("reached OR satisfied IS NULL", name="satisfied_needs_reached"),
        CheckConstraint("NOT reached OR satisfied IS NOT NULL", name="reached_says_satisfied"),
    )

    def __repr__(self) -> str:
        return f"<TicketCallback {self.ticket_id} reached={self.reached}>"
