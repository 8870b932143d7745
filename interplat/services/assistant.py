"""The automated assistant: it answers a new web chat from the listing's assisted-response
rules and canned content until the customer asks for a person, it has no confident
answer, or a CSR takes the chat.

While ``Ticket.assistant_state`` is "active" the ticket stays ``waiting`` but the queue's
pull passes it by; a hand-off makes it an ordinary waiting ticket queued from that moment,
in the same thread, so the CSR who pulls it reads everything the assistant said.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import Session, col, select

from ..models import (
    Customer,
    Enterprise,
    Listing,
    Message,
    MessageKind,
    SenderKind,
    Ticket,
    TicketStatus,
    utcnow,
)
from . import assist, events, messages, textmatch
from .automated_messages import render
from .tickets import record_transition

ACTIVE, HANDED_OFF = "active", "handed_off"
YES, NO, LIVE_CHAT = "Yes", "No", "Live chat"
FOLLOW_UP = "Did that answer your question?"
GLAD = "Glad I could help. Anything else? Just type your question."
REPHRASE = "Sorry about that. Could you ask it another way? Or tap Live chat to reach a person."
HANDED_OFF_TEXT = "A representative will be with you shortly."
NO_ANSWER_TEXT = "I don't have an answer to that one. " + HANDED_OFF_TEXT
# Why a chat left the assistant, as TicketEvent detail (the staff thread words them).
REASON_ASKED, REASON_NO_ANSWER, REASON_TAKEN = "asked", "no_answer", "taken"
REASON_MEDIA = "media"  # a voice message, photo or file: a person should see it
# Canned content answers a customer on its own only when clearly on topic: a CSR sees
# suggestions from assist.CANNED_THRESHOLD, but a wrong automatic answer costs more.
CANNED_MIN_SCORE = 0.4
# Typed words that ask for a person, like tapping "Live chat".
PERSON_PHRASES = (
    "live chat",
    "agent",
    "human",
    "representative",
    "real person",
    "talk to someone",
    "speak to someone",
)
STEP = dt.timedelta(milliseconds=1)  # keeps the assistant's lines after what they answer


def is_active(ticket: Ticket) -> bool:
    """Whether the assistant holds the ticket (waiting, nobody assigned, not handed off)."""
    return ticket.assistant_state == ACTIVE and ticket.status == TicketStatus.WAITING


def reply_to(*, session: Session, ticket: Ticket, message: Message) -> list[Message]:
    """The assistant's turn after a customer message: an answer, a quick-reply reaction, or
    a hand-off. Nothing when it does not hold the ticket.

    It reads text only: a voice message, photo or file goes straight to a person (its
    transcript comes later, and nobody should wait on the assistant for it).
    """
    if not is_active(ticket):
        return []
    at = message.created_at + STEP
    if message.kind != MessageKind.TEXT:
        return [hand_off(session=session, ticket=ticket, reason=REASON_MEDIA, now=at)]
    text = messages.readable_text(message)
    choice = _chosen(text, _offer_before(session, ticket, message))
    if choice == YES:
        return [_say(session, ticket, GLAD, at)]
    if choice == NO:
        return [_say(session, ticket, REPHRASE, at, [LIVE_CHAT])]
    if choice == LIVE_CHAT or _asks_for_person(text):
        return [hand_off(session=session, ticket=ticket, reason=REASON_ASKED, now=at)]
    answer = find_answer(session=session, ticket=ticket, text=text)
    if answer is None:
        return [hand_off(session=session, ticket=ticket, reason=REASON_NO_ANSWER, now=at)]
    return [
        _say(session, ticket, answer, at),
        _say(session, ticket, FOLLOW_UP, at + STEP, [YES, NO, LIVE_CHAT]),
    ]


def tap_quick_reply(
    *, session: Session, ticket: Ticket, text: str, now: dt.datetime | None = None
) -> Message | None:
    """A tapped quick reply, posted as the customer's own text and answered.

    ``None`` (and nothing stored) when the choice is no longer on offer: a second tap of
    the same chip, or a chip left on screen after a hand-off.
    """
    session.flush()  # a refresh would drop changes not yet written
    session.refresh(ticket, with_for_update=True)  # concurrent taps queue here
    if not is_active(ticket) or text not in current_offer(session=session, ticket=ticket):
        return None
    message = messages.post_message(
        session=session, ticket=ticket, sender_kind=SenderKind.CUSTOMER, body=text, now=now
    )
    reply_to(session=session, ticket=ticket, message=message)
    return message


def current_offer(*, session: Session, ticket: Ticket) -> list[str]:
    """The quick replies the thread's last message offers ([] unless it is the assistant's)."""
    return _offer_before(session, ticket, None)


def hand_off(
    *,
    session: Session,
    ticket: Ticket,
    reason: str,
    now: dt.datetime | None = None,
) -> Message:
    """End the assistant's part: the ticket joins the queue from now, and the customer reads
    that a representative will be with them (the line is returned).

    A CSR taking the chat ends it too, in ``tickets.assign_ticket`` (no line: they are there).
    """
    now = now or utcnow()
    ticket.assistant_state, ticket.handed_off_at = HANDED_OFF, now
    if ticket.status == TicketStatus.WAITING:
        ticket.queued_at = now  # in line from when a person was asked for
    session.add(ticket)
    record_transition(session, ticket, "handed_off", None, SenderKind.ASSISTANT, now, reason=reason)
    events.publish(session, "ticket.handed_off", ticket.enterprise_id, ticket_id=str(ticket.id))
    text = NO_ANSWER_TEXT if reason == REASON_NO_ANSWER else HANDED_OFF_TEXT
    return _say(session, ticket, text, now)


def find_answer(*, session: Session, ticket: Ticket, text: str) -> str | None:
    """The listing's best confident answer to ``text``: a matching rule's first reply,
    else similar enough canned content; placeholders such as {first_name} filled in."""
    if ticket.listing_id is None:
        return None
    found = assist.suggest_replies(
        session=session,
        enterprise_id=ticket.enterprise_id,
        listing_id=ticket.listing_id,
        text=text,
        limit=assist.MAX_SUGGESTIONS,
    )
    best = next(
        (s for s in found if s.source == "rule" or s.score >= CANNED_MIN_SCORE and s.text), None
    )
    if best is None:
        return None
    customer = session.get(Customer, ticket.customer_id)
    enterprise = session.get(Enterprise, ticket.enterprise_id)
    assert customer is not None and enterprise is not None
    return render(best.text, customer=customer, enterprise=enterprise, ticket=ticket)


def assistant_name(*, session: Session, listing_id: uuid.UUID | None) -> str:
    """What the customer sees above the assistant's messages."""
    listing = session.get(Listing, listing_id) if listing_id else None
    return listing.assistant_name if listing else "Assistant"


