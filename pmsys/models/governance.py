"""Management terms (docs/domain.md#management), owners' committees and assembly votes
(#committees, #votes)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pmsys.db import Base, UTCDateTime, str_enum, utcnow
from pmsys.models.auth import Organization, User
from pmsys.models.places import Community, Household, Person


class ManagementMode(enum.StrEnum):
    professional = "professional"
    self = "self"
    community = "community"
    original_unit = "original_unit"


class ManagementTerm(Base):
    """Who manages a community from `start` through `end` (inclusive; None: open-ended).

    A term installed in pmsys names who decided it and, for the professional and
    self modes, the passed assembly vote it rests on (docs/domain.md#management); when a new
    term ends it, who ended it and when are recorded too.
    """

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
    # The passed vote this term rests on; one vote installs at most one term.
    basis_vote_id: Mapped[int | None] = mapped_column(ForeignKey("votes.id"), unique=True)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    community: Mapped[Community] = relationship()
    organization: Mapped[Organization] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])
    basis_vote: Mapped[Vote | None] = relationship(foreign_keys=[basis_vote_id])

    __table_args__ = (
        UniqueConstraint("community_id", "start"),
        CheckConstraint('"end" IS NULL OR "end" >= start', name="end_after_start"),
    )

    def covers(self, day: date) -> bool:
        """Whether this term is in force on `day`."""
        return self.start <= day and (self.end is None or day <= self.end)

    def __repr__(self) -> str:
        return f"<ManagementTerm {self.community_id} {self.mode.value} {self.start}..{self.end}>"


class ManagementPlan(Base):
    """A recorded long-term management plan (长效管理机制) of a community without a term yet.

    The street office or the bureau writes down how the community will be managed after
    its renovation (docs/domain.md#plans): the planned mode, what was agreed, and when it
    should start. Plans are never edited; a newer one supersedes the older.
    """

    __tablename__ = "management_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    mode: Mapped[ManagementMode] = mapped_column(str_enum(ManagementMode, "plan_mode"))
    note: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date | None] = mapped_column(Date)
    recorded_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    community: Mapped[Community] = relationship()
    recorded_by: Mapped[User] = relationship()

    __table_args__ = (CheckConstraint("length(note) > 0", name="note_given"),)

    def __repr__(self) -> str:
        return f"<ManagementPlan {self.community_id} {self.mode.value} {self.recorded_on}>"


# --- Owners' committees (docs/domain.md#committees) -----------------------------------------------

class CommitteeKind(enum.StrEnum):
    owners = "owners"  # 业主委员会, elected by the assembly
    interim = "interim"  # 物业管理委员会, appointed by the street office


class CommitteeStatus(enum.StrEnum):
    preparing = "preparing"
    active = "active"
    expired = "expired"


class CandidateStatus(enum.StrEnum):
    proposed = "proposed"
    approved = "approved"
    rejected = "rejected"


class MemberRole(enum.StrEnum):
    director = "director"
    deputy = "deputy"
    member = "member"


class Committee(Base):
    """One owners' committee (or interim management committee) of a community, over its life.

    "none" is the absence of a row; a community has at most one preparing and
    at most one active committee (partial unique indexes). The committee acts
    through its organisation (kind owners_committee, bound to the community):
    its members' logins belong to it, and hand-over sign-offs name it.
    """

    __tablename__ = "committees"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    kind: Mapped[CommitteeKind] = mapped_column(str_enum(CommitteeKind, "committee_kind"))
    status: Mapped[CommitteeStatus] = mapped_column(
        str_enum(CommitteeStatus, "committee_status")
    )
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    # Seats to fill, fixed when the preparation starts (city settings bound it).
    seats: Mapped[int | None] = mapped_column(Integer)
    # Null for a committee recorded from an import (elected before pmsys).
    term_start: Mapped[date | None] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_on: Mapped[date | None] = mapped_column(Date)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    end_reason: Mapped[str] = mapped_column(String(300), default="")
    # When the "term ends within 90 days" warning went out (sent once).
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    community: Mapped[Community] = relationship()
    organization: Mapped[Organization | None] = relationship()
    started_by: Mapped[User | None] = relationship(foreign_keys=[started_by_id])
    activated_by: Mapped[User | None] = relationship(foreign_keys=[activated_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])
    candidates: Mapped[list[CommitteeCandidate]] = relationship(
        back_populates="committee", cascade="all, delete-orphan", order_by="CommitteeCandidate.id"
    )
    members: Mapped[list[CommitteeMember]] = relationship(
        back_populates="committee", cascade="all, delete-orphan", order_by="CommitteeMember.id"
    )

    __table_args__ = (
        CheckConstraint(
            "status <> 'active' OR organization_id IS NOT NULL", name="active_has_org"
        ),
        CheckConstraint(
            "term_end IS NULL OR term_start IS NULL OR term_end >= term_start", name="term_order"
        ),
        CheckConstraint("seats IS NULL OR seats BETWEEN 1 AND 99", name="seats"),
        Index(
            "uq_committees_one_preparing", "community_id", unique=True,
            sqlite_where=text("status = 'preparing'"),
            postgresql_where=text("status = 'preparing'"),
        ),
        Index(
            "uq_committees_one_active", "community_id", unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )
    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Committee {self.community_id} {self.kind.value} {self.status.value}>"


class CommitteeCandidate(Base):
    """An owner proposed for the committee being prepared, and the vetting (联审) of them."""

    __tablename__ = "committee_candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[CandidateStatus] = mapped_column(
        str_enum(CandidateStatus, "candidate_status")
    )
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    vetted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    vetted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    committee: Mapped[Committee] = relationship(back_populates="candidates")
    person: Mapped[Person] = relationship()
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    vetted_by: Mapped[User | None] = relationship(foreign_keys=[vetted_by_id])

    __table_args__ = (UniqueConstraint("committee_id", "person_id"),)


class CommitteeMember(Base):
    """A member of a committee, with their role, for the committee's term."""

    __tablename__ = "committee_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    role: Mapped[MemberRole] = mapped_column(str_enum(MemberRole, "member_role"))

    committee: Mapped[Committee] = relationship(back_populates="members")
    person: Mapped[Person] = relationship()

    __table_args__ = (
        UniqueConstraint("committee_id", "person_id"),
        Index(
            "uq_committee_members_one_director", "committee_id", unique=True,
            sqlite_where=text("role = 'director'"),
            postgresql_where=text("role = 'director'"),
        ),
    )


# --- Assembly votes (docs/domain.md#votes, Civil Code Art. 278) -----------------------------------

class VoteStatus(enum.StrEnum):
    scheduled = "scheduled"  # convened, not yet open
    open = "open"  # roll frozen, ballots accepted until closes_at
    closed = "closed"  # result computed


class BallotChoice(enum.StrEnum):
    approve = "approve"
    reject = "reject"
    abstain = "abstain"


_MATTERS_SQL = ", ".join(
    f"'{m}'" for m in (
        "procedure_rules", "management_rules", "elect_committee", "hire_manager",
        "dismiss_manager", "use_maintenance_fund", "raise_maintenance_fund", "rebuild",
        "change_common_use", "other",
    )
)


class Vote(Base):
    """An owners' assembly vote on one matter, with its frozen roll and, once closed, its result.

    `result` holds the close answer of docs/api.md#votes (passed, kind, both ratios of
    participation and approval, reason) plus the thresholds and the counts,
    exactly as `governance.voting.result` gave it.
    """

    __tablename__ = "votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    # The committee this vote elects (matter elect_committee), if any.
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("committees.id"), index=True)
    matter: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[VoteStatus] = mapped_column(str_enum(VoteStatus, "vote_status"))
    convened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    convened_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    roll_frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    passed: Mapped[bool | None] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(32))
    result: Mapped[dict | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The most that may be spent from the maintenance fund on the strength of this vote
    # (matter use_maintenance_fund only; docs/domain.md#fund).
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))

    community: Mapped[Community] = relationship()
    committee: Mapped[Committee | None] = relationship()
    convened_by: Mapped[User | None] = relationship(foreign_keys=[convened_by_id])
    convened_by_org: Mapped[Organization | None] = relationship()
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    __table_args__ = (
        CheckConstraint(f"matter IN ({_MATTERS_SQL})", name="matter"),
        CheckConstraint("kind IN ('major', 'ordinary')", name="kind"),
        CheckConstraint("closes_at > opens_at", name="closes_after_opens"),
        CheckConstraint(
            "status <> 'closed' OR (passed IS NOT NULL AND reason IS NOT NULL)",
            name="closed_has_result",
        ),
        CheckConstraint(
            "status = 'scheduled' OR roll_frozen_at IS NOT NULL", name="open_has_roll"
        ),
        CheckConstraint(
            "amount IS NULL OR (matter = 'use_maintenance_fund' AND amount > 0)",
            name="amount_for_fund_use",
        ),
    )
    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Vote {self.id} {self.matter} {self.status.value}>"


class VoteRollEntry(Base):
    """One exclusive part on a vote's roll, as owned when the vote opened."""

    __tablename__ = "vote_roll"

    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id"), primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    area: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    developer_unsold: Mapped[bool] = mapped_column(Boolean, default=False)

    household: Mapped[Household] = relationship()
    person: Mapped[Person] = relationship()

    __table_args__ = (CheckConstraint("area >= 0", name="area"),)


class VoteBallot(Base):
    """An owner's ballot in a vote; a later ballot replaces it while the vote is open."""

    __tablename__ = "vote_ballots"

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    choice: Mapped[BallotChoice] = mapped_column(str_enum(BallotChoice, "ballot_choice"))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cast_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Recorded by a committee member or the street office from a paper ballot.
    paper: Mapped[bool] = mapped_column(Boolean, default=False)
    # How many times this owner changed their ballot.
    replaced: Mapped[int] = mapped_column(Integer, default=0)

    vote: Mapped[Vote] = relationship()
    person: Mapped[Person] = relationship()
    cast_by: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("vote_id", "person_id"),)
