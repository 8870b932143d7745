"""Customers of an enterprise and the CSR loops they belong to."""

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


class Customer(SQLModel, table=True):
    """A person an enterprise serves; identified by phone (E.164) within the enterprise."""

    __table_args__ = (
        sa.UniqueConstraint("enterprise_id", "phone", name="uq_customer_enterprise_phone"),
    )

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    phone: str | None = text_field(20, default=None, nullable=True, index=True)
    email: str = text_field(254, default="")
    first_name: str = text_field(100, default="")
    last_name: str = text_field(100, default="")
    dob: dt.date | None = Field(default=None, nullable=True)
    gender: str = text_field(20, default="")
    city: str = text_field(100, default="")
    region: str = text_field(100, default="")
    postal_code: str = text_field(20, default="")
    country: str = text_field(2, default="")
    latitude: float | None = Field(default=None, nullable=True)
    longitude: float | None = Field(default=None, nullable=True)
    location_shared_at: dt.datetime | None = when_field()
    external_id: str = text_field(100, default="", index=True)
    device_info: dict = json_field()
    app_info: dict = json_field()
    marketing_opt_in: bool = flag(True)
    created_at: dt.datetime = created_at_field()
    last_contact_at: dt.datetime | None = when_field()

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.phone or self.email or "Customer"


class LoopMembership(SQLModel, table=True):
    """A customer in one CSR's own loop."""

    __table_args__ = (sa.UniqueConstraint("user_id", "customer_id", name="uq_loop_user_customer"),)

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    user_id: uuid.UUID = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True, ondelete="CASCADE")
    tags: list[str] = json_field(list)
    opted_in: bool = flag(True)
    added_at: dt.datetime = created_at_field()


class MarketingConsent(SQLModel, table=True):
    """Each change of a customer's marketing choice, with when and where it was made.

    ``Customer.marketing_opt_in`` holds the current choice; these rows are its history.
    """

    __table_args__ = (sa.Index("ix_consent_customer", "customer_id", "recorded_at"),)

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    customer_id: uuid.UUID = Field(foreign_key="customer.id", ondelete="CASCADE")
    opted_in: bool = Field(nullable=False)
    # Where the choice was made: chat_menu, sms_keyword, csr, import, api.
    source: str = text_field(20)
    ticket_id: uuid.UUID | None = Field(
        default=None, foreign_key="ticket.id", nullable=True, ondelete="SET NULL"
    )
    recorded_at: dt.datetime = created_at_field()
