"""Who changed which setting, user or credential, and when."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import Field, SQLModel

from .base import created_at_field, enterprise_fk, id_field, json_field, text_field


class AuditEntry(SQLModel, table=True):
    id: uuid.UUID = id_field()
    enterprise_id: uuid.UUID = enterprise_fk()
    actor_user_id: uuid.UUID | None = Field(
        default=None, foreign_key="user.id", nullable=True, ondelete="SET NULL"
    )
    action: str = text_field(64)
    target_kind: str = text_field(32, default="")
    target_id: str = text_field(64, default="")
    detail: dict = json_field()
    created_at: dt.datetime = created_at_field()
