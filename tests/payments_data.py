"""Requests for payment, payments, refunds and markers inserted as rows, for the payments
page's tests (independent of how requests get created and paid)."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from sqlmodel import Session

from interplat.models import (
    Customer,
    Payment,
    PaymentLineItem,
    PaymentRequest,
    Refund,
    ThreadMarker,
    User,
    utcnow,
)
from interplat.services.auth import Principal


def principal_of(user: User, enterprise_name: str = "") -> Principal:
    return Principal(user.id, user.enterprise_id, user.role, user.full_name, user.email, "")


def make_request(
    session: Session,
    customer: Customer,
    sender: User | None,
    amount_minor: int,
    *,
    status: str = "sent",
    currency: str = "USD",
    invoice: str = "",
    description: str = "Service call",
    created_at: dt.datetime | None = None,
    ticket_id: uuid.UUID | None = None,
    lines: tuple[tuple[str, int, int], ...] = (),
) -> PaymentRequest:
    created = created_at or utcnow()
    request = PaymentRequest(
        enterprise_id=customer.enterprise_id,
        customer_id=customer.id,
        ticket_id=ticket_id,
        created_by_id=sender.id if sender else None,
        invoice_number=invoice,
        description=description,
        amount_minor=amount_minor,
        currency=currency,
        status=status,
        public_token_hash=hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
        created_at=created,
        sent_at=None if status == "draft" else created,
        paid_at=created + dt.timedelta(minutes=5)
        if status in ("paid", "refunded", "partially_refunded")
        else None,
    )
    session.add(request)
    session.flush()
    for n, (text, qty, unit) in enumerate(lines):
        session.add(
            PaymentLineItem(
                enterprise_id=request.enterprise_id,
                payment_request_id=request.id,
                position=n,
                description=text,
                quantity=qty,
                unit_amount_minor=unit,
                amount_minor=qty * unit,
            )
        )
    return request


def make_payment(
    session: Session,
    request: PaymentRequest,
    *,
    status: str = "succeeded",
    refunded_minor: int = 0,
    failure_code: str = "",
    failure_message: str = "",
) -> Payment:
    payment = Payment(
        enterprise_id=request.enterprise_id,
        payment_request_id=request.id,
        customer_id=request.customer_id,
        amount_minor=request.amount_minor,
        currency=request.currency,
        status=status,
        provider="sandbox",
        idempotency_key=uuid.uuid4().hex,
        card_brand="visa" if status == "succeeded" else "mastercard",
        card_last4="4242" if status == "succeeded" else "0002",
        failure_code=failure_code,
        failure_message=failure_message,
        amount_refunded_minor=refunded_minor,
        settled_at=request.paid_at,
    )
    session.add(payment)
    session.flush()
    if refunded_minor:
        session.add(
            Refund(
                enterprise_id=request.enterprise_id,
                payment_id=payment.id,
                amount_minor=refunded_minor,
                currency=request.currency,
                reason="Goodwill",
                status="succeeded",
            )
        )
    return payment


def make_marker(
    session: Session,
    request: PaymentRequest,
    kind: str,
    after_message_id: uuid.UUID | None,
    payment: Payment | None = None,
) -> ThreadMarker:
    assert request.ticket_id is not None
    marker = ThreadMarker(
        enterprise_id=request.enterprise_id,
        ticket_id=request.ticket_id,
        kind=kind,
        payment_request_id=request.id,
        payment_id=payment.id if payment else None,
        after_message_id=after_message_id,
    )
    session.add(marker)
    session.flush()
    return marker
