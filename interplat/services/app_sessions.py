"""Customers signed in to the platform's customer app, and the chats waiting for them there.

A caller who has the app open gets their call-to-chat link as a *pending chat* in the
app instead of an SMS; the SMS is still queued, delayed by ``APP_FALLBACK``, and is
cancelled when the chat is opened in time — so a closed app never strands the customer.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import (
    AppSession,
    Channel,
    Customer,
    Enterprise,
    OutboxMessage,
    OutboxStatus,
    ShortLink,
    Ticket,
    TicketStatus,
    utcnow,
)
from .auth import token_digest as _hash
from .customers import normalize_phone
from .errors import NotAuthenticated

ACTIVE_WINDOW = dt.timedelta(minutes=5)  # seen this recently = the app is open
APP_FALLBACK = dt.timedelta(minutes=2)  # then the SMS goes anyway
SESSION_TTL = dt.timedelta(days=30)
FALLBACK_META = "app_fallback"


@dataclass(frozen=True)
class OpenedAppSession:
    token: str  # shown once; only its hash is stored
    session_id: str


@dataclass(frozen=True)
class PendingChat:
    code: str
    brand_name: str
    logo_url: str
    reference: str
    created_at: dt.datetime


def open_app_session(
    *, session: Session, phone: str, now: dt.datetime | None = None
) -> OpenedAppSession:
    """Sign a customer in to the app by their (already verified) phone number."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    row = AppSession(
        phone=normalize_phone(phone),
        token_hash=_hash(token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + SESSION_TTL,
    )
    session.add(row)
    session.flush()
    return OpenedAppSession(token=token, session_id=str(row.id))


def touch_app_session(*, session: Session, token: str, now: dt.datetime | None = None) -> str:
    """The app is open (a heartbeat or any request): returns the customer's phone."""
    now = now or utcnow()
    row = session.exec(select(AppSession).where(AppSession.token_hash == _hash(token))).first()
    if row is None or row.revoked_at is not None or (row.expires_at and row.expires_at <= now):
        raise NotAuthenticated("Sign in to the app again.")
    row.last_seen_at = now
    session.add(row)
    return row.phone


def revoke_app_session(*, session: Session, token: str, now: dt.datetime | None = None) -> None:
    row = session.exec(select(AppSession).where(AppSession.token_hash == _hash(token))).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = now or utcnow()
        session.add(row)


def has_active_app_session(*, session: Session, phone: str, now: dt.datetime) -> bool:
    """Whether this phone's owner has the app open right now."""
    return bool(session.exec(select(active_app_session_exists(phone, now))).one())


def active_app_session_exists(phone: str, now: dt.datetime) -> sa.Exists:
    """The test above as an SQL ``EXISTS``, to fold into a bigger query."""
    return sa.exists().where(
        col(AppSession.phone) == phone,
        col(AppSession.revoked_at).is_(None),
        col(AppSession.last_seen_at) >= now - ACTIVE_WINDOW,
        sa.or_(col(AppSession.expires_at).is_(None), col(AppSession.expires_at) > now),
    )


def pending_chats(
    *, session: Session, token: str, now: dt.datetime | None = None
) -> list[PendingChat]:
    """Chats started from this customer's calls and not opened yet, newest first, from
    every enterprise (the app lists them on top of its enterprise directory)."""
    now = now or utcnow()
    phone = touch_app_session(session=session, token=token, now=now)
    rows = session.exec(
        select(ShortLink, Enterprise, Ticket)
        .join(Customer, col(Customer.id) == col(ShortLink.customer_id))
        .join(Enterprise, col(Enterprise.id) == col(ShortLink.enterprise_id))
        .join(Ticket, col(Ticket.id) == col(ShortLink.ticket_id))
        .where(
            Customer.phone == phone,
            ShortLink.channel == str(Channel.APP),
            col(ShortLink.first_opened_at).is_(None),
            col(ShortLink.revoked_at).is_(None),
            sa.or_(col(ShortLink.expires_at).is_(None), col(ShortLink.expires_at) > now),
            col(Ticket.status).in_([TicketStatus.WAITING, TicketStatus.ASSIGNED]),
        )
        .order_by(col(ShortLink.created_at).desc())
    ).all()
    return [
        PendingChat(link.code, e.brand_name, e.logo_url, ticket.reference, link.created_at)
        for link, e, ticket in rows
    ]


def cancel_fallback_sms(*, session: Session, link: ShortLink) -> int:
    """The customer opened the pending chat: its fallback SMS, if not sent yet, is not sent."""
    if link.channel != Channel.APP or link.ticket_id is None:
        return 0
    rows = session.exec(
        select(OutboxMessage)
        .where(
            OutboxMessage.ticket_id == link.ticket_id,
            OutboxMessage.status == OutboxStatus.QUEUED,
        )
        .with_for_update(skip_locked=True)
    ).all()
    cancelled = 0
    for row in rows:
        if (row.meta or {}).get(FALLBACK_META) == link.code:
            row.status, row.last_error = OutboxStatus.CANCELED, "opened in the app first"
            session.add(row)
            cancelled += 1
    return cancelled
