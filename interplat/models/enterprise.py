"""Enterprises (tenants), their listings, brand and store locations."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import created_at_field, enterprise_fk, flag, id_field, json_field, text_field


class Enterprise(SQLModel, table=True):
    """A tenant: one business running Interplat under its own brand."""

    id: uuid.UUID = id_field()
    slug: str = text_field(64, unique=True, index=True)
    name: str = text_field(200)
    brand_name: str = text_field(200)
    tagline: str = text_field(300, default="")
    description: str = Field(default="", sa_type=sa.Text)
    logo_url: str = text_field(500, default="")
    banner_url: str = text_field(500, default="")
    primary_color: str = text_field(9, default="#1F3A93")
    accent_color: str = text_field(9, default="#C9A227")
    contact_email: str = text_field(254, default="")
    contact_phone: str = text_field(20, default="")
    website_url: str = text_field(500, default="")
    address: str = text_field(300, default="")
    reference_prefix: str = text_field(8, unique=True)
    next_ticket_number: int = Field(default=1, nullable=False)
    timezone: str = text_field(64, default="UTC")
    # IVR and channel policy (prompts, live-agent line, link expiry) as one settings blob:
    # its keys are owned by the telephony service and validated there.
    ivr_settings: dict = json_field()
    is_active: bool = flag(True)
    # Shown in the platform's enterprise directory (the customer app's home page).
    listed_in_directory: bool = flag(True)
    created_at: dt.datetime = created_at_field()


class Listing(SQLModel, table=True):
    """An enterprise's presence that customers contact (schedule, automation, content)."""

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    name: str = text_field(200)
    timezone: str = text_field(64, default="UTC")
    # A waiting or assigned ticket whose customer is silent this long ends as abandoned
    # (a day by default: chats here are asynchronous, customers come back later).
    abandon_after_minutes: int = Field(default=24 * 60, nullable=False)
    is_default: bool = flag(False)
    # The automated assistant answers new chats from canned content and rules until a
    # CSR joins or the customer asks for one.
    assistant_enabled: bool = flag(False)
    assistant_name: str = text_field(60, default="Assistant")
    created_at: dt.datetime = created_at_field()


class StoreLocation(SQLModel, table=True):
    """A physical store, used by geofenced chat blasts."""

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    name: str = text_field(200)
    address: str = text_field(300, default="")
    city: str = text_field(100, default="")
    region: str = text_field(100, default="")
    postal_code: str = text_field(20, default="")
    country: str = text_field(2, default="US")
    latitude: float = Field(nullable=False)
    longitude: float = Field(nullable=False)
    created_at: dt.datetime = created_at_field()


class PhoneNumber(SQLModel, table=True):
    """A phone number the platform answers for an enterprise (voice and SMS)."""

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    number: str = text_field(20, unique=True, index=True)
    label: str = text_field(100, default="")
    # ivr: the menu (press 1 / 2); chat: calls an enterprise IVR forwards here go straight
    # to chat (the caller already chose it there; the original caller id is kept).
    purpose: str = text_field(10, default="ivr")
    created_at: dt.datetime = created_at_field()
