"""Sending a payment request by the best channel: its customer's open chat, else an SMS
with the bill link, else an email with it (and the texts of that SMS and email, which
the CSV import writes in bulk too).
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from sqlmodel import Session

from ..models import Customer, Enterprise, PaymentRequest, utcnow
from . import email, sms
from .auth import Principal
from .errors import Conflict, ValidationFailed
from .money import format_money
from .payment_requests import (
    OPEN,
    bill_token,
    bill_url,
    chat_of,
    get_request,
    mark_sent,
    send_in_chat,
)


class BillFields(Protocol):
    """What the link text and subject read (a request, or a bulk row before it exists)."""

    amount_minor: int
    currency: str
    invoice_number: str


def link_text(
    enterprise: Enterprise | None, request: BillFields, url: str, amount_text: str = ""
) -> str:
    """The SMS (and email body) that carries the bill link (``amount_text``: preformatted)."""
    brand = enterprise.brand_name if enterprise else "Your biller"
    amount = amount_text or format_money(request.amount_minor, request.currency)
    invoice = f" (invoice {request.invoice_number})" if request.invoice_number else ""
    return f"{brand} sent you a bill for {amount}{invoice}. View and pay: {url}"


def deliver(
    *,
    session: Session,
    principal: Principal,
    request: PaymentRequest,
    now: dt.datetime | None = None,
) -> str:
    """Send by the best channel: the open chat, else an SMS link, else an email link.

    Returns "chat", "sms" or "email"; ``ValidationFailed`` when the customer cannot be
    reached (no open chat, no textable phone, no email).
    """
    now = now or utcnow()
    get_request(session=session, principal=principal, request_id=request.id)
    if request.status not in OPEN:
        raise Conflict(f"This request is {request.status} and cannot be sent.")
    if chat_of(session, request) is not None:
        send_in_chat(session=session, principal=principal, request=request, now=now)
        return "chat"
    customer = session.get(Customer, request.customer_id)
    enterprise = session.get(Enterprise, request.enterprise_id)
    text = link_text(enterprise, request, bill_url(bill_token(request.id)))
    channel = best_channel(session, customer)
    meta = {"payment_request_id": str(request.id)}
    if channel == "sms" and customer is not None and customer.phone:
        sms.queue_sms(
            session=session,
            enterprise_id=request.enterprise_id,
            to=customer.phone,
            body=text,
            meta=meta,
            suppression_checked=True,
            now=now,
        )
    elif channel == "email" and customer is not None:
        email.queue_email(
            session=session,
            enterprise_id=request.enterprise_id,
            to=customer.email,
            subject=email_subject(enterprise, request),
            body=text,
            meta=meta,
            now=now,
        )
    else:
        raise ValidationFailed("This customer has no open chat, textable phone or email.")
    mark_sent(session, request, now)
    return channel


def best_channel(session: Session, customer: Customer | None) -> str:
    """ "sms" for a phone not on the STOP list, else "email" when there is one, else ""."""
    if customer is None:
        return ""
    if customer.phone and not sms.is_suppressed(
        session=session, enterprise_id=customer.enterprise_id, phone=customer.phone
    ):
        return "sms"
    return "email" if customer.email else ""


def email_subject(enterprise: Enterprise | None, request: BillFields) -> str:
    brand = enterprise.brand_name if enterprise else "Your biller"
    return f"{brand}: bill for {format_money(request.amount_minor, request.currency)}"
