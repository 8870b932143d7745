"""Response and request shapes shared by the REST routers."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, Field

from ..models import Channel

SourceName = Literal[tuple(str(c) for c in Channel)]  # type: ignore[valid-type]
StatusName = Literal["waiting", "assigned", "resolved", "abandoned"]


class TicketOut(BaseModel):
    id: uuid.UUID
    reference: str
    status: StatusName
    source: str
    customer_id: uuid.UUID
    customer_name: str
    customer_phone: str
    assignee_id: uuid.UUID | None
    assignee_name: str | None
    created_at: dt.datetime
    assigned_at: dt.datetime | None
    first_reply_at: dt.datetime | None
    resolved_at: dt.datetime | None
    ended_at: dt.datetime | None
    rating: int | None
    rating_comment: str


class TicketPageOut(BaseModel):
    items: list[TicketOut]
    total: int
    offset: int
    limit: int


class CountOut(BaseModel):
    count: int


class CountersOut(BaseModel):
    period_start: dt.datetime
    period_end: dt.datetime
    total: int
    waiting: int
    assigned: int
    resolved: int
    abandoned: int
    rated: int
    average_wait_seconds: float | None
    average_resolution_seconds: float | None
    average_rating: float | None


class CustomerIn(BaseModel):
    phone: str = Field(min_length=1, max_length=32, description="E.164, with or without +")
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    email: str = Field("", max_length=254)
    external_id: str = Field("", max_length=100)


class TicketCreate(BaseModel):
    customer_id: uuid.UUID | None = Field(None, description="An existing customer, or…")
    customer: CustomerIn | None = Field(None, description="…a customer matched or made by phone")
    source: SourceName = "enterprise_app"  # type: ignore[valid-type]
    listing_id: uuid.UUID | None = None
    client_app: str = Field("", max_length=100)


class PullBody(BaseModel):
    csr_id: uuid.UUID | None = Field(
        None, description="Required with an API token; staff pull for themselves"
    )


class AssignBody(BaseModel):
    csr_id: uuid.UUID


class EndBody(BaseModel):
    outcome: Literal["resolved", "abandoned"]


class RateBody(BaseModel):
    rating: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=2000)
