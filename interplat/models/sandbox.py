"""The built-in sandbox processor's own records, kept as a card processor keeps them.

They belong to the processor, not to Interplat's payments: Interplat reads none of them.
No full card number or CVC is ever stored here either, only a token, the brand, the last
four digits, the expiry and which documented test outcome the card produces.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from .base import created_at_field, json_field, text_field, when_field


class SandboxCheckout(SQLModel, table=True):
    """A hosted page: pay an amount (``mode="payment"``) or save a card (``"setup"``)."""

    id: str = Field(primary_key=True, max_length=40)  # cs_sb_…
    mode: str = text_field(10)
    amount_minor: int = Field(default=0, nullable=False)
    currency: str = text_field(3, default="USD")
    reference: str = text_field(100, default="")
    description: str = text_field(300, default="")
    return_url: str = text_field(2000)
    save_card_for: str = text_field(100, default="")
    idempotency_key: str | None = Field(default=None, unique=True, nullable=True, max_length=100)
    fingerprint: str = text_field(64, default="")  # sha256 of the request, for idempotency
    status: str = text_field(20, default="open")  # open, complete, failed
    charge_id: str = text_field(40, default="")
    created_at: dt.datetime = created_at_field()
    expires_at: dt.datetime | None = when_field()


class SandboxCard(SQLModel, table=True):
    """A card the processor vaulted (saved for a customer); ``id`` is the token we hand out."""

    id: str = Field(primary_key=True, max_length=40)  # pm_sb_…
    customer_ref: str = text_field(100, default="")
    brand: str = text_field(20)
    last4: str = text_field(4)
    exp_month: int = Field(nullable=False)
    exp_year: int = Field(nullable=False)
    outcome: str = text_field(30)  # the test card's documented behaviour
    created_at: dt.datetime = created_at_field()


class SandboxCharge(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=40)  # ch_sb_…
    amount_minor: int = Field(nullable=False)
    currency: str = text_field(3)
    reference: str = text_field(100, default="")
    idempotency_key: str | None = Field(default=None, unique=True, nullable=True, max_length=100)
    fingerprint: str = text_field(64, default="")
    checkout_id: str = text_field(40, default="")
    card_token: str = text_field(40, default="")
    brand: str = text_field(20, default="")
    last4: str = text_field(4, default="")
    exp_month: int = Field(default=0, nullable=False)
    exp_year: int = Field(default=0, nullable=False)
    status: str = text_field(20)  # succeeded, failed, requires_action
    failure_code: str = text_field(50, default="")
    failure_message: str = text_field(300, default="")
    refunded_minor: int = Field(default=0, nullable=False)
    created_at: dt.datetime = created_at_field()


class SandboxRefund(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=40)  # re_sb_…
    charge_id: str = Field(foreign_key="sandboxcharge.id", index=True, max_length=40)
    amount_minor: int = Field(nullable=False)
    idempotency_key: str = Field(unique=True, max_length=100)
    fingerprint: str = text_field(64, default="")
    created_at: dt.datetime = created_at_field()


class SandboxEvent(SQLModel, table=True):
    """A webhook the processor sends (and resends until our endpoint answers 2xx)."""

    id: str = Field(primary_key=True, max_length=40)  # evt_sb_…
    type: str = text_field(40)
    payload: dict = json_field()
    attempts: int = Field(default=0, nullable=False)
    delivered_at: dt.datetime | None = when_field()
    created_at: dt.datetime = created_at_field()
