"""Ticket queue over REST: list, count, counters, create, pull, assign, release, end, rate."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from ..models import Enterprise, TicketStatus
from ..services import (
    access,
    counters,
    customers,
    enterprises,
    queue,
    sms_status,
    ticket_list,
    tickets,
)
from ..services.auth import Principal
from ..services.errors import PermissionDenied, ValidationFailed
from .deps import SessionDep, WorkspaceDep
from .schemas import (
    AssignBody,
    CountersOut,
    CountOut,
    EndBody,
    PullBody,
    RateBody,
    SourceName,
    StatusName,
    TicketCreate,
    TicketOut,
    TicketPageOut,
)

router = APIRouter(prefix="/v1/tickets", tags=["tickets"])


def _filters(
    status_: list[StatusName] | None,
    source: list[SourceName] | None,  # type: ignore[valid-type]
    assignee_id: uuid.UUID | None,
    customer_id: uuid.UUID | None,
    created_from: dt.datetime | None,
    created_to: dt.datetime | None,
    q: str,
) -> ticket_list.TicketFilters:
    for name, value in (("created_from", created_from), ("created_to", created_to)):
        if value is not None and value.tzinfo is None:
            raise ValidationFailed("Give times with a time zone (e.g. …Z).", field=name)
    return ticket_list.TicketFilters(
        statuses=tuple(status_ or ()),
        sources=tuple(source or ()),
        assignee_id=assignee_id,
        customer_id=customer_id,
        created_from=created_from,
        created_to=created_to,
        search=q,
    )


StatusQ = Annotated[list[StatusName] | None, Query(alias="status")]
SourceQ = Annotated[list[SourceName] | None, Query()]  # type: ignore[valid-type]
SearchQ = Annotated[str, Query(max_length=100)]


def _out(session: SessionDep, principal: Principal, ticket_id: uuid.UUID) -> TicketOut:
    public = ticket_list.ticket_public(
        session=session, enterprise_id=principal.enterprise_id, ticket_id=ticket_id
    )
    return TicketOut.model_validate(public, from_attributes=True)


@router.get("", response_model=TicketPageOut)
def list_tickets(
    session: SessionDep,
    principal: WorkspaceDep,
    status_: StatusQ = None,
    source: SourceQ = None,
    assignee_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    created_from: dt.datetime | None = None,
    created_to: dt.datetime | None = None,
    q: SearchQ = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=ticket_list.MAX_PAGE)] = 50,
) -> TicketPageOut:
    """Tickets of your enterprise, newest first, filtered and paged."""
    filters = _filters(status_, source, assignee_id, customer_id, created_from, created_to, q)
    page = ticket_list.list_tickets(
        session=session,
        enterprise_id=principal.enterprise_id,
        filters=filters,
        offset=offset,
        limit=limit,
    )
    return TicketPageOut.model_validate(page, from_attributes=True)


@router.get("/count", response_model=CountOut)
def count_tickets(
    session: SessionDep,
    principal: WorkspaceDep,
    status_: StatusQ = None,
    source: SourceQ = None,
    assignee_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    q: SearchQ = "",
) -> CountOut:
    """How many tickets match (e.g. `status=waiting` for the unserved count)."""
    filters = _filters(status_, source, assignee_id, customer_id, None, None, q)
    n = ticket_list.count_tickets(
        session=session, enterprise_id=principal.enterprise_id, filters=filters
    )
    return CountOut(count=n)


@router.get("/counters", response_model=CountersOut)
def ticket_counters(
    session: SessionDep,
    principal: WorkspaceDep,
    period: counters.PeriodKind = counters.PeriodKind.WEEK,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> CountersOut:
    """Totals and averages for this week, month, year or a custom range of days."""
    enterprise = session.get(Enterprise, principal.enterprise_id)
    assert enterprise is not None
    span = counters.period_range(period, timezone=enterprise.timezone, start=start, end=end)
    got = counters.ticket_counters(
        session=session, enterprise_id=principal.enterprise_id, period=span
    )
    return CountersOut(period_start=span.start, period_end=span.end, **got.__dict__)


@router.get("/in-thread", response_model=TicketPageOut)
def tickets_in_thread(
    session: SessionDep,
    principal: WorkspaceDep,
    customer_id: uuid.UUID,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=ticket_list.MAX_PAGE)] = 50,
) -> TicketPageOut:
    """Every ticket of one customer's conversation thread with you, newest first."""
    access.access_customer(session=session, principal=principal, customer_id=customer_id)
    page = ticket_list.list_tickets(
        session=session,
        enterprise_id=principal.enterprise_id,
        filters=ticket_list.TicketFilters(customer_id=customer_id),
        offset=offset,
        limit=limit,
    )
    return TicketPageOut.model_validate(page, from_attributes=True)


@router.get("/current", response_model=TicketOut)
def current_ticket(
    session: SessionDep, principal: WorkspaceDep, customer_id: uuid.UUID
) -> TicketOut:
    """The customer's open ticket; 404 when they have none."""
    access.access_customer(session=session, principal=principal, customer_id=customer_id)
    public = ticket_list.current_ticket(
        session=session, enterprise_id=principal.enterprise_id, customer_id=customer_id
    )
    return TicketOut.model_validate(public, from_attributes=True)


@router.get("/{ticket_id}", response_model=TicketOut)
def get_ticket(session: SessionDep, principal: WorkspaceDep, ticket_id: uuid.UUID) -> TicketOut:
    return _out(session, principal, ticket_id)


