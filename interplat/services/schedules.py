"""Opening hours of a listing: weekly intervals in its time zone, holidays, availability.

Hours are wall-clock times in the listing's IANA zone, so "09:00" stays 09:00 across
daylight-saving changes; every check converts the UTC instant to local time first.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo, available_timezones

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from ..models import Holiday, Listing, Presence, ScheduleInterval, User, UserSession, utcnow
from . import events
from .errors import Conflict, NotFound, ValidationFailed

log = logging.getLogger(__name__)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TIME_RE = re.compile(r"^([0-9]{2}):([0-9]{2})$")
MINUTES_PER_DAY = 24 * 60
LOOKAHEAD_DAYS = 14
# Open staff tabs check in every minute (state/live.py); three missed beats mean gone.
PRESENCE_WINDOW = dt.timedelta(minutes=3)
MAX_HOLIDAY_NAME_LENGTH = 200
# Names zoneinfo lists that depend on the server or mean nothing to a business.
_NOT_BUSINESS_ZONES = frozenset({"localtime", "Factory", "posixrules"})


@dataclass(frozen=True)
class IntervalSpec:
    """One opening interval as people write it: a weekday (0 = Monday) and "HH:MM" times."""

    weekday: int
    start: str
    end: str


@dataclass(frozen=True)
class Availability:
    """Whether a listing can serve a customer right now, and if not, why and until when."""

    open_now: bool
    holiday_name: str
    csrs_online: int
    available: bool
    reason: str  # available | after_hours | holiday | offline
    next_open_at: dt.datetime | None


def get_schedule(*, session: Session, listing: Listing) -> list[IntervalSpec]:
    """The listing's weekly intervals, by weekday then start time."""
    return [
        IntervalSpec(row.weekday, _format(row.start_minute), _format(row.end_minute))
        for row in _intervals(session, listing)
    ]


def replace_schedule(
    *, session: Session, listing: Listing, intervals: list[IntervalSpec]
) -> list[IntervalSpec]:
    """Replace the whole weekly schedule; nothing changes if any interval is invalid."""
    rows = _validated(intervals)
    session.execute(
        sa.delete(ScheduleInterval).where(col(ScheduleInterval.listing_id) == listing.id)
    )
    session.add_all(
        ScheduleInterval(
            enterprise_id=listing.enterprise_id,
            listing_id=listing.id,
            weekday=weekday,
            start_minute=start,
            end_minute=end,
        )
        for weekday, start, end in rows
    )
    session.flush()
    _announce(session, listing)
    return get_schedule(session=session, listing=listing)


def set_timezone(*, session: Session, listing: Listing, timezone: str) -> Listing:
    """Set the IANA time zone the listing's hours and holidays are read in."""
    name = timezone.strip()
    if name not in _zone_names():
        raise ValidationFailed(
            f"“{name}” is not a time zone we know. Use a name like America/New_York.",
            field="timezone",
        )
    listing.timezone = name
    session.add(listing)
    session.flush()
    _announce(session, listing)
    return listing


def add_holiday(
    *, session: Session, listing: Listing, day: dt.date, name: str, now: dt.datetime | None = None
) -> Holiday:
    """Close the listing for a whole local day, today or later."""
    name = name.strip()
    if not name:
        raise ValidationFailed("Give the holiday a name.", field="name")
    if len(name) > MAX_HOLIDAY_NAME_LENGTH:
        raise ValidationFailed(
            f"Holiday names are limited to {MAX_HOLIDAY_NAME_LENGTH} characters.", field="name"
        )
    if day < _local(listing, now).date():
        raise ValidationFailed(f"{day.isoformat()} is in the past.", field="day")
    holiday = Holiday(
        enterprise_id=listing.enterprise_id, listing_id=listing.id, day=day, name=name
    )
    try:
        with session.begin_nested():
            session.add(holiday)
            session.flush()
    except sa.exc.IntegrityError as exc:
        raise Conflict(f"{day.isoformat()} is already a holiday.", field="day") from exc
    _announce(session, listing)
    return holiday


