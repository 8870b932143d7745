"""Tickets: opening with per-enterprise references, transitions with an event trail, counts."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from ..models import (
    OPEN_TICKET_STATUSES,
    Channel,
    Enterprise,
    Listing,
    SenderKind,
    Ticket,
    TicketEvent,
    TicketStatus,
    utcnow,
)
from . import events
from .errors import Conflict, NotFound, ValidationFailed


def _next_number(session: Session, enterprise_id: uuid.UUID) -> tuple[int, str]:
    """Take the enterprise's next ticket number atomically (a row-level update)."""
    table = Enterprise.__table__  # type: ignore[attr-defined]
    number = session.execute(
        sa.update(table)
        .where(table.c.id == enterprise_id)
        .values(next_ticket_number=table.c.next_ticket_number + 1)
        .returning(table.c.next_ticket_number - 1, table.c.reference_prefix)
    ).one()
    return int(number[0]), str(number[1])


def format_reference(prefix: str, number: int) -> str:
    return f"{prefix}-{number:06d}"


def find_open_ticket(
    *, session: Session, enterprise_id: uuid.UUID, customer_id: uuid.UUID
) -> Ticket | None:
    return session.exec(
        select(Ticket).where(
            Ticket.enterprise_id == enterprise_id,
            Ticket.customer_id == customer_id,
            col(Ticket.status).in_([str(s) for s in OPEN_TICKET_STATUSES]),
        )
    ).first()


def open_ticket(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    customer_id: uuid.UUID,
    source: Channel | str,
    listing_id: uuid.UUID | None = None,
    client_app: str = "",
    now: dt.datetime | None = None,
) -> tuple[Ticket, bool]:
    """The customer's open ticket, or a new waiting one. Returns ``(ticket, created)``."""
    if source not in set(Channel):
        raise ValidationFailed("Unknown source channel.", field="source")
    existing = find_open_ticket(
        session=session, enterprise_id=enterprise_id, customer_id=customer_id
    )
    if existing is not None:
        return existing, False
    now = now or utcnow()
    try:
        with session.begin_nested():
            ticket = _insert_ticket(
                session, enterprise_id, customer_id, source, listing_id, client_app, now
            )
    except sa.exc.IntegrityError:
        # Another request opened one for this customer meanwhile (unique open index).
        existing = find_open_ticket(
            session=session, enterprise_id=enterprise_id, customer_id=customer_id
        )
        if existing is None:
            raise
        return existing, False
    events.publish(
        session,
        "ticket.created",
        enterprise_id,
        ticket_id=str(ticket.id),
        reference=ticket.reference,
    )
    return ticket, True


def _insert_ticket(
    session: Session,
    enterprise_id: uuid.UUID,
    customer_id: uuid.UUID,
    source: Channel | str,
    listing_id: uuid.UUID | None,
    client_app: str,
    now: dt.datetime,
) -> Ticket:
    number, prefix = _next_number(session, enterprise_id)
    ticket = Ticket(
        enterprise_id=enterprise_id,
        listing_id=listing_id,
        customer_id=customer_id,
        number=number,
        reference=format_reference(prefix, number),
        source=str(source),
        client_app=client_app,
        status=TicketStatus.WAITING,
        created_at=now,
        queued_at=now,
        last_customer_activity_at=now,
        assistant_state=_assistant_start(session, enterprise_id, listing_id),
    )
    session.add(ticket)
    record_transition(
        session, ticket, "created", None, SenderKind.CUSTOMER, now, source=str(source)
    )
    session.flush()
    return ticket


def _assistant_start(
    session: Session, enterprise_id: uuid.UUID, listing_id: uuid.UUID | None
) -> str:
    """ "active" when the ticket's listing has its automated assistant switched on."""
    listing = session.get(Listing, listing_id) if listing_id else None
    if listing is None or listing.enterprise_id != enterprise_id:
        return ""
    return "active" if listing.assistant_enabled else ""


