"""The waiting queue: pull the oldest ticket atomically, release back to the head.

A pull is one ``UPDATE … WHERE id = (oldest waiting) RETURNING id`` statement: on
PostgreSQL the inner select takes ``FOR UPDATE SKIP LOCKED`` so concurrent pullers each
get a different row without waiting; on SQLite the single statement runs under the
database's write lock. Either way no ticket is ever assigned to two CSRs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from ..models import Customer, Message, SenderKind, Ticket, TicketStatus, User, utcnow
from . import events
from .errors import Conflict, NotFound, ValidationFailed
from .tickets import record_transition

HEAD_GAP = dt.timedelta(milliseconds=1)


@dataclass(frozen=True)
class WaitingPreview:
    """A waiting ticket as the "pick a ticket" dropdown shows it."""

    ticket_id: str
    reference: str
    customer_name: str
    source: str
    waiting_since: dt.datetime
    last_message: str


def check_staff(*, session: Session, enterprise_id: uuid.UUID, user_id: uuid.UUID) -> User:
    """The active staff member ``user_id`` of the enterprise, or ``ValidationFailed``."""
    user = session.get(User, user_id)
    if user is None or user.enterprise_id != enterprise_id or not user.is_active:
        raise ValidationFailed("That CSR does not exist in this enterprise.", field="csr_id")
    return user


def pull_next_ticket(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    user_id: uuid.UUID,
    actor_user_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> Ticket | None:
    """Assign the enterprise's oldest waiting ticket to ``user_id``; ``None`` if none waits."""
    check_staff(session=session, enterprise_id=enterprise_id, user_id=user_id)
    now = now or utcnow()
    t = Ticket.__table__  # type: ignore[attr-defined]
    oldest = (
        sa.select(t.c.id)
        .where(t.c.enterprise_id == enterprise_id, t.c.status == TicketStatus.WAITING)
        .order_by(t.c.queued_at, t.c.number)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    claimed = session.execute(
        sa.update(t)
        .where(t.c.id == oldest.scalar_subquery(), t.c.status == TicketStatus.WAITING)
        .values(
            status=TicketStatus.ASSIGNED,
            assignee_id=user_id,
            assigned_at=sa.func.coalesce(t.c.assigned_at, now),
        )
        .returning(t.c.id)
    ).first()
    if claimed is None:
        return None
    ticket = session.get(Ticket, claimed[0], populate_existing=True)
    assert ticket is not None
    record_transition(
        session, ticket, "assigned", actor_user_id or user_id, SenderKind.CSR, now, to=str(user_id)
    )
    events.publish(
        session,
        "ticket.assigned",
        enterprise_id,
        ticket_id=str(ticket.id),
        assignee_id=str(user_id),
    )
    return ticket


def release_ticket(
    *,
    session: Session,
    ticket: Ticket,
    actor_user_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Put an assigned ticket back at the head of its queue, so the next pull takes it."""
    session.refresh(ticket, with_for_update=True)
    if ticket.status != TicketStatus.ASSIGNED:
        raise Conflict("Only an assigned ticket can be released.")
    now = now or utcnow()
    head = session.exec(
        select(func.min(Ticket.queued_at)).where(
            Ticket.enterprise_id == ticket.enterprise_id, Ticket.status == TicketStatus.WAITING
        )
    ).one()
    if head is not None and head <= ticket.queued_at:
        ticket.queued_at = head - HEAD_GAP
    released_from = ticket.assignee_id
    ticket.status, ticket.assignee_id = TicketStatus.WAITING, None
    session.add(ticket)
    record_transition(
        session, ticket, "released", actor_user_id, SenderKind.CSR, now, by=str(released_from)
    )
    events.publish(session, "ticket.released", ticket.enterprise_id, ticket_id=str(ticket.id))
    return ticket


def waiting_previews(
    *, session: Session, enterprise_id: uuid.UUID, limit: int = 20
) -> list[WaitingPreview]:
    """The oldest waiting tickets with their customer and last message, for a picker."""
    last_body = (
        select(Message.body)
        .where(Message.ticket_id == Ticket.id, Message.sender_kind == SenderKind.CUSTOMER)
        .order_by(col(Message.created_at).desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = session.exec(
        select(Ticket, Customer, last_body)
        .join(Customer, col(Customer.id) == col(Ticket.customer_id))
        .where(Ticket.enterprise_id == enterprise_id, Ticket.status == TicketStatus.WAITING)
        .order_by(col(Ticket.queued_at), col(Ticket.number))
        .limit(max(1, min(limit, 100)))
    ).all()
    return [
        WaitingPreview(
            ticket_id=str(ticket.id),
            reference=ticket.reference,
            customer_name=customer.display_name,
            source=ticket.source,
            waiting_since=ticket.queued_at,
            last_message=(body or "")[:140],
        )
        for ticket, customer, body in rows
    ]


def require_ticket(*, session: Session, enterprise_id: uuid.UUID, ticket_id: uuid.UUID) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.enterprise_id != enterprise_id:
        raise NotFound("Ticket not found.")
    return ticket