class DeliveryOut(BaseModel):
    id: uuid.UUID
    to: str
    status: str = Field(
        description="queued, sending, sent, delivered, undelivered, failed or canceled"
    )
    error: str = Field(description="The carrier's last error code and reason, if any")
    attempts: int
    created_at: dt.datetime
    sent_at: dt.datetime | None


@router.get("/{ticket_id}/sms", response_model=list[DeliveryOut])
def ticket_sms(session: SessionDep, principal: WorkspaceDep, ticket_id: uuid.UUID) -> list[Any]:
    """The texts sent for this ticket (the chat link) and whether they arrived."""
    queue.require_ticket(
        session=session, enterprise_id=principal.enterprise_id, ticket_id=ticket_id
    )
    return list(
        sms_status.ticket_deliveries(
            session=session, enterprise_id=principal.enterprise_id, ticket_id=ticket_id
        )
    )


@router.post(
    "",
    response_model=TicketOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": TicketOut, "description": "The customer's open ticket already"}},
)
def create_ticket(
    body: TicketCreate, response: Response, session: SessionDep, principal: WorkspaceDep
) -> TicketOut:
    """Open a ticket (201), or get the customer's open one back (200)."""
    eid = principal.enterprise_id
    if body.customer_id is not None:
        customer_id = access.access_customer(
            session=session, principal=principal, customer_id=body.customer_id
        ).id
    elif body.customer is not None:
        fields = body.customer.model_dump(exclude={"phone"}, exclude_defaults=True)
        customer_id = customers.find_or_create_customer(
            session=session, enterprise_id=eid, phone=body.customer.phone, **fields
        )[0].id
    else:
        raise ValidationFailed("Give a customer_id or a customer with a phone.", field="customer")
    listing = (
        enterprises.get_listing(session=session, enterprise_id=eid, listing_id=body.listing_id)
        if body.listing_id
        else enterprises.default_listing(session=session, enterprise_id=eid)
    )
    ticket, created = tickets.open_ticket(
        session=session,
        enterprise_id=eid,
        customer_id=customer_id,
        source=body.source,
        listing_id=listing.id,
        client_app=body.client_app,
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    session.flush()
    return _out(session, principal, ticket.id)


def _acting_csr(principal: Principal, csr_id: uuid.UUID | None) -> uuid.UUID:
    if csr_id is not None and principal.user_id is not None and csr_id != principal.user_id:
        access.require_manage_users(principal)  # only admins act for a colleague
    chosen = csr_id or principal.user_id
    if chosen is None:
        raise ValidationFailed("Say which CSR takes the ticket (csr_id).", field="csr_id")
    return chosen


@router.post(
    "/pull",
    response_model=TicketOut,
    responses={204: {"description": "No ticket is waiting"}},
)
def pull_ticket(
    session: SessionDep, principal: WorkspaceDep, body: PullBody | None = None
) -> TicketOut | Response:
    """Take the oldest waiting ticket (never given to two CSRs); 204 when none waits."""
    csr = _acting_csr(principal, body.csr_id if body else None)
    ticket = queue.pull_next_ticket(
        session=session,
        enterprise_id=principal.enterprise_id,
        user_id=csr,
        actor_user_id=principal.user_id,
    )
    if ticket is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return _out(session, principal, ticket.id)


@router.post("/{ticket_id}/assign", response_model=TicketOut)
def assign_ticket(
    ticket_id: uuid.UUID, body: AssignBody, session: SessionDep, principal: WorkspaceDep
) -> TicketOut:
    """Assign an open ticket to a CSR, or forward it to another."""
    ticket = queue.require_ticket(
        session=session, enterprise_id=principal.enterprise_id, ticket_id=ticket_id
    )
    queue.check_staff(session=session, enterprise_id=principal.enterprise_id, user_id=body.csr_id)
    tickets.assign_ticket(
        session=session, ticket=ticket, user_id=body.csr_id, actor_user_id=principal.user_id
    )
    return _out(session, principal, ticket_id)


@router.post("/{ticket_id}/release", response_model=TicketOut)
def release_ticket(ticket_id: uuid.UUID, session: SessionDep, principal: WorkspaceDep) -> TicketOut:
    """Send an assigned ticket back to the head of the queue."""
    ticket = queue.require_ticket(
        session=session, enterprise_id=principal.enterprise_id, ticket_id=ticket_id
    )
    queue.release_ticket(session=session, ticket=ticket, actor_user_id=principal.user_id)
    return _out(session, principal, ticket_id)


@router.post("/{ticket_id}/end", response_model=TicketOut)
def end_ticket(
    ticket_id: uuid.UUID, body: EndBody, session: SessionDep, principal: WorkspaceDep
) -> TicketOut:
    """Close an open ticket as resolved or abandoned."""
    ticket = queue.require_ticket(
        session=session, enterprise_id=principal.enterprise_id, ticket_id=ticket_id
    )
    tickets.end_ticket(
        session=session,
        ticket=ticket,
        outcome=TicketStatus(body.outcome),
        actor_user_id=principal.user_id,
    )
    return _out(session, principal, ticket_id)


@router.post("/{ticket_id}/rate", response_model=TicketOut)
def rate_ticket(
    ticket_id: uuid.UUID, body: RateBody, session: SessionDep, principal: WorkspaceDep
) -> TicketOut:
    """The customer's rating (1–5 and a comment), once; sent by the enterprise's systems."""
    if principal.user_id is not None:
        raise PermissionDenied("Ratings come from customers, not from staff.")
    ticket = queue.require_ticket(
        session=session, enterprise_id=principal.enterprise_id, ticket_id=ticket_id
    )
    tickets.rate_ticket(session=session, ticket=ticket, rating=body.rating, comment=body.comment)
    return _out(session, principal, ticket_id)
