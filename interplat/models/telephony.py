"""Calls, SMS, short links, IVR API clients, suppression list and the outbound outbox."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import created_at_field, enterprise_fk, id_field, json_field, text_field, when_field
from .enums import OutboxStatus


class IvrClient(SQLModel, table=True):
    """An enterprise IVR allowed to call the call-to-chat API (HTTP Basic, secret hashed)."""

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    name: str = text_field(100)
    username: str = text_field(64, unique=True, index=True)
    secret_hash: str = text_field(200)
    created_at: dt.datetime = created_at_field()
    rotated_at: dt.datetime | None = when_field()
    revoked_at: dt.datetime | None = when_field()
    last_used_at: dt.datetime | None = when_field()


class ShortLink(SQLModel, table=True):
    """A short, unguessable entry link into a branded chat, recording its channel."""

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    code: str = text_field(32, unique=True, index=True)
    # Entry links (website, email, posters) point at a listing and carry no ticket yet.
    listing_id: uuid.UUID | None = Field(
        default=None, foreign_key="listing.id", nullable=True, ondelete="CASCADE"
    )
    ticket_id: uuid.UUID | None = Field(
        default=None, foreign_key="ticket.id", nullable=True, index=True, ondelete="CASCADE"
    )
    customer_id: uuid.UUID | None = Field(
        default=None, foreign_key="customer.id", nullable=True, ondelete="CASCADE"
    )
    channel: str = text_field(20)
    created_at: dt.datetime = created_at_field()
    expires_at: dt.datetime | None = when_field()
    revoked_at: dt.datetime | None = when_field()
    first_opened_at: dt.datetime | None = when_field()
    open_count: int = Field(default=0, nullable=False)


LIVE_TALK_NOW_SQL = "purpose = 'talk_now' AND ended_at IS NULL"


class CallLog(SQLModel, table=True):
    """A voice call: into the IVR (inbound), or a CSR's "talk now" call to a customer."""

    __table_args__ = (
        # At most one live "talk now" call per ticket, enforced by the database itself.
        sa.Index(
            "uq_calllog_one_live_talk_per_ticket",
            "ticket_id",
            unique=True,
            sqlite_where=sa.text(LIVE_TALK_NOW_SQL),
            postgresql_where=sa.text(LIVE_TALK_NOW_SQL),
        ),
    )

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    call_sid: str = text_field(64, unique=True)
    direction: str = text_field(8, default="inbound")  # inbound | outbound
    purpose: str = text_field(16, default="ivr")  # ivr | talk_now
    from_number: str = text_field(20)
    to_number: str = text_field(20)
    status: str = text_field(20, default="ringing")
    digits: str = text_field(20, default="")
    outcome: str = text_field(20, default="")  # chat | agent | hangup
    ticket_id: uuid.UUID | None = Field(
        default=None, foreign_key="ticket.id", nullable=True, ondelete="SET NULL"
    )
    # talk_now: the CSR who started it, whose phone the customer is bridged to.
    user_id: uuid.UUID | None = Field(
        default=None, foreign_key="user.id", nullable=True, ondelete="SET NULL"
    )
    created_at: dt.datetime = created_at_field()
    answered_at: dt.datetime | None = when_field()
    ended_at: dt.datetime | None = when_field()
    duration_seconds: int | None = Field(default=None, nullable=True)


class SmsLog(SQLModel, table=True):
    """An SMS in either direction as the carrier saw it."""

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    direction: str = text_field(8)  # inbound | outbound
    message_sid: str = text_field(64, default="", index=True)
    from_number: str = text_field(20)
    to_number: str = text_field(20)
    body: str = Field(default="", sa_type=sa.Text)
    status: str = text_field(20, default="")
    error_code: str = text_field(10, default="")
    ticket_id: uuid.UUID | None = Field(
        default=None, foreign_key="ticket.id", nullable=True, ondelete="SET NULL"
    )
    created_at: dt.datetime = created_at_field()
    updated_at: dt.datetime | None = when_field()


class SmsSuppression(SQLModel, table=True):
    """A number that texted STOP to an enterprise: no SMS until START."""

    __table_args__ = (
        sa.UniqueConstraint("enterprise_id", "phone", name="uq_smssuppression_enterprise_phone"),
    )

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    phone: str = text_field(20)
    created_at: dt.datetime = created_at_field()


class OutboxMessage(SQLModel, table=True):
    """Something to send (SMS, email, call); the dev outbox and the retry queue in one."""

    __table_args__ = (sa.Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    channel: str = text_field(10)  # sms | email | call
    to_address: str = text_field(254)
    from_address: str = text_field(254, default="")
    subject: str = text_field(300, default="")
    body: str = Field(default="", sa_type=sa.Text)
    meta: dict = json_field()
    status: str = text_field(16, default=OutboxStatus.QUEUED)
    attempts: int = Field(default=0, nullable=False)
    next_attempt_at: dt.datetime | None = when_field()
    last_error: str = text_field(300, default="")
    provider_id: str = text_field(64, default="", index=True)
    ticket_id: uuid.UUID | None = Field(
        default=None, foreign_key="ticket.id", nullable=True, index=True, ondelete="SET NULL"
    )
    created_at: dt.datetime = created_at_field()
    sent_at: dt.datetime | None = when_field()
