"""Messages in a ticket's thread."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import Attachment, Listing, Message, MessageKind, SenderKind, Ticket, User, utcnow
from . import card_numbers, chat_cards, events, media
from .errors import NotFound, ValidationFailed

MAX_TEXT_LENGTH = 4000


@dataclass(frozen=True)
class MessagePublic:
    id: str
    sender_kind: str
    sender_name: str
    kind: str
    body: str
    created_at: str
    # Voice messages: "transcribing" until the worker settles them, then the transcript
    # (possibly "" when nobody spoke) or the reason there is none.
    transcribing: bool = False
    transcript: str = ""
    transcript_error: str = ""
    language: str = ""
    duration_ms: int = 0
    waveform: list[float] = field(default_factory=list)
    # Any message with a stored file: a signed URL and what it holds.
    media_url: str = ""
    content_type: str = ""
    filename: str = ""
    # How far it got to the other side: "sent", "delivered" (on their screen's list) or
    # "read" (the conversation open in front of them).
    receipt: str = "sent"
    # An offer's or payment request's card (services/chat_cards.py); {} for other kinds.
    card: dict[str, str] = field(default_factory=dict)
    # The automated assistant's tappable answers ("Yes", "No", "Live chat").
    quick_replies: list[str] = field(default_factory=list)


def to_public(
    message: Message,
    sender_name: str,
    attachment: Attachment | None = None,
    card: dict[str, str] | None = None,
) -> MessagePublic:
    voice = message.kind == MessageKind.VOICE
    return MessagePublic(
        id=str(message.id),
        sender_kind=message.sender_kind,
        sender_name=sender_name,
        kind=message.kind,
        body=message.body,
        created_at=message.created_at.isoformat(),
        transcribing=voice and message.transcript is None and not message.transcript_error,
        transcript=message.transcript or "",
        transcript_error=message.transcript_error,
        language=message.transcript_language,
        duration_ms=message.duration_ms or 0,
        waveform=list(message.waveform or []),
        media_url=media.media_path(attachment.id) if attachment else "",
        content_type=attachment.content_type if attachment else "",
        filename=attachment.filename if attachment else "",
        receipt=receipt_of(message),
        card=card or {},
        quick_replies=list(message.quick_replies or []),
    )


def receipt_of(message: Message) -> str:
    if message.read_at is not None:
        return "read"
    return "delivered" if message.delivered_at is not None else "sent"


def mark_seen(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    ticket_ids: Sequence[uuid.UUID],
    senders: Sequence[str],
    read: bool,
    now: dt.datetime | None = None,
) -> int:
    """Mark what ``senders`` wrote in these tickets delivered (and read, when ``read``).

    Publishes ``message.delivered`` or ``message.read`` per ticket that changed, so the
    writer's screen shows it; a second call changes nothing and publishes nothing.
    """
    if not ticket_ids:
        return 0
    now = now or utcnow()
    pending = col(Message.read_at if read else Message.delivered_at).is_(None)
    changed = session.exec(
        select(Message.ticket_id)
        .where(
            Message.enterprise_id == enterprise_id,
            col(Message.ticket_id).in_(ticket_ids),
            col(Message.sender_kind).in_(senders),
            pending,
        )
        .distinct()
    ).all()
    if not changed:
        return 0
    values: dict[str, object] = {"delivered_at": sa.func.coalesce(Message.delivered_at, now)}
    if read:
        values["read_at"] = now
    session.exec(
        sa.update(Message)
        .where(
            col(Message.enterprise_id) == enterprise_id,
            col(Message.ticket_id).in_(changed),
            col(Message.sender_kind).in_(senders),
            pending,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    kind = "message.read" if read else "message.delivered"
    # Only the writers' screens change: the customer's for what they wrote, else the staff's.
    audience = "customer" if set(senders) == {SenderKind.CUSTOMER} else "staff"
    for ticket_id in changed:
        events.publish(session, kind, enterprise_id, ticket_id=str(ticket_id), audience=audience)
    return len(changed)


def public_of(session: Session, message: Message, sender_name: str) -> MessagePublic:
    """``to_public`` for one message, with its stored file if it has one."""
    attachment = session.get(Attachment, message.attachment_id) if message.attachment_id else None
    return to_public(message, sender_name, attachment)


def readable_text(message: Message) -> str:
    """What a message says: its text, or a voice message's transcript (rules read both)."""
    if message.kind == MessageKind.VOICE:
        return message.transcript or ""
    return message.body


def message_text(*, session: Session, enterprise_id: uuid.UUID, message_id: uuid.UUID) -> str:
    """``readable_text`` of one of the enterprise's messages.

    Raises:
        NotFound: no such message in this enterprise.
    """
    message = session.get(Message, message_id)
    if message is None or message.enterprise_id != enterprise_id:
        raise NotFound("Message not found.")
    return readable_text(message)


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
    """Append a message to a ticket's thread and announce it.

    Card numbers in the text are replaced before anything is stored (``card_numbers``):
    compare the stored body with what was sent to warn the sender.
    """
    body = card_numbers.redact_card_numbers(body.strip()).text
    if kind == MessageKind.TEXT and not body:
        raise ValidationFailed("A message cannot be empty.", field="body")
    if len(body) > MAX_TEXT_LENGTH:
        raise ValidationFailed(
            f"Messages are limited to {MAX_TEXT_LENGTH:,} characters.", field="body"
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
        select(Message, User, Attachment)
        .join(User, col(User.id) == col(Message.sender_user_id), isouter=True)
        .join(Attachment, col(Attachment.id) == col(Message.attachment_id), isouter=True)
        .where(Message.enterprise_id == enterprise_id, Message.ticket_id == ticket_id)
        .order_by(col(Message.created_at), col(Message.id))
    ).all()
    cards = chat_cards.cards_for(session, [message for message, _, _ in rows])
    out = []
    for message, user, attachment in rows:
        if user is not None:
            name = user.full_name.split()[0] if customer_view else user.full_name
        else:
            name = {"customer": "Customer", "system": "", "assistant": "Assistant"}.get(
                message.sender_kind, ""
            )
        out.append(to_public(message, name, attachment, cards.get(message.id)))
    return _assistant_lines(session, ticket_id, out)


def _assistant_lines(
    session: Session, ticket_id: uuid.UUID, thread: list[MessagePublic]
) -> list[MessagePublic]:
    """The assistant's lines under the listing's assistant name, with quick replies on the
    last line only and only while the assistant still holds the ticket (older ones are spent)."""
    if not any(m.sender_kind == SenderKind.ASSISTANT for m in thread):
        return thread
    ticket = session.get(Ticket, ticket_id)
    listing = session.get(Listing, ticket.listing_id) if ticket and ticket.listing_id else None
    name = listing.assistant_name if listing else "Assistant"
    holds = ticket is not None and (ticket.assistant_state, ticket.status) == ("active", "waiting")
    last = len(thread) - 1
    return [
        replace(m, sender_name=name, quick_replies=m.quick_replies if holds and i == last else [])
        if m.sender_kind == SenderKind.ASSISTANT
        else m
        for i, m in enumerate(thread)
    ]
