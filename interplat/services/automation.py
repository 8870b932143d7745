"""The scheduler tick that sends each automated message once, and abandonment.

Every send inserts an ``AutomatedMessageSent`` row in a savepoint before posting: its
unique key on (ticket, message) lets two workers run the same tick at once and still
post each message a single time — the loser gets an IntegrityError and skips.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import (
    OPEN_TICKET_STATUSES,
    AutomatedKind,
    AutomatedMessage,
    AutomatedMessageSent,
    Customer,
    Enterprise,
    Listing,
    Message,
    SenderKind,
    Ticket,
    TicketStatus,
    utcnow,
)
from . import messages, schedules, tickets
from .automated_messages import render

log = logging.getLogger(__name__)

_OPEN = [str(s) for s in OPEN_TICKET_STATUSES]


def send_welcome(
    *, session: Session, ticket: Ticket, now: dt.datetime | None = None
) -> Message | None:
    """Post the listing's welcome into an open ticket once; ``None`` if none or already sent."""
    if ticket.status not in OPEN_TICKET_STATUSES:
        return None
    template = session.exec(
        select(AutomatedMessage)
        .join(Listing, col(Listing.id) == col(AutomatedMessage.listing_id))
        .join(Ticket, _listing_of_ticket())
        .where(
            Ticket.id == ticket.id,
            AutomatedMessage.kind == AutomatedKind.WELCOME,
            col(AutomatedMessage.enabled),
        )
        .order_by(col(AutomatedMessage.position))
    ).first()
    customer = session.get(Customer, ticket.customer_id)
    enterprise = session.get(Enterprise, ticket.enterprise_id)
    if template is None or customer is None or enterprise is None:
        return None
    body = render(template.body, customer=customer, enterprise=enterprise, ticket=ticket)
    return _send_once(session, ticket, template.id, body, now or utcnow())


def run_due(*, session: Session, now: dt.datetime | None = None) -> int:
    """One scheduler tick: send every due after-hours, offline and inactivity message."""
    now = now or utcnow()
    templates = _scheduled_templates(session)
    rows = session.exec(
        select(Ticket, Listing, Customer, Enterprise)
        .join(Listing, _listing_of_ticket())
        .join(Customer, col(Customer.id) == col(Ticket.customer_id))
        .join(Enterprise, col(Enterprise.id) == col(Ticket.enterprise_id))
        .where(
            col(Ticket.status).in_(_OPEN),
            col(Enterprise.is_active),
            col(Listing.id).in_(list(templates)),
        )
        # The same order in every worker, so concurrent ticks queue behind each other's
        # inserts instead of deadlocking.
        .order_by(col(Ticket.queued_at), col(Ticket.id))
        .execution_options(populate_existing=True)
    ).all()
    already = _sent_to_open_tickets(session) if rows else set()
    availability: dict[uuid.UUID, schedules.Availability] = {}
    sent = 0
    for ticket, listing, customer, enterprise in rows:
        if listing.id not in availability:
            availability[listing.id] = schedules.availability(
                session=session, listing=listing, now=now
            )
        for template in _due(ticket, templates[listing.id], availability[listing.id], now):
            if (ticket.id, template.id) in already:
                continue
            body = render(template.body, customer=customer, enterprise=enterprise, ticket=ticket)
            if _send_once(session, ticket, template.id, body, now) is not None:
                sent += 1
    return sent


def abandon_silent_tickets(*, session: Session, now: dt.datetime | None = None) -> int:
    """End as abandoned the open tickets whose customer is silent past the listing's window."""
    now = now or utcnow()
    rows = session.exec(
        select(Ticket, Listing.abandon_after_minutes)
        .join(Listing, _listing_of_ticket())
        .where(col(Ticket.status).in_(_OPEN), col(Listing.abandon_after_minutes) > 0)
    ).all()
    ended = 0
    for candidate, minutes in rows:
        if not _silent(candidate, minutes, now):
            continue
        # Re-read fresh and under a row lock: a CSR may have resolved it, or the customer
        # written, since this session last loaded it.
        ticket = session.exec(
            select(Ticket)
            .where(Ticket.id == candidate.id, col(Ticket.status).in_(_OPEN))
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        ).first()
        if ticket is not None and _silent(ticket, minutes, now):
            tickets.end_ticket(
                session=session, ticket=ticket, outcome=TicketStatus.ABANDONED, now=now
            )
            ended += 1
    return ended


