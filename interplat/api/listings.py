"""Listing configuration over REST: schedule, holidays, automated messages, availability,
entry links. The admin pages call the same services, so page and API cannot disagree."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field
from sqlmodel import col, select

from ..config import get_settings
from ..models import Listing
from ..services import automated_messages, enterprises, entry_links, schedules
from ..services.enterprises import get_listing
from .deps import SessionDep, SettingsDep, WorkspaceDep

router = APIRouter(prefix="/v1/listings", tags=["listings"])

Kind = Literal["welcome", "inactivity", "offline", "after_hours"]


class ListingOut(BaseModel):
    id: uuid.UUID
    name: str
    timezone: str
    is_default: bool
    abandon_after_minutes: int
    assistant_enabled: bool
    assistant_name: str


class IntervalIO(BaseModel):
    weekday: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    start: str = Field(max_length=5, examples=["09:00"])
    end: str = Field(max_length=5, examples=["17:30"])


class ScheduleIO(BaseModel):
    timezone: str = Field(max_length=64, examples=["America/New_York"])
    intervals: list[IntervalIO] = Field(max_length=100)


class HolidayIn(BaseModel):
    day: dt.date
    name: str = Field(max_length=200)


class HolidayOut(BaseModel):
    id: uuid.UUID
    day: dt.date
    name: str


class CreatedId(BaseModel):
    id: uuid.UUID


class AutomatedIO(BaseModel):
    kind: Kind
    body: str = Field(max_length=1000)
    delay_seconds: int = Field(0, ge=0, le=7 * 86400)
    enabled: bool = True


class AutomatedSet(BaseModel):
    messages: list[AutomatedIO] = Field(max_length=20)


class AvailabilityOut(BaseModel):
    available: bool
    reason: Literal["available", "after_hours", "holiday", "offline"]
    open_now: bool
    holiday_name: str
    csrs_online: int
    next_open_at: dt.datetime | None


class EntryLinkOut(BaseModel):
    channel: str
    code: str
    url: str


@router.get("", response_model=list[ListingOut])
def list_listings(session: SessionDep, principal: WorkspaceDep) -> list[ListingOut]:
    """Your enterprise's listings (the ids the other routes take)."""
    rows = session.exec(
        select(Listing)
        .where(Listing.enterprise_id == principal.enterprise_id)
        .order_by(col(Listing.is_default).desc(), col(Listing.name))
    ).all()
    return [ListingOut.model_validate(r, from_attributes=True) for r in rows]


class ListingPatch(BaseModel):
    name: str | None = Field(None, max_length=200)
    abandon_after_minutes: int | None = Field(None, ge=0, le=enterprises.MAX_ABANDON_MINUTES)
    assistant_enabled: bool | None = Field(
        None, description="The automated assistant answers new web chats first."
    )
    assistant_name: str | None = Field(
        None, max_length=enterprises.MAX_ASSISTANT_NAME_LENGTH, examples=["Symphony Assistant"]
    )


@router.patch("/{listing_id}", response_model=ListingOut)
def update_listing(
    listing_id: uuid.UUID, body: ListingPatch, session: SessionDep, principal: SettingsDep
) -> ListingOut:
    """Rename a listing, set how long a silent customer's ticket stays open (0 = never), or
    switch its automated assistant on or off and name it."""
    listing = enterprises.update_listing(
        session=session,
        enterprise_id=principal.enterprise_id,
        listing_id=listing_id,
        name=body.name,
        abandon_after_minutes=body.abandon_after_minutes,
        assistant_enabled=body.assistant_enabled,
        assistant_name=body.assistant_name,
    )
    return ListingOut.model_validate(listing, from_attributes=True)


def _schedule(listing: Listing, specs: list[schedules.IntervalSpec]) -> ScheduleIO:
    return ScheduleIO(
        timezone=listing.timezone,
        intervals=[IntervalIO(weekday=s.weekday, start=s.start, end=s.end) for s in specs],
    )


@router.get("/{listing_id}/schedule", response_model=ScheduleIO)
def get_schedule(listing_id: uuid.UUID, session: SessionDep, principal: WorkspaceDep) -> ScheduleIO:
    """Opening hours per weekday, several intervals a day, in the listing's time zone."""
    listing = get_listing(
        session=session, enterprise_id=principal.enterprise_id, listing_id=listing_id
    )
    return _schedule(listing, schedules.get_schedule(session=session, listing=listing))


