"""One request for payment as staff review it: its lines, every payment attempt and refund,
and the conversation just before and after each payment event (for disputes)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from sqlmodel import Session, col, select

from ..models import (
    Customer,
    Payment,
    PaymentLineItem,
    PaymentRequest,
    PaymentRequestStatus,
    PaymentStatus,
    Refund,
    ThreadMarker,
    User,
)
from . import access, media, payment_requests, payments, thread_markers
from .auth import Principal
from .errors import NotFound, PermissionDenied, ValidationFailed
from .messages import MessagePublic
from .money import EXPONENTS, format_money
from .payment_list import PaymentRow, sees_everything, to_row

AMOUNT = re.compile(r"\d{1,12}(\.\d{1,6})?")  # plain digits: no signs, exponents or NaN
CANCELLABLE = (
    PaymentRequestStatus.DRAFT,
    PaymentRequestStatus.SENT,
    PaymentRequestStatus.VIEWED,
    PaymentRequestStatus.FAILED,
)


@dataclass(frozen=True)
class LineItem:
    description: str
    quantity: int
    unit_amount: str
    amount: str


@dataclass(frozen=True)
class RefundLine:
    amount: str
    reason: str
    status: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Attempt:
    """One try at paying: the card it used, how it ended, what was refunded of it."""

    id: str
    status: str
    amount: str
    card_brand: str
    card_last4: str
    failure_code: str
    failure_message: str
    created_at: dt.datetime
    settled_at: dt.datetime | None
    refundable_minor: int
    refunds: list[RefundLine] = field(default_factory=list)


@dataclass(frozen=True)
class MarkerView:
    """A payment event and the messages around it in the ticket's thread."""

    id: str
    kind: str
    created_at: dt.datetime
    before: list[MessagePublic]  # ends with the message the event followed
    after: list[MessagePublic]


@dataclass(frozen=True)
class PaymentDetail:
    request: PaymentRow
    due_date: str
    attachment_url: str
    bill_href: str  # the customer's bill page, as they see it
    line_items: list[LineItem]
    attempts: list[Attempt]
    markers: list[MarkerView]
    can_refund: bool
    can_cancel: bool


def access_request(
    *, session: Session, principal: Principal, request_id: uuid.UUID
) -> PaymentRequest:
    """A request the principal may see (another tenant's, or a colleague's for a CSR: NotFound)."""
    access.require_workspace(principal)
    request = session.get(PaymentRequest, request_id)
    if request is None or request.enterprise_id != principal.enterprise_id:
        raise NotFound("Payment request not found.")
    if not sees_everything(principal) and request.created_by_id != principal.user_id:
        raise NotFound("Payment request not found.")
    return request


def payment_detail(
    *, session: Session, principal: Principal, request_id: uuid.UUID, around: int = 5
) -> PaymentDetail:
    """Everything the detail view shows for one request."""
    request = access_request(session=session, principal=principal, request_id=request_id)
    customer = session.get(Customer, request.customer_id)
    sender = session.get(User, request.created_by_id) if request.created_by_id else None
    assert customer is not None
    attempts = _attempts(session, request)
    admin = principal.role in access.ADMIN_ROLES
    return PaymentDetail(
        request=to_row(request, customer, sender, sum(_refunded(session, request))),
        due_date=request.due_date.isoformat() if request.due_date else "",
        attachment_url=media.media_path(request.attachment_id) if request.attachment_id else "",
        bill_href=payment_requests.bill_path(payment_requests.bill_token(request.id)),
        line_items=_line_items(session, request),
        attempts=attempts,
        markers=_markers(session, request, around),
        can_refund=admin and any(a.refundable_minor > 0 for a in attempts),
        can_cancel=request.status in CANCELLABLE
        and (admin or request.created_by_id == principal.user_id),
    )


def _refunded(session: Session, request: PaymentRequest) -> list[int]:
    found = session.exec(
        select(Payment.amount_refunded_minor).where(Payment.payment_request_id == request.id)
    )
    return [int(x) for x in found]


def _line_items(session: Session, request: PaymentRequest) -> list[LineItem]:
    items = session.exec(
        select(PaymentLineItem)
        .where(PaymentLineItem.payment_request_id == request.id)
        .order_by(col(PaymentLineItem.position))
    ).all()
    cur = request.currency
    return [
        LineItem(
            i.description,
            i.quantity,
            format_money(i.unit_amount_minor, cur),
            format_money(i.amount_minor, cur),
        )
        for i in items
    ]


