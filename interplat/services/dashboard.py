"""The staff dashboard's figures for one enterprise and period, each from one SQL aggregate.

Every figure is about the tickets (conversations) *created* in the period, except the
engagement ones, which say what they count below. Definitions:

- **Sources**: tickets created in the period per source channel (one ``GROUP BY``).
- **Messages per conversation**: messages written by the customer or a CSR (system notices,
  automated messages and assistant suggestions excluded), averaged over every ticket
  created in the period, those without any message included.
- **Chat time**: from a CSR first picking the ticket up (``assigned_at``) to its
  resolution (``resolved_at``), averaged over the resolved tickets that were picked up.
  Abandoned tickets are left out: they end after the customer's inactivity timeout, which
  says nothing about how long the chat took.
- **Satisfaction**: the share of ratings of 4 or 5 out of 5 among the rated tickets, in
  percent (the usual CSAT). The average rating itself comes with the ticket counters.
- **Active offers**: published offers that have not expired (an offer with no expiry
  stays active).
- **Active campaigns**: chat blasts that are past their draft and not finished
  (``finished_at`` empty): queued or still sending.
- **Offer claim rate**: of the offer cards sent in chat during the period (messages of
  kind ``offer``, one-to-one or from a blast), the share that a customer claimed (an
  ``OfferClaim`` pointing at that message). Claims made from anywhere else are not in it,
  so the rate stays between 0 and 100%.
- **Tickets over time**: tickets created per local day (per local month for a year, or
  for a custom range longer than 62 days) and per source. The buckets are the enterprise's
  own days or months: their edges are local midnights computed here (daylight saving
  included) and the database sorts each ticket into one with a ``CASE`` over those edges,
  the same SQL on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ..models import (
    ChatBlast,
    Enterprise,
    Message,
    MessageKind,
    Offer,
    OfferClaim,
    OfferStatus,
    SenderKind,
    Ticket,
    TicketEvent,
    TicketStatus,
    utcnow,
)
from . import counters
from .auth import Principal
from .counters import Period, PeriodKind, TicketCounters
from .errors import NotFound

DAILY_UP_TO_DAYS = 62
RECENT_ACTIVITY = 10
CONVERSATION_SENDERS = (SenderKind.CUSTOMER, SenderKind.CSR)


class Granularity(StrEnum):
    DAY = "day"
    MONTH = "month"


@dataclass(frozen=True)
class SourceCount:
    source: str
    count: int


@dataclass(frozen=True)
class ConversationAverages:
    average_messages: float | None
    average_chat_seconds: float | None
    satisfaction_percent: float | None


@dataclass(frozen=True)
class Engagement:
    active_offers: int
    active_campaigns: int
    offers_sent: int
    offers_claimed: int

    @property
    def claim_rate_percent(self) -> float | None:
        """Claimed offer cards per offer card sent, or None when none was sent."""
        if not self.offers_sent:
            return None
        return round(100.0 * self.offers_claimed / self.offers_sent, 1)


@dataclass(frozen=True)
class Bucket:
    first_day: dt.date  # local date the bucket starts on
    counts: Mapping[str, int]  # source -> tickets created, sources with none left out


@dataclass(frozen=True)
class TicketSeries:
    granularity: Granularity
    buckets: tuple[Bucket, ...]
    sources: tuple[str, ...]  # sources with at least one ticket, the most frequent first


@dataclass(frozen=True)
class ActivityItem:
    kind: str
    ticket_id: uuid.UUID
    reference: str
    at: dt.datetime


@dataclass(frozen=True)
class DashboardFigures:
    period: Period
    timezone: str
    counters: TicketCounters
    sources: tuple[SourceCount, ...]
    averages: ConversationAverages
    engagement: Engagement
    series: TicketSeries
    activity: tuple[ActivityItem, ...]


def dashboard_figures(
    *,
    session: Session,
    principal: Principal,
    kind: PeriodKind | str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    now: dt.datetime | None = None,
) -> DashboardFigures:
    """Everything the dashboard shows for the principal's enterprise, in its time zone."""
    enterprise = session.get(Enterprise, principal.enterprise_id)
    if enterprise is None:
        raise NotFound("Enterprise not found.")
    now = now or utcnow()
    eid = enterprise.id
    period = counters.period_range(
        kind, timezone=enterprise.timezone, now=now, start=start, end=end
    )
    return DashboardFigures(
        period=period,
        timezone=enterprise.timezone,
        counters=counters.ticket_counters(session=session, enterprise_id=eid, period=period),
        sources=source_counts(session=session, enterprise_id=eid, period=period),
        averages=conversation_averages(session=session, enterprise_id=eid, period=period),
        engagement=engagement(session=session, enterprise_id=eid, period=period, now=now),
        series=ticket_series(
            session=session, enterprise_id=eid, period=period, timezone=enterprise.timezone
        ),
        activity=recent_activity(session=session, enterprise_id=eid, user_id=principal.user_id),
    )


