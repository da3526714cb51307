"""Satisfaction surveys (满意度调查) and the households' answers (docs/domain.md#surveys)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pmsys.db import Base, UTCDateTime, str_enum, utcnow
from pmsys.models.assets import Project
from pmsys.models.auth import Organization, User
from pmsys.models.places import Community, Household


class SurveyChannel(enum.StrEnum):
    web = "web"
    qr = "qr"
    paper = "paper"
    phone = "phone"


class Survey(Base):
    """A survey of the households of one scope (a community, a project's communities, or the
    communities a managing organisation runs), open from `opens_on` through `closes_on`.

    `questions` is the checked list of docs/api.md#surveys: key, kind, label (zh and en),
    choices, satisfied values. The communities of the scope are frozen when it is defined
    (`SurveyCommunity`), so later changes of management do not move its households.
    """

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"),
                                                        index=True)
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    questions: Mapped[list] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    community: Mapped[Community | None] = relationship(foreign_keys=[community_id])
    project: Mapped[Project | None] = relationship()
    organization: Mapped[Organization | None] = relationship(foreign_keys=[organization_id])
    created_by: Mapped[User | None] = relationship()
    created_by_org: Mapped[Organization | None] = relationship(foreign_keys=[created_by_org_id])
    community_links: Mapped[list[SurveyCommunity]] = relationship(
        back_populates="survey", cascade="all, delete-orphan", order_by="SurveyCommunity.id"
    )

    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN community_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN project_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN organization_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_scope",
        ),
        CheckConstraint("closes_on >= opens_on", name="closes_after_opens"),
    )

    @property
    def scope(self) -> tuple[str, str]:
        """(kind, code) of the survey's scope: community, project or org."""
        if self.community is not None:
            return "community", self.community.code
        if self.project is not None:
            return "project", self.project.code
        return "org", self.organization.code

    def status_on(self, today: date) -> str:
        """coming, open or closed on `today` (the window's both ends are open days)."""
        if today < self.opens_on:
            return "coming"
        return "open" if today <= self.closes_on else "closed"

    def __repr__(self) -> str:
        return f"<Survey {self.code}>"


class SurveyCommunity(Base):
    """A community whose households the survey asks, frozen when it was defined."""

    __tablename__ = "survey_communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)

    survey: Mapped[Survey] = relationship(back_populates="community_links")
    community: Mapped[Community] = relationship()

    __table_args__ = (UniqueConstraint("survey_id", "community_id"),)

    def __repr__(self) -> str:
        return f"<SurveyCommunity {self.survey_id}/{self.community_id}>"


class SurveyResponse(Base):
    """One household's answers to a survey; a later answer replaces it while the survey is open."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    channel: Mapped[SurveyChannel] = mapped_column(str_enum(SurveyChannel, "survey_channel"))
    answers: Mapped[dict] = mapped_column(JSON)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # How many times this household's answer was replaced.
    replaced: Mapped[int] = mapped_column(Integer, default=0)

    survey: Mapped[Survey] = relationship()
    household: Mapped[Household] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("survey_id", "household_id"),)

    def __repr__(self) -> str:
        return f"<SurveyResponse {self.survey_id}/{self.household_id} {self.channel.value}>"
