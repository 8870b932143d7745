"""Refunds: the amount reserved on the payment first, then the processor's answer recorded.

Reserving under the payment's row lock, committed before the processor is asked, is what
keeps two refunds at once from adding up above what was paid.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import Session

from ..models import PaymentRequestStatus, PaymentStatus, Refund
from . import card_numbers, events
from .auth import Principal
from .errors import Conflict, NotFound, ValidationFailed
from .money import format_money
from .payment_provider import RefundResult
from .payment_settlement import REFUND, lock_payment, lock_request, request_updated, thread_entry


def reserve_refund(
    session: Session,
    principal: Principal,
    payment_id: uuid.UUID,
    amount_minor: int,
    reason: str,
    now: dt.datetime,
) -> Refund:
    """A pending refund whose amount is already counted against the payment."""
    payment = lock_payment(session, payment_id)
    if payment.enterprise_id != principal.enterprise_id:
        raise NotFound("Payment not found.")
    if payment.status != PaymentStatus.SUCCEEDED:
        raise Conflict("Only a successful payment can be refunded.")
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        raise ValidationFailed("Enter an amount above zero.", field="amount_minor")
    remaining = payment.amount_minor - payment.amount_refunded_minor
    if amount_minor > remaining:
        left = format_money(remaining, payment.currency)
        raise ValidationFailed(f"You can refund at most {left}.", field="amount_minor")
    if len(reason) > 300:
        raise ValidationFailed("The reason is limited to 300 characters.", field="reason")
    reason = card_numbers.redact_card_numbers(reason).text  # staff paste things too
    payment.amount_refunded_minor += amount_minor
    refund = Refund(
        enterprise_id=payment.enterprise_id,
        payment_id=payment.id,
        amount_minor=amount_minor,
        currency=payment.currency,
        reason=reason,
        created_by_id=principal.user_id,
        created_at=now,
    )
    session.add_all([payment, refund])
    session.flush()
    return refund


def release_refund(session: Session, refund_id: uuid.UUID, message: str) -> None:
    """Give a refused refund's amount back to the payment."""
    refund = session.get(Refund, refund_id)
    assert refund is not None
    payment = lock_payment(session, refund.payment_id)
    payment.amount_refunded_minor -= refund.amount_minor
    refund.status = "failed"
    refund.reason = (refund.reason + f" [{message}]" if refund.reason else message)[:300]
    session.add_all([payment, refund])


def complete_refund(
    session: Session, refund_id: uuid.UUID, result: RefundResult, now: dt.datetime
) -> Refund:
    """Record the processor's answer, and the RFP's new status, thread entry and events."""
    refund = session.get(Refund, refund_id)
    assert refund is not None
    payment = lock_payment(session, refund.payment_id)
    request = lock_request(session, payment.payment_request_id)
    refund.provider_refund_id = result.provider_refund_id
    refund.status = result.status
    full = payment.amount_refunded_minor >= payment.amount_minor
    request.status = (
        PaymentRequestStatus.REFUNDED if full else PaymentRequestStatus.PARTIALLY_REFUNDED
    )
    session.add_all([refund, request])
    amount = format_money(refund.amount_minor, refund.currency)
    total = format_money(payment.amount_minor, payment.currency)
    text = f"Refunded {amount} of {total}" + (f" — {refund.reason}" if refund.reason else "")
    thread_entry(
        session,
        request,
        payment,
        REFUND,
        text,
        now,
        {"refund_id": str(refund.id), "amount_minor": refund.amount_minor},
    )
    events.publish(
        session,
        "payment.refunded",
        payment.enterprise_id,
        ticket_id=_str(request.ticket_id),
        payment_request_id=str(request.id),
        payment_id=str(payment.id),
        refund_id=str(refund.id),
    )
    request_updated(session, request)
    session.flush()
    return refund


def _str(value: uuid.UUID | None) -> str:
    return str(value) if value else ""
