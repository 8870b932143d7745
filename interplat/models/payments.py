"""Requests for payment, payments, refunds, receipts, saved cards and thread markers.

Card numbers and CVCs never reach these tables: only processor tokens, brand, last4 and
expiry.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import (
    created_at_field,
    enterprise_fk,
    flag,
    id_field,
    json_field,
    text_field,
    when_field,
)
from .enums import PaymentRequestStatus, PaymentStatus


class PaymentRequest(SQLModel, table=True):
    """A bill sent to a payer (RFP)."""

    __table_args__ = (sa.CheckConstraint("amount_minor > 0", name="amount_positive"),)

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True, ondelete="CASCADE")
    ticket_id: uuid.UUID | None = Field(
        default=None, foreign_key="ticket.id", nullable=True, index=True, ondelete="SET NULL"
    )
    created_by_id: uuid.UUID | None = Field(
        default=None, foreign_key="user.id", nullable=True, ondelete="SET NULL"
    )
    invoice_number: str = text_field(64, default="")
    description: str = Field(default="", sa_type=sa.Text)
    amount_minor: int = Field(nullable=False)
    currency: str = text_field(3, default="USD")
    due_date: dt.date | None = Field(default=None, nullable=True)
    status: str = text_field(20, default=PaymentRequestStatus.DRAFT)
    attachment_id: uuid.UUID | None = Field(
        default=None, foreign_key="attachment.id", nullable=True, ondelete="SET NULL"
    )
    public_token_hash: str = text_field(64, unique=True)
    created_at: dt.datetime = created_at_field()
    sent_at: dt.datetime | None = when_field()
    viewed_at: dt.datetime | None = when_field()
    paid_at: dt.datetime | None = when_field()


class PaymentLineItem(SQLModel, table=True):
    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    payment_request_id: uuid.UUID = Field(
        foreign_key="paymentrequest.id", index=True, ondelete="CASCADE"
    )
    position: int = Field(default=0, nullable=False)
    description: str = text_field(300)
    quantity: int = Field(default=1, nullable=False)
    unit_amount_minor: int = Field(nullable=False)
    amount_minor: int = Field(nullable=False)


class Payment(SQLModel, table=True):
    """An attempt to pay an RFP through the payment provider."""

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    payment_request_id: uuid.UUID = Field(
        foreign_key="paymentrequest.id", index=True, ondelete="CASCADE"
    )
    customer_id: uuid.UUID = Field(foreign_key="customer.id", ondelete="CASCADE")
    amount_minor: int = Field(nullable=False)
    currency: str = text_field(3)
    status: str = text_field(20, default=PaymentStatus.PENDING)
    provider: str = text_field(20)
    provider_payment_id: str = text_field(100, default="", index=True)
    idempotency_key: str = text_field(100, unique=True)
    card_brand: str = text_field(20, default="")
    card_last4: str = text_field(4, default="")
    failure_code: str = text_field(50, default="")
    failure_message: str = text_field(300, default="")
    amount_refunded_minor: int = Field(default=0, nullable=False)
    created_at: dt.datetime = created_at_field()
    settled_at: dt.datetime | None = when_field()


class Refund(SQLModel, table=True):
    __table_args__ = (sa.CheckConstraint("amount_minor > 0", name="amount_positive"),)

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    payment_id: uuid.UUID = Field(foreign_key="payment.id", index=True, ondelete="CASCADE")
    amount_minor: int = Field(nullable=False)
    currency: str = text_field(3)
    reason: str = text_field(300, default="")
    provider_refund_id: str = text_field(100, default="")
    status: str = text_field(20, default="pending")
    created_by_id: uuid.UUID | None = Field(
        default=None, foreign_key="user.id", nullable=True, ondelete="SET NULL"
    )
    created_at: dt.datetime = created_at_field()


class Receipt(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("enterprise_id", "number", name="uq_receipt_number"),)

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    payment_id: uuid.UUID = Field(foreign_key="payment.id", unique=True, ondelete="CASCADE")
    number: str = text_field(32)
    public_token_hash: str = text_field(64, unique=True)
    issued_at: dt.datetime = created_at_field()


class SavedCard(SQLModel, table=True):
    """A wallet card: the processor's token plus what a person needs to recognise it."""

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True, ondelete="CASCADE")
    provider: str = text_field(20)
    token: str = text_field(200)
    brand: str = text_field(20)
    last4: str = text_field(4)
    exp_month: int = Field(nullable=False)
    exp_year: int = Field(nullable=False)
    is_default: bool = flag(False)
    created_at: dt.datetime = created_at_field()


class ThreadMarker(SQLModel, table=True):
    """Where in a conversation a payment event happened (for disputes)."""

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    ticket_id: uuid.UUID = Field(foreign_key="ticket.id", index=True, ondelete="CASCADE")
    kind: str = text_field(32)
    payment_request_id: uuid.UUID | None = Field(
        default=None, foreign_key="paymentrequest.id", nullable=True, ondelete="CASCADE"
    )
    payment_id: uuid.UUID | None = Field(
        default=None, foreign_key="payment.id", nullable=True, ondelete="CASCADE"
    )
    # The last message of the thread when the event happened.
    after_message_id: uuid.UUID | None = Field(
        default=None, foreign_key="message.id", nullable=True, ondelete="SET NULL"
    )
    detail: dict = json_field()
    created_at: dt.datetime = created_at_field()


class ProviderEvent(SQLModel, table=True):
    """A payment-provider webhook already processed (so a redelivery changes nothing)."""

    id: uuid.UUID = id_field()
    provider: str = text_field(20)
    event_id: str = text_field(100, unique=True)
    received_at: dt.datetime = created_at_field()
    processed: bool = flag(False)