def assign_ticket(
    *,
    session: Session,
    ticket: Ticket,
    user_id: uuid.UUID,
    actor_user_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Give an open ticket to a CSR (a pull, an assignment or a forward)."""
    if ticket.status not in OPEN_TICKET_STATUSES:
        raise Conflict("Only an open ticket can be assigned.")
    now = now or utcnow()
    kind = "forwarded" if ticket.status == TicketStatus.ASSIGNED else "assigned"
    ticket.status = TicketStatus.ASSIGNED
    ticket.assignee_id = user_id
    ticket.assigned_at = ticket.assigned_at or now
    session.add(ticket)
    if ticket.assistant_state == "active":  # a CSR took the chat: the assistant stops
        ticket.assistant_state, ticket.handed_off_at = "handed_off", now
        actor = actor_user_id or user_id
        record_transition(session, ticket, "handed_off", actor, SenderKind.CSR, now, reason="taken")
    record_transition(
        session, ticket, kind, actor_user_id or user_id, SenderKind.CSR, now, to=str(user_id)
    )
    events.publish(
        session,
        "ticket.assigned",
        ticket.enterprise_id,
        ticket_id=str(ticket.id),
        assignee_id=str(user_id),
    )
    return ticket


def end_ticket(
    *,
    session: Session,
    ticket: Ticket,
    outcome: TicketStatus,
    actor_user_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Close an open ticket as resolved or abandoned."""
    if outcome not in (TicketStatus.RESOLVED, TicketStatus.ABANDONED):
        raise ValidationFailed("A ticket ends resolved or abandoned.", field="outcome")
    if ticket.status not in OPEN_TICKET_STATUSES:
        raise Conflict("This ticket has already ended.")
    now = now or utcnow()
    ticket.status = str(outcome)
    ticket.ended_at = now
    if outcome == TicketStatus.RESOLVED:
        ticket.resolved_at = now
    session.add(ticket)
    actor_kind = SenderKind.CSR if actor_user_id else SenderKind.SYSTEM
    record_transition(session, ticket, str(outcome), actor_user_id, actor_kind, now)
    events.publish(
        session,
        "ticket.ended",
        ticket.enterprise_id,
        ticket_id=str(ticket.id),
        outcome=str(outcome),
    )
    return ticket


def rate_ticket(
    *,
    session: Session,
    ticket: Ticket,
    rating: int,
    comment: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """The customer's 1–5 rating of an ended ticket, accepted once."""
    if not 1 <= rating <= 5:
        raise ValidationFailed("Ratings go from 1 to 5.", field="rating")
    if ticket.status in OPEN_TICKET_STATUSES:
        raise Conflict("A ticket can be rated once it has ended.")
    if ticket.rating is not None:
        raise Conflict("This ticket has already been rated.")
    now = now or utcnow()
    ticket.rating, ticket.rating_comment, ticket.rated_at = rating, comment.strip()[:2000], now
    session.add(ticket)
    record_transition(session, ticket, "rated", None, SenderKind.CUSTOMER, now, rating=rating)
    events.publish(session, "ticket.rated", ticket.enterprise_id, ticket_id=str(ticket.id))
    return ticket


def get_ticket(*, session: Session, enterprise_id: uuid.UUID, ticket_id: uuid.UUID) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.enterprise_id != enterprise_id:
        raise NotFound("Ticket not found.")
    return ticket


def status_counts(*, session: Session, enterprise_id: uuid.UUID) -> dict[str, int]:
    """How many tickets the enterprise has in each status (one grouped query)."""
    rows = session.exec(
        select(Ticket.status, func.count())
        .where(Ticket.enterprise_id == enterprise_id)
        .group_by(Ticket.status)
    ).all()
    counts = {str(s): 0 for s in TicketStatus}
    counts.update({status: int(n) for status, n in rows})
    return counts


def record_transition(
    session: Session,
    ticket: Ticket,
    kind: str,
    actor_user_id: uuid.UUID | None,
    actor_kind: str,
    now: dt.datetime,
    **detail: object,
) -> None:
    session.add(
        TicketEvent(
            enterprise_id=ticket.enterprise_id,
            ticket_id=ticket.id,
            kind=kind,
            actor_user_id=actor_user_id,
            actor_kind=actor_kind,
            detail=detail,
            created_at=now,
        )
    )