@router.put("/{listing_id}/schedule", response_model=ScheduleIO)
def put_schedule(
    listing_id: uuid.UUID, body: ScheduleIO, session: SessionDep, principal: SettingsDep
) -> ScheduleIO:
    """Replace the time zone and the whole week at once (all or nothing)."""
    listing = get_listing(
        session=session, enterprise_id=principal.enterprise_id, listing_id=listing_id
    )
    schedules.set_timezone(session=session, listing=listing, timezone=body.timezone)
    specs = schedules.replace_schedule(
        session=session,
        listing=listing,
        intervals=[schedules.IntervalSpec(i.weekday, i.start, i.end) for i in body.intervals],
    )
    return _schedule(listing, specs)


@router.post(
    "/{listing_id}/future-holidays", response_model=CreatedId, status_code=status.HTTP_201_CREATED
)
def add_holiday(
    listing_id: uuid.UUID, body: HolidayIn, session: SessionDep, principal: SettingsDep
) -> CreatedId:
    """Close the listing for a day (today or later); answers the new holiday's id."""
    listing = get_listing(
        session=session, enterprise_id=principal.enterprise_id, listing_id=listing_id
    )
    holiday = schedules.add_holiday(session=session, listing=listing, day=body.day, name=body.name)
    return CreatedId(id=holiday.id)


@router.get("/{listing_id}/future-holidays", response_model=list[HolidayOut])
def list_holidays(
    listing_id: uuid.UUID, session: SessionDep, principal: WorkspaceDep
) -> list[HolidayOut]:
    listing = get_listing(
        session=session, enterprise_id=principal.enterprise_id, listing_id=listing_id
    )
    rows = schedules.list_future_holidays(session=session, listing=listing)
    return [HolidayOut(id=h.id, day=h.day, name=h.name) for h in rows]


@router.delete("/{listing_id}/future-holidays/{holiday_id}", status_code=204)
def delete_holiday(
    listing_id: uuid.UUID, holiday_id: uuid.UUID, session: SessionDep, principal: SettingsDep
) -> Response:
    listing = get_listing(
        session=session, enterprise_id=principal.enterprise_id, listing_id=listing_id
    )
    schedules.delete_holiday(session=session, listing=listing, holiday_id=holiday_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _automated(specs: list[automated_messages.AutomatedSpec]) -> AutomatedSet:
    return AutomatedSet(
        messages=[
            AutomatedIO(kind=s.kind, body=s.body, delay_seconds=s.delay_seconds, enabled=s.enabled)
            for s in specs
        ]
    )


@router.get("/{listing_id}/automated", response_model=AutomatedSet)
def get_automated(
    listing_id: uuid.UUID, session: SessionDep, principal: WorkspaceDep
) -> AutomatedSet:
    """Welcome, inactivity (several, each with a delay), offline and after-hours messages."""
    listing = get_listing(
        session=session, enterprise_id=principal.enterprise_id, listing_id=listing_id
    )
    return _automated(automated_messages.list_automated(session=session, listing=listing))


@router.put("/{listing_id}/automated", response_model=AutomatedSet)
def put_automated(
    listing_id: uuid.UUID, body: AutomatedSet, session: SessionDep, principal: SettingsDep
) -> AutomatedSet:
    """Replace every automated message at once; one invalid message rejects the request."""
    listing = get_listing(
        session=session, enterprise_id=principal.enterprise_id, listing_id=listing_id
    )
    specs = [
        automated_messages.AutomatedSpec(m.kind, m.body, m.delay_seconds, m.enabled)
        for m in body.messages
    ]
    saved = automated_messages.replace_automated(session=session, listing=listing, specs=specs)
    return _automated(saved)


@router.get("/{listing_id}/availability", response_model=AvailabilityOut)
def availability(
    listing_id: uuid.UUID, session: SessionDep, principal: WorkspaceDep
) -> AvailabilityOut:
    """Whether customers can be served now: within hours, not a holiday, a CSR online."""
    listing = get_listing(
        session=session, enterprise_id=principal.enterprise_id, listing_id=listing_id
    )
    got = schedules.availability(session=session, listing=listing)
    return AvailabilityOut.model_validate(got, from_attributes=True)


@router.get("/{listing_id}/chat-sessions", response_model=list[EntryLinkOut])
def chat_sessions(
    listing_id: uuid.UUID, session: SessionDep, principal: WorkspaceDep
) -> list[EntryLinkOut]:
    """The entry URLs to embed in each channel (website, email, QR posters, social, app)."""
    found = entry_links.entry_links(
        session=session,
        enterprise_id=principal.enterprise_id,
        listing_id=listing_id,
        base_url=get_settings().public_base_url,
    )
    return [EntryLinkOut.model_validate(e, from_attributes=True) for e in found]
