"""Shared column types and helpers for every table."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# Stable constraint names so Alembic can drop what it created on SQLite and PostgreSQL alike.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """A timestamp that only accepts aware datetimes and always returns aware UTC ones.

    SQLite has no time zones, so values are stored as naive UTC there and made aware on
    the way out; PostgreSQL stores ``timestamptz``.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: use timezone-aware UTC")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def id_field() -> Any:
    """A UUID primary key generated in Python (safe to expose over APIs)."""
    return Field(default_factory=uuid.uuid4, primary_key=True)


def enterprise_fk() -> Any:
    """The tenant column every tenant-owned row carries."""
    return Field(foreign_key="enterprise.id", index=True, ondelete="CASCADE")


def created_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def when_field(index: bool = False) -> Any:
    """An optional aware-UTC timestamp."""
    return Field(default=None, sa_type=UTCDateTime, nullable=True, index=index)


def text_field(length: int, **kw: Any) -> Any:
    return Field(sa_type=sa.String(length), **kw)


def json_field(default_factory: Any = dict) -> Any:
    return Field(default_factory=default_factory, sa_type=sa.JSON, nullable=False)


def flag(default: bool) -> Any:
    """A boolean with a server default that works on SQLite and PostgreSQL."""
    return Field(
        default=default,
        sa_column_kwargs={"server_default": sa.true() if default else sa.false()},
        nullable=False,
    )
