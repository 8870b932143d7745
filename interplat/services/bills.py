"""The customer's side of a request for payment: the bill page and paying it.

The bill link is the capability, as a chat link is: whoever holds it sees that bill, pays
it, and manages the wallet of the bill's customer (``payment_requests`` makes and reads
its token). Reads here never change money; paying goes through ``payments``.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from ..models import Customer, Enterprise, Payment, PaymentRequest, Ticket, utcnow
from ..models.enums import OPEN_TICKET_STATUSES, PaymentRequestStatus, PaymentStatus
from . import chat_sessions, payment_requests, wallet
from .directory import website_entry_code
from .enterprises import BrandPublic, brand_of
from .errors import NotFound, ValidationFailed
from .money import format_money

PAYABLE = frozenset(
    {PaymentRequestStatus.SENT, PaymentRequestStatus.VIEWED, PaymentRequestStatus.FAILED}
)
STATUS_LABELS = {
    "draft": "Not sent",
    "sent": "Due",
    "viewed": "Due",
    "failed": "Due",
    "paid": "Paid",
    "expired": "Expired",
    "cancelled": "Cancelled",
    "refunded": "Refunded",
    "partially_refunded": "Partly refunded",
}


@dataclass(frozen=True)
class BillLine:
    description: str
    quantity: int
    unit: str
    amount: str


@dataclass(frozen=True)
class BillView:
    """Everything the bill page shows, as display strings."""

    request_id: str
    enterprise_id: str
    customer_id: str
    ticket_id: str
    brand: BrandPublic
    invoice_number: str
    description: str
    lines: list[BillLine]
    total: str
    status: str
    status_label: str
    payable: bool
    due: str  # "Dec 25, 2026" or ""
    overdue: bool
    paid_at: str
    chat_path: str
    cards: list[wallet.WalletCard] = field(default_factory=list)
    default_card_id: str = ""


def request_by_token(*, session: Session, token: str) -> PaymentRequest:
    """The RFP a bill link opens; a draft (never sent) opens nothing.

    Raises:
        NotFound: no bill has this token (mistyped, cut short or made up).
    """
    request = payment_requests.request_by_token(session=session, token=token.strip())
    if request.status == PaymentRequestStatus.DRAFT:
        raise NotFound("This bill link is not valid.")
    return request


def local_time(when: dt.datetime, zone: str) -> str:
    """An instant on the enterprise's clock: "Nov 25, 2026, 3:04 PM"."""
    return when.astimezone(_zone(zone)).strftime("%b %-d, %Y, %-I:%M %p")


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def bill_lines(session: Session, request: PaymentRequest) -> list[BillLine]:
    return [
        BillLine(
            description=row.description,
            quantity=row.quantity,
            unit=format_money(row.unit_amount_minor, request.currency),
            amount=format_money(row.amount_minor, request.currency),
        )
        for row in payment_requests.line_items_of(session=session, request=request)
    ]


def chat_path_for(*, session: Session, request: PaymentRequest, cookie: str) -> str:
    """Where "Chat with <brand>" goes: the bill's own conversation when this browser
    already opened that customer's chats and it is still open, else a new chat."""
    enterprise = session.get(Enterprise, request.enterprise_id)
    if enterprise is None:
        return ""
    ticket = session.get(Ticket, request.ticket_id) if request.ticket_id else None
    if (
        ticket is not None
        and ticket.status in OPEN_TICKET_STATUSES
        and request.customer_id in chat_sessions.remembered_customers(cookie)
    ):
        return f"/c/{chat_sessions.live_link_code(session=session, ticket=ticket)}"
    return f"/c/{website_entry_code(session=session, enterprise=enterprise)}"


