"""What a CSR's chat workspace shows: their chats, one chat's thread, the customer.

The list and the unread counts come from a few aggregate queries however many chats a
CSR holds; opening a chat marks the customer's messages read. Replies and ticket actions
live in ``chat_actions``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from ..models import (
    Customer,
    LoopMembership,
    Message,
    SenderKind,
    Ticket,
    TicketEvent,
    TicketStatus,
    User,
)
from . import assist, canned, enterprises, messages, sms_status, ticket_list, tickets
from .auth import Principal
from .errors import PermissionDenied

PREVIEW_LENGTH = 90
PAST_TICKETS = 10


@dataclass(frozen=True)
class ChatSummary:
    """One line of the CSR's chat list."""

    ticket_id: str
    reference: str
    customer_name: str
    source: str
    last_message: str
    last_message_at: dt.datetime | None
    waiting_since: dt.datetime | None  # the customer's oldest message not yet answered
    unread: int


@dataclass(frozen=True)
class CustomerPanel:
    name: str
    phone: str
    email: str
    first_active: dt.datetime
    device: str
    app_version: str
    source: str  # this conversation's channel
    registration_source: str  # the channel of the customer's first conversation
    in_my_loop: bool
    # False once the customer turned offers and news off (service messages still go).
    offers_allowed: bool = True
    past_tickets: list[ticket_list.TicketPublic] = field(default_factory=list)


@dataclass(frozen=True)
class ChatDetail:
    ticket: ticket_list.TicketPublic
    thread: list[messages.MessagePublic]
    customer: CustomerPanel
    can_reply: bool


def staff_user(principal: Principal) -> uuid.UUID:
    """The signed-in staff member behind a principal (API tokens have no workspace)."""
    if principal.user_id is None:
        raise PermissionDenied("The chat workspace is for signed-in staff.")
    return principal.user_id


def my_chats(*, session: Session, principal: Principal) -> list[ChatSummary]:
    """The CSR's assigned chats: unanswered ones first (longest waiting on top), then the
    rest by latest activity."""
    user_id = staff_user(principal)
    rows = session.exec(
        select(Ticket, Customer)
        .join(Customer, col(Customer.id) == col(Ticket.customer_id))
        .where(
            Ticket.enterprise_id == principal.enterprise_id,
            Ticket.assignee_id == user_id,
            Ticket.status == TicketStatus.ASSIGNED,
        )
    ).all()
    ids = [ticket.id for ticket, _ in rows]
    # On the representative's screen now: the customer's messages are delivered.
    messages.mark_seen(
        session=session,
        enterprise_id=principal.enterprise_id,
        ticket_ids=ids,
        senders=[SenderKind.CUSTOMER],
        read=False,
    )
    stats = _thread_stats(session, ids)
    summaries = []
    for ticket, customer in rows:
        unread, last_body, last_at, waiting_since = stats.get(ticket.id, (0, "", None, None))
        summaries.append(
            ChatSummary(
                ticket_id=str(ticket.id),
                reference=ticket.reference,
                customer_name=customer.display_name,
                source=ticket.source,
                last_message=last_body[:PREVIEW_LENGTH],
                last_message_at=last_at,
                waiting_since=waiting_since,
                unread=unread,
            )
        )
    far_past = dt.datetime.min.replace(tzinfo=dt.UTC)
    unanswered = sorted(
        (s for s in summaries if s.waiting_since), key=lambda s: s.waiting_since or far_past
    )
    answered = sorted(
        (s for s in summaries if not s.waiting_since),
        key=lambda s: s.last_message_at or far_past,
        reverse=True,
    )
    return unanswered + answered