def _say(
    session: Session,
    ticket: Ticket,
    body: str,
    at: dt.datetime,
    quick_replies: list[str] | None = None,
) -> Message:
    message = messages.post_message(
        session=session, ticket=ticket, sender_kind=SenderKind.ASSISTANT, body=body, now=at
    )
    if quick_replies:
        message.quick_replies = list(quick_replies)
        session.add(message)
        session.flush()
    return message


def _offer_before(session: Session, ticket: Ticket, message: Message | None) -> list[str]:
    """Quick replies of the message just before ``message`` (or of the last one)."""
    query = select(Message).where(Message.ticket_id == ticket.id)
    if message is not None:
        query = query.where(Message.id != message.id, Message.created_at <= message.created_at)
    last = session.exec(
        query.order_by(col(Message.created_at).desc(), col(Message.id).desc()).limit(1)
    ).first()
    if last is None or last.sender_kind != SenderKind.ASSISTANT:
        return []
    return list(last.quick_replies or [])


def _chosen(text: str, offer: list[str]) -> str | None:
    """The offered quick reply the customer typed or tapped ("yes!" is "Yes")."""
    said = " ".join(textmatch.words(text))
    return next((o for o in offer if " ".join(textmatch.words(o)) == said), None)


def _asks_for_person(text: str) -> bool:
    padded = f" {' '.join(textmatch.words(text))} "
    return any(f" {phrase} " in padded for phrase in PERSON_PHRASES)