def bill_view(
    *, session: Session, token: str, cookie: str = "", now: dt.datetime | None = None
) -> BillView:
    """The bill behind a link, with the wallet of its customer.

    Raises:
        NotFound: the link opens no bill.
    """
    now = now or utcnow()
    request = request_by_token(session=session, token=token)
    enterprise = session.get(Enterprise, request.enterprise_id)
    if enterprise is None or not enterprise.is_active:
        raise NotFound("We could not find this bill. Check the link, or ask for a new one.")
    zone = enterprise.timezone
    today = now.astimezone(_zone(zone)).date()
    payable = request.status in PAYABLE
    scope = {"enterprise_id": request.enterprise_id, "customer_id": request.customer_id}
    return BillView(
        request_id=str(request.id),
        enterprise_id=str(request.enterprise_id),
        customer_id=str(request.customer_id),
        ticket_id=str(request.ticket_id or ""),
        brand=brand_of(enterprise),
        invoice_number=request.invoice_number,
        description=request.description,
        lines=bill_lines(session, request),
        total=format_money(request.amount_minor, request.currency),
        status=request.status,
        status_label=STATUS_LABELS.get(request.status, request.status.title()),
        payable=payable,
        due=request.due_date.strftime("%b %-d, %Y") if request.due_date else "",
        overdue=payable and request.due_date is not None and request.due_date < today,
        paid_at=local_time(request.paid_at, zone) if request.paid_at else "",
        chat_path=chat_path_for(session=session, request=request, cookie=cookie),
        cards=wallet.list_cards(session=session, now=now, **scope),
        default_card_id=wallet.default_card_id(session=session, now=now, **scope),
    )


def open_bill(
    *, session: Session, token: str, cookie: str = "", now: dt.datetime | None = None
) -> BillView:
    """The payer opens the bill: a sent RFP becomes "viewed" (once), then its view."""
    request = request_by_token(session=session, token=token)
    if payment_requests.mark_viewed(session=session, request=request, now=now):
        session.commit()
    return bill_view(session=session, token=token, cookie=cookie, now=now)


@dataclass(frozen=True)
class PaymentOutcome:
    status: str  # pending | requires_action | succeeded | failed
    message: str  # the processor's words for a decline
    receipt_path: str


def payment_outcome(*, session: Session, token: str, payment_id: str) -> PaymentOutcome:
    """Where one payment of this bill stands (the page asks until it settles).

    Raises:
        NotFound: the bill, or a payment of it with this id, does not exist.
    """
    request = request_by_token(session=session, token=token)
    try:
        payment = session.get(Payment, uuid.UUID(payment_id))
    except ValueError:
        payment = None
    if payment is None or payment.payment_request_id != request.id:
        raise NotFound("We could not find this payment.")
    from . import receipts_view  # receipts_view imports this module

    receipt = receipts_view.receipt_of(session=session, payment_id=payment.id)
    return PaymentOutcome(
        status=payment.status,
        message=payment.failure_message
        or ("Your card was declined." if payment.status == PaymentStatus.FAILED else ""),
        receipt_path=receipts_view.receipt_path(receipt) if receipt else "",
    )


def pay_with_saved_card(*, session: Session, token: str, card_id: str) -> Any:
    """One tap: charge a card of the bill's customer's wallet (``payments`` decides).

    Raises:
        NotFound: no such bill, or the card is not in this customer's wallet.
        ValidationFailed: the card has expired; or ``payments`` refuses the bill.
    """
    from . import payments

    request = request_by_token(session=session, token=token)
    try:
        chosen = uuid.UUID(card_id)
    except ValueError:
        raise ValidationFailed("Choose a card to pay with.") from None
    card = wallet.own_card(session, request.enterprise_id, request.customer_id, chosen)
    if wallet.is_expired(card, utcnow()):
        raise ValidationFailed("This card has expired. Choose another card or a new one.")
    return payments.pay_with_saved_card(session=session, request=request, card_id=card.id)


def pay_with_new_card(*, session: Session, token: str, return_url: str, save_card: bool) -> Any:
    """Start paying on the provider's hosted page; it sends the payer back to ``return_url``."""
    from . import payments

    request = request_by_token(session=session, token=token)
    return payments.pay_with_new_card(
        session=session, request=request, return_url=return_url, save_card=save_card
    )


def bill_customer(*, session: Session, token: str) -> Customer:
    """The customer whose bill (and wallet) a link opens."""
    request = request_by_token(session=session, token=token)
    customer = session.get(Customer, request.customer_id)
    if customer is None:
        raise NotFound("We could not find this bill. Check the link, or ask for a new one.")
    return customer