def _attempts(session: Session, request: PaymentRequest) -> list[Attempt]:
    payments = session.exec(
        select(Payment)
        .where(Payment.payment_request_id == request.id)
        .order_by(col(Payment.created_at), col(Payment.id))
    ).all()
    out = []
    for p in payments:
        refunds = session.exec(
            select(Refund).where(Refund.payment_id == p.id).order_by(col(Refund.created_at))
        ).all()
        paid = p.status == PaymentStatus.SUCCEEDED
        out.append(
            Attempt(
                id=str(p.id),
                status=p.status,
                amount=format_money(p.amount_minor, p.currency),
                card_brand=p.card_brand,
                card_last4=p.card_last4,
                failure_code=p.failure_code,
                failure_message=p.failure_message,
                created_at=p.created_at,
                settled_at=p.settled_at,
                refundable_minor=p.amount_minor - p.amount_refunded_minor if paid else 0,
                refunds=[
                    RefundLine(
                        format_money(r.amount_minor, r.currency), r.reason, r.status, r.created_at
                    )
                    for r in refunds
                ],
            )
        )
    return out


def _markers(session: Session, request: PaymentRequest, around: int) -> list[MarkerView]:
    found = thread_markers.markers_of(
        session=session, enterprise_id=request.enterprise_id, payment_request_id=request.id
    )
    out = []
    for marker in found:
        window = thread_markers.around(session, marker, before=around, after=around)
        before, after = split_at_marker(window, marker)
        out.append(MarkerView(str(marker.id), marker.kind, marker.created_at, before, after))
    return out


def split_at_marker(
    window: list[MessagePublic], marker: ThreadMarker
) -> tuple[list[MessagePublic], list[MessagePublic]]:
    """The messages up to the one the event followed, and those that came after it."""
    anchor = str(marker.after_message_id) if marker.after_message_id else ""
    ids = [m.id for m in window]
    cut = ids.index(anchor) + 1 if anchor in ids else 0
    return window[:cut], window[cut:]


def parse_amount(text: str, currency: str) -> int:
    """ "12.50" in ``currency`` → 1250, exactly (Decimal, never a float); bad input refused."""
    exponent = EXPONENTS.get(currency.upper(), 2)
    cleaned = text.strip().replace(",", "").lstrip("$€£¥")
    if not AMOUNT.fullmatch(cleaned):
        raise ValidationFailed("Type an amount like 12.50.", field="amount")
    minor = Decimal(cleaned).scaleb(exponent)
    if minor != minor.to_integral_value():
        raise ValidationFailed(
            f"Use at most {exponent} decimal places for {currency.upper()}.", field="amount"
        )
    if minor <= 0:
        raise ValidationFailed("The amount must be more than zero.", field="amount")
    return int(minor)


def refund(
    *,
    session: Session,
    principal: Principal,
    request_id: uuid.UUID,
    payment_id: uuid.UUID,
    amount: str = "",
    reason: str = "",
) -> Refund:
    """Refund ``amount`` (typed, e.g. "12.50"; blank: all that remains) of one payment of
    the request; owners and admins only, never more than remains."""
    access.require_refund(principal)
    request = access_request(session=session, principal=principal, request_id=request_id)
    payment = session.get(Payment, payment_id)
    if payment is None or payment.payment_request_id != request.id:
        raise NotFound("Payment not found.")
    if payment.status != PaymentStatus.SUCCEEDED:
        raise ValidationFailed("Only a completed payment can be refunded.", field="amount")
    remaining = payment.amount_minor - payment.amount_refunded_minor
    if remaining <= 0:
        raise ValidationFailed("This payment is already fully refunded.", field="amount")
    minor = parse_amount(amount, payment.currency) if amount.strip() else remaining
    if minor > remaining:
        shown = format_money(remaining, payment.currency)
        raise ValidationFailed(f"At most {shown} remains to refund.", field="amount")
    return payments.refund_payment(
        session=session, principal=principal, payment_id=payment.id, amount_minor=minor,
        reason=reason,
    )  # fmt: skip


def cancel(*, session: Session, principal: Principal, request_id: uuid.UUID) -> PaymentRequest:
    """Withdraw an unpaid request: its sender or an admin only."""
    request = access_request(session=session, principal=principal, request_id=request_id)
    if principal.role not in access.ADMIN_ROLES and request.created_by_id != principal.user_id:
        raise PermissionDenied("Only the request's sender or an admin can cancel it.")
    return payment_requests.cancel_request(
        session=session, principal=principal, request_id=request.id
    )
