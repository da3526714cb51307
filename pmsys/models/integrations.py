"""Organisations' API keys, webhooks and the webhook outbox (docs/api.md#integrations)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pmsys.db import Base, UTCDateTime, str_enum, utcnow
from pmsys.models.auth import ApiToken, Organization, User

# What an organisation may subscribe to (docs/api.md#webhooks).
WEBHOOK_EVENTS = (
    "ticket.assigned", "ticket.reassigned_away", "ticket.reopened", "ticket.escalated",
    "ticket.hurried", "handover.waiting",
)


class ApiKey(Base):
    """An organisation's API key: a login of its own (`user`) whose one token never expires.

    The key acts as the organisation's staff and the audit trail names its login; revoking
    the key revokes the token and disables the login.
    """

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="SET NULL"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    token: Mapped[ApiToken | None] = relationship()

    def __repr__(self) -> str:
        return f"<ApiKey {self.id} of organisation {self.organization_id}>"


class Webhook(Base):
    """An HTTPS endpoint of an organisation and the events it wants."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    # ",ticket.assigned,ticket.hurried,": one LIKE finds the subscribers in one statement.
    events: Mapped[str] = mapped_column(String(400))
    # Kept to sign each delivery (HMAC needs the secret itself); never shown again.
    secret: Mapped[str] = mapped_column(String(128))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship()

    @property
    def event_list(self) -> list[str]:
        return [name for name in self.events.split(",") if name]

    def __repr__(self) -> str:
        return f"<Webhook {self.id} of organisation {self.organization_id}>"


class DeliveryState(enum.StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"  # given up after the retry window


class WebhookDelivery(Base):
    """One event for one endpoint: written with the change, sent later by the `webhooks` job."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id"))
    event_id: Mapped[str] = mapped_column(String(36))
    event: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the retry window began: the event, or the last re-send (docs/api.md#webhooks).
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[DeliveryState] = mapped_column(
        str_enum(DeliveryState, "delivery_state"), default=DeliveryState.pending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    webhook: Mapped[Webhook] = relationship()

    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id"),
        Index("ix_webhook_deliveries_due", "state", "webhook_id", "id"),
    )

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.event} {self.event_id} to webhook {self.webhook_id}>"
