"""What a settled payment leaves behind: statuses, receipt, wallet card, thread entries.

Split from ``payments`` (which talks to the provider) so the rules for recording an
outcome are in one place whether it came from a webhook or a synchronous charge.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid

import sqlalchemy as sa
from sqlmodel import Session, func, select

from ..models import (
    Customer,
    Enterprise,
    MessageKind,
    Payment,
    PaymentRequest,
    PaymentRequestStatus,
    PaymentStatus,
    Receipt,
    Refund,
    SavedCard,
    SenderKind,
    Ticket,
)
from . import events, messages, signing, thread_markers
from .errors import NotFound
from .money import format_money
from .payment_provider import CardSummary, ProviderWebhook

log = logging.getLogger(__name__)
# Marker kinds, named like the RFP markers of ``thread_markers``.
PAYMENT_SUCCEEDED = "payment_succeeded"
REFUND = "refund"
BRANDS = {
    "visa": "Visa",
    "mastercard": "Mastercard",
    "amex": "American Express",
    "discover": "Discover",
    "diners": "Diners Club",
    "jcb": "JCB",
    "unionpay": "UnionPay",
}


def lock_payment(session: Session, payment_id: uuid.UUID) -> Payment:
    payment = session.exec(
        select(Payment)
        .where(Payment.id == payment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if payment is None:
        raise NotFound("Payment not found.")
    return payment


def lock_request(session: Session, request_id: uuid.UUID) -> PaymentRequest:
    request = session.exec(
        select(PaymentRequest)
        .where(PaymentRequest.id == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return request


def apply(session: Session, event: ProviderWebhook, now: dt.datetime) -> bool:
    """Dispatch a verified webhook; True when it changed something."""
    if event.kind in ("payment.succeeded", "payment.failed"):
        try:
            payment_id = uuid.UUID(event.reference)
        except ValueError:
            log.warning("webhook %s names no payment of ours", event.event_id)
            return False
        return settle(session, payment_id, event, now)
    if event.kind == "setup.succeeded":
        return _setup_succeeded(session, event, now)
    if event.kind == "refund.succeeded":
        return _refund_confirmed(session, event)
    return False


def settle(
    session: Session, payment_id: uuid.UUID, event: ProviderWebhook, now: dt.datetime
) -> bool:
    """Record a payment's outcome once; a settled payment stays as it is."""
    payment = session.get(Payment, payment_id)
    if payment is None:
        log.warning("webhook %s for an unknown payment", event.event_id)
        return False
    request = lock_request(session, payment.payment_request_id)
    payment = lock_payment(session, payment_id)
    if payment.status == PaymentStatus.SUCCEEDED:
        return False
    # A success after a failure still moved money (a retry on the same hosted page), so it
    # is recorded; a failure never undoes anything settled.
    if payment.status == PaymentStatus.FAILED and event.kind != "payment.succeeded":
        return False
    if event.kind == "payment.succeeded":
        _succeeded(session, payment, request, event, now)
    else:
        _failed(session, payment, request, event)
    return True


def _succeeded(
    session: Session,
    payment: Payment,
    request: PaymentRequest,
    event: ProviderWebhook,
    now: dt.datetime,
) -> None:
    payment.status = PaymentStatus.SUCCEEDED
    payment.provider_payment_id = event.provider_payment_id or payment.provider_payment_id
    if event.card is not None:
        payment.card_brand, payment.card_last4 = event.card.brand, event.card.last4
    payment.failure_code = payment.failure_message = ""
    payment.settled_at = now
    request.status = PaymentRequestStatus.PAID
    request.paid_at = request.paid_at or now
    session.add_all([payment, request])
    if event.card_token and event.card is not None:
        save_card(
            session,
            payment.enterprise_id,
            payment.customer_id,
            payment.provider,
            event.card_token,
            event.card,
        )
    receipt = _issue_receipt(session, payment, now)
    card = _card_words(payment)
    text = f"Paid {format_money(payment.amount_minor, payment.currency)}{card} — receipt {receipt.number}"
    thread_entry(session, request, payment, PAYMENT_SUCCEEDED, text, now)
    events.publish(
        session,
        "payment.succeeded",
        payment.enterprise_id,
        ticket_id=_str(request.ticket_id),
        payment_request_id=str(request.id),
        payment_id=str(payment.id),
    )
    request_updated(session, request)


def _failed(
    session: Session, payment: Payment, request: PaymentRequest, event: ProviderWebhook
) -> None:
    payment.status = PaymentStatus.FAILED
    payment.failure_code = (event.failure_code or "card_declined")[:50]
    payment.failure_message = (event.failure_message or "The card was declined.")[:300]
    if event.card is not None:
        payment.card_brand, payment.card_last4 = event.card.brand, event.card.last4
    if request.status not in (
        PaymentRequestStatus.PAID,
        PaymentRequestStatus.REFUNDED,
        PaymentRequestStatus.PARTIALLY_REFUNDED,
    ):
        request.status = PaymentRequestStatus.FAILED  # payable again
    session.add_all([payment, request])
    request_updated(session, request)


