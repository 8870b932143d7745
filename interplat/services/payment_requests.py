"""Requests for payment (RFPs): created, sent into the chat, viewed, closed (delivery by
SMS/email link: ``payment_delivery``; field limits and parsing: ``payment_fields``).

The bill link is ``/bill/<token>``. The token is an HMAC of the request id under the
deployment's secret key (24 bytes, URL-safe): unguessable without the key, never stored
(the table keeps only its sha256 in ``public_token_hash``), and derivable again by the
server, so the chat card can carry a "Pay" link without a second token or column.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import uuid

from sqlmodel import Session, col, select

from ..config import get_settings
from ..models import (
    OPEN_TICKET_STATUSES,
    Enterprise,
    Message,
    MessageKind,
    PaymentLineItem,
    PaymentRequest,
    PaymentRequestStatus,
    SenderKind,
    Ticket,
    utcnow,
)
from . import events, messages, thread_markers, tickets
from .access import access_customer, access_ticket, require_workspace
from .auth import Principal
from .errors import Conflict, NotFound, ValidationFailed
from .money import format_money
from .payment_fields import (
    MAX_DESCRIPTION,
    LineItem,
    check_amount,
    check_attachment,
    check_due_date,
    check_invoice,
    check_line_items,
    local_today,
)

BILL_PREFIX = "/bill"
S = PaymentRequestStatus
OPEN = (S.DRAFT, S.SENT, S.VIEWED, S.FAILED)  # can still be paid or cancelled


def bill_token(request_id: uuid.UUID) -> str:
    """The request's public token (the same every time, for this secret key)."""
    return bill_tokens([request_id.bytes])[0]


def bill_tokens(request_ids: list[bytes]) -> list[str]:
    """``bill_token`` of many ids given as their 16 bytes (bulk creation)."""
    key = hmac.new(get_settings().secret_key.get_secret_value().encode(), digestmod=hashlib.sha256)
    out = []
    for raw in request_ids:
        mac = key.copy()
        mac.update(b"payment-request:" + raw)
        out.append(base64.urlsafe_b64encode(mac.digest()[:24]).decode())
    return out


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def bill_path(token: str) -> str:
    return f"{BILL_PREFIX}/{token}"


def bill_url(request_token: str) -> str:
    """The absolute bill link for SMS and email."""
    return get_settings().public_base_url.rstrip("/") + bill_path(request_token)


