"""Paying a request for payment (RFP): start, settle by webhook, refund, show receipts.

Exactly one charge per RFP: every start locks the RFP row, refuses it when it is paid,
cancelled, expired or has another payment in flight, and records a pending ``Payment``
before the provider is called. The transaction is committed before that call (as
``sms.py`` does for the carrier) so no row lock or SQLite write lock is held while a
processor answers; the pending row is what later attempts see.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..config import PaymentProvider as ProviderName
from ..config import get_settings
from ..models import (
    Enterprise,
    Payment,
    PaymentRequest,
    PaymentRequestStatus,
    PaymentStatus,
    ProviderEvent,
    Receipt,
    Refund,
    SavedCard,
    utcnow,
)
from . import access, payment_refunds, payment_settlement
from .auth import Principal
from .errors import Conflict, NotFound, ValidationFailed
from .payment_provider import ChargeResult, PaymentProvider, ProviderError, ProviderWebhook
from .payment_settlement import receipt_by_token, receipt_token

__all__ = [
    "PaymentStart",
    "apply_webhook",
    "get_provider",
    "pay_with_new_card",
    "pay_with_saved_card",
    "receipt_by_token",
    "receipt_token",
    "refund_payment",
    "set_provider",
    "start_card_setup",
]

log = logging.getLogger(__name__)
# Longer than any hosted checkout stays open (sandbox 30 min, Stripe 31): until then its
# payment is in flight, and after it no late card entry can charge it.
CHECKOUT_TTL = dt.timedelta(minutes=35)
CLOSED = {
    PaymentRequestStatus.PAID: "This bill is already paid.",
    PaymentRequestStatus.REFUNDED: "This bill was paid and refunded.",
    PaymentRequestStatus.PARTIALLY_REFUNDED: "This bill is already paid.",
    PaymentRequestStatus.CANCELLED: "This bill was cancelled.",
    PaymentRequestStatus.EXPIRED: "This bill has expired.",
}
IN_FLIGHT = (PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION)
_override: PaymentProvider | None = None


@dataclass(frozen=True)
class PaymentStart:
    payment_id: uuid.UUID
    status: str  # "redirect" | "succeeded" | "failed" | "requires_action"
    url: str = ""
    message: str = ""


def get_provider() -> PaymentProvider:
    """The processor the settings name: the built-in sandbox (default) or Stripe."""
    if _override is not None:
        return _override
    if get_settings().payment_provider == ProviderName.STRIPE:
        from .stripe_provider import StripeProvider

        return StripeProvider.from_settings()
    from .sandbox_processor import SandboxProcessor

    return SandboxProcessor()


def set_provider(provider: PaymentProvider | None) -> None:
    """Use ``provider`` instead of the configured one (tests); ``None`` restores it."""
    global _override
    _override = provider


def _lock_request(session: Session, request_id: uuid.UUID) -> PaymentRequest:
    request = session.exec(
        select(PaymentRequest)
        .where(PaymentRequest.id == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if request is None:
        raise NotFound("Bill not found.")
    return request


def _open_for_payment(session: Session, request_id: uuid.UUID, now: dt.datetime) -> tuple:
    """The locked RFP and its payment in flight (or None), refusing a closed RFP."""
    request = _lock_request(session, request_id)
    if (reason := CLOSED.get(PaymentRequestStatus(request.status))) is not None:
        raise Conflict(reason)
    in_flight = session.exec(
        select(Payment)
        .where(
            Payment.payment_request_id == request.id,
            col(Payment.status).in_([str(s) for s in IN_FLIGHT]),
            col(Payment.created_at) > now - CHECKOUT_TTL,
        )
        .order_by(col(Payment.created_at).desc())
    ).first()
    return request, in_flight


def _new_payment(
    session: Session, request: PaymentRequest, provider: str, kind: str, now: dt.datetime
) -> Payment:
    payment_id = uuid.uuid4()
    payment = Payment(
        id=payment_id,
        enterprise_id=request.enterprise_id,
        payment_request_id=request.id,
        customer_id=request.customer_id,
        amount_minor=request.amount_minor,
        currency=request.currency,
        provider=provider,
        idempotency_key=f"pay-{payment_id}-{kind}",
        created_at=now,
    )
    session.add(payment)
    session.commit()  # the in-flight marker stands before the processor is called
    return payment


def pay_with_new_card(
    *,
    session: Session,
    request: PaymentRequest,
    return_url: str,
    save_card: bool = False,
    now: dt.datetime | None = None,
) -> PaymentStart:
    """A pending Payment and the provider's hosted page where the payer types the card.

    A second click while that page is open gets the same page (the same idempotency
    key reproduces the same checkout), so a bill never has two checkouts at once.
    """
    now = now or utcnow()
    provider = get_provider()
    request, in_flight = _open_for_payment(session, request.id, now)
    if in_flight is not None and not in_flight.idempotency_key.endswith(("-new", "-new+save")):
        raise Conflict("A payment for this bill is already in progress.")
    description = _description(session, request)
    payment = in_flight or _new_payment(
        session, request, provider.name, "new+save" if save_card else "new", now
    )
    session.commit()  # nothing below may touch the database until the provider answers
    try:
        checkout = provider.start_checkout(
            amount_minor=payment.amount_minor,
            currency=payment.currency,
            reference=str(payment.id),
            idempotency_key=payment.idempotency_key,
            return_url=return_url,
            description=description,
            save_card_for=str(request.customer_id)
            if payment.idempotency_key.endswith("+save")
            else "",
        )
    except ProviderError as exc:
        return _provider_failed(session, payment, exc, now)
    return PaymentStart(payment_id=payment.id, status="redirect", url=checkout.url)


def pay_with_saved_card(
    *,
    session: Session,
    request: PaymentRequest,
    card_id: uuid.UUID,
    now: dt.datetime | None = None,
) -> PaymentStart:
    """Charge one of the payer's wallet cards at once and settle the result."""
    now = now or utcnow()
    provider = get_provider()
    request, in_flight = _open_for_payment(session, request.id, now)
    card = session.get(SavedCard, card_id)
    if card is None or card.customer_id != request.customer_id or card.provider != provider.name:
        raise NotFound("Card not found.")
    if in_flight is not None:
        raise Conflict("A payment for this bill is already in progress.")
    description = _description(session, request)
    payment = _new_payment(session, request, provider.name, "saved", now)
    try:
        result = provider.charge_saved_card(
            card_token=card.token,
            amount_minor=payment.amount_minor,
            currency=payment.currency,
            reference=str(payment.id),
            idempotency_key=payment.idempotency_key,
            description=description,
        )
    except ProviderError as exc:
        return _provider_failed(session, payment, exc, now)
    return _record_charge(session, payment, result, now)


