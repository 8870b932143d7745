"""The dashboard's period figures: loaded when the page mounts, when the period changes,
on the refresh button, and once a minute while the page stays open.

Live queue counts come pushed through ``LiveState``; the period figures are aggregates
over days or months, where a minute of delay is invisible and re-running them on every
ticket event of the enterprise (for every open dashboard) would not be.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import zoneinfo
from typing import Any

import reflex as rx

from ..db import session_scope
from ..services import dashboard
from ..services.auth import Principal
from ..services.counters import PeriodKind
from ..services.dashboard import DashboardFigures, Granularity
from ..services.errors import DomainError, NotAuthenticated
from .auth import AuthState

REFRESH_SECONDS = 60
EMPTY = "—"

SOURCE_LABELS = {
    "ivr": "IVR",
    "website": "Website",
    "app": "App",
    "social": "Social",
    "email": "Email",
    "sms": "SMS",
    "qr": "QR code",
    "enterprise_app": "Enterprise app",
}
SOURCE_COLORS = {
    "ivr": "indigo",
    "website": "cyan",
    "app": "grass",
    "social": "plum",
    "email": "amber",
    "sms": "orange",
    "qr": "teal",
    "enterprise_app": "crimson",
}
ACTIVITY_LABELS = {
    "assigned": "Picked up",
    "forwarded": "Forwarded",
    "released": "Released",
    "resolved": "Resolved",
    "abandoned": "Closed as abandoned",
    "rated": "Rated",
    "created": "Opened",
}


def format_duration(seconds: float | None) -> str:
    """A duration as a person reads it: 42s, 4m 12s, 1h 05m, 2d 03h."""
    if seconds is None:
        return EMPTY
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600:02d}h"


def format_percent(value: float | None) -> str:
    """66.7%, 50%, or a dash when there is nothing to divide."""
    if value is None:
        return EMPTY
    return f"{value:.1f}".removesuffix(".0") + "%"


def format_number(value: float | None) -> str:
    return EMPTY if value is None else f"{value:.1f}".removesuffix(".0")


def period_label(start: dt.date, last: dt.date, kind: str) -> str:
    """Nov 16 – 22, 2026 / November 2026 / 2026 (``last`` is the period's last day)."""
    if kind == PeriodKind.YEAR:
        return str(start.year)
    if kind == PeriodKind.MONTH:
        return start.strftime("%B %Y")
    if start == last:
        return f"{start:%b} {start.day}, {start.year}"
    if start.year != last.year:
        return f"{start:%b} {start.day}, {start.year} – {last:%b} {last.day}, {last.year}"
    if start.month != last.month:
        return f"{start:%b} {start.day} – {last:%b} {last.day}, {last.year}"
    return f"{start:%b} {start.day} – {last.day}, {last.year}"


def bucket_label(day: dt.date, granularity: Granularity, kind: str, many_years: bool) -> str:
    if granularity == Granularity.MONTH:
        return f"{day:%b} {day.year}" if many_years else f"{day:%b}"
    if kind == PeriodKind.WEEK:
        return f"{day:%a} {day.day}"
    return f"{day:%b} {day.day}"


def figures_view(figures: DashboardFigures, kind: str) -> dict[str, Any]:
    """Every var of the dashboard, as the strings and rows the page renders."""
    zone = zoneinfo.ZoneInfo(figures.timezone)
    first = figures.period.start.astimezone(zone).date()
    last = figures.period.end.astimezone(zone).date() - dt.timedelta(days=1)
    c, avg, eng = figures.counters, figures.averages, figures.engagement
    series = figures.series
    many_years = first.year != last.year
    total = sum(s.count for s in figures.sources)
    return {
        "period_label": period_label(first, last, kind),
        "custom_start": first.isoformat(),
        "custom_end": last.isoformat(),
        "timezone": figures.timezone,
        "granularity": str(series.granularity),
        "summary": {
            "total": str(c.total),
            "waiting": str(c.waiting),
            "assigned": str(c.assigned),
            "resolved": str(c.resolved),
            "abandoned": str(c.abandoned),
            "rated": str(c.rated),
            "average_wait": format_duration(c.average_wait_seconds),
            "average_resolution": format_duration(c.average_resolution_seconds),
            "satisfaction": format_percent(avg.satisfaction_percent),
        },
        "averages": {
            "messages": format_number(avg.average_messages),
            "rating": EMPTY if c.average_rating is None else f"{c.average_rating:.1f} / 5",
            "chat_time": format_duration(avg.average_chat_seconds),
        },
        "engagement": {
            "active_offers": str(eng.active_offers),
            "active_campaigns": str(eng.active_campaigns),
            "offers_sent": str(eng.offers_sent),
            "claim_rate": format_percent(eng.claim_rate_percent),
        },
        "sources": [
            {
                "key": s.source,
                "label": SOURCE_LABELS.get(s.source, s.source),
                "count": str(s.count),
                "share": f"{round(100 * s.count / total)}%",
                "color": f"var(--{SOURCE_COLORS.get(s.source, 'gray')}-9)",
            }
            for s in figures.sources
        ],
        "chart": [
            {
                "label": bucket_label(b.first_day, series.granularity, kind, many_years),
                **{source: b.counts.get(source, 0) for source in series.sources},
            }
            for b in series.buckets
        ],
        "chart_sources": [
            {
                "key": source,
                "label": SOURCE_LABELS.get(source, source),
                "color": f"var(--{SOURCE_COLORS.get(source, 'gray')}-9)",
            }
            for source in series.sources
        ],
        "activity": [
            {
                "kind": a.kind,
                "label": ACTIVITY_LABELS.get(a.kind, a.kind.replace("_", " ").capitalize()),
                "reference": a.reference,
                "at": a.at.isoformat(),
            }
            for a in figures.activity
        ],
    }


def _load_figures(
    principal: Principal, kind: str, start: dt.date | None, end: dt.date | None
) -> DashboardFigures:
    with session_scope() as session:
        return dashboard.dashboard_figures(
            session=session, principal=principal, kind=kind, start=start, end=end
        )


def _parse_day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


class DashboardState(rx.State):
    period: str = PeriodKind.WEEK.value
    custom_start: str = ""
    custom_end: str = ""
    period_label: str = ""
    timezone: str = ""
    granularity: str = "day"
    summary: dict[str, str] = {}
    averages: dict[str, str] = {}
    engagement: dict[str, str] = {}
    sources: list[dict[str, str]] = []
    chart: list[dict[str, Any]] = []
    chart_sources: list[dict[str, str]] = []
    activity: list[dict[str, str]] = []
    loaded: bool = False
    viewer_id: str = ""  # whose figures these are: the page hides anyone else's
    error: str = ""
    _loaded_at: float = 0.0

    @rx.event
    async def load(self):
        """Figures of the chosen period for the logged-in user's own enterprise."""
        auth = await self.get_state(AuthState)
        start = end = None
        if self.period == PeriodKind.CUSTOM:
            start, end = _parse_day(self.custom_start), _parse_day(self.custom_end)
        try:
            # The enterprise is the session's, never anything the browser sent.
            principal = await asyncio.to_thread(auth.principal)
            figures = await asyncio.to_thread(_load_figures, principal, self.period, start, end)
        except NotAuthenticated:
            self.reset()
            return None  # the page guard sends the tab to the login page
        except DomainError as exc:
            self.error = exc.message
            return rx.toast.error(exc.message)
        self.error = ""
        for name, value in figures_view(figures, self.period).items():
            setattr(self, name, value)
        self.loaded = True
        self.viewer_id = str(principal.user_id)
        self._loaded_at = time.monotonic()
        return None

    @rx.event
    async def set_period(self, kind: str | list[str]):
        """The period selector: week, month and year load at once; custom waits for Apply."""
        if not isinstance(kind, str) or kind not in set(PeriodKind):
            return None
        self.period = kind
        if kind == PeriodKind.CUSTOM:
            return None
        return DashboardState.load

    @rx.event
    def set_custom_start(self, value: str):
        self.custom_start = value

    @rx.event
    def set_custom_end(self, value: str):
        self.custom_end = value

    @rx.event
    async def refresh_if_stale(self, _tick: str = ""):
        """The page's minute timer. It also fires when the page mounts, alongside the
        page's own load: figures never loaded or under half a minute old are left alone."""
        if not self.loaded or time.monotonic() - self._loaded_at < REFRESH_SECONDS / 2:
            return None
        return DashboardState.load
