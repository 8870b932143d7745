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
from functools import lru_cache

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from ..models import (
    Customer,
    Message,
    SenderKind,
    Ticket,
    TicketEvent,
    TicketStatus,
    User,
    UTCDateTime,
    utcnow,
)
from . import events
from .errors import Conflict, NotFound, ValidationFailed
from .tickets import record_transition

HEAD_GAP = dt.timedelta(milliseconds=1)
ASSISTANT_ACTIVE = "active"  # Ticket.assistant_state while the assistant answers


@dataclass(frozen=True)
class WaitingPreview:
    """A waiting ticket as the "pick a ticket" dropdown shows it."""

    ticket_id: str
    reference: str
    customer_name: str
    source: str
    waiting_since: dt.datetime
    last_message: str
    with_assistant: bool = False  # the assistant still answers; a CSR may take it over


def check_staff(*, session: Session, enterprise_id: uuid.UUID, user_id: uuid.UUID) -> User:
    """The active staff member ``user_id`` of the enterprise, or ``ValidationFailed``."""
    user = session.get(User, user_id)
    if user is None or user.enterprise_id != enterprise_id or not user.is_active:
        raise ValidationFailed("That CSR does not exist in this enterprise.", field="csr_id")
    return user


@dataclass(frozen=True)
class PulledTicket:
    """What a pull hands back (the queue's hot path builds no ORM objects)."""

    id: uuid.UUID
    reference: str
    assignee_id: uuid.UUID
    assigned_at: dt.datetime


@lru_cache(maxsize=4)
def _pull_statements(dialect: str) -> tuple[sa.Update, sa.Insert]:
    """The pull's two statements, built once per dialect and reused with new parameters."""
    t = Ticket.__table__  # type: ignore[attr-defined]
    u = User.__table__  # type: ignore[attr-defined]
    # A ticket the automated assistant holds is not waiting for a person yet.
    oldest = (
        sa.select(t.c.id)
        .where(
            t.c.enterprise_id == sa.bindparam("e"),
            t.c.status == TicketStatus.WAITING,
            t.c.assistant_state != ASSISTANT_ACTIVE,
        )
        .order_by(t.c.queued_at, t.c.number)
        .limit(1)
    )
    if dialect == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    # The staff check rides in the same statement: the hot path is one round trip.
    is_staff = sa.exists().where(
        u.c.id == sa.bindparam("u"), u.c.enterprise_id == sa.bindparam("e"), u.c.is_active
    )
    claim = (
        sa.update(t)
        .where(t.c.id == oldest.scalar_subquery(), t.c.status == TicketStatus.WAITING, is_staff)
        .values(
            status=TicketStatus.ASSIGNED,
            assignee_id=sa.bindparam("u"),
            assigned_at=sa.func.coalesce(t.c.assigned_at, sa.bindparam("now", type_=UTCDateTime())),
        )
        .returning(t.c.id, t.c.reference, t.c.assigned_at)
    )
    return claim, sa.insert(TicketEvent.__table__)  # type: ignore[attr-defined]


def pull_next_ticket(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    user_id: uuid.UUID,
    actor_user_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> PulledTicket | None:
    """Assign the enterprise's oldest waiting ticket to ``user_id``; ``None`` if none waits."""
    now = now or utcnow()
    claim, record = _pull_statements(session.get_bind().dialect.name)
    row = session.execute(claim, {"e": enterprise_id, "u": user_id, "now": now}).first()
    if row is None:
        check_staff(session=session, enterprise_id=enterprise_id, user_id=user_id)
        return None
    ticket_id, reference, assigned_at = row
    session.execute(
        record,
        {
            "id": uuid.uuid4(),
            "enterprise_id": enterprise_id,
            "ticket_id": ticket_id,
            "kind": "assigned",
            "actor_user_id": actor_user_id or user_id,
            "actor_kind": SenderKind.CSR,
            "detail": {"to": str(user_id)},
            "created_at": now,
        },
    )
    events.publish(
        session,
        "ticket.assigned",
        enterprise_id,
        ticket_id=str(ticket_id),
        assignee_id=str(user_id),
    )
    return PulledTicket(ticket_id, reference, user_id, assigned_at)


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
    """The oldest waiting tickets with their customer and last message, for a picker:
    those waiting for a person first, then those the assistant still answers."""
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
        .where(
            Ticket.enterprise_id == enterprise_id,
            Ticket.status == TicketStatus.WAITING,
        )
        .order_by(
            col(Ticket.assistant_state) == ASSISTANT_ACTIVE,
            col(Ticket.queued_at),
            col(Ticket.number),
        )
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
            with_assistant=ticket.assistant_state == ASSISTANT_ACTIVE,
        )
        for ticket, customer, body in rows
    ]


def require_ticket(*, session: Session, enterprise_id: uuid.UUID, ticket_id: uuid.UUID) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.enterprise_id != enterprise_id:
        raise NotFound("Ticket not found.")
    return ticket