def _record_charge(
    session: Session, payment: Payment, result: ChargeResult, now: dt.datetime
) -> PaymentStart:
    event = ProviderWebhook(
        event_id="",
        kind="payment.succeeded" if result.status == "succeeded" else "payment.failed",
        reference=str(payment.id),
        provider_payment_id=result.provider_payment_id,
        card=result.card,
        failure_code=result.failure_code,
        failure_message=result.failure_message,
    )
    if result.status in ("succeeded", "failed"):
        payment_settlement.settle(session, payment.id, event, now)
    else:
        payment = payment_settlement.lock_payment(session, payment.id)
        payment.status = PaymentStatus.REQUIRES_ACTION
        payment.provider_payment_id = result.provider_payment_id
        session.add(payment)
    session.commit()
    status = "requires_action" if result.status == "pending" else result.status
    return PaymentStart(
        payment_id=payment.id, status=status, url=result.action_url, message=result.failure_message
    )


def _provider_failed(
    session: Session, payment: Payment, exc: ProviderError, now: dt.datetime
) -> PaymentStart:
    log.warning("payment provider error for payment %s: %s", payment.id, exc)
    event = ProviderWebhook(
        event_id="",
        kind="payment.failed",
        reference=str(payment.id),
        failure_code="processing_error",
        failure_message="The card processor could not be reached. Please try again.",
    )
    payment_settlement.settle(session, payment.id, event, now)
    session.commit()
    return PaymentStart(payment_id=payment.id, status="failed", message=event.failure_message)