def _thread_stats(
    session: Session, ticket_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, str, dt.datetime | None, dt.datetime | None]]:
    """Per ticket: unread customer messages, the last message's preview and time, and
    when the customer's unanswered messages began (three grouped queries)."""
    if not ticket_ids:
        return {}
    m = Message.__table__.alias("m")  # type: ignore[attr-defined]
    r = Message.__table__.alias("r")  # type: ignore[attr-defined]
    from_customer = m.c.sender_kind == SenderKind.CUSTOMER
    unread = dict(
        session.execute(
            sa.select(m.c.ticket_id, sa.func.count())
            .where(m.c.ticket_id.in_(ticket_ids), from_customer, m.c.read_at.is_(None))
            .group_by(m.c.ticket_id)
        ).all()
    )
    last_reply = (
        sa.select(sa.func.max(r.c.created_at))
        .where(r.c.ticket_id == m.c.ticket_id, r.c.sender_kind == SenderKind.CSR)
        .scalar_subquery()
    )
    waiting = dict(
        session.execute(
            sa.select(m.c.ticket_id, sa.func.min(m.c.created_at))
            .where(
                m.c.ticket_id.in_(ticket_ids),
                from_customer,
                sa.or_(last_reply.is_(None), m.c.created_at > last_reply),
            )
            .group_by(m.c.ticket_id)
        ).all()
    )
    ranked = (
        sa.select(
            m.c.ticket_id,
            m.c.kind,
            m.c.body,
            m.c.transcript,
            m.c.created_at,
            sa.func.row_number()
            .over(partition_by=m.c.ticket_id, order_by=(m.c.created_at.desc(), m.c.id.desc()))
            .label("rank"),
        )
        .where(m.c.ticket_id.in_(ticket_ids))
        .subquery()
    )
    latest = session.execute(
        sa.select(
            ranked.c.ticket_id,
            ranked.c.kind,
            ranked.c.body,
            ranked.c.transcript,
            ranked.c.created_at,
        ).where(ranked.c.rank == 1)
    ).all()
    return {
        ticket_id: (
            int(unread.get(ticket_id, 0)),
            _preview(kind, body, transcript),
            created_at,
            waiting.get(ticket_id),
        )
        for ticket_id, kind, body, transcript, created_at in latest
    }


def _preview(kind: str, body: str, transcript: str | None) -> str:
    if kind == "voice":
        return f"Voice message: {transcript}" if transcript else "Voice message"
    if kind in ("image", "video", "file") and not body:
        return {"image": "Photo", "video": "Video", "file": "File"}[kind]
    return " ".join(body.split())


def open_chat(
    *, session: Session, principal: Principal, ticket_id: uuid.UUID, now: dt.datetime | None = None
) -> ChatDetail:
    """One chat as the workspace shows it; the customer's messages count as read once the
    CSR it is assigned to opens it.

    Raises:
        NotFound: no such ticket in the principal's enterprise.
    """
    user_id = staff_user(principal)
    ticket = tickets.get_ticket(
        session=session, enterprise_id=principal.enterprise_id, ticket_id=ticket_id
    )
    mine = ticket.assignee_id == user_id and ticket.status == TicketStatus.ASSIGNED
    if mine:
        mark_read(session=session, ticket=ticket, now=now)
    public = ticket_list.ticket_public(
        session=session, enterprise_id=principal.enterprise_id, ticket_id=ticket.id
    )
    return ChatDetail(
        ticket=public,
        thread=staff_thread(session=session, ticket=ticket),
        customer=customer_panel(session=session, ticket=ticket, user_id=user_id),
        can_reply=mine,
    )


def mark_read(*, session: Session, ticket: Ticket, now: dt.datetime | None = None) -> int:
    """Mark the customer's unread messages read; publishes ``message.read`` if any were."""
    return messages.mark_seen(
        session=session,
        enterprise_id=ticket.enterprise_id,
        ticket_ids=[ticket.id],
        senders=[SenderKind.CUSTOMER],
        read=True,
        now=now,
    )


EVENT_TEXT = {
    "created": "Conversation started ({source})",
    "assigned": "Assigned to {to}",
    "forwarded": "Forwarded to {to}",
    "released": "Released to the queue by {actor}",
    "resolved": "Resolved by {actor}",
    "abandoned": "Closed as abandoned",
    "rated": "Rated {rating}/5",
    "handed_off": "The assistant handed over: {reason}",
}
# Why the automated assistant let go of a chat (services/assistant.py REASON_*).
HANDOFF_REASONS = {
    "asked": "the customer asked for a person",
    "no_answer": "it had no answer",
    "media": "the customer sent a voice message, photo or file",
    "taken": "taken by {actor}",
}


def staff_thread(*, session: Session, ticket: Ticket) -> list[messages.MessagePublic]:
    """The messages, with the ticket's transitions and chat-link texts as system lines."""
    timed: list[tuple[dt.datetime, messages.MessagePublic]] = [
        (dt.datetime.fromisoformat(m.created_at), m)
        for m in messages.list_thread(
            session=session, enterprise_id=ticket.enterprise_id, ticket_id=ticket.id
        )
    ]
    transitions = session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).all()
    names = _names(session, transitions)
    for event in transitions:
        template = EVENT_TEXT.get(event.kind)
        if template is None:
            continue
        detail = {k: str(v) for k, v in (event.detail or {}).items()}
        text = template.format_map(
            {
                "source": detail.get("source", ticket.source),
                "to": names.get(detail.get("to", ""), "a colleague"),
                "actor": names.get(str(event.actor_user_id), "the system"),
                "rating": detail.get("rating", "?"),
                "reason": HANDOFF_REASONS.get(detail.get("reason", ""), "to a person").format(
                    actor=names.get(str(event.actor_user_id), "a colleague")
                ),
            }
        )
        timed.append((event.created_at, _system_line(f"event-{event.id}", text, event.created_at)))
    for sms in sms_status.ticket_deliveries(
        session=session, enterprise_id=ticket.enterprise_id, ticket_id=ticket.id
    ):
        text = f"Chat link texted to {sms.to}: {sms.status}"
        when = sms.sent_at or sms.created_at
        timed.append((when, _system_line(f"sms-{sms.id}", text, when)))
    timed.sort(key=lambda pair: pair[0])
    return [m for _, m in timed]


