"""Ticket counters for a period, computed by the database in one aggregate query."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ..models import Enterprise, Ticket, TicketStatus, utcnow
from .errors import NotFound, ValidationFailed

MAX_CUSTOM_DAYS = 3660


class PeriodKind(StrEnum):
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Period:
    start: dt.datetime  # inclusive, aware UTC
    end: dt.datetime  # exclusive, aware UTC


@dataclass(frozen=True)
class TicketCounters:
    total: int
    waiting: int
    assigned: int
    resolved: int
    abandoned: int
    rated: int
    average_wait_seconds: float | None  # created → first assigned
    average_resolution_seconds: float | None  # created → resolved
    average_rating: float | None


def period_range(
    kind: PeriodKind | str,
    *,
    timezone: str = "UTC",
    now: dt.datetime | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Period:
    """This week (from Monday), month or year in ``timezone``, or a custom range of days
    (``end`` included)."""
    zone = zoneinfo.ZoneInfo(timezone)
    today = (now or utcnow()).astimezone(zone).date()
    if kind == PeriodKind.WEEK:
        first = today - dt.timedelta(days=today.weekday())
        last = first + dt.timedelta(days=7)
    elif kind == PeriodKind.MONTH:
        first = today.replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1)
    elif kind == PeriodKind.YEAR:
        first, last = (
            today.replace(month=1, day=1),
            today.replace(year=today.year + 1, month=1, day=1),
        )
    elif kind == PeriodKind.CUSTOM:
        if start is None or end is None:
            raise ValidationFailed("A custom period needs a start and an end date.", field="start")
        if end < start:
            raise ValidationFailed("The period ends before it starts.", field="end")
        if (end - start).days > MAX_CUSTOM_DAYS:
            raise ValidationFailed("A custom period spans at most ten years.", field="end")
        first, last = start, end + dt.timedelta(days=1)
    else:
        raise ValidationFailed("The period is week, month, year or custom.", field="period")
    return Period(_midnight(first, zone), _midnight(last, zone))


def _midnight(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)


def _seconds_between(later: Any, earlier: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return sa.extract("epoch", later - earlier)
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0


def seconds_between(later: Any, earlier: Any, dialect: str) -> Any:
    """SQL for the seconds from ``earlier`` to ``later`` (NULL when either is) on ``dialect``."""
    return _seconds_between(later, earlier, dialect)


def ticket_counters(
    *, session: Session, enterprise_id: uuid.UUID, period: Period
) -> TicketCounters:
    """Counts and averages over the tickets created in ``period`` (one SQL aggregate)."""
    if session.get(Enterprise, enterprise_id) is None:
        raise NotFound("Enterprise not found.")
    t = Ticket.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name

    def count_status(status: TicketStatus) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((t.c.status == status, 1), else_=0)), 0)

    row = session.execute(
        sa.select(
            sa.func.count(),
            count_status(TicketStatus.WAITING),
            count_status(TicketStatus.ASSIGNED),
            count_status(TicketStatus.RESOLVED),
            count_status(TicketStatus.ABANDONED),
            sa.func.count(t.c.rating),
            sa.func.avg(_seconds_between(t.c.assigned_at, t.c.created_at, dialect)),
            sa.func.avg(_seconds_between(t.c.resolved_at, t.c.created_at, dialect)),
            sa.func.avg(t.c.rating),
        ).where(
            t.c.enterprise_id == enterprise_id,
            t.c.created_at >= period.start,
            t.c.created_at < period.end,
        )
    ).one()
    return TicketCounters(
        total=int(row[0]),
        waiting=int(row[1]),
        assigned=int(row[2]),
        resolved=int(row[3]),
        abandoned=int(row[4]),
        rated=int(row[5]),
        average_wait_seconds=_round(row[6]),
        average_resolution_seconds=_round(row[7]),
        average_rating=_round(row[8], 2),
    )


def _round(value: Any, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)
