"""Listing configuration: schedules, holidays, automated messages, canned content, rules."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

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


def listing_fk() -> Any:
    return Field(foreign_key="listing.id", index=True, ondelete="CASCADE")


class ScheduleInterval(SQLModel, table=True):
    """One opening interval on a weekday, in the listing's time zone (minutes from midnight)."""

    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        sa.CheckConstraint("start_minute >= 0 AND end_minute <= 1440", name="minute_range"),
        sa.CheckConstraint("start_minute < end_minute", name="interval_order"),
    )

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    listing_id: uuid.UUID = listing_fk()
    weekday: int = Field(nullable=False)
    start_minute: int = Field(nullable=False)
    end_minute: int = Field(nullable=False)


class Holiday(SQLModel, table=True):
    """A closed day for a listing."""

    __table_args__ = (sa.UniqueConstraint("listing_id", "day", name="uq_holiday_listing_day"),)

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    listing_id: uuid.UUID = listing_fk()
    day: dt.date = Field(nullable=False)
    name: str = text_field(200, default="")


class AutomatedMessage(SQLModel, table=True):
    """A message the platform sends by itself (welcome, inactivity, offline, after-hours)."""

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    listing_id: uuid.UUID = listing_fk()
    kind: str = text_field(20)
    delay_seconds: int = Field(default=0, nullable=False)
    body: str = Field(sa_type=sa.Text)
    position: int = Field(default=0, nullable=False)
    enabled: bool = flag(True)


class AutomatedMessageSent(SQLModel, table=True):
    """Proof an automated message went to a ticket, so each is sent once per trigger."""

    __table_args__ = (
        sa.UniqueConstraint(
            "ticket_id", "automated_message_id", name="uq_automated_sent_ticket_message"
        ),
    )

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    ticket_id: uuid.UUID = Field(foreign_key="ticket.id", index=True, ondelete="CASCADE")
    automated_message_id: uuid.UUID = Field(foreign_key="automatedmessage.id", ondelete="CASCADE")
    sent_at: dt.datetime = created_at_field()


class CannedContent(SQLModel, table=True):
    """A reusable reply a CSR inserts by title or shortcut."""

    __table_args__ = (
        # Shortcuts are unique per listing, enforced by the database (services check first).
        sa.Index(
            "uq_cannedcontent_listing_shortcut",
            "listing_id",
            "shortcut",
            unique=True,
            sqlite_where=sa.text("shortcut <> ''"),
            postgresql_where=sa.text("shortcut <> ''"),
        ),
    )

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    listing_id: uuid.UUID = listing_fk()
    title: str = text_field(200)
    shortcut: str = text_field(50, default="")
    body: str = Field(default="", sa_type=sa.Text)
    image_attachment_id: uuid.UUID | None = Field(
        default=None, foreign_key="attachment.id", nullable=True, ondelete="SET NULL"
    )
    offer_id: uuid.UUID | None = Field(
        default=None, foreign_key="offer.id", nullable=True, ondelete="SET NULL"
    )
    created_at: dt.datetime = created_at_field()
    updated_at: dt.datetime | None = when_field()


class AssistedResponseRule(SQLModel, table=True):
    """Ordered keywords that, matched in a customer message, suggest replies to the CSR."""

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    listing_id: uuid.UUID = listing_fk()
    name: str = text_field(200, default="")
    keywords: list[str] = json_field(list)
    replies: list[str] = json_field(list)
    position: int = Field(default=0, nullable=False)
    enabled: bool = flag(True)
    created_at: dt.datetime = created_at_field()
