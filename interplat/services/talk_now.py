"""Talk now: the CSR handling a chat calls the customer, and the chat goes on after.

The carrier calls the customer from the enterprise's number; once they answer it says
one branded line and bridges them to the CSR's own phone. The thread records the start
and the end. Twilio's status callback (or the dev phone's buttons) reports how the call
went; a repeated report changes nothing.

    start_call ─► claim: call log row + "Call started by …" (committed)
               ─► the carrier places the call (no transaction open meanwhile)
               ─► its id recorded │ refused: ended as failed, CallFailed
    call_status ─► answered: answered_at │ final: end_call ─► "Call ended (3m 12s)" …
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid

import sqlalchemy as sa
from sqlmodel import Session, col, select

from .. import routes
from ..config import get_settings
from ..models import (
    CallLog,
    Customer,
    Enterprise,
    MessageKind,
    PhoneNumber,
    SenderKind,
    Ticket,
    TicketStatus,
    User,
    utcnow,
)
from . import access, events, messages
from .auth import Principal
from .errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from .telephony import CallGateway, CallPlaceError, bridge_twiml, get_gateway

log = logging.getLogger(__name__)

PURPOSE = "talk_now"
# Progress reports asked of the carrier; "answered" arrives as CallStatus "in-progress".
STATUS_EVENTS = ("initiated", "ringing", "answered", "completed")
FINAL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
EARLY_STATUSES = frozenset({"queued", "initiated", "ringing"})
# The carrier's id is known only after it answers; the row exists before, under this.
PENDING_SID = "pending-"


class PhoneMissing(Conflict):
    """A call needs a number that is not there (customer, CSR or enterprise)."""

    code = "phone_missing"


class CallFailed(DomainError):
    """The carrier refused to place the call."""

    code = "call_failed"
    http_status = 502


@dataclasses.dataclass(frozen=True)
class CallStarted:
    """A call the carrier accepted: ringing the customer, to be bridged to the CSR."""

    call_id: uuid.UUID
    ticket_id: uuid.UUID
    status: str  # as the carrier reported it: queued (Twilio) or ringing (dev phone)
    customer_phone: str
    csr_phone: str
    from_number: str  # the enterprise number the customer sees


@dataclasses.dataclass(frozen=True)
class LiveCall:
    """The call in progress on a ticket, for the workspace's "talk now" button."""

    call_id: uuid.UUID
    status: str  # queued, initiated, ringing or in-progress
    started_at: dt.datetime
    answered_at: dt.datetime | None


@dataclasses.dataclass(frozen=True)
class _Claim:
    call_id: uuid.UUID
    started: CallStarted
    twiml: str
    callback: str


def start_call(
    *,
    session: Session,
    principal: Principal,
    ticket_id: uuid.UUID,
    now: dt.datetime | None = None,
    gateway: CallGateway | None = None,
    base_url: str | None = None,
) -> CallStarted:
    """Call the ticket's customer and bridge them to the assigned CSR's phone.

    Commits ``session``: the claim (call log row and "Call started by …") before the
    carrier is asked, so no lock is held while it answers; then the carrier's call id.

    Raises:
        NotFound: no such ticket in the principal's enterprise.
        PermissionDenied: the principal is not the CSR the ticket is assigned to.
        Conflict: the ticket is not open with a CSR, or a call is already live on it.
        PhoneMissing: the customer, the CSR or the enterprise has no number for it.
        CallFailed: the carrier refused the call (the thread says it failed).
    """
    now = now or utcnow()
    claim = _claim(session, principal, ticket_id, now, base_url or get_settings().public_base_url)
    session.commit()
    try:
        placed = (gateway or get_gateway()).place_call(
            to=claim.started.customer_phone,
            from_=claim.started.from_number,
            twiml=claim.twiml,
            status_callback=claim.callback,
            events=list(STATUS_EVENTS),
        )
    except Exception as exc:
        if not isinstance(exc, CallPlaceError):  # a gateway bug must not leave it "live"
            log.exception("call gateway failed unexpectedly")
        end_call(session=session, call_id=claim.call_id, status="failed")
        session.commit()
        reason = exc.message if isinstance(exc, CallPlaceError) else "the carrier failed"
        raise CallFailed(f"The call could not be placed: {reason}") from exc
    row = _load(session, claim.call_id, lock=True)
    if row.call_sid.startswith(PENDING_SID):  # a status report may have told us already
        row.call_sid = placed.provider_id[:64]
    if row.status == "queued" and row.ended_at is None:
        row.status = placed.status[:20]
    session.add(row)
    session.commit()
    return dataclasses.replace(claim.started, status=row.status)


