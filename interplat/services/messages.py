"""Messages in a ticket's thread."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, select

from ..models import Message, MessageKind, SenderKind, Ticket, User, utcnow
from . import events
from .errors import ValidationFailed

MAX_TEXT_LENGTH = 4000


@dataclass(frozen=True)
class MessagePublic:
    id: str
    sender_kind: str
    sender_name: str
    kind: str
    body: str
    created_at: str


def to_public(message: Message, sender_name: str) -> MessagePublic:
    return MessagePublic(
        id=str(message.id),
        sender_kind=message.sender_kind,
        sender_name=sender_name,
        kind=message.kind,
        body=message.body,
        created_at=message.created_at.isoformat(),
    )


def post_message(
    *,
    session: Session,
    ticket: Ticket,
    sender_kind: SenderKind,
    body: str,
    kind: MessageKind = MessageKind.TEXT,
    sender_user_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> Message:
    """Append a message to a ticket's thread and announce it."""
    body = body.strip()
    if kind == MessageKind.TEXT and not body:
        raise ValidationFailed("A message cannot be empty.", field="body")
    if len(body) > MAX_TEXT_LENGTH:
        raise ValidationFailed(
            f"Messages are limited to {MAX_TEXT_LENGTH} characters.", field="body"
        )
    now = now or utcnow()
    message = Message(
        enterprise_id=ticket.enterprise_id,
        ticket_id=ticket.id,
        customer_id=ticket.customer_id,
        sender_kind=str(sender_kind),
        sender_user_id=sender_user_id,
        kind=str(kind),
        body=body,
        created_at=now,
    )
    session.add(message)
    if sender_kind == SenderKind.CUSTOMER:
        ticket.last_customer_activity_at = now
    elif sender_kind == SenderKind.CSR and ticket.first_reply_at is None:
        ticket.first_reply_at = now
    session.add(ticket)
    session.flush()
    events.publish(
        session,
        "message.created",
        ticket.enterprise_id,
        ticket_id=str(ticket.id),
        message_id=str(message.id),
    )
    return message


def list_thread(
    *, session: Session, enterprise_id: uuid.UUID, ticket_id: uuid.UUID, customer_view: bool = False
) -> list[MessagePublic]:
    """A ticket's messages, oldest first, with sender names (CSR first names for customers)."""
    rows = session.exec(
        select(Message, User)
        .join(User, col(User.id) == col(Message.sender_user_id), isouter=True)
        .where(Message.enterprise_id == enterprise_id, Message.ticket_id == ticket_id)
        .order_by(col(Message.created_at), col(Message.id))
    ).all()
    out = []
    for message, user in rows:
        if user is not None:
            name = user.full_name.split()[0] if customer_view else user.full_name
        else:
            name = {"customer": "Customer", "system": "", "assistant": "Assistant"}.get(
                message.sender_kind, ""
            )
        out.append(to_public(message, name))
    return out