def _system_line(line_id: str, text: str, when: dt.datetime) -> messages.MessagePublic:
    return messages.MessagePublic(
        id=line_id,
        sender_kind="system",
        sender_name="",
        kind="event",
        body=text,
        created_at=when.isoformat(),
    )


def _names(session: Session, transitions: Sequence[TicketEvent]) -> dict[str, str]:
    ids = {e.actor_user_id for e in transitions if e.actor_user_id}
    for event in transitions:
        target = (event.detail or {}).get("to")
        if target:
            try:
                ids.add(uuid.UUID(str(target)))
            except ValueError:
                continue
    if not ids:
        return {}
    users = session.exec(select(User).where(col(User.id).in_(ids))).all()
    return {str(u.id): u.full_name for u in users}


def customer_panel(*, session: Session, ticket: Ticket, user_id: uuid.UUID) -> CustomerPanel:
    """Who the customer is, as far as this enterprise knows."""
    customer = session.get(Customer, ticket.customer_id)
    assert customer is not None  # a ticket's customer is deleted with the ticket
    first_source = session.exec(
        select(Ticket.source)
        .where(Ticket.customer_id == customer.id)
        .order_by(col(Ticket.created_at))
        .limit(1)
    ).first()
    in_loop = session.exec(
        select(func.count())
        .select_from(LoopMembership)
        .where(
            LoopMembership.user_id == user_id,
            LoopMembership.customer_id == customer.id,
            col(LoopMembership.opted_in),
        )
    ).one()
    past = ticket_list.list_tickets(
        session=session,
        enterprise_id=ticket.enterprise_id,
        filters=ticket_list.TicketFilters(customer_id=customer.id),
        limit=PAST_TICKETS + 1,
    ).items
    device = customer.device_info or {}
    return CustomerPanel(
        name=customer.display_name,
        phone=customer.phone or "",
        email=customer.email,
        first_active=customer.created_at,
        device=" · ".join(str(device[k]) for k in ("model", "os") if device.get(k)),
        app_version=str((customer.app_info or {}).get("version", "")),
        source=ticket.source,
        registration_source=first_source or ticket.source,
        in_my_loop=bool(in_loop),
        offers_allowed=customer.marketing_opt_in,
        past_tickets=[t for t in past if t.id != str(ticket.id)][:PAST_TICKETS],
    )


def listing_of(session: Session, ticket: Ticket) -> uuid.UUID:
    """The listing whose canned content and rules serve this ticket."""
    if ticket.listing_id is not None:
        return ticket.listing_id
    return enterprises.default_listing(session=session, enterprise_id=ticket.enterprise_id).id


def suggested_replies(
    *, session: Session, principal: Principal, ticket_id: uuid.UUID, limit: int = 3
) -> list[assist.Suggestion]:
    """Replies the listing's rules and canned content offer for the customer's last
    message (a voice message by its transcript)."""
    ticket = tickets.get_ticket(
        session=session, enterprise_id=principal.enterprise_id, ticket_id=ticket_id
    )
    last = session.exec(
        select(Message)
        .where(Message.ticket_id == ticket.id, Message.sender_kind == SenderKind.CUSTOMER)
        .order_by(col(Message.created_at).desc(), col(Message.id).desc())
        .limit(1)
    ).first()
    if last is None:
        return []
    return assist.suggest_replies(
        session=session,
        enterprise_id=ticket.enterprise_id,
        listing_id=listing_of(session, ticket),
        text=messages.readable_text(last),
        limit=limit,
    )


def canned_replies(
    *, session: Session, principal: Principal, ticket_id: uuid.UUID, query: str = ""
) -> list[canned.CannedPublic]:
    """The ticket's listing's canned replies matching ``query`` (the composer's picker)."""
    ticket = tickets.get_ticket(
        session=session, enterprise_id=principal.enterprise_id, ticket_id=ticket_id
    )
    found, _ = canned.search_canned(
        session=session,
        enterprise_id=ticket.enterprise_id,
        listing_id=listing_of(session, ticket),
        query=query[:100],
        limit=20,
    )
    return found