def list_future_holidays(
    *, session: Session, listing: Listing, now: dt.datetime | None = None
) -> list[Holiday]:
    """The listing's holidays from today (local) on, soonest first."""
    today = _local(listing, now).date()
    return list(
        session.exec(
            select(Holiday)
            .where(Holiday.listing_id == listing.id, col(Holiday.day) >= today)
            .order_by(col(Holiday.day))
        ).all()
    )


def delete_holiday(*, session: Session, listing: Listing, holiday_id: uuid.UUID) -> None:
    """Remove one of the listing's holidays."""
    holiday = session.get(Holiday, holiday_id)
    if holiday is None or holiday.listing_id != listing.id:
        raise NotFound("Holiday not found.")
    session.delete(holiday)
    session.flush()
    _announce(session, listing)


def is_open(*, session: Session, listing: Listing, now: dt.datetime | None = None) -> bool:
    """Whether the listing's hours cover ``now`` (local wall time) on a day that is no holiday."""
    local = _local(listing, now)
    holidays = _holidays_between(session, listing, local.date(), 0)
    return local.date() not in holidays and _within(_intervals(session, listing), local)


def online_staff_count(
    *, session: Session, enterprise_id: uuid.UUID, now: dt.datetime | None = None
) -> int:
    """Active staff of the enterprise who are online with a browser open: a live login
    session whose tab checked in within ``PRESENCE_WINDOW`` (closing the tab ages it out)."""
    now = now or utcnow()
    live_session = sa.exists().where(
        col(UserSession.user_id) == col(User.id),
        col(UserSession.revoked_at).is_(None),
        # A session without an expiry never expires (as ``auth.resolve_session`` reads it).
        sa.or_(col(UserSession.expires_at).is_(None), col(UserSession.expires_at) > now),
        col(UserSession.last_seen_at) >= now - PRESENCE_WINDOW,
    )
    count = session.exec(
        select(func.count())
        .select_from(User)
        .where(
            User.enterprise_id == enterprise_id,
            col(User.is_active),
            User.presence == Presence.ONLINE,
            live_session,
        )
    ).one()
    return int(count)


def availability(
    *, session: Session, listing: Listing, now: dt.datetime | None = None
) -> Availability:
    """Open hours, holiday and online staff combined into one answer for the listing."""
    now = now or utcnow()
    local = _local(listing, now)
    intervals = _intervals(session, listing)
    holidays = _holidays_between(session, listing, local.date(), LOOKAHEAD_DAYS)
    is_holiday = local.date() in holidays
    within = _within(intervals, local)
    open_now = within and not is_holiday
    csrs = online_staff_count(session=session, enterprise_id=listing.enterprise_id, now=now)
    if is_holiday:
        reason = "holiday"
    elif not within:
        reason = "after_hours"
    else:
        reason = "offline" if csrs == 0 else "available"
    return Availability(
        open_now=open_now,
        holiday_name=(holidays[local.date()] or "Holiday") if is_holiday else "",
        csrs_online=csrs,
        available=reason == "available",
        reason=reason,
        next_open_at=None
        if open_now
        else _next_opening(intervals, holidays, _zone(listing.timezone), now),
    )


def _announce(session: Session, listing: Listing) -> None:
    events.publish(
        session, "listing.schedule_changed", listing.enterprise_id, listing_id=str(listing.id)
    )


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) - _NOT_BUSINESS_ZONES


@cache
def _zone(name: str) -> ZoneInfo:
    if name in _zone_names():
        return ZoneInfo(name)
    # Listings created before zones were validated must not stop the scheduler for all.
    log.warning("unknown time zone %r; reading it as UTC", name)
    return ZoneInfo("UTC")


def _local(listing: Listing, now: dt.datetime | None) -> dt.datetime:
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("naive datetime refused: use timezone-aware UTC")
    return now.astimezone(_zone(listing.timezone))


