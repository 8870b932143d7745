"""Call → chat: a caller who chose to chat gets a ticket and an SMS with a chat link.

Shared by the platform IVR (press 1) and enterprise IVRs calling the REST API.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from .. import routes
from ..models import (
    CallLog,
    Channel,
    Customer,
    Enterprise,
    PhoneNumber,
    ShortLink,
    SmsSuppression,
    Ticket,
    utcnow,
)
from . import app_sessions
from .caller_details import (
    CallerDetails,
    validate_caller,
)
from .enterprises import default_listing
from .errors import NotFound, ValidationFailed
from .ivr import ivr_settings_of
from .links import create_short_link
from .sms import queue_sms
from .tickets import open_ticket

DEFAULT_REUSE_WINDOW = dt.timedelta(minutes=10)
API_CALL_SID_PREFIX = "API-"


@dataclass(frozen=True)
class CallToChatResult:
    """What the IVR is told: the ticket, the chat link and whether an SMS went out."""

    ticket_id: uuid.UUID
    reference: str
    link_url: str
    link_code: str
    sms_id: uuid.UUID | None  # the outbox row, None when reused or blocked
    created: bool  # a new ticket (False: the customer's open one)
    customer_id: uuid.UUID
    sms_blocked: bool = False  # the number opted out of SMS: ticket yes, text no
    in_app: bool = False  # a pending chat in the customer app; the SMS is the fallback


def start_chat_from_call(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    caller: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    dob: dt.date | None = None,
    external_id: str = "",
    dnis: str = "",
    message: str = "",
    source: Channel | str = Channel.IVR,
    call_sid: str = "",
    base_url: str,
    reuse_window: dt.timedelta = DEFAULT_REUSE_WINDOW,
    now: dt.datetime | None = None,
) -> CallToChatResult:
    """Match or create the caller, open (or reuse) their ticket and text them a chat link.

    A repeat call within ``reuse_window`` gets the same live link and no second SMS. An
    empty ``call_sid`` (an enterprise IVR over the API) is logged as ``API-<hex>``.
    """
    now = now or utcnow()
    details = validate_caller(
        caller=caller,
        first_name=first_name,
        last_name=last_name,
        email=email,
        dob=dob,
        external_id=external_id,
        dnis=dnis,
        message=message,
        today=now.date(),
    )
    if source not in set(Channel):
        raise ValidationFailed("Unknown source channel.", field="source")
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound("Enterprise not found.")
    _serialize_caller(session, enterprise_id, details.phone)
    listing = default_listing(session=session, enterprise_id=enterprise_id)
    customer = _match_customer(session, enterprise_id, details, now)
    ticket, created = open_ticket(
        session=session,
        enterprise_id=enterprise_id,
        customer_id=customer.id,
        source=source,
        listing_id=listing.id,
        now=now,
    )
    link = None if created else _recent_link(session, ticket.id, customer.id, now, reuse_window)
    sms_id, blocked, in_app = None, False, False
    if link is None:
        link, sms_id, blocked, in_app = _send_new_link(
            session, enterprise, details, ticket, base_url, now
        )
    if details.dnis or source == Channel.IVR:
        _log_call(session, enterprise_id, details, call_sid, ticket.id, now)
    return CallToChatResult(
        ticket_id=ticket.id,
        reference=ticket.reference,
        link_url=routes.chat_url(base_url, link.code),
        link_code=link.code,
        sms_id=sms_id,
        created=created,
        customer_id=customer.id,
        sms_blocked=blocked,
        in_app=in_app,
    )


def link_ttl(enterprise: Enterprise) -> dt.timedelta:
    """How long an SMS chat link lives (the enterprise's IVR setting, a day by default)."""
    return dt.timedelta(minutes=ivr_settings_of(enterprise).link_ttl_minutes)


def sms_text(brand: str, link_url: str, message: str = "") -> str:
    """The text a caller receives: the brand, the chat link, then the IVR's own message."""
    text = f"{brand}: continue your conversation here: {link_url}"
    return f"{text}\n{message}" if message else text


def delivery_context(
    session: Session, enterprise_id: uuid.UUID, phone: str, dialled: str, now: dt.datetime
) -> tuple[bool, str, bool]:
    """In one query: ``(app open, sender, opted out)``. The sender is the number the caller
    dialled if it is the enterprise's, else its first; "" (the deployment's default) when
    it has none."""
    number = PhoneNumber.__table__.c  # type: ignore[attr-defined]
    sender = (
        sa.select(number.number)
        .where(number.enterprise_id == enterprise_id)
        .order_by((number.number == dialled).desc(), number.created_at, number.number)
        .limit(1)
        .scalar_subquery()
    )
    opted_out = sa.exists().where(
        col(SmsSuppression.enterprise_id) == enterprise_id, col(SmsSuppression.phone) == phone
    )
    in_app, from_, suppressed = session.execute(
        sa.select(app_sessions.active_app_session_exists(phone, now), sender, opted_out)
    ).one()
    return bool(in_app), from_ or "", bool(suppressed)


def _serialize_caller(session: Session, enterprise_id: uuid.UUID, phone: str) -> None:
    """Two calls from one number at the same instant take turns, so the second finds the
    first's ticket and link instead of texting a second link. SQLite's ``BEGIN IMMEDIATE``
    already serializes writers. On PostgreSQL the customer row's update happens to
    serialize them too; this transaction-scoped advisory lock makes it explicit and
    independent of the statement order below."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(f"call:{enterprise_id}:{phone}".encode(), digest_size=8).digest()
    key = int.from_bytes(digest, "big") - 2**63
    session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def _match_customer(
    session: Session, enterprise_id: uuid.UUID, details: CallerDetails, now: dt.datetime
) -> Customer:
    """The caller's customer row: found by phone (empty fields filled in) or created."""
    fields = details.customer_fields()
    customer = _customer_by_phone(session, enterprise_id, details.phone)
    if customer is None:
        try:
            with session.begin_nested():
                customer = Customer(
                    enterprise_id=enterprise_id,
                    phone=details.phone,
                    last_contact_at=now,
                    **fields,
                )
                session.add(customer)
            return customer
        except sa.exc.IntegrityError:
            # Another path (an inbound SMS, say) created this customer a moment ago.
            customer = _customer_by_phone(session, enterprise_id, details.phone)
            if customer is None:
                raise
    for name, value in fields.items():
        if not getattr(customer, name):
            setattr(customer, name, value)
    customer.last_contact_at = now
    session.add(customer)
    return customer


def _customer_by_phone(session: Session, enterprise_id: uuid.UUID, phone: str) -> Customer | None:
    return session.exec(
        select(Customer).where(Customer.enterprise_id == enterprise_id, Customer.phone == phone)
    ).first()


def _recent_link(
    session: Session,
    ticket_id: uuid.UUID,
    customer_id: uuid.UUID,
    now: dt.datetime,
    window: dt.timedelta,
) -> ShortLink | None:
    """The live SMS link this caller got for this ticket within ``window``, if any."""
    return session.exec(
        select(ShortLink)
        .where(
            ShortLink.ticket_id == ticket_id,
            ShortLink.customer_id == customer_id,
            col(ShortLink.channel).in_([str(Channel.SMS), str(Channel.APP)]),
            col(ShortLink.revoked_at).is_(None),
            col(ShortLink.created_at) >= now - window,
            sa.or_(col(ShortLink.expires_at).is_(None), col(ShortLink.expires_at) > now),
        )
        .order_by(col(ShortLink.created_at).desc())
    ).first()


def _send_new_link(
    session: Session,
    enterprise: Enterprise,
    details: CallerDetails,
    ticket: Ticket,
    base_url: str,
    now: dt.datetime,
) -> tuple[ShortLink, uuid.UUID | None, bool, bool]:
    """A fresh link to the ticket, texted: ``(link, outbox id, opted out, in the app)``.

    A caller with the customer app open gets it there as a pending chat; the SMS then
    waits ``APP_FALLBACK`` and is cancelled if the chat is opened in the app first.
    """
    in_app, sender, suppressed = delivery_context(
        session, enterprise.id, details.phone, details.dnis, now
    )
    link = create_short_link(
        session=session,
        enterprise_id=enterprise.id,
        channel=Channel.APP if in_app else Channel.SMS,
        ticket_id=ticket.id,
        customer_id=ticket.customer_id,
        ttl=link_ttl(enterprise),
        now=now,
    )
    if suppressed:
        return link, None, True, in_app
    body = sms_text(enterprise.brand_name, routes.chat_url(base_url, link.code), details.message)
    outbox = queue_sms(
        session=session,
        enterprise_id=enterprise.id,
        to=details.phone,
        body=body,
        ticket_id=ticket.id,
        from_=sender,
        send_at=now + app_sessions.APP_FALLBACK if in_app else None,
        meta={app_sessions.FALLBACK_META: link.code} if in_app else None,
        suppression_checked=True,
        now=now,
    )
    return link, outbox.id, False, in_app


def _log_call(
    session: Session,
    enterprise_id: uuid.UUID,
    details: CallerDetails,
    call_sid: str,
    ticket_id: uuid.UUID,
    now: dt.datetime,
) -> None:
    """Record the call's outcome; the platform IVR's own row (same sid) is updated."""
    call_sid = call_sid.strip()[:64]
    call = None
    if call_sid:  # a generated sid is new by construction: nothing to look up
        call = session.exec(
            select(CallLog).where(
                CallLog.call_sid == call_sid, CallLog.enterprise_id == enterprise_id
            )
        ).first()
    call_sid = call_sid or API_CALL_SID_PREFIX + uuid.uuid4().hex
    if call is None:
        call = CallLog(
            enterprise_id=enterprise_id,
            call_sid=call_sid,
            from_number=details.phone,
            to_number=details.dnis,
            status="in-progress",
            created_at=now,
        )
    call.outcome, call.ticket_id = "chat", ticket_id
    call.to_number = call.to_number or details.dnis
    session.add(call)
    session.flush()
