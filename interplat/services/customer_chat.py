"""What the customer's branded chat page shows and does (the customer chat issue grows it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from sqlmodel import Session

from .. import routes
from ..models import (
    Channel,
    Customer,
    Enterprise,
    Listing,
    MessageKind,
    SenderKind,
    Ticket,
    utcnow,
)
from . import (
    assistant,
    attachments,
    automation,
    chat_actions,
    directory,
    links,
    messages,
    tickets,
    voice_messages,
)
from .enterprises import BrandPublic, brand_of, get_listing
from .errors import Conflict, NotFound, ValidationFailed

# The chat link a started conversation moves to lives as long as an SMS chat link does.
CHAT_LINK_TTL = dt.timedelta(hours=24)
MAX_FIRST_NAME_LENGTH = 100


@dataclass(frozen=True)
class ChatView:
    state: str  # ok | start (an entry link: nothing begun yet) | expired | missing
    brand: BrandPublic | None = None
    contact_phone: str = ""
    reference: str = ""
    thread: list[messages.MessagePublic] = field(default_factory=list)
    ticket_open: bool = False
    listing_name: str = ""
    enterprise_id: str = ""
    ticket_id: str = ""
    customer_id: str = ""  # remembered in the browser's chat session cookie
    # Expired or revoked: where "Start a new chat" goes (the website entry link's page).
    new_chat_path: str = ""
    # After the end: the customer's rating (0 until rated) and whether they may still rate.
    can_rate: bool = False
    rating: int = 0
    rating_comment: str = ""
    # The header menu's "Join <enterprise>'s loop" switch: marketing allowed or not.
    in_loop: bool = False


def load_chat(
    *, session: Session, code: str, now: dt.datetime | None = None, count_visit: bool = True
) -> ChatView:
    """Open a chat link: brand, welcome message and the ticket's history.

    ``count_visit=False`` for a live refresh of a page already open.
    """
    try:
        target = links.open_short_link(session=session, code=code, count_visit=count_visit, now=now)
        listing = _entry_listing(session, target)
    except links.LinkExpired as exc:
        return ChatView(
            state="expired",
            brand=brand_of(exc.enterprise),
            contact_phone=exc.enterprise.contact_phone,
            new_chat_path=_new_chat_path(session, exc.enterprise),
        )
    except NotFound:
        return ChatView(state="missing")
    enterprise, ticket = target.enterprise, target.ticket
    if listing is not None:
        return ChatView(
            state="start",
            brand=brand_of(enterprise),
            contact_phone=enterprise.contact_phone,
            listing_name=listing.name,
        )
    view = ChatView(
        state="ok",
        brand=brand_of(enterprise),
        contact_phone=enterprise.contact_phone,
        reference=ticket.reference if ticket else "",
        thread=_customer_thread(session, enterprise, ticket, now) if ticket else [],
        ticket_open=ticket is not None and ticket.status in ("waiting", "assigned"),
        enterprise_id=str(enterprise.id),
        ticket_id=str(ticket.id) if ticket else "",
        customer_id=str(ticket.customer_id) if ticket else "",
    )
    return _with_choices(session, view, ticket)


def _new_chat_path(session: Session, enterprise: Enterprise) -> str:
    """The start page of the enterprise's website entry link ("" if it takes no chats)."""
    if not enterprise.is_active:
        return ""
    try:
        code = directory.website_entry_code(session=session, enterprise=enterprise)
    except NotFound:
        return ""
    return routes.chat_path(code)


def _with_choices(session: Session, view: ChatView, ticket: Ticket | None) -> ChatView:
    """The view with what the customer has chosen, or may still choose, about it."""
    if ticket is None:
        return view
    customer = session.get(Customer, ticket.customer_id)
    return replace(
        view,
        # A representative served it (not a blast's thread, nor a chat left in the queue).
        can_rate=ticket.status not in ("waiting", "assigned")
        and ticket.rating is None
        and ticket.assignee_id is not None,
        rating=ticket.rating or 0,
        rating_comment=ticket.rating_comment,
        in_loop=bool(customer and customer.marketing_opt_in),
    )


def _entry_listing(session: Session, target: links.LinkTarget) -> Listing | None:
    """The listing an entry link starts conversations for; ``None`` for a ticket's link."""
    if target.ticket is not None or target.listing_id is None:
        return None
    return get_listing(
        session=session, enterprise_id=target.enterprise.id, listing_id=target.listing_id
    )


def _customer_thread(
    session: Session, enterprise: Enterprise, ticket: Ticket, now: dt.datetime | None
) -> list[messages.MessagePublic]:
    if ticket.status in ("waiting", "assigned"):
        automation.send_welcome(session=session, ticket=ticket, now=now)
    # On the customer's screen now: the representative sees "Read" under their replies.
    messages.mark_seen(
        session=session,
        enterprise_id=enterprise.id,
        ticket_ids=[ticket.id],
        senders=[SenderKind.CSR, SenderKind.ASSISTANT],
        read=True,
        now=now,
    )
    return [
        replace(m, sender_name=enterprise.brand_name) if m.sender_kind == "system" else m
        for m in messages.list_thread(
            session=session,
            enterprise_id=enterprise.id,
            ticket_id=ticket.id,
            customer_view=True,
        )
    ]


