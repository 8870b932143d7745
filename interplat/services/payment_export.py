"""Requests for payment as CSV: every request of the current filter, unpaged, amounts as
exact decimals, safe to open in a spreadsheet."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import pandas as pd
from sqlmodel import Session

from ..models import utcnow
from . import payment_list
from .auth import Principal
from .money import EXPONENTS
from .payment_list import PaymentQuery, PaymentRow
from .ticket_export import csv_safe

EXPORT_LIMIT = 50_000


@dataclass(frozen=True)
class PaymentExport:
    filename: str
    content: bytes
    rows: int
    total: int

    @property
    def notice(self) -> str:
        if self.rows < self.total:
            return f"Exported the newest {self.rows:,} of {self.total:,} requests."
        return f"Exported {self.rows:,} request{'' if self.rows == 1 else 's'}."


EXPORT_COLUMNS = (
    "invoice_number",
    "customer_name",
    "customer_phone",
    "description",
    "amount",
    "currency",
    "status",
    "sender_name",
    "refunded",
    "created_at",
    "sent_at",
    "paid_at",
)
_MINOR_COLUMNS = {"amount": "amount_minor", "refunded": "refunded_minor"}


def export_requests(
    *,
    session: Session,
    principal: Principal,
    query: PaymentQuery = PaymentQuery(),
    limit: int = EXPORT_LIMIT,
    now: dt.datetime | None = None,
) -> PaymentExport:
    """The requests of the current filter as CSV (amounts as exact decimals, times in UTC)."""
    conds = payment_list.conditions(session, principal, query)
    found = [
        payment_list.to_row(*r) for r in session.exec(payment_list.rows_query(conds).limit(limit))
    ]
    stamp = (now or utcnow()).astimezone(dt.UTC).strftime("%Y%m%d-%H%M")
    content = requests_frame(found).to_csv(index=False, lineterminator="\r\n")
    return PaymentExport(
        f"payments-{stamp}.csv",
        content.encode("utf-8-sig"),
        len(found),
        payment_list.count_matching(session, conds),
    )


def requests_frame(rows: list[PaymentRow]) -> pd.DataFrame:
    """One line per request in ``EXPORT_COLUMNS`` order; text made inert for spreadsheets."""
    frame = pd.DataFrame([asdict(r) for r in rows], columns=list(PaymentRow.__annotations__))
    out = pd.DataFrame(index=frame.index)
    for name in EXPORT_COLUMNS:
        if name in _MINOR_COLUMNS:
            out[name] = [
                decimal_text(int(m), c)
                for m, c in zip(frame[_MINOR_COLUMNS[name]], frame["currency"], strict=True)
            ]
        elif name.endswith("_at"):
            stamps = pd.to_datetime(frame[name], utc=True)
            out[name] = stamps.dt.strftime("%Y-%m-%dT%H:%M:%SZ").fillna("")
        else:
            out[name] = frame[name].fillna("").astype(str).map(csv_safe)
    return out


def decimal_text(minor: int, currency: str) -> str:
    """``1999, "USD"`` → ``"19.99"``: exact, no float on the way."""
    exponent = EXPONENTS.get(currency.upper(), 2)
    units, cents = divmod(minor, 10**exponent)
    return f"{units}.{cents:0{exponent}d}" if exponent else str(units)