def request_updated(session: Session, request: PaymentRequest) -> None:
    events.publish(
        session,
        "payment_request.updated",
        request.enterprise_id,
        ticket_id=_str(request.ticket_id),
        payment_request_id=str(request.id),
    )


def _str(value: uuid.UUID | None) -> str:
    return str(value) if value else ""


def _card_words(payment: Payment) -> str:
    if not payment.card_last4:
        return ""
    brand = BRANDS.get(payment.card_brand, payment.card_brand.title() or "card")
    return f" with {brand} •••• {payment.card_last4}"


def save_card(
    session: Session,
    enterprise_id: uuid.UUID,
    customer_id: uuid.UUID,
    provider: str,
    token: str,
    card: CardSummary,
) -> SavedCard:
    """A wallet card for the customer (once per token); their first card is the default."""
    existing = session.exec(
        select(SavedCard).where(SavedCard.customer_id == customer_id, SavedCard.token == token)
    ).first()
    if existing is not None:
        return existing
    has_cards = session.exec(
        select(func.count()).select_from(SavedCard).where(SavedCard.customer_id == customer_id)
    ).one()
    saved = SavedCard(
        enterprise_id=enterprise_id,
        customer_id=customer_id,
        provider=provider,
        token=token,
        brand=card.brand,
        last4=card.last4,
        exp_month=card.exp_month,
        exp_year=card.exp_year,
        is_default=not has_cards,
    )
    session.add(saved)
    session.flush()
    return saved


def _setup_succeeded(session: Session, event: ProviderWebhook, now: dt.datetime) -> bool:
    try:
        customer = session.get(Customer, uuid.UUID(event.reference))
    except ValueError:
        customer = None
    if customer is None or event.card is None or not event.card_token:
        log.warning("setup webhook %s names no customer of ours", event.event_id)
        return False
    from .payments import get_provider

    save_card(
        session,
        customer.enterprise_id,
        customer.id,
        get_provider().name,
        event.card_token,
        event.card,
    )
    events.publish(session, "wallet.updated", customer.enterprise_id, customer_id=str(customer.id))
    return True


def _refund_confirmed(session: Session, event: ProviderWebhook) -> bool:
    refund = session.exec(
        select(Refund).where(Refund.provider_refund_id == event.provider_refund_id)
    ).first()
    if refund is None or refund.status == "succeeded" or not event.provider_refund_id:
        return False
    refund.status = "succeeded"
    session.add(refund)
    return True


def receipt_token(receipt: Receipt) -> str:
    """The secret in a receipt's public link, rebuilt from its id with the server's key."""
    return signing.sign("receipt", str(receipt.id))[:40]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def receipt_by_token(*, session: Session, token: str) -> Receipt:
    """The receipt a public link names (``NotFound`` for anything else)."""
    receipt = session.exec(
        select(Receipt).where(Receipt.public_token_hash == _token_hash(token.strip()))
    ).first()
    if receipt is None:
        raise NotFound("Receipt not found.")
    return receipt


def _issue_receipt(session: Session, payment: Payment, now: dt.datetime) -> Receipt:
    # Touching the enterprise row serialises numbering per enterprise on PostgreSQL (row
    # lock) as SQLite's write lock already does; the unique constraint is the backstop.
    table = Enterprise.__table__  # type: ignore[attr-defined]
    session.execute(
        sa.update(table)
        .where(table.c.id == payment.enterprise_id)
        .values(next_ticket_number=table.c.next_ticket_number)
    )
    count = session.exec(
        select(func.count())
        .select_from(Receipt)
        .where(Receipt.enterprise_id == payment.enterprise_id)
    ).one()
    receipt = Receipt(
        enterprise_id=payment.enterprise_id,
        payment_id=payment.id,
        number=f"R-{count + 1:06d}",
        public_token_hash="",
        issued_at=now,
    )
    receipt.public_token_hash = _token_hash(receipt_token(receipt))
    session.add(receipt)
    session.flush()
    return receipt


def thread_entry(
    session: Session,
    request: PaymentRequest,
    payment: Payment,
    kind: str,
    text: str,
    now: dt.datetime,
    detail: dict | None = None,
) -> None:
    """A marker at the thread's last message, then a system message saying what happened."""
    ticket = session.get(Ticket, request.ticket_id) if request.ticket_id else None
    if ticket is None:
        return
    thread_markers.mark(
        session=session,
        ticket_id=ticket.id,
        kind=kind,
        payment_request_id=request.id,
        payment_id=payment.id,
        detail={"text": text, **(detail or {})},
        now=now,
    )
    messages.post_message(
        session=session,
        ticket=ticket,
        sender_kind=SenderKind.SYSTEM,
        body=text,
        kind=MessageKind.SYSTEM,
        now=now,
    )
