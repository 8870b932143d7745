"""Tickets as CSV: every ticket of the current filter, unpaged, safe to open in a spreadsheet."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import pandas as pd
from sqlmodel import Session

from ..models import utcnow
from .ticket_list import TicketFilters, TicketPublic, count_tickets, newest_tickets

EXPORT_LIMIT = 50_000
COLUMNS = (
    "reference",
    "status",
    "source",
    "customer_name",
    "customer_phone",
    "csr",
    "created_at",
    "assigned_at",
    "resolved_at",
    "ended_at",
    "rating",
    "rating_comment",
)
_TIME_COLUMNS = ("created_at", "assigned_at", "resolved_at", "ended_at")
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class TicketExport:
    filename: str
    content: bytes
    rows: int
    total: int  # tickets matching the filter; more than ``rows`` when the limit cut it

    @property
    def truncated(self) -> bool:
        return self.rows < self.total

    @property
    def notice(self) -> str:
        """What to tell the person who asked for the file."""
        if self.truncated:
            return (
                f"Exported the newest {self.rows:,} of {self.total:,} tickets. "
                "Narrow the filters to export the rest."
            )
        return f"Exported {self.rows:,} ticket{'' if self.rows == 1 else 's'}."


def export_tickets(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    filters: TicketFilters = TicketFilters(),
    limit: int = EXPORT_LIMIT,
    now: dt.datetime | None = None,
) -> TicketExport:
    """The enterprise's tickets matching ``filters`` as a CSV file, newest first, at most
    ``limit`` rows."""
    total = count_tickets(session=session, enterprise_id=enterprise_id, filters=filters)
    found = newest_tickets(
        session=session, enterprise_id=enterprise_id, filters=filters, limit=limit
    )
    stamp = (now or utcnow()).astimezone(dt.UTC).strftime("%Y%m%d-%H%M")
    return TicketExport(f"tickets-{stamp}.csv", tickets_csv(found), len(found), total)


def tickets_csv(items: Sequence[TicketPublic]) -> bytes:
    """UTF-8 with a byte order mark, so spreadsheets read accented names right."""
    text = tickets_frame(items).to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig")


def tickets_frame(items: Sequence[TicketPublic]) -> pd.DataFrame:
    """One row per ticket in ``COLUMNS`` order: times in ISO 8601 UTC, text made inert."""
    frame = pd.DataFrame([asdict(t) for t in items], columns=list(TicketPublic.__annotations__))
    frame = frame.rename(columns={"assignee_name": "csr"})
    out = pd.DataFrame(index=frame.index)
    for name in COLUMNS:
        if name in _TIME_COLUMNS:
            out[name] = _iso_utc(frame[name])
        elif name == "rating":
            out[name] = frame[name].astype("Int64")
        else:
            out[name] = frame[name].fillna("").astype(str).map(csv_safe)
    return out


def _iso_utc(column: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(column, utc=True)
    return stamps.dt.strftime("%Y-%m-%dT%H:%M:%SZ").fillna("")


def csv_safe(value: str) -> str:
    """``value`` with a leading apostrophe when a spreadsheet would run it as a formula."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value
