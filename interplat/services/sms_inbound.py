"""Texts from customers: STOP/START/HELP keywords keep the suppression list, anything else
joins the customer's conversation."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from ..models import Channel, Enterprise, SenderKind, SmsLog, utcnow
from .customers import find_or_create_customer, normalize_phone
from .errors import InvalidPhoneNumber, NotFound
from .messages import MAX_TEXT_LENGTH, post_message
from .sms import suppress, unsuppress
from .tickets import open_ticket

log = logging.getLogger(__name__)

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})


@dataclass(frozen=True)
class InboundResult:
    """What an inbound text did, and the auto-reply for the webhook to answer ("" for none)."""

    action: str  # stopped | started | help | message
    reply: str
    message_id: str | None = None


def handle_inbound_sms(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    from_number: str,
    to_number: str,
    body: str,
    message_sid: str,
    now: dt.datetime | None = None,
) -> InboundResult:
    """Act on a customer's text: STOP/START/HELP keywords, else it joins their ticket.

    A repeated ``message_sid`` (Twilio retrying the webhook) gets the same reply and
    changes nothing.
    """
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound("Enterprise not found.", field="enterprise_id")
    phone = _sender_phone(from_number)
    action, reply = _keyword(body, enterprise)
    if message_sid and _seen_before(session, enterprise_id, message_sid):
        return InboundResult(action, reply)
    now = now or utcnow()
    ticket_id, message_id = None, None
    if action == "stopped":
        suppress(session=session, enterprise_id=enterprise_id, phone=phone, now=now)
    elif action == "started":
        unsuppress(session=session, enterprise_id=enterprise_id, phone=phone)
    elif action == "message":
        ticket_id, message_id = _post_to_ticket(session, enterprise_id, phone, body, now)
    session.add(
        SmsLog(
            enterprise_id=enterprise_id,
            direction="inbound",
            message_sid=message_sid,
            from_number=phone,
            to_number=(to_number or "").strip()[:20],
            body=body,
            status="received",
            ticket_id=ticket_id,
            created_at=now,
        )
    )
    session.flush()
    return InboundResult(action, reply, message_id)


def _sender_phone(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except InvalidPhoneNumber as exc:
        raise InvalidPhoneNumber("The sender's number is not valid.", field="from_number") from exc


def _keyword(body: str, enterprise: Enterprise) -> tuple[str, str]:
    """The action a body asks for (the whole body is the keyword) and its auto-reply."""
    word, brand = body.strip().upper(), enterprise.brand_name
    if word in STOP_WORDS:
        return "stopped", f"You are unsubscribed from {brand} messages. Reply START to resubscribe."
    if word in START_WORDS:
        return "started", f"You are resubscribed to {brand} messages. Reply STOP to unsubscribe."
    if word in HELP_WORDS:
        contact = enterprise.contact_phone or enterprise.contact_email
        reach = f"call {contact}" if enterprise.contact_phone else f"write to {contact}"
        help_line = f"{brand}: for help, {reach}." if contact else f"{brand} customer support."
        return "help", f"{help_line} Reply STOP to unsubscribe."
    return "message", ""


def _seen_before(session: Session, enterprise_id: uuid.UUID, message_sid: str) -> bool:
    """Whether this inbound SMS was already handled, waiting for a concurrent retry if any."""
    if session.get_bind().dialect.name == "postgresql":
        # SQLite's BEGIN IMMEDIATE already serializes; PostgreSQL needs a lock on the sid.
        key = int.from_bytes(hashlib.blake2b(message_sid.encode(), digest_size=8).digest(), "big")
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": key - 2**63})
    return (
        session.exec(
            select(SmsLog.id).where(
                SmsLog.enterprise_id == enterprise_id,
                SmsLog.direction == "inbound",
                SmsLog.message_sid == message_sid,
            )
        ).first()
        is not None
    )


def _post_to_ticket(
    session: Session, enterprise_id: uuid.UUID, phone: str, body: str, now: dt.datetime
) -> tuple[uuid.UUID, str | None]:
    """The text joins the customer's open ticket, or opens one from the SMS channel."""
    customer, _ = find_or_create_customer(session=session, enterprise_id=enterprise_id, phone=phone)
    ticket, _ = open_ticket(
        session=session,
        enterprise_id=enterprise_id,
        customer_id=customer.id,
        source=Channel.SMS,
        now=now,
    )
    text = body.strip()[:MAX_TEXT_LENGTH]
    if not text:  # a picture-only MMS: the ticket is there, the media is not handled here
        return ticket.id, None
    message = post_message(
        session=session, ticket=ticket, sender_kind=SenderKind.CUSTOMER, body=text, now=now
    )
    return ticket.id, str(message.id)
