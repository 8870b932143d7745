"""Finding tickets: filtered, searched and paged lists, counts, a customer's thread."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from ..models import OPEN_TICKET_STATUSES, Channel, Customer, Ticket, TicketStatus, User
from . import counters, enterprises
from .errors import NotFound, ValidationFailed

MAX_PAGE = 200


@dataclass(frozen=True)
class TicketFilters:
    statuses: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    assignee_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None
    search: str = ""


@dataclass(frozen=True)
class TicketPublic:
    id: str
    reference: str
    status: str
    source: str
    customer_id: str
    customer_name: str
    customer_phone: str
    assignee_id: str | None
    assignee_name: str | None
    created_at: dt.datetime
    assigned_at: dt.datetime | None
    first_reply_at: dt.datetime | None
    resolved_at: dt.datetime | None
    ended_at: dt.datetime | None
    rating: int | None
    rating_comment: str
    # "active" while the automated assistant answers (waiting, but not for a person yet).
    assistant_state: str = ""


@dataclass(frozen=True)
class TicketPage:
    items: list[TicketPublic] = field(default_factory=list)
    total: int = 0
    offset: int = 0
    limit: int = 50


def _conditions(enterprise_id: uuid.UUID, filters: TicketFilters) -> list[Any]:
    unknown = set(filters.statuses) - {str(s) for s in TicketStatus}
    if unknown:
        raise ValidationFailed(f"Unknown status: {sorted(unknown)[0]}.", field="status")
    conds: list[Any] = [col(Ticket.enterprise_id) == enterprise_id]
    if filters.statuses:
        conds.append(col(Ticket.status).in_(filters.statuses))
    if filters.sources:
        conds.append(col(Ticket.source).in_(filters.sources))
    if filters.assignee_id:
        conds.append(col(Ticket.assignee_id) == filters.assignee_id)
    if filters.customer_id:
        conds.append(col(Ticket.customer_id) == filters.customer_id)
    if filters.created_from:
        conds.append(col(Ticket.created_at) >= filters.created_from)
    if filters.created_to:
        conds.append(col(Ticket.created_at) < filters.created_to)
    term = filters.search.strip().lower()[:100]
    if term:
        like = f"%{term.replace('%', '').replace('_', '')}%"
        conds.append(
            sa.or_(
                func.lower(Ticket.reference).like(like),
                func.lower(Customer.first_name + " " + Customer.last_name).like(like),
                func.lower(func.coalesce(Customer.phone, "")).like(like),
                func.lower(Customer.email).like(like),
            )
        )
    return conds


def list_tickets(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    filters: TicketFilters = TicketFilters(),
    offset: int = 0,
    limit: int = 50,
) -> TicketPage:
    """Tickets of one enterprise, newest first, with customer and assignee names."""
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed(f"Pages hold 1–{MAX_PAGE} tickets.", field="limit")
    assignee = aliased(User)
    conds = _conditions(enterprise_id, filters)
    base = select(Ticket, Customer, assignee).join(
        Customer, col(Customer.id) == col(Ticket.customer_id)
    )
    base = base.join(assignee, col(assignee.id) == col(Ticket.assignee_id), isouter=True)
    rows = session.exec(
        base.where(*conds)
        .order_by(col(Ticket.created_at).desc(), col(Ticket.number).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    total = count_tickets(session=session, enterprise_id=enterprise_id, filters=filters)
    return TicketPage([to_public(t, c, a) for t, c, a in rows], total, offset, limit)


def count_tickets(
    *, session: Session, enterprise_id: uuid.UUID, filters: TicketFilters = TicketFilters()
) -> int:
    query = (
        select(func.count())
        .select_from(Ticket)
        .join(Customer, col(Customer.id) == col(Ticket.customer_id))
        .where(*_conditions(enterprise_id, filters))
    )
    return int(session.exec(query).one())


def ticket_public(
    *, session: Session, enterprise_id: uuid.UUID, ticket_id: uuid.UUID
) -> TicketPublic:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.enterprise_id != enterprise_id:
        raise NotFound("Ticket not found.")
    customer = session.get(Customer, ticket.customer_id)
    assignee = session.get(User, ticket.assignee_id) if ticket.assignee_id else None
    assert customer is not None
    return to_public(ticket, customer, assignee)


def current_ticket(
    *, session: Session, enterprise_id: uuid.UUID, customer_id: uuid.UUID
) -> TicketPublic:
    """The customer's open ticket (``NotFound`` when they have none)."""
    page = list_tickets(
        session=session,
        enterprise_id=enterprise_id,
        filters=TicketFilters(
            statuses=tuple(str(s) for s in OPEN_TICKET_STATUSES), customer_id=customer_id
        ),
        limit=1,
    )
    if not page.items:
        raise NotFound("This customer has no open ticket.")
    return page.items[0]


