"""The staff payments page's reads: requests for payment filtered, paged, totalled, exported.

Who sees what: owners, admins and back offices see every request of their enterprise; a
CSR sees only the requests they sent (a CSR's customers' bills are not the whole team's
business, and the refund/cancel decisions sit with admins anyway).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from ..models import Customer, Payment, PaymentRequest, PaymentRequestStatus, User
from . import access, counters, enterprises
from .auth import Principal
from .errors import ValidationFailed
from .money import format_money

MAX_PAGE = 200
S = PaymentRequestStatus
PAID_STATUSES = (S.PAID, S.REFUNDED, S.PARTIALLY_REFUNDED)
OPEN_STATUSES = (S.SENT, S.VIEWED, S.FAILED)  # still payable: counted as outstanding
NOT_REQUESTED = (S.DRAFT, S.CANCELLED)  # never asked anyone for money


@dataclass(frozen=True)
class PaymentQuery:
    """A payments list's filters as a form holds them: plain text, "" for any."""

    status: str = ""
    sender_id: str = ""  # the CSR who created the request
    date_from: str = ""  # YYYY-MM-DD on the enterprise's calendar (created day)
    date_to: str = ""  # included
    search: str = ""


@dataclass(frozen=True)
class PaymentRow:
    id: str
    invoice_number: str
    description: str
    customer_name: str
    customer_phone: str
    amount_minor: int
    currency: str
    amount: str
    status: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    paid_at: dt.datetime | None
    sender_id: str
    sender_name: str
    refunded_minor: int
    refunded: str
    ticket_id: str


@dataclass(frozen=True)
class CurrencyTotals:
    """One currency's figures for the filtered period, in minor units and formatted."""

    currency: str
    requested_minor: int
    paid_minor: int
    refunded_minor: int
    outstanding_minor: int

    def formatted(self) -> dict[str, str]:
        return {
            "currency": self.currency,
            "requested": format_money(self.requested_minor, self.currency),
            "paid": format_money(self.paid_minor, self.currency),
            "refunded": format_money(self.refunded_minor, self.currency),
            "outstanding": format_money(self.outstanding_minor, self.currency),
        }


@dataclass(frozen=True)
class PaymentPage:
    items: list[PaymentRow] = field(default_factory=list)
    total: int = 0
    offset: int = 0
    limit: int = 25


def sees_everything(principal: Principal) -> bool:
    """Owners, admins and back offices see the whole enterprise; CSRs their own requests."""
    return principal.role in access.ADMIN_ROLES or principal.role == access.API_CLIENT


def _refunded_by_request() -> Any:
    return (
        select(
            col(Payment.payment_request_id).label("rid"),
            func.sum(Payment.amount_refunded_minor).label("refunded"),
        )
        .group_by(col(Payment.payment_request_id))
        .subquery()
    )


def conditions(session: Session, principal: Principal, query: PaymentQuery) -> list[Any]:
    """The WHERE clause of a query, checked: always this tenant, a CSR only their own."""
    access.require_workspace(principal)
    if query.status and query.status not in set(S):
        raise ValidationFailed(f"Unknown status: {query.status}.", field="status")
    conds: list[Any] = [col(PaymentRequest.enterprise_id) == principal.enterprise_id]
    if not sees_everything(principal):
        conds.append(col(PaymentRequest.created_by_id) == principal.user_id)
    if query.status:
        conds.append(col(PaymentRequest.status) == query.status)
    if query.sender_id:
        try:
            conds.append(col(PaymentRequest.created_by_id) == uuid.UUID(query.sender_id))
        except ValueError as exc:
            raise ValidationFailed("Unknown CSR.", field="sender_id") from exc
    conds.extend(_period(session, principal.enterprise_id, query))
    term = query.search.strip().lower()[:100].replace("%", "").replace("_", "")
    if term:
        like = f"%{term}%"
        conds.append(
            sa.or_(
                func.lower(PaymentRequest.invoice_number).like(like),
                func.lower(PaymentRequest.description).like(like),
                func.lower(Customer.first_name + " " + Customer.last_name).like(like),
                func.lower(func.coalesce(Customer.phone, "")).like(like),
            )
        )
    return conds