def create_request(
    *,
    session: Session,
    principal: Principal,
    customer_id: uuid.UUID,
    ticket_id: uuid.UUID | None = None,
    amount_minor: int,
    currency: str,
    invoice_number: str,
    description: str,
    line_items: list[LineItem] | None = None,
    due_date: dt.date | None = None,
    attachment_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> PaymentRequest:
    """A draft request to one of the enterprise's customers (checked; nothing sent yet)."""
    now = now or utcnow()
    customer = access_customer(session=session, principal=principal, customer_id=customer_id)
    if ticket_id is not None:
        ticket = access_ticket(session=session, principal=principal, ticket_id=ticket_id)
        if ticket.customer_id != customer.id:
            raise ValidationFailed("That conversation is with another customer.", field="ticket")
    code = check_amount(amount_minor, currency)
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise ValidationFailed(
            f"The description has at most {MAX_DESCRIPTION:,} characters.", field="description"
        )
    items = check_line_items(list(line_items or []), amount_minor)
    check_due_date(due_date, session.get(Enterprise, principal.enterprise_id), now)
    check_attachment(session, principal.enterprise_id, attachment_id)
    invoice = check_invoice(session, principal.enterprise_id, invoice_number)
    request_id = uuid.uuid4()
    request = PaymentRequest(
        id=request_id,
        enterprise_id=principal.enterprise_id,
        customer_id=customer.id,
        ticket_id=ticket_id,
        created_by_id=principal.user_id,
        invoice_number=invoice,
        description=description,
        amount_minor=amount_minor,
        currency=code,
        due_date=due_date,
        attachment_id=attachment_id,
        public_token_hash=token_hash(bill_token(request_id)),
        created_at=now,
    )
    session.add(request)
    session.flush()
    for position, (text, quantity, unit) in enumerate(items):
        session.add(
            PaymentLineItem(
                enterprise_id=request.enterprise_id,
                payment_request_id=request.id,
                position=position,
                description=text,
                quantity=quantity,
                unit_amount_minor=unit,
                amount_minor=quantity * unit,
            )
        )
    session.flush()
    return request


def get_request(*, session: Session, principal: Principal, request_id: uuid.UUID) -> PaymentRequest:
    """One of the principal's enterprise's requests (another tenant's id: ``NotFound``)."""
    require_workspace(principal)
    request = session.get(PaymentRequest, request_id)
    if request is None or request.enterprise_id != principal.enterprise_id:
        raise NotFound("Payment request not found.")
    return request


def request_by_token(*, session: Session, token: str) -> PaymentRequest:
    """The request behind a bill link, or ``NotFound``."""
    if not token or len(token) > 100:
        raise NotFound("This bill link is not valid.")
    request = session.exec(
        select(PaymentRequest).where(PaymentRequest.public_token_hash == token_hash(token))
    ).first()
    if request is None:
        raise NotFound("This bill link is not valid.")
    return request


def line_items_of(*, session: Session, request: PaymentRequest) -> list[PaymentLineItem]:
    return list(
        session.exec(
            select(PaymentLineItem)
            .where(PaymentLineItem.payment_request_id == request.id)
            .order_by(col(PaymentLineItem.position))
        ).all()
    )


def announce(session: Session, request: PaymentRequest) -> None:
    """Both sides' cards and lists refresh on this."""
    events.publish(
        session,
        "payment_request.updated",
        request.enterprise_id,
        ticket_id=str(request.ticket_id) if request.ticket_id else None,
        payment_request_id=str(request.id),
        status=request.status,
    )


def mark_sent(session: Session, request: PaymentRequest, now: dt.datetime) -> None:
    if request.status == S.DRAFT:
        request.status, request.sent_at = S.SENT, now
    session.add(request)
    session.flush()
    announce(session, request)


def send_in_chat(
    *,
    session: Session,
    principal: Principal,
    request: PaymentRequest,
    now: dt.datetime | None = None,
) -> Message:
    """Post the request as a card in its conversation (or the customer's open one)."""
    now = now or utcnow()
    get_request(session=session, principal=principal, request_id=request.id)
    if request.status not in OPEN:
        raise Conflict(f"This request is {request.status} and cannot be sent.")
    ticket = chat_of(session, request)
    if ticket is None:
        raise Conflict("This customer has no open chat.", field="ticket")
    message = messages.post_message(
        session=session,
        ticket=ticket,
        sender_kind=SenderKind.CSR,
        body=f"Payment request: {format_money(request.amount_minor, request.currency)}",
        kind=MessageKind.PAYMENT_REQUEST,
        sender_user_id=principal.user_id,
        now=now,
    )
    message.payment_request_id = request.id
    request.ticket_id = ticket.id
    session.add(message)
    mark_sent(session, request, now)
    thread_markers.mark(
        session=session,
        ticket_id=ticket.id,
        kind=thread_markers.RFP_SENT,
        payment_request_id=request.id,
        detail={"channel": "chat"},
        now=now,
    )
    return message


def chat_of(session: Session, request: PaymentRequest) -> Ticket | None:
    if request.ticket_id is not None:
        ticket = session.get(Ticket, request.ticket_id)
        if ticket is not None and ticket.status in OPEN_TICKET_STATUSES:
            return ticket
    return tickets.find_open_ticket(
        session=session, enterprise_id=request.enterprise_id, customer_id=request.customer_id
    )


def mark_viewed(
    *, session: Session, request: PaymentRequest, now: dt.datetime | None = None
) -> bool:
    """The payer opened the bill: "sent" becomes "viewed" once (marker + event)."""
    if request.status != S.SENT:
        return False
    now = now or utcnow()
    request.status, request.viewed_at = S.VIEWED, now
    session.add(request)
    session.flush()
    if request.ticket_id is not None:
        thread_markers.mark(
            session=session,
            ticket_id=request.ticket_id,
            kind=thread_markers.RFP_VIEWED,
            payment_request_id=request.id,
            now=now,
        )
    announce(session, request)
    return True


def cancel_request(
    *, session: Session, principal: Principal, request_id: uuid.UUID, now: dt.datetime | None = None
) -> PaymentRequest:
    """Withdraw an unpaid request (its link then shows it cancelled)."""
    request = get_request(session=session, principal=principal, request_id=request_id)
    locked = session.get(PaymentRequest, request.id, with_for_update=True, populate_existing=True)
    assert locked is not None
    if locked.status not in OPEN:
        raise Conflict(f"This request is {locked.status} and cannot be cancelled.")
    locked.status = S.CANCELLED
    session.add(locked)
    session.flush()
    if locked.ticket_id is not None:
        thread_markers.mark(
            session=session,
            ticket_id=locked.ticket_id,
            kind=thread_markers.RFP_CANCELLED,
            payment_request_id=locked.id,
            now=now,
        )
    announce(session, locked)
    return locked


def expire_due(*, session: Session, now: dt.datetime | None = None) -> int:
    """Expire unpaid requests whose due date has passed on their enterprise's clock."""
    now = now or utcnow()
    # A day's margin either way of UTC covers every time zone; the exact check is local.
    candidates = session.exec(
        select(PaymentRequest, Enterprise)
        .join(Enterprise, col(Enterprise.id) == col(PaymentRequest.enterprise_id))
        .where(
            col(PaymentRequest.status).in_([S.SENT, S.VIEWED, S.FAILED]),
            col(PaymentRequest.due_date).is_not(None),
            col(PaymentRequest.due_date) < (now + dt.timedelta(days=1)).date(),
        )
        .with_for_update(of=PaymentRequest, skip_locked=True)
    ).all()
    expired = 0
    for request, enterprise in candidates:
        if request.due_date and request.due_date < local_today(enterprise, now):
            request.status = S.EXPIRED
            session.add(request)
            announce(session, request)
            expired += 1
    session.flush()
    return expired


def bulk_from_csv(
    *,
    session: Session,
    principal: Principal,
    data: bytes,
    filename: str = "",
    now: dt.datetime | None = None,
):
    """Check a CSV and create one request per good row, delivered by the best channel.

    Returns ``(summary, checked)``: ``rfp_bulk_write.BulkSummary`` and the checked file
    (its ``rfp_bulk.rejected_csv`` is the report of rejected rows).
    """
    from . import rfp_bulk, rfp_bulk_write  # they build on this module

    checked = rfp_bulk.check_file(
        session=session, principal=principal, data=data, filename=filename, now=now
    )
    summary = rfp_bulk_write.create_checked(
        session=session, principal=principal, checked=checked, now=now
    )
    return summary, checked