def to_public(ticket: Ticket, customer: Customer, assignee: User | None) -> TicketPublic:
    return TicketPublic(
        id=str(ticket.id),
        reference=ticket.reference,
        status=ticket.status,
        source=ticket.source,
        customer_id=str(customer.id),
        customer_name=customer.display_name,
        customer_phone=customer.phone or "",
        assignee_id=str(assignee.id) if assignee else None,
        assignee_name=assignee.full_name if assignee else None,
        created_at=ticket.created_at,
        assigned_at=ticket.assigned_at,
        first_reply_at=ticket.first_reply_at,
        resolved_at=ticket.resolved_at,
        ended_at=ticket.ended_at,
        rating=ticket.rating,
        rating_comment=ticket.rating_comment,
        assistant_state=ticket.assistant_state,
    )


@dataclass(frozen=True)
class TicketQuery:
    """A ticket list's filters as a form holds them: plain text, "" for any."""

    status: str = ""
    source: str = ""
    assignee_id: str = ""
    date_from: str = ""  # YYYY-MM-DD, a day of the enterprise's own calendar
    date_to: str = ""  # included
    search: str = ""


def filters_from_query(
    *, session: Session, enterprise_id: uuid.UUID, query: TicketQuery
) -> TicketFilters:
    """Check a form's filters and turn them into ``TicketFilters``; days run midnight to
    midnight in the enterprise's time zone."""
    if query.status and query.status not in set(TicketStatus):
        raise ValidationFailed(f"Unknown status: {query.status}.", field="status")
    if query.source and query.source not in set(Channel):
        raise ValidationFailed(f"Unknown source: {query.source}.", field="source")
    try:
        assignee_id = uuid.UUID(query.assignee_id) if query.assignee_id else None
    except ValueError as exc:
        raise ValidationFailed("Unknown CSR.", field="assignee_id") from exc
    first, last = _day(query.date_from, "date_from"), _day(query.date_to, "date_to")
    created_from = created_to = None
    if first or last:
        zone = enterprises.get_enterprise(session=session, enterprise_id=enterprise_id).timezone
        period = counters.period_range(
            counters.PeriodKind.CUSTOM, timezone=zone, start=first or last, end=last or first
        )
        created_from = period.start if first else None
        created_to = period.end if last else None
    return TicketFilters(
        statuses=(query.status,) if query.status else (),
        sources=(query.source,) if query.source else (),
        assignee_id=assignee_id,
        created_from=created_from,
        created_to=created_to,
        search=query.search,
    )


def _day(text: str, name: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationFailed("Give dates as YYYY-MM-DD.", field=name) from exc


def newest_tickets(
    *, session: Session, enterprise_id: uuid.UUID, filters: TicketFilters, limit: int
) -> list[TicketPublic]:
    """Up to ``limit`` tickets matching ``filters``, newest first, in one query (for
    exports: offset pages would shift while new tickets arrive)."""
    assignee = aliased(User)
    query = (
        select(Ticket, Customer, assignee)
        .join(Customer, col(Customer.id) == col(Ticket.customer_id))
        .join(assignee, col(assignee.id) == col(Ticket.assignee_id), isouter=True)
        .where(*_conditions(enterprise_id, filters))
        .order_by(col(Ticket.created_at).desc(), col(Ticket.number).desc())
        .limit(limit)
        .execution_options(yield_per=1000)
    )
    return [to_public(t, c, a) for t, c, a in session.exec(query)]