def active_call(*, session: Session, principal: Principal, ticket_id: uuid.UUID) -> LiveCall | None:
    """The call in progress on a ticket of the principal's enterprise, if any."""
    ticket = access.access_ticket(session=session, principal=principal, ticket_id=ticket_id)
    row = _live_row(session, ticket.id)
    if row is None:
        return None
    return LiveCall(row.id, row.status, row.created_at, row.answered_at)


def call_status(
    *,
    session: Session,
    call_id: uuid.UUID | None,
    call_sid: str,
    status: str,
    duration_seconds: int | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Apply a carrier status report to a talk-now call (idempotent, order-tolerant).

    The call is found by our id (in the callback URL, so a report that overtakes the
    carrier's answer still finds it) or else by the carrier's; a report naming another
    call's sid changes nothing.
    """
    row = _find(session, call_id, call_sid)
    if row is None:
        return
    if row.call_sid.startswith(PENDING_SID) and call_sid:
        row.call_sid = call_sid[:64]
        session.add(row)
    if status in FINAL_STATUSES:
        end_call(
            session=session,
            call_id=row.id,
            status=status,
            duration_seconds=duration_seconds,
            now=now,
        )
    elif status == "in-progress":
        answer_call(session=session, call_id=row.id, now=now)
    elif status in EARLY_STATUSES and row.ended_at is None and row.answered_at is None:
        row.status = status
        session.add(row)


def answer_call(*, session: Session, call_id: uuid.UUID, now: dt.datetime | None = None) -> bool:
    """The customer picked up; ``False`` if the call was already answered or over."""
    row = _load(session, call_id, lock=True)
    if row.ended_at is not None or row.answered_at is not None:
        return False
    row.status, row.answered_at = "in-progress", now or utcnow()
    session.add(row)
    _announce(session, row)
    return True


def end_call(
    *,
    session: Session,
    call_id: uuid.UUID,
    status: str,
    duration_seconds: int | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """End a call on a final carrier status and say how in the thread, once.

    ``duration_seconds`` is the carrier's count (Twilio's ``CallDuration``); without it
    the time since the customer answered. Returns ``False``, posting nothing, when the
    call had already ended (a repeated report).
    """
    if status not in FINAL_STATUSES:
        raise ValidationFailed(f"{status!r} is not how a call ends.", field="status")
    row = _load(session, call_id, lock=True)
    if row.ended_at is not None:
        return False
    now = now or utcnow()
    answered = row.answered_at
    if status == "completed" and duration_seconds is None and answered is not None:
        duration_seconds = max(int((now - answered).total_seconds()), 0)
    if status == "completed" and (answered is not None or duration_seconds):
        row.duration_seconds = duration_seconds or 0
        row.outcome, body = "talked", f"Call ended ({format_duration(row.duration_seconds)})"
    elif status == "failed":
        row.outcome, body = "failed", "The call could not be connected"
    else:
        row.outcome, body = "no_answer", "Customer did not answer"
    row.status, row.ended_at = status, now
    session.add(row)
    ticket = session.get(Ticket, row.ticket_id) if row.ticket_id else None
    if ticket is not None:
        _system_message(session, ticket, body, now)
    _announce(session, row)
    return True


def format_duration(seconds: int) -> str:
    """3m 12s, 45s, 1h 2m 5s."""
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m {secs}s"
    return f"{minutes}m {secs}s" if minutes else f"{secs}s"


def _claim(
    session: Session, principal: Principal, ticket_id: uuid.UUID, now: dt.datetime, base_url: str
) -> _Claim:
    """Check every rule, then record the call and its start in the thread."""
    ticket, customer_phone, csr = _parties(session, principal, ticket_id)
    enterprise = session.get(Enterprise, ticket.enterprise_id)
    assert enterprise is not None and csr.phone  # the ticket's tenant; checked in _parties
    from_number = _caller_id(session, enterprise.id)
    busy = Conflict("A call with this customer is already in progress.")
    if _live_row(session, ticket.id) is not None:
        raise busy
    row = CallLog(
        enterprise_id=enterprise.id,
        call_sid=PENDING_SID + uuid.uuid4().hex,
        direction="outbound",
        purpose=PURPOSE,
        from_number=from_number,
        to_number=customer_phone,
        status="queued",
        ticket_id=ticket.id,
        user_id=csr.id,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except sa.exc.IntegrityError as exc:  # a concurrent start on the same ticket won
        raise busy from exc
    first_name = csr.full_name.split()[0]
    _system_message(session, ticket, f"Call started by {first_name}", now)
    _announce(session, row)
    started = CallStarted(row.id, ticket.id, row.status, customer_phone, csr.phone, from_number)
    greeting = f"Hello from {enterprise.brand_name}. Connecting you to {first_name} now."
    callback = f"{base_url.rstrip('/')}{routes.TWILIO_VOICE_TALK_STATUS}?call={row.id}"
    twiml = bridge_twiml(greeting=greeting, dial=csr.phone, caller_id=from_number)
    return _Claim(row.id, started, twiml, callback)


def _parties(
    session: Session, principal: Principal, ticket_id: uuid.UUID
) -> tuple[Ticket, str, User]:
    """The open ticket the principal handles, its customer's phone, and the CSR (with one)."""
    ticket = access.access_ticket(session=session, principal=principal, ticket_id=ticket_id)
    if principal.user_id is None:
        raise PermissionDenied("Only a signed-in representative can call a customer.")
    if ticket.status == TicketStatus.WAITING:
        raise Conflict("Pick up this ticket before calling the customer.")
    if ticket.status != TicketStatus.ASSIGNED:
        raise Conflict("This ticket is closed: there is no chat to call from.")
    if ticket.assignee_id != principal.user_id:
        raise PermissionDenied(
            "Only the representative handling this ticket can call the customer."
        )
    customer = session.get(Customer, ticket.customer_id)
    if customer is None or not customer.phone:
        raise PhoneMissing("This customer has no phone number to call.", field="customer")
    csr = session.get(User, principal.user_id)
    if csr is None or not csr.phone:
        raise PhoneMissing("Your account has no phone number to bridge the call to.", field="phone")
    return ticket, customer.phone, csr


def _caller_id(session: Session, enterprise_id: uuid.UUID) -> str:
    """The enterprise's own number (its IVR line first), else the deployment's sender."""
    numbers = session.exec(
        select(PhoneNumber.number, PhoneNumber.purpose)
        .where(PhoneNumber.enterprise_id == enterprise_id)
        .order_by(col(PhoneNumber.created_at), col(PhoneNumber.number))
    ).all()
    ranked = sorted(numbers, key=lambda n: n[1] != "ivr")
    number = ranked[0][0] if ranked else get_settings().twilio_from_number
    if not number:
        raise PhoneMissing("Your enterprise has no phone number to call from.", field="from")
    return number


def _live_row(session: Session, ticket_id: uuid.UUID) -> CallLog | None:
    return session.exec(
        select(CallLog).where(
            CallLog.ticket_id == ticket_id,
            CallLog.purpose == PURPOSE,
            col(CallLog.ended_at).is_(None),
        )
    ).first()


def _find(session: Session, call_id: uuid.UUID | None, call_sid: str) -> CallLog | None:
    row = session.get(CallLog, call_id) if call_id else None
    if row is None and call_sid:
        row = session.exec(select(CallLog).where(CallLog.call_sid == call_sid)).first()
    if row is None or row.purpose != PURPOSE:
        return None
    if call_sid and not row.call_sid.startswith(PENDING_SID) and row.call_sid != call_sid:
        return None
    return row


def _load(session: Session, call_id: uuid.UUID, lock: bool = False) -> CallLog:
    row = session.get(CallLog, call_id, populate_existing=True, with_for_update=lock or None)
    if row is None or row.purpose != PURPOSE:
        raise NotFound("Call not found.")
    return row


def _system_message(session: Session, ticket: Ticket, body: str, now: dt.datetime) -> None:
    messages.post_message(
        session=session,
        ticket=ticket,
        sender_kind=SenderKind.SYSTEM,
        kind=MessageKind.SYSTEM,
        body=body,
        now=now,
    )


def _announce(session: Session, row: CallLog) -> None:
    events.publish(
        session,
        "call.status",
        row.enterprise_id,
        ticket_id=str(row.ticket_id) if row.ticket_id else None,
        call_id=str(row.id),
        status=row.status,
    )