def _tickets_created_in(period: Period, enterprise_id: uuid.UUID) -> tuple[Any, ...]:
    t = Ticket.__table__  # type: ignore[attr-defined]
    return (
        t.c.enterprise_id == enterprise_id,
        t.c.created_at >= period.start,
        t.c.created_at < period.end,
    )


def source_counts(
    *, session: Session, enterprise_id: uuid.UUID, period: Period
) -> tuple[SourceCount, ...]:
    """Tickets created in the period per source, the most frequent first."""
    t = Ticket.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        sa.select(t.c.source, sa.func.count())
        .where(*_tickets_created_in(period, enterprise_id))
        .group_by(t.c.source)
    ).all()
    return tuple(
        SourceCount(str(source), int(n)) for source, n in sorted(rows, key=lambda r: (-r[1], r[0]))
    )


def conversation_averages(
    *, session: Session, enterprise_id: uuid.UUID, period: Period
) -> ConversationAverages:
    """Messages per conversation, chat time and satisfaction (see the module docstring)."""
    t = Ticket.__table__  # type: ignore[attr-defined]
    m = Message.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    messages = (
        sa.select(sa.func.count())
        .where(
            m.c.ticket_id == t.c.id,
            m.c.sender_kind.in_([str(s) for s in CONVERSATION_SENDERS]),
        )
        .scalar_subquery()
    )
    chat_seconds = sa.case(
        (
            t.c.status == TicketStatus.RESOLVED,
            counters.seconds_between(t.c.resolved_at, t.c.assigned_at, dialect),
        ),
    )
    row = session.execute(
        sa.select(
            sa.func.avg(messages),
            sa.func.avg(chat_seconds),
            sa.func.count(sa.case((t.c.rating >= 4, 1))),
            sa.func.count(t.c.rating),
        ).where(*_tickets_created_in(period, enterprise_id))
    ).one()
    satisfied, rated = int(row[2]), int(row[3])
    return ConversationAverages(
        average_messages=_round(row[0]),
        average_chat_seconds=_round(row[1]),
        satisfaction_percent=round(100.0 * satisfied / rated, 1) if rated else None,
    )


def engagement(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    period: Period,
    now: dt.datetime | None = None,
) -> Engagement:
    """Offers and campaigns running now, offer cards sent in the period and claimed."""
    now = now or utcnow()
    o = Offer.__table__  # type: ignore[attr-defined]
    b = ChatBlast.__table__  # type: ignore[attr-defined]
    m = Message.__table__  # type: ignore[attr-defined]
    c = OfferClaim.__table__  # type: ignore[attr-defined]
    active_offers = (
        sa.select(sa.func.count())
        .where(
            o.c.enterprise_id == enterprise_id,
            o.c.status == OfferStatus.PUBLISHED,
            sa.or_(o.c.expires_at.is_(None), o.c.expires_at > now),
        )
        .scalar_subquery()
    )
    active_campaigns = (
        sa.select(sa.func.count())
        .where(b.c.enterprise_id == enterprise_id, b.c.status != "draft", b.c.finished_at.is_(None))
        .scalar_subquery()
    )
    claimed = sa.exists().where(c.c.message_id == m.c.id, c.c.enterprise_id == enterprise_id)
    row = session.execute(
        sa.select(
            active_offers,
            active_campaigns,
            sa.func.count(),
            sa.func.count(sa.case((claimed, 1))),
        ).where(
            m.c.enterprise_id == enterprise_id,
            m.c.kind == MessageKind.OFFER,
            m.c.created_at >= period.start,
            m.c.created_at < period.end,
        )
    ).one()
    return Engagement(
        active_offers=int(row[0]),
        active_campaigns=int(row[1]),
        offers_sent=int(row[2]),
        offers_claimed=int(row[3]),
    )


