"""The background job that sends queued chat blasts, resumable after a crash or restart.

Step one writes a ``BlastRecipient`` per targeted customer (existing rows are skipped, so
a second pass adds only what is missing). Step two sends each pending recipient in its
own transaction, under a row lock: the thread message, the SMS with the chat link (for
customers without an open chat) and the recipient's "sent" mark commit together or not
at all. A recipient who left the loop or texted STOP since the preview is skipped with
the reason. SMS during the enterprise's quiet hours wait for the end of them.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from .. import routes
from ..config import get_settings
from ..models import (
    BlastRecipient,
    Channel,
    ChatBlast,
    Customer,
    Enterprise,
    Message,
    MessageKind,
    SenderKind,
    Ticket,
    TicketStatus,
    utcnow,
)
from . import blast_stats, blasts, consent, events, links, messages, sms, targeting, tickets
from .auth import Principal
from .errors import DomainError, ValidationFailed

CHUNK = 50
SMS_LINK_TTL = dt.timedelta(days=14)
DEFAULT_QUIET = ("21:00", "08:00")
OFFER_ENDED = "offer ended"


def run_blasts(*, session: Session, now: dt.datetime | None = None, chunk: int = CHUNK) -> int:
    """Send every queued or unfinished blast; returns how many recipients got one now."""
    sent = 0
    for blast_id in blasts.running_blast_ids(session):
        session.commit()
        sent += run_blast(session=session, blast_id=blast_id, now=now, chunk=chunk)
    return sent


def run_blast(
    *, session: Session, blast_id: uuid.UUID, now: dt.datetime | None = None, chunk: int = CHUNK
) -> int:
    """Materialize and send one blast to the end (commits as it goes)."""
    blast = session.get(ChatBlast, blast_id, populate_existing=True)
    if blast is None or blast.status not in blasts.RUNNING:
        return 0
    if blast.status == "queued":
        materialize(session, blast, now or utcnow())
    sent = 0
    while ids := _pending(session, blast.id, chunk):
        if blast.offer_id is not None and _offer_ended(session, blast):
            _exclude_pending(session, blast.id, OFFER_ENDED)
            break
        for recipient_id in ids:
            sent += send_one(session, blast, recipient_id, now or utcnow())
            session.commit()
        _publish_progress(session, blast)
        session.commit()
    _finish(session, blast, now or utcnow())
    return sent


def principal_of(blast: ChatBlast) -> Principal:
    """The author as they were when they chose the audience (their loop, their role)."""
    params = blast.target_params or {}
    return Principal(
        user_id=blast.created_by_id,
        enterprise_id=blast.enterprise_id,
        role=str(params.get("role") or "csr"),
        full_name=str(params.get("author") or ""),
        email="",
        enterprise_name="",
    )


def materialize(session: Session, blast: ChatBlast, now: dt.datetime) -> None:
    """One recipient row per targeted customer, excluded ones with their reason."""
    audience = targeting.audience_from_params(blast.target_kind, blast.target_params or {})
    chosen = targeting.target(
        session=session, principal=principal_of(blast), audience=audience, now=now
    )
    wanted = [(cid, "") for cid in chosen.eligible] + list(chosen.excluded.items())
    for start in range(0, len(wanted), targeting.CHUNK):
        batch = dict(wanted[start : start + targeting.CHUNK])
        have = set(
            session.exec(
                select(BlastRecipient.customer_id).where(
                    BlastRecipient.blast_id == blast.id,
                    col(BlastRecipient.customer_id).in_(list(batch)),
                )
            ).all()
        )
        for cid, reason in batch.items():
            if cid not in have:
                session.add(
                    BlastRecipient(
                        enterprise_id=blast.enterprise_id,
                        blast_id=blast.id,
                        customer_id=cid,
                        status="excluded" if reason else "pending",
                        excluded_reason=reason,
                    )
                )
        session.commit()  # each batch stands: a crash after it resumes past it
    blast.status = "sending"
    blast.recipient_count, blast.excluded_count = len(chosen.eligible), len(chosen.excluded)
    session.add(blast)
    _publish_progress(session, blast)
    session.commit()


def _pending(session: Session, blast_id: uuid.UUID, limit: int) -> list[uuid.UUID]:
    return list(
        session.exec(
            select(BlastRecipient.id)
            .where(BlastRecipient.blast_id == blast_id, BlastRecipient.status == "pending")
            .order_by(col(BlastRecipient.id))
            .limit(limit)
        ).all()
    )


def send_one(session: Session, blast: ChatBlast, recipient_id: uuid.UUID, now: dt.datetime) -> int:
    """Send the blast to one pending recipient (1), or skip them with a reason (0)."""
    recipient = session.get(
        BlastRecipient, recipient_id, with_for_update=True, populate_existing=True
    )
    if recipient is None or recipient.status != "pending":
        return 0  # another worker got there first
    customer = session.get(Customer, recipient.customer_id)
    reason = targeting.exclusions(
        session=session, enterprise_id=blast.enterprise_id, customer_ids=[recipient.customer_id]
    ).get(recipient.customer_id)
    if customer is None or reason:
        recipient.status, recipient.excluded_reason = "excluded", reason or targeting.UNREACHABLE
        session.add(recipient)
        return 0
    message = deliver(
        session,
        customer,
        Outgoing(
            blast.body,
            (blast.target_params or {}).get("attachment") or {},
            blast.offer_id,
            blast.created_by_id,
        ),
        now,
        meta={"blast_id": str(blast.id)},
    )
    recipient.status, recipient.message_id, recipient.sent_at = "sent", message.id, now
    session.add(recipient)
    table = ChatBlast.__table__  # type: ignore[attr-defined]
    session.execute(
        sa.update(table).where(table.c.id == blast.id).values(sent_count=table.c.sent_count + 1)
    )
    return 1


def _thread_only_ticket(
    session: Session, customer: Customer, listing_id: uuid.UUID | None, now: dt.datetime
) -> Ticket:
    """A conversation that holds the blast without joining the queue: opened and resolved
    at once, so no CSR is asked to pick it up; the customer reads it through the SMS link
    and starts a new chat to write back."""
    ticket, _ = tickets.open_ticket(
        session=session,
        enterprise_id=customer.enterprise_id,
        customer_id=customer.id,
        source=Channel.SMS,
        listing_id=listing_id,
        now=now,
    )
    return tickets.end_ticket(
        session=session, ticket=ticket, outcome=TicketStatus.RESOLVED, now=now
    )


@dataclass(frozen=True)
class Outgoing:
    """What a blast or a B2P call sends one customer."""

    body: str
    attachment: dict[str, str]  # {"kind": "none" | "offer" | "image" | "url", ...}
    offer_id: uuid.UUID | None = None
    author_id: uuid.UUID | None = None
    listing_id: uuid.UUID | None = None


def deliver(
    session: Session,
    customer: Customer,
    outgoing: Outgoing,
    now: dt.datetime,
    meta: dict[str, str] | None = None,
) -> Message:
    """Marketing to one customer who may get it: into their open chat, or into a new
    thread-only conversation with its link by SMS. Returns the last message posted."""
    consent.ensure_may_market(customer)  # callers checked the STOP list and reachability
    ticket = tickets.find_open_ticket(
        session=session, enterprise_id=customer.enterprise_id, customer_id=customer.id
    )
    by_sms = ticket is None
    if ticket is None:
        ticket = _thread_only_ticket(session, customer, outgoing.listing_id, now)
    message = post_outgoing(session, outgoing, ticket, now)
    if by_sms:
        _queue_link_sms(session, outgoing.body, ticket, customer, now, meta or {})
    return message


def post_outgoing(
    session: Session, outgoing: Outgoing, ticket: Ticket, now: dt.datetime
) -> Message:
    """The text in the thread, then the offer card or image; returns the last message.

    Posted as the author (their first name shows to the customer) without counting as
    the ticket's first reply, which is about answering the customer.
    """
    attachment = outgoing.attachment
    body = outgoing.body
    if attachment.get("kind") == "url":
        body = f"{body}\n{attachment['url']}"
    first_reply = ticket.first_reply_at
    kind = MessageKind.IMAGE if attachment.get("kind") == "image" else MessageKind.TEXT
    message = None
    if body or kind == MessageKind.IMAGE:
        message = messages.post_message(
            session=session,
            ticket=ticket,
            sender_kind=SenderKind.CSR,
            body=body,
            kind=kind,
            sender_user_id=outgoing.author_id,
            now=now,
        )
    if message is not None and kind == MessageKind.IMAGE:
        message.attachment_id = uuid.UUID(attachment["image_id"])
    if outgoing.offer_id is not None:
        message = messages.post_message(
            session=session,
            ticket=ticket,
            sender_kind=SenderKind.CSR,
            body="",
            kind=MessageKind.OFFER,
            sender_user_id=outgoing.author_id,
            now=now + dt.timedelta(microseconds=1) if message else now,  # under the text
        )
        message.offer_id = outgoing.offer_id
    if message is None:
        raise ValidationFailed("Write a message or choose an offer.", field="message")
    ticket.first_reply_at = first_reply
    session.add_all([message, ticket])
    session.flush()
    return message


def quiet_until(enterprise: Enterprise, now: dt.datetime) -> dt.datetime | None:
    """The end of the enterprise's quiet hours if ``now`` falls in them (default 21:00–08:00
    local; ``ivr_settings["quiet_hours"] = {"start": "HH:MM", "end": "HH:MM"}``)."""
    setting = (enterprise.ivr_settings or {}).get("quiet_hours") or {}
    try:
        zone = zoneinfo.ZoneInfo(enterprise.timezone or "UTC")
        start = dt.time.fromisoformat(str(setting.get("start") or DEFAULT_QUIET[0]))
        end = dt.time.fromisoformat(str(setting.get("end") or DEFAULT_QUIET[1]))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone, start, end = zoneinfo.ZoneInfo("UTC"), *map(dt.time.fromisoformat, DEFAULT_QUIET)
    local = now.astimezone(zone)
    t = local.time().replace(tzinfo=None)
    quiet = (start <= t or t < end) if start > end else (start <= t < end)
    if start == end or not quiet:
        return None
    until = dt.datetime.combine(local.date(), end, tzinfo=zone)
    if until <= local:
        until += dt.timedelta(days=1)
    return until.astimezone(dt.UTC)


def _queue_link_sms(
    session: Session,
    body: str,
    ticket: Ticket,
    customer: Customer,
    now: dt.datetime,
    meta: dict[str, str],
) -> None:
    enterprise = session.get(Enterprise, customer.enterprise_id)
    if enterprise is None or not customer.phone:
        return
    link = links.create_short_link(
        session=session,
        enterprise_id=enterprise.id,
        channel=Channel.SMS,
        ticket_id=ticket.id,
        customer_id=customer.id,
        ttl=SMS_LINK_TTL,
        now=now,
    )
    body = body or "An offer for you."
    text = body if len(body) <= 300 else body[:299].rstrip() + "…"
    url = routes.chat_url(get_settings().public_base_url, link.code)
    sms.queue_sms(
        session=session,
        enterprise_id=enterprise.id,
        to=customer.phone,
        body=f"{enterprise.brand_name}: {text}\nOpen it: {url}\nReply STOP to opt out.",
        ticket_id=ticket.id,
        send_at=quiet_until(enterprise, now),
        meta=meta,
        now=now,
    )


def _offer_ended(session: Session, blast: ChatBlast) -> bool:
    try:
        blasts.sendable_offer(session, blast.enterprise_id, str(blast.offer_id))
    except DomainError:
        return True
    return False


def _exclude_pending(session: Session, blast_id: uuid.UUID, reason: str) -> None:
    table = BlastRecipient.__table__  # type: ignore[attr-defined]
    session.execute(
        sa.update(table)
        .where(table.c.blast_id == blast_id, table.c.status == "pending")
        .values(status="excluded", excluded_reason=reason)
    )
    session.commit()


def _finish(session: Session, blast: ChatBlast, now: dt.datetime) -> None:
    session.refresh(blast)
    if blast.status != "sending" or _pending(session, blast.id, 1):
        return
    blast.status, blast.finished_at = "sent", now
    session.add(blast)
    _publish_progress(session, blast)
    session.commit()


def _publish_progress(session: Session, blast: ChatBlast) -> None:
    done, total = blast_stats.progress(session, blast.id)
    events.publish(
        session,
        "blast.progress",
        blast.enterprise_id,
        blast_id=str(blast.id),
        done=done,
        total=total,
        status=blast.status,
    )
