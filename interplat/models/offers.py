"""Offers, chat blasts, their recipients, and claims."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import created_at_field, enterprise_fk, id_field, json_field, text_field, when_field
from .enums import OfferStatus


class Offer(SQLModel, table=True):
    """A promotion a CSR builds in the wizard and sends in chat."""

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    created_by_id: uuid.UUID | None = Field(
        default=None, foreign_key="user.id", nullable=True, ondelete="SET NULL"
    )
    title: str = text_field(200)
    body: str = Field(default="", sa_type=sa.Text)
    terms: str = Field(default="", sa_type=sa.Text)
    image_attachment_id: uuid.UUID | None = Field(
        default=None, foreign_key="attachment.id", nullable=True, ondelete="SET NULL"
    )
    expires_at: dt.datetime | None = when_field()
    redemption_kind: str = text_field(16, default="coupon")  # coupon | online
    discount_kind: str = text_field(16, default="percent")  # percent | amount
    discount_value: int = Field(default=0, nullable=False)  # percent, or minor units
    original_price_minor: int | None = Field(default=None, nullable=True)
    currency: str = text_field(3, default="USD")
    coupon_code: str = text_field(40, default="")
    redemption_url: str = text_field(500, default="")
    visibility: str = text_field(16, default="draft")  # draft | blast | loop | all
    status: str = text_field(16, default=OfferStatus.DRAFT)
    created_at: dt.datetime = created_at_field()
    updated_at: dt.datetime | None = when_field()


class ChatBlast(SQLModel, table=True):
    """A message or offer sent to a targeted set of customers, as a background job."""

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    created_by_id: uuid.UUID | None = Field(
        default=None, foreign_key="user.id", nullable=True, ondelete="SET NULL"
    )
    offer_id: uuid.UUID | None = Field(
        default=None, foreign_key="offer.id", nullable=True, ondelete="SET NULL"
    )
    body: str = Field(default="", sa_type=sa.Text)
    target_kind: str = text_field(20)  # loop | geofence | demographic | hand_picked
    target_params: dict = json_field()
    status: str = text_field(16, default="draft")
    recipient_count: int = Field(default=0, nullable=False)
    excluded_count: int = Field(default=0, nullable=False)
    sent_count: int = Field(default=0, nullable=False)
    created_at: dt.datetime = created_at_field()
    started_at: dt.datetime | None = when_field()
    finished_at: dt.datetime | None = when_field()


class BlastRecipient(SQLModel, table=True):
    """One customer of a blast; unique so a resumed job never sends twice."""

    __table_args__ = (
        sa.UniqueConstraint("blast_id", "customer_id", name="uq_blastrecipient_blast_customer"),
    )

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    blast_id: uuid.UUID = Field(foreign_key="chatblast.id", index=True, ondelete="CASCADE")
    customer_id: uuid.UUID = Field(foreign_key="customer.id", ondelete="CASCADE")
    status: str = text_field(16, default="pending")
    excluded_reason: str = text_field(50, default="")
    message_id: uuid.UUID | None = Field(
        default=None, foreign_key="message.id", nullable=True, ondelete="SET NULL"
    )
    sent_at: dt.datetime | None = when_field()
    delivered_at: dt.datetime | None = when_field()
    opened_at: dt.datetime | None = when_field()
    claimed_at: dt.datetime | None = when_field()


class OfferClaim(SQLModel, table=True):
    """A customer claimed an offer from a chat card."""

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    offer_id: uuid.UUID = Field(foreign_key="offer.id", index=True, ondelete="CASCADE")
    customer_id: uuid.UUID = Field(foreign_key="customer.id", ondelete="CASCADE")
    blast_id: uuid.UUID | None = Field(
        default=None, foreign_key="chatblast.id", nullable=True, ondelete="SET NULL"
    )
    message_id: uuid.UUID | None = Field(
        default=None, foreign_key="message.id", nullable=True, ondelete="SET NULL"
    )
    details: dict = json_field()
    claimed_at: dt.datetime = created_at_field()