def _description(session: Session, request: PaymentRequest) -> str:
    """What the hosted page and the card statement show: who is paid, for what."""
    enterprise = session.get(Enterprise, request.enterprise_id)
    merchant = (enterprise.brand_name or enterprise.name) if enterprise else "Interplat"
    label = f"Invoice {request.invoice_number}" if request.invoice_number else "Payment"
    return f"{merchant} — {label}"


def apply_webhook(
    *, session: Session, event: ProviderWebhook, now: dt.datetime | None = None
) -> bool:
    """Act on a verified provider notification once; a redelivery returns False and changes
    nothing (``ProviderEvent.event_id`` is unique)."""
    now = now or utcnow()
    try:
        with session.begin_nested():
            session.add(ProviderEvent(provider=get_provider().name, event_id=event.event_id))
            session.flush()
    except sa.exc.IntegrityError:
        return False
    changed = payment_settlement.apply(session, event, now)
    marker = session.exec(select(ProviderEvent).where(ProviderEvent.event_id == event.event_id))
    recorded = marker.one()
    recorded.processed = changed
    session.add(recorded)
    return changed


def refund_payment(
    *,
    session: Session,
    principal: Principal,
    payment_id: uuid.UUID,
    amount_minor: int,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Refund:
    """Refund part or all of a successful payment (owners and admins only).

    The amount is reserved on the payment under its row lock and committed before the
    processor is called, so two refunds at once can never exceed what was paid; a refund
    the processor refuses gives the reservation back.
    """
    access.require_refund(principal)
    now = now or utcnow()
    provider = get_provider()
    refund = payment_refunds.reserve_refund(
        session, principal, payment_id, amount_minor, reason.strip(), now
    )
    charge_id = session.get(Payment, payment_id).provider_payment_id  # type: ignore[union-attr]
    session.commit()  # the reservation stands; no lock is held while the processor works
    try:
        result = provider.refund(
            provider_payment_id=charge_id,
            amount_minor=refund.amount_minor,
            idempotency_key=f"refund-{refund.id}",
        )
    except ProviderError as exc:
        log.warning("refund %s failed at the provider: %s", refund.id, exc)
        payment_refunds.release_refund(session, refund.id, "The card processor failed.")
        session.commit()
        raise ValidationFailed("The card processor could not refund this payment.") from exc
    if result.status == "failed":
        payment_refunds.release_refund(session, refund.id, result.failure_message)
        session.commit()
        raise ValidationFailed(result.failure_message or "The refund was refused.")
    refund = payment_refunds.complete_refund(session, refund.id, result, now)
    session.commit()
    return refund


def start_card_setup(*, session: Session, customer_id: uuid.UUID, return_url: str) -> str:
    """The provider's hosted page where a customer saves a card without paying (wallet).

    The card arrives by a ``setup.succeeded`` webhook and becomes a ``SavedCard``.
    """
    from ..models import Customer

    if session.get(Customer, customer_id) is None:
        raise NotFound("Customer not found.")
    session.commit()  # no transaction (SQLite's write lock) while the processor works
    try:
        checkout = get_provider().start_card_setup(
            customer_ref=str(customer_id), return_url=return_url
        )
    except ProviderError as exc:
        raise ValidationFailed("The card processor could not be reached.") from exc
    return checkout.url


def receipt_of_payment(*, session: Session, payment_id: uuid.UUID) -> Receipt | None:
    """The receipt issued for a payment, if it succeeded."""
    return session.exec(select(Receipt).where(Receipt.payment_id == payment_id)).first()