def granularity_for(period: Period, timezone: str) -> Granularity:
    """Days up to two months, months beyond (a year, or a long custom range)."""
    zone = zoneinfo.ZoneInfo(timezone)
    days = (period.end.astimezone(zone).date() - period.start.astimezone(zone).date()).days
    return Granularity.DAY if days <= DAILY_UP_TO_DAYS else Granularity.MONTH


def bucket_days(period: Period, timezone: str, granularity: Granularity) -> list[dt.date]:
    """The local dates the buckets start on: the period's first day, then each next day
    (or first of a month) before its end."""
    zone = zoneinfo.ZoneInfo(timezone)
    day, last = period.start.astimezone(zone).date(), period.end.astimezone(zone).date()
    starts = []
    while day < last:
        starts.append(day)
        if granularity == Granularity.DAY:
            day += dt.timedelta(days=1)
        else:
            day = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return starts


def ticket_series(
    *, session: Session, enterprise_id: uuid.UUID, period: Period, timezone: str
) -> TicketSeries:
    """Tickets created per local day or month and per source, every bucket present."""
    t = Ticket.__table__  # type: ignore[attr-defined]
    granularity = granularity_for(period, timezone)
    zone = zoneinfo.ZoneInfo(timezone)
    days = bucket_days(period, timezone, granularity)
    edges = [dt.datetime.combine(d, dt.time(), zone).astimezone(dt.UTC) for d in days[1:]]
    # The WHERE keeps created_at in [start, end): below the first inner edge is bucket 0.
    index = (
        sa.case(*[(t.c.created_at < edge, i) for i, edge in enumerate(edges)], else_=len(edges))
        if edges
        else sa.literal(0)
    )
    # Grouped outside so PostgreSQL never compares two copies of a parameterised CASE.
    placed = (
        sa.select(index.label("bucket"), t.c.source.label("source"))
        .where(*_tickets_created_in(period, enterprise_id))
        .subquery()
    )
    rows = session.execute(
        sa.select(placed.c.bucket, placed.c.source, sa.func.count()).group_by(
            placed.c.bucket, placed.c.source
        )
    ).all()
    per_bucket: list[dict[str, int]] = [{} for _ in days]
    totals: dict[str, int] = {}
    for bucket, source, n in rows:
        per_bucket[int(bucket)][str(source)] = int(n)
        totals[str(source)] = totals.get(str(source), 0) + int(n)
    return TicketSeries(
        granularity=granularity,
        buckets=tuple(Bucket(d, counts) for d, counts in zip(days, per_bucket, strict=True)),
        sources=tuple(sorted(totals, key=lambda s: (-totals[s], s))),
    )


def recent_activity(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    user_id: uuid.UUID | None,
    limit: int = RECENT_ACTIVITY,
) -> tuple[ActivityItem, ...]:
    """The user's own latest ticket transitions (picked up, released, resolved…)."""
    if user_id is None:
        return ()
    e = TicketEvent.__table__  # type: ignore[attr-defined]
    t = Ticket.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        sa.select(e.c.kind, t.c.id, t.c.reference, e.c.created_at)
        .join(t, t.c.id == e.c.ticket_id)
        .where(
            e.c.enterprise_id == enterprise_id,
            t.c.enterprise_id == enterprise_id,
            e.c.actor_user_id == user_id,
        )
        .order_by(e.c.created_at.desc(), e.c.id.desc())
        .limit(limit)
    ).all()
    return tuple(ActivityItem(str(kind), tid, str(ref), at) for kind, tid, ref, at in rows)


def _round(value: Any, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)