def _intervals(session: Session, listing: Listing) -> list[ScheduleInterval]:
    return list(
        session.exec(
            select(ScheduleInterval)
            .where(ScheduleInterval.listing_id == listing.id)
            .order_by(col(ScheduleInterval.weekday), col(ScheduleInterval.start_minute))
        ).all()
    )


def _holidays_between(
    session: Session, listing: Listing, first: dt.date, days: int
) -> dict[dt.date, str]:
    rows = session.exec(
        select(Holiday).where(
            Holiday.listing_id == listing.id,
            col(Holiday.day) >= first,
            col(Holiday.day) <= first + dt.timedelta(days=days),
        )
    ).all()
    return {row.day: row.name for row in rows}


def _within(intervals: list[ScheduleInterval], local: dt.datetime) -> bool:
    minute = local.hour * 60 + local.minute
    return any(
        row.weekday == local.weekday() and row.start_minute <= minute < row.end_minute
        for row in intervals
    )


def _next_opening(
    intervals: list[ScheduleInterval],
    holidays: dict[dt.date, str],
    zone: ZoneInfo,
    now: dt.datetime,
) -> dt.datetime | None:
    """The first interval start after ``now`` within the lookahead, skipping holidays."""
    today = now.astimezone(zone).date()
    for offset in range(LOOKAHEAD_DAYS + 1):
        day = today + dt.timedelta(days=offset)
        if day in holidays:
            continue
        for row in intervals:
            if row.weekday == day.weekday():
                opens = _opening_instant(zone, day, row.start_minute)
                if opens > now:
                    return opens
    return None


def _opening_instant(zone: ZoneInfo, day: dt.date, minute: int) -> dt.datetime:
    """The UTC instant the local clock first reads ``minute`` on ``day``.

    A time repeated when clocks go back counts from its first occurrence; a time skipped
    when clocks go forward opens at the jump itself.
    """
    wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(dt.UTC)
    if second >= first:
        return first
    early, late = second, first  # a skipped time: the jump lies between these instants
    while late - early > dt.timedelta(seconds=1):
        middle = early + (late - early) / 2
        if middle.astimezone(zone).replace(tzinfo=None) >= wall:
            late = middle
        else:
            early = middle
    return late.replace(microsecond=0)


def _validated(intervals: list[IntervalSpec]) -> list[tuple[int, int, int]]:
    """``(weekday, start, end)`` minutes, sorted, or the first problem as ValidationFailed."""
    rows = sorted(_parsed(spec) for spec in intervals)
    for (day, start, end), (next_day, next_start, next_end) in pairwise(rows):
        if day == next_day and next_start < end:
            raise ValidationFailed(
                f"On {WEEKDAYS[day]}, {_format(start)}–{_format(end)} overlaps "
                f"{_format(next_start)}–{_format(next_end)}.",
                field="intervals",
            )
    return rows


def _parsed(spec: IntervalSpec) -> tuple[int, int, int]:
    weekday = spec.weekday
    if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise ValidationFailed(
            f"Weekdays go from 0 (Monday) to 6 (Sunday), not {weekday!r}.", field="weekday"
        )
    day = WEEKDAYS[weekday]
    start = _minute(day, spec.start, latest=MINUTES_PER_DAY - 1)
    end = _minute(day, spec.end, latest=MINUTES_PER_DAY)
    if end <= start:
        problem = "ends before it starts" if end < start else "ends as soon as it starts"
        hint = " Write 24:00 for midnight." if spec.end == "00:00" else ""
        raise ValidationFailed(
            f"The {day} interval {spec.start}–{spec.end} {problem}.{hint}", field="intervals"
        )
    return weekday, start, end


def _minute(day: str, value: object, *, latest: int) -> int:
    match = TIME_RE.match(value) if isinstance(value, str) else None
    minute = int(match[1]) * 60 + int(match[2]) if match and int(match[2]) < 60 else latest + 1
    if minute > latest:
        raise ValidationFailed(
            f"{day}: “{value}” is not a time. Write HH:MM, for example 09:00.", field="intervals"
        )
    return minute


def _format(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
