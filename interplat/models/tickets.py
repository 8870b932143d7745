"""Tickets (one per conversation), their transitions, messages and attachments."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import (
    created_at_field,
    enterprise_fk,
    id_field,
    json_field,
    text_field,
    when_field,
)
from .enums import Channel, DeliveryState, MessageKind, SenderKind, TicketStatus

OPEN_STATUSES_SQL = "status IN ('waiting', 'assigned')"


class Ticket(SQLModel, table=True):
    """A conversation in an enterprise's queue."""

    __table_args__ = (
        sa.UniqueConstraint("enterprise_id", "reference", name="uq_ticket_enterprise_reference"),
        # One open ticket per customer and enterprise, enforced by the database itself.
        sa.Index(
            "uq_ticket_one_open_per_customer",
            "enterprise_id",
            "customer_id",
            unique=True,
            sqlite_where=sa.text(OPEN_STATUSES_SQL),
            postgresql_where=sa.text(OPEN_STATUSES_SQL),
        ),
        sa.Index("ix_ticket_queue", "enterprise_id", "status", "queued_at"),
        sa.Index("ix_ticket_period", "enterprise_id", "created_at"),
    )

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    listing_id: uuid.UUID | None = Field(
        default=None, foreign_key="listing.id", nullable=True, ondelete="SET NULL"
    )
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True, ondelete="CASCADE")
    number: int = Field(nullable=False)
    reference: str = text_field(24)
    source: str = text_field(20, default=Channel.WEBSITE)
    client_app: str = text_field(100, default="")
    status: str = text_field(16, default=TicketStatus.WAITING)
    assignee_id: uuid.UUID | None = Field(
        default=None, foreign_key="user.id", nullable=True, index=True, ondelete="SET NULL"
    )
    subject: str = text_field(200, default="")
    created_at: dt.datetime = created_at_field()
    # Position in the waiting queue; a released ticket goes back to the head.
    queued_at: dt.datetime = created_at_field()
    assigned_at: dt.datetime | None = when_field()
    first_reply_at: dt.datetime | None = when_field()
    resolved_at: dt.datetime | None = when_field()
    ended_at: dt.datetime | None = when_field()
    last_customer_activity_at: dt.datetime | None = when_field()
    rating: int | None = Field(default=None, nullable=True)
    rating_comment: str = Field(default="", sa_type=sa.Text)
    rated_at: dt.datetime | None = when_field()
    # "" no assistant; "active" the assistant holds it (the queue pull passes it by);
    # "handed_off" it asked for, or needed, a person.
    assistant_state: str = text_field(16, default="")
    handed_off_at: dt.datetime | None = when_field()


class TicketEvent(SQLModel, table=True):
    """One transition of a ticket: who did what, when."""

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    ticket_id: uuid.UUID = Field(foreign_key="ticket.id", index=True, ondelete="CASCADE")
    kind: str = text_field(32)
    actor_user_id: uuid.UUID | None = Field(
        default=None, foreign_key="user.id", nullable=True, ondelete="SET NULL"
    )
    actor_kind: str = text_field(16, default=SenderKind.SYSTEM)
    detail: dict = json_field()
    created_at: dt.datetime = created_at_field()


class Attachment(SQLModel, table=True):
    """A stored file (image, video, voice clip, document); content checked on upload."""

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    filename: str = text_field(255)
    content_type: str = text_field(100)
    size_bytes: int = Field(nullable=False)
    storage_key: str = text_field(300, unique=True)
    sha256: str = text_field(64)
    created_at: dt.datetime = created_at_field()


class Message(SQLModel, table=True):
    """One entry in a ticket's thread."""

    __table_args__ = (sa.Index("ix_message_thread", "ticket_id", "created_at"),)

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    ticket_id: uuid.UUID = Field(foreign_key="ticket.id", ondelete="CASCADE")
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True, ondelete="CASCADE")
    sender_kind: str = text_field(16, default=SenderKind.CUSTOMER)
    sender_user_id: uuid.UUID | None = Field(
        default=None, foreign_key="user.id", nullable=True, ondelete="SET NULL"
    )
    kind: str = text_field(24, default=MessageKind.TEXT)
    body: str = Field(default="", sa_type=sa.Text)
    attachment_id: uuid.UUID | None = Field(
        default=None, foreign_key="attachment.id", nullable=True, ondelete="SET NULL"
    )
    transcript: str | None = Field(default=None, sa_type=sa.Text, nullable=True)
    transcript_language: str = text_field(8, default="")
    # Why a voice message has no transcript and never will (unreadable audio); "" otherwise.
    transcript_error: str = text_field(200, default="")
    waveform: list[float] = json_field(list)
    duration_ms: int | None = Field(default=None, nullable=True)
    offer_id: uuid.UUID | None = Field(
        default=None, foreign_key="offer.id", nullable=True, ondelete="SET NULL"
    )
    payment_request_id: uuid.UUID | None = Field(
        default=None, foreign_key="paymentrequest.id", nullable=True, ondelete="SET NULL"
    )
    # Tappable answers shown under an assistant's message ("Yes", "No", "Live chat").
    quick_replies: list[str] = json_field(list)
    delivery_state: str = text_field(16, default=DeliveryState.SENT)
    created_at: dt.datetime = created_at_field()
    delivered_at: dt.datetime | None = when_field()
    read_at: dt.datetime | None = when_field()
