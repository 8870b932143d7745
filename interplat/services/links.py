"""Short entry links into a branded chat (SMS, QR, website, email), expiring and revocable."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

from sqlmodel import Session, select

from ..models import Channel, Customer, Enterprise, ShortLink, Ticket, utcnow
from . import app_sessions
from .errors import DomainError, NotFound

CODE_BYTES = 16  # 128 bits of entropy


class LinkExpired(DomainError):
    code = "link_expired"
    http_status = 410

    def __init__(self, message: str, *, enterprise: Enterprise) -> None:
        super().__init__(message)
        self.enterprise = enterprise


@dataclass(frozen=True)
class LinkTarget:
    enterprise: Enterprise
    ticket: Ticket | None
    customer: Customer | None
    channel: str
    listing_id: uuid.UUID | None = None  # set on entry links, which have no ticket yet


def create_short_link(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    channel: Channel,
    ticket_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    ttl: dt.timedelta | None = dt.timedelta(days=7),
    now: dt.datetime | None = None,
) -> ShortLink:
    """A fresh link with an unguessable code."""
    now = now or utcnow()
    link = ShortLink(
        enterprise_id=enterprise_id,
        code=secrets.token_urlsafe(CODE_BYTES),
        ticket_id=ticket_id,
        customer_id=customer_id,
        channel=str(channel),
        created_at=now,
        expires_at=now + ttl if ttl else None,
    )
    session.add(link)
    session.flush()
    return link


def open_short_link(
    *, session: Session, code: str, count_visit: bool = True, now: dt.datetime | None = None
) -> LinkTarget:
    """Follow a link and return what it points to (``LinkExpired`` carries the brand)."""
    now = now or utcnow()
    link = session.exec(select(ShortLink).where(ShortLink.code == code[:64])).first()
    enterprise = session.get(Enterprise, link.enterprise_id) if link else None
    if link is None or enterprise is None:
        raise NotFound("This chat link does not exist.")
    if link.revoked_at is not None or (link.expires_at is not None and link.expires_at <= now):
        raise LinkExpired("This chat link has expired.", enterprise=enterprise)
    if count_visit:
        if link.first_opened_at is None:
            link.first_opened_at = now
            app_sessions.cancel_fallback_sms(session=session, link=link)
        link.open_count += 1
        session.add(link)
    ticket = session.get(Ticket, link.ticket_id) if link.ticket_id else None
    customer = session.get(Customer, link.customer_id) if link.customer_id else None
    return LinkTarget(
        enterprise=enterprise,
        ticket=ticket,
        customer=customer,
        channel=link.channel,
        listing_id=link.listing_id,
    )


def revoke_short_link(*, session: Session, link: ShortLink, now: dt.datetime | None = None) -> None:
    link.revoked_at = link.revoked_at or now or utcnow()
    session.add(link)
