"""What the customer's branded chat page shows and does (the customer chat issue grows it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from ..models import AutomatedKind, AutomatedMessage, MessageKind, SenderKind
from . import links, messages
from .enterprises import BrandPublic, brand_of
from .errors import NotFound, ValidationFailed


@dataclass(frozen=True)
class ChatView:
    state: str  # ok | expired | missing
    brand: BrandPublic | None = None
    contact_phone: str = ""
    reference: str = ""
    welcome: str = ""
    thread: list[messages.MessagePublic] = field(default_factory=list)
    ticket_open: bool = False


def render_placeholders(template: str, values: dict[str, str]) -> str:
    """Fill ``{first_name}``-style placeholders; unknown ones are left as typed."""
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", value)
    return out


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
    enterprise, ticket, customer = target.enterprise, target.ticket, target.customer
    welcome = ""
    if ticket is not None and ticket.listing_id is not None:
        template = session.exec(
            select(AutomatedMessage)
            .where(
                AutomatedMessage.listing_id == ticket.listing_id,
                AutomatedMessage.kind == AutomatedKind.WELCOME,
                AutomatedMessage.enabled,
            )
            .order_by(col(AutomatedMessage.position))
        ).first()
        if template is not None:
            first_name = customer.first_name if customer and customer.first_name else "there"
            welcome = render_placeholders(
                template.body, {"first_name": first_name, "brand_name": enterprise.brand_name}
            )
    thread = (
        messages.list_thread(
            session=session, enterprise_id=enterprise.id, ticket_id=ticket.id, customer_view=True
        )
        if ticket is not None
        else []
    )
    return ChatView(
        state="ok",
        brand=brand_of(enterprise),
        contact_phone=enterprise.contact_phone,
        reference=ticket.reference if ticket else "",
        welcome=welcome,
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
