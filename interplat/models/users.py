"""CSRs, admins and owners, and their login sessions."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import Field, SQLModel

from .base import created_at_field, enterprise_fk, flag, id_field, text_field, when_field
from .enums import Presence, Role


class User(SQLModel, table=True):
    """A person who works in Interplat for one enterprise."""

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    email: str = text_field(254, unique=True, index=True)
    full_name: str = text_field(200)
    role: str = text_field(16, default=Role.CSR)
    password_hash: str = text_field(200)
    presence: str = text_field(16, default=Presence.OFFLINE)
    # E.164; where a "talk now" call bridges the customer to this person.
    phone: str | None = text_field(20, default=None, nullable=True)
    is_active: bool = flag(True)
    created_at: dt.datetime = created_at_field()
    last_login_at: dt.datetime | None = when_field()


class UserSession(SQLModel, table=True):
    """A login. Only the SHA-256 of the bearer token is stored."""

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    user_id: uuid.UUID = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    token_hash: str = text_field(64, unique=True, index=True)
    created_at: dt.datetime = created_at_field()
    expires_at: dt.datetime | None = when_field(index=True)
    last_seen_at: dt.datetime | None = when_field()
    revoked_at: dt.datetime | None = when_field()


class ApiToken(SQLModel, table=True):
    """A bearer token for an enterprise back office calling the REST API (hashed at rest)."""

    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    name: str = text_field(100)
    prefix: str = text_field(12, index=True)
    token_hash: str = text_field(64, unique=True)
    created_at: dt.datetime = created_at_field()
    last_used_at: dt.datetime | None = when_field()
    revoked_at: dt.datetime | None = when_field()


class AppSession(SQLModel, table=True):
    """A customer signed in to the platform's customer app or website, as a person (their
    verified phone number), across enterprises. Only the SHA-256 of the token is stored.

    Call → chat uses it: a caller with a recently active session gets the chat as a
    pending chat in the app, and the SMS only as a fallback.
    """

    id: uuid.UUID = id_field()
    phone: str = text_field(20, index=True)
    token_hash: str = text_field(64, unique=True, index=True)
    created_at: dt.datetime = created_at_field()
    expires_at: dt.datetime | None = when_field()
    last_seen_at: dt.datetime | None = when_field()
    revoked_at: dt.datetime | None = when_field()