def _silent(ticket: Ticket, minutes: int, now: dt.datetime) -> bool:
    silent_since = ticket.last_customer_activity_at or ticket.created_at
    return now - silent_since >= dt.timedelta(minutes=minutes)


def _listing_of_ticket() -> sa.ColumnElement[bool]:
    """A ticket's own listing, or its enterprise's default one when it has none."""
    return sa.or_(
        col(Listing.id) == col(Ticket.listing_id),
        sa.and_(
            col(Ticket.listing_id).is_(None),
            col(Listing.enterprise_id) == col(Ticket.enterprise_id),
            col(Listing.is_default),
        ),
    )


def _scheduled_templates(session: Session) -> dict[uuid.UUID, list[AutomatedMessage]]:
    """Enabled non-welcome messages per listing, inactivity ones by increasing delay."""
    rows = session.exec(
        select(AutomatedMessage)
        .where(col(AutomatedMessage.enabled), col(AutomatedMessage.kind) != AutomatedKind.WELCOME)
        .order_by(col(AutomatedMessage.delay_seconds), col(AutomatedMessage.position))
    ).all()
    by_listing: dict[uuid.UUID, list[AutomatedMessage]] = {}
    for row in rows:
        by_listing.setdefault(row.listing_id, []).append(row)
    return by_listing


def _sent_to_open_tickets(session: Session) -> set[tuple[uuid.UUID, uuid.UUID]]:
    rows = session.exec(
        select(AutomatedMessageSent.ticket_id, AutomatedMessageSent.automated_message_id)
        .join(Ticket, col(Ticket.id) == col(AutomatedMessageSent.ticket_id))
        .where(col(Ticket.status).in_(_OPEN))
    ).all()
    return {(ticket_id, message_id) for ticket_id, message_id in rows}


def _due(
    ticket: Ticket,
    templates: list[AutomatedMessage],
    availability: schedules.Availability,
    now: dt.datetime,
) -> list[AutomatedMessage]:
    """Which of the listing's messages this ticket should get now (if not sent yet)."""
    if availability.reason in ("after_hours", "holiday"):
        return [t for t in templates if t.kind == AutomatedKind.AFTER_HOURS]
    if availability.reason == "offline":
        return [t for t in templates if t.kind == AutomatedKind.OFFLINE]
    # Nobody waits for a person while the assistant answers; a hand-off requeues the
    # ticket, so the inactivity clock starts from the moment a person was asked for.
    if ticket.status != TicketStatus.WAITING or ticket.assistant_state == "active":
        return []
    waited = now - ticket.queued_at
    return [
        t
        for t in templates
        if t.kind == AutomatedKind.INACTIVITY and waited >= dt.timedelta(seconds=t.delay_seconds)
    ]


def _send_once(
    session: Session, ticket: Ticket, template_id: uuid.UUID, body: str, now: dt.datetime
) -> Message | None:
    """Record and post one automated message; ``None`` if it was already sent."""
    body = body.strip()[: messages.MAX_TEXT_LENGTH]
    if not body:  # only a template of {last_name} alone renders empty
        log.warning("automated message %s renders empty for ticket %s", template_id, ticket.id)
        return None
    try:
        with session.begin_nested():
            session.add(
                AutomatedMessageSent(
                    enterprise_id=ticket.enterprise_id,
                    ticket_id=ticket.id,
                    automated_message_id=template_id,
                    sent_at=now,
                )
            )
            session.flush()
            return messages.post_message(
                session=session, ticket=ticket, sender_kind=SenderKind.SYSTEM, body=body, now=now
            )
    except sa.exc.IntegrityError:
        return None  # another worker sent it first (or the message was deleted meanwhile)
