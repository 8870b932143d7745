"""What the customer's branded chat page shows and does (the customer chat issue grows it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from sqlmodel import Session

from ..models import MessageKind, SenderKind
from . import automation, links, messages
from .enterprises import BrandPublic, brand_of
from .errors import NotFound, ValidationFailed


@dataclass(frozen=True)
class ChatView:
    state: str  # ok | expired | missing
    brand: BrandPublic | None = None
    contact_phone: str = ""
    reference: str = ""
    thread: list[messages.MessagePublic] = field(default_factory=list)
    ticket_open: bool = False


def load_chat(*, session: Session, code: str, now: dt.datetime | None = None) -> ChatView:
    """Open a chat link: brand, welcome message and the ticket's history."""
    try:
        target = links.open_short_link(session=session, code=code, now=now)
    except links.LinkExpired as exc:
        return ChatView(
            state="expired",
            brand=brand_of(exc.enterprise),
            contact_phone=exc.enterprise.contact_phone,
        )
    except NotFound:
        return ChatView(state="missing")
    enterprise, ticket = target.enterprise, target.ticket
    thread: list[messages.MessagePublic] = []
    if ticket is not None:
        if ticket.status in ("waiting", "assigned"):
            automation.send_welcome(session=session, ticket=ticket, now=now)
        thread = [
            replace(m, sender_name=enterprise.brand_name) if m.sender_kind == "system" else m
            for m in messages.list_thread(
                session=session,
                enterprise_id=enterprise.id,
                ticket_id=ticket.id,
                customer_view=True,
            )
        ]
    return ChatView(
        state="ok",
        brand=brand_of(enterprise),
        contact_phone=enterprise.contact_phone,
        reference=ticket.reference if ticket else "",
        thread=thread,
        ticket_open=ticket is not None and ticket.status in ("waiting", "assigned"),
    )


def send_customer_text(
    *, session: Session, code: str, body: str, now: dt.datetime | None = None
) -> messages.MessagePublic:
    """A text from the customer into the ticket behind the link."""
    target = links.open_short_link(session=session, code=code, count_visit=False, now=now)
    if target.ticket is None:
        raise NotFound("This link is not attached to a conversation.")
    if target.ticket.status not in ("waiting", "assigned"):
        raise ValidationFailed("This conversation has ended.")
    message = messages.post_message(
        session=session,
        ticket=target.ticket,
        sender_kind=SenderKind.CUSTOMER,
        body=body,
        kind=MessageKind.TEXT,
        now=now,
    )
    return messages.to_public(message, "You")
