"""A browser's memory of the chats it opened: a signed cookie of customer ids.

A chat link is the customer's key, but it expires (and can be revoked). Once a link has
opened in a browser, the page stores the link's customer in a cookie signed with
``INTERPLAT_SECRET_KEY``; later that browser may reopen the customer's open chats without
a live link (a fresh link is issued), and the directory lists them at the top. The cookie
is only a proof of what this browser already opened: a forged or tampered value proves
nothing, and every lookup starts from the customer ids it carries.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, select

from ..models import Channel, Enterprise, Message, ShortLink, Ticket, utcnow
from ..models.enums import OPEN_TICKET_STATUSES
from . import links, signing

COOKIE_NAME = "interplat_chat"
COOKIE_MAX_AGE = 30 * 24 * 3600  # seconds: a month of coming back
MAX_REMEMBERED = 20
_PURPOSE = "chat-session"
_MAX_COOKIE_LENGTH = 4096
PREVIEW_LENGTH = 80


@dataclass(frozen=True)
class PendingChat:
    """An open chat this browser can continue, as the directory lists it."""

    brand_name: str
    logo_url: str
    primary_color: str
    reference: str
    preview: str
    last_at: dt.datetime | None
    code: str  # a live chat link's code


def remembered_customers(cookie: str) -> list[uuid.UUID]:
    """The customer ids a cookie value proves, oldest first; ``[]`` for anything not ours."""
    if not cookie or len(cookie) > _MAX_COOKIE_LENGTH or "." not in cookie:
        return []
    payload, _, signature = cookie.rpartition(".")
    if not signing.is_signed(_PURPOSE, payload, signature):
        return []
    try:
        return [uuid.UUID(hex=part) for part in payload.split("-") if part]
    except ValueError:
        return []


def remember(cookie: str, customer_id: uuid.UUID) -> str:
    """The cookie value with ``customer_id`` added (most recent last, at most 20 kept)."""
    kept = [c for c in remembered_customers(cookie) if c != customer_id]
    kept = [*kept, customer_id][-MAX_REMEMBERED:]
    payload = "-".join(c.hex for c in kept)
    return f"{payload}.{signing.sign(_PURPOSE, payload)}"


def resume_chat(
    *, session: Session, code: str, cookie: str, now: dt.datetime | None = None
) -> str | None:
    """A live link's code for the open chat behind an expired or revoked ``code``.

    ``None`` unless the link belongs to a ticket that is still open and the cookie proves
    this browser opened that customer's chat before.
    """
    now = now or utcnow()
    link = session.exec(select(ShortLink).where(ShortLink.code == code[:64])).first()
    if link is None or link.ticket_id is None:
        return None
    ticket = session.get(Ticket, link.ticket_id)
    if ticket is None or ticket.status not in OPEN_TICKET_STATUSES:
        return None
    if ticket.customer_id not in remembered_customers(cookie):
        return None
    return live_link_code(session=session, ticket=ticket, now=now)


def live_link_code(*, session: Session, ticket: Ticket, now: dt.datetime | None = None) -> str:
    """The newest unexpired, unrevoked link of the ticket, or a new one (24 hours)."""
    from .customer_chat import CHAT_LINK_TTL  # customer_chat imports this module

    now = now or utcnow()
    rows = session.exec(
        select(ShortLink)
        .where(ShortLink.ticket_id == ticket.id, col(ShortLink.revoked_at).is_(None))
        .order_by(col(ShortLink.created_at).desc())
    ).all()
    for row in rows:
        if row.expires_at is None or row.expires_at > now:
            return row.code
    fresh = links.create_short_link(
        session=session,
        enterprise_id=ticket.enterprise_id,
        channel=Channel(rows[0].channel) if rows else Channel.WEBSITE,
        ticket_id=ticket.id,
        customer_id=ticket.customer_id,
        ttl=CHAT_LINK_TTL,
        now=now,
    )
    return fresh.code


def pending_chats(
    *, session: Session, cookie: str, now: dt.datetime | None = None
) -> list[PendingChat]:
    """The open chats of the customers this browser opened, most recently active first."""
    customer_ids = remembered_customers(cookie)
    if not customer_ids:
        return []
    found = session.exec(
        select(Ticket, Enterprise)
        .join(Enterprise, col(Enterprise.id) == col(Ticket.enterprise_id))
        .where(
            col(Ticket.customer_id).in_(customer_ids),
            col(Ticket.status).in_(OPEN_TICKET_STATUSES),
            Enterprise.is_active,
        )
    ).all()
    out = []
    for ticket, enterprise in found:
        last = _last_message(session, ticket)
        out.append(
            PendingChat(
                brand_name=enterprise.brand_name,
                logo_url=enterprise.logo_url,
                primary_color=enterprise.primary_color,
                reference=ticket.reference,
                preview=_preview(last),
                last_at=last.created_at if last else ticket.created_at,
                code=live_link_code(session=session, ticket=ticket, now=now),
            )
        )
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(out, key=lambda chat: chat.last_at or oldest, reverse=True)


def _last_message(session: Session, ticket: Ticket) -> Message | None:
    return session.exec(
        select(Message)
        .where(Message.enterprise_id == ticket.enterprise_id, Message.ticket_id == ticket.id)
        .order_by(col(Message.created_at).desc(), col(Message.id).desc())
        .limit(1)
    ).first()


def _preview(message: Message | None) -> str:
    if message is None:
        return ""
    if message.kind == "voice":
        text = f"Voice message: {message.transcript}" if message.transcript else "Voice message"
    elif message.kind in ("image", "video", "file") and not message.body:
        text = {"image": "Photo", "video": "Video", "file": "File"}[message.kind]
    else:
        text = " ".join(message.body.split())
    return text if len(text) <= PREVIEW_LENGTH else text[: PREVIEW_LENGTH - 1] + "…"