def _period(session: Session, enterprise_id: uuid.UUID, query: PaymentQuery) -> list[Any]:
    first, last = _day(query.date_from, "date_from"), _day(query.date_to, "date_to")
    if not (first or last):
        return []
    if first and last and last < first:
        raise ValidationFailed("The period ends before it starts.", field="date_to")
    zone = enterprises.get_enterprise(session=session, enterprise_id=enterprise_id).timezone
    period = counters.period_range(
        counters.PeriodKind.CUSTOM, timezone=zone, start=first or last, end=last or first
    )
    conds = []
    if first:
        conds.append(col(PaymentRequest.created_at) >= period.start)
    if last:
        conds.append(col(PaymentRequest.created_at) < period.end)
    return conds


def _day(text: str, name: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationFailed("Give dates as YYYY-MM-DD.", field=name) from exc


def rows_query(conds: list[Any]) -> Any:
    refunded = _refunded_by_request()
    return (
        select(PaymentRequest, Customer, User, refunded.c.refunded)
        .join(Customer, col(Customer.id) == col(PaymentRequest.customer_id))
        .join(User, col(User.id) == col(PaymentRequest.created_by_id), isouter=True)
        .join(refunded, refunded.c.rid == col(PaymentRequest.id), isouter=True)
        .where(*conds)
        .order_by(col(PaymentRequest.created_at).desc(), col(PaymentRequest.id).desc())
    )


def list_requests(
    *,
    session: Session,
    principal: Principal,
    query: PaymentQuery = PaymentQuery(),
    offset: int = 0,
    limit: int = 25,
) -> PaymentPage:
    """The requests the principal may see matching ``query``, newest first, one page."""
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed(f"Pages hold 1–{MAX_PAGE} requests.", field="limit")
    conds = conditions(session, principal, query)
    found = session.exec(rows_query(conds).offset(offset).limit(limit)).all()
    return PaymentPage([to_row(*r) for r in found], count_matching(session, conds), offset, limit)


def count_matching(session: Session, conds: list[Any]) -> int:
    counted = (
        select(func.count())
        .select_from(PaymentRequest)
        .join(Customer, col(Customer.id) == col(PaymentRequest.customer_id))
        .where(*conds)
    )
    return int(session.exec(counted).one())


def to_row(
    request: PaymentRequest, customer: Customer, sender: User | None, refunded: int | None
) -> PaymentRow:
    return PaymentRow(
        id=str(request.id),
        invoice_number=request.invoice_number,
        description=request.description,
        customer_name=customer.display_name,
        customer_phone=customer.phone or "",
        amount_minor=request.amount_minor,
        currency=request.currency,
        amount=format_money(request.amount_minor, request.currency),
        status=request.status,
        created_at=request.created_at,
        sent_at=request.sent_at,
        paid_at=request.paid_at,
        sender_id=str(sender.id) if sender else "",
        sender_name=sender.full_name if sender else "",
        refunded_minor=int(refunded or 0),
        refunded=format_money(int(refunded or 0), request.currency) if refunded else "",
        ticket_id=str(request.ticket_id or ""),
    )


def period_totals(
    *, session: Session, principal: Principal, query: PaymentQuery = PaymentQuery()
) -> list[CurrencyTotals]:
    """Requested, paid, refunded and outstanding money per currency for ``query``."""
    conds = conditions(session, principal, query)
    amount, status = col(PaymentRequest.amount_minor), col(PaymentRequest.status)

    def when(statuses: tuple[str, ...], negate: bool = False) -> Any:
        test = status.in_(statuses)
        return func.coalesce(func.sum(sa.case((~test if negate else test, amount), else_=0)), 0)

    refunded = _refunded_by_request()
    figures: list[Any] = [
        col(PaymentRequest.currency),
        when(NOT_REQUESTED, negate=True),
        when(PAID_STATUSES),
        func.coalesce(func.sum(refunded.c.refunded), 0),
        when(OPEN_STATUSES),
    ]
    grouped = session.exec(
        select(*figures)
        .join(Customer, col(Customer.id) == col(PaymentRequest.customer_id))
        .join(refunded, refunded.c.rid == col(PaymentRequest.id), isouter=True)
        .where(*conds)
        .group_by(col(PaymentRequest.currency))
        .order_by(col(PaymentRequest.currency))
    ).all()
    return [CurrencyTotals(c, int(r), int(p), int(f), int(o)) for c, r, p, f, o in grouped]