def start_chat_from_entry(
    *, session: Session, code: str, first_name: str = "", now: dt.datetime | None = None
) -> str:
    """Begin a conversation from an entry link; returns the code of the new chat's own link.

    Every start makes a new customer without a phone number: a number typed into a web
    form is unverified, and matching on it would let a stranger join that person's open
    ticket and read its history.
    """
    now = now or utcnow()
    name = _checked_first_name(first_name)
    target = links.open_short_link(session=session, code=code, count_visit=False, now=now)
    listing = _entry_listing(session, target)
    if listing is None:
        raise Conflict("This link already belongs to a conversation.")
    customer = Customer(
        enterprise_id=listing.enterprise_id,
        phone=None,
        first_name=name,
        created_at=now,
        last_contact_at=now,
    )
    session.add(customer)
    session.flush()
    channel = Channel(target.channel)
    ticket, _ = tickets.open_ticket(
        session=session,
        enterprise_id=listing.enterprise_id,
        customer_id=customer.id,
        source=channel,
        listing_id=listing.id,
        now=now,
    )
    link = links.create_short_link(
        session=session,
        enterprise_id=listing.enterprise_id,
        channel=channel,
        ticket_id=ticket.id,
        customer_id=customer.id,
        ttl=CHAT_LINK_TTL,
        now=now,
    )
    return link.code


def _checked_first_name(raw: str) -> str:
    name = (raw or "").strip()
    if "\x00" in name:
        raise ValidationFailed("Please type your name again.", field="first_name")
    if len(name) > MAX_FIRST_NAME_LENGTH:
        raise ValidationFailed(
            f"A first name has at most {MAX_FIRST_NAME_LENGTH} characters.", field="first_name"
        )
    return name


def send_customer_text(
    *, session: Session, code: str, body: str, now: dt.datetime | None = None
) -> messages.MessagePublic:
    """A text from the customer into the ticket behind the link (the automated assistant,
    while it holds the chat, answers it)."""
    ticket = _open_ticket_of_link(session, code, now)
    message = messages.post_message(
        session=session,
        ticket=ticket,
        sender_kind=SenderKind.CUSTOMER,
        body=body,
        kind=MessageKind.TEXT,
        now=now,
    )
    assistant.reply_to(session=session, ticket=ticket, message=message)
    return messages.to_public(message, "You")


def send_quick_reply(
    *, session: Session, code: str, text: str, now: dt.datetime | None = None
) -> messages.MessagePublic | None:
    """A tapped quick reply ("Yes", "No", "Live chat"), sent as the customer's own text;
    ``None`` when it is no longer on offer (a double tap changes nothing)."""
    ticket = _open_ticket_of_link(session, code, now)
    message = assistant.tap_quick_reply(session=session, ticket=ticket, text=text, now=now)
    return messages.to_public(message, "You") if message else None


def send_customer_voice(
    *,
    session: Session,
    code: str,
    data: bytes,
    filename: str = "",
    now: dt.datetime | None = None,
) -> messages.MessagePublic:
    """A recorded clip from the customer into the ticket behind the link.

    Stored with its duration and waveform and shown at once as "transcribing…"; after the
    caller commits, ``transcription.worker.submit`` hands it to the worker.

    Raises:
        InvalidAudio: empty, damaged, not audio, too large or too long.
    """
    ticket = _open_ticket_of_link(session, code, now)
    message = voice_messages.post_voice_message(
        session=session,
        ticket=ticket,
        sender_kind=SenderKind.CUSTOMER,
        data=data,
        filename=filename,
        now=now,
    )
    assistant.reply_to(session=session, ticket=ticket, message=message)  # a person takes it
    return messages.public_of(session, message, "You")


def send_customer_attachment(
    *, session: Session, code: str, data: bytes, filename: str, now: dt.datetime | None = None
) -> messages.MessagePublic:
    """A photo, video or file from the customer (type checked from the bytes).

    Raises:
        ValidationFailed: empty, not an accepted type, or too large.
    """
    ticket = _open_ticket_of_link(session, code, now)
    message = attachments.post_attachment_message(
        session=session,
        ticket=ticket,
        sender_kind=SenderKind.CUSTOMER,
        data=data,
        filename=filename,
        now=now,
    )
    assistant.reply_to(session=session, ticket=ticket, message=message)  # a person takes it
    return messages.public_of(session, message, "You")


def _open_ticket_of_link(session: Session, code: str, now: dt.datetime | None) -> Ticket:
    target = links.open_short_link(session=session, code=code, count_visit=False, now=now)
    if target.ticket is None:
        raise NotFound("This link is not attached to a conversation.")
    if target.ticket.status not in ("waiting", "assigned"):
        raise ValidationFailed("This conversation has ended.")
    return target.ticket


def announce_customer_typing(*, session: Session, code: str) -> None:
    """The customer behind the link is typing (nothing stored; throttled)."""
    ticket = _open_ticket_of_link(session, code, None)
    chat_actions.announce_typing(
        enterprise_id=ticket.enterprise_id, ticket_id=ticket.id, sender_kind="customer"
    )
