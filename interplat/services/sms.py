"""SMS: the outbox (queued in the database, sent by a worker with retries). Carrier status
reports are in ``sms_status``, texts from customers in ``sms_inbound``.

Nothing here talks to a carrier directly: ``queue_sms`` records what to send, and
``deliver_due`` hands it to the telephony gateway (dev outbox or Twilio) after the
request is done.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import (
    OutboxMessage,
    OutboxStatus,
    SmsLog,
    SmsSuppression,
    utcnow,
)
from . import events
from .customers import normalize_phone
from .errors import DomainError, NotFound, ValidationFailed
from .telephony import SentSms, SmsGateway, SmsSendError

log = logging.getLogger(__name__)

MAX_SMS_LENGTH = 1600  # ten concatenated segments
MAX_ATTEMPTS = 6
FIRST_RETRY = dt.timedelta(seconds=30)
MAX_RETRY = dt.timedelta(hours=1)
# A worker that died mid-send leaves its claim "sending"; past this lease it is due again.
SENDING_LEASE = dt.timedelta(minutes=10)
STOPPED_CODE = "21610"  # Twilio: the recipient replied STOP


_AFTER_SEND = frozenset(
    {OutboxStatus.SENT, OutboxStatus.DELIVERED, OutboxStatus.UNDELIVERED, OutboxStatus.FAILED}
)
RANK: dict[str, int] = {
    OutboxStatus.QUEUED: 0,
    OutboxStatus.SENDING: 1,
    OutboxStatus.SENT: 2,
    OutboxStatus.DELIVERED: 3,
    OutboxStatus.UNDELIVERED: 3,
    OutboxStatus.FAILED: 3,
    OutboxStatus.CANCELED: 3,
}


class SmsSuppressed(DomainError):
    """The number texted STOP to this enterprise; it gets no SMS until START."""

    code = "sms_opted_out"
    http_status = 409


def is_suppressed(*, session: Session, enterprise_id: uuid.UUID, phone: str) -> bool:
    """Whether the number is on the enterprise's no-SMS list (it texted STOP)."""
    return (
        session.exec(
            select(SmsSuppression.id).where(
                SmsSuppression.enterprise_id == enterprise_id, SmsSuppression.phone == phone
            )
        ).first()
        is not None
    )


def queue_sms(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    to: str,
    body: str,
    ticket_id: uuid.UUID | None = None,
    from_: str = "",
    send_at: dt.datetime | None = None,
    meta: dict[str, str] | None = None,
    suppression_checked: bool = False,
    now: dt.datetime | None = None,
) -> OutboxMessage:
    """Record an SMS to send as soon as a delivery worker runs (refused for opted-out numbers).

    ``from_`` is the enterprise's own number when it has one (so replies come back to it);
    empty means the deployment's default sender. ``send_at`` holds it back until then.
    ``suppression_checked``: the caller just checked the STOP list in this transaction.
    """
    phone = normalize_phone(to)
    body = body.strip()
    if not body or len(body) > MAX_SMS_LENGTH:
        raise ValidationFailed(f"An SMS has 1–{MAX_SMS_LENGTH} characters.", field="body")
    if not suppression_checked and is_suppressed(
        session=session, enterprise_id=enterprise_id, phone=phone
    ):
        raise SmsSuppressed("This number has opted out of text messages.", field="to")
    now = now or utcnow()
    message = OutboxMessage(
        enterprise_id=enterprise_id,
        channel="sms",
        to_address=phone,
        from_address=from_,
        body=body,
        status=OutboxStatus.QUEUED,
        next_attempt_at=max(send_at, now) if send_at else now,
        meta=meta or {},
        ticket_id=ticket_id,
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message


def suppress(
    *, session: Session, enterprise_id: uuid.UUID, phone: str, now: dt.datetime | None = None
) -> bool:
    """Put a number on the enterprise's no-SMS list; ``False`` if it already was."""
    if is_suppressed(session=session, enterprise_id=enterprise_id, phone=phone):
        return False
    try:
        with session.begin_nested():
            session.add(
                SmsSuppression(enterprise_id=enterprise_id, phone=phone, created_at=now or utcnow())
            )
    except sa.exc.IntegrityError:  # a concurrent STOP for the same number got there first
        return False
    return True


def unsuppress(*, session: Session, enterprise_id: uuid.UUID, phone: str) -> bool:
    """Take a number off the enterprise's no-SMS list; ``False`` if it was not on it."""
    table = SmsSuppression.__table__  # type: ignore[attr-defined]
    result = session.execute(
        sa.delete(table).where(table.c.enterprise_id == enterprise_id, table.c.phone == phone)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed try: 30 s doubling, at most an hour."""
    return min(FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 20), MAX_RETRY)


@dataclass(frozen=True)
class _Claimed:
    """What the send needs, copied out so the carrier call touches no ORM state."""

    id: uuid.UUID
    enterprise_id: uuid.UUID
    to: str
    from_: str
    body: str


def deliver_due(
    *,
    session: Session,
    gateway: SmsGateway,
    from_number: str,
    status_callback: str | None = None,
    now: dt.datetime | None = None,
    limit: int = 50,
) -> int:
    """Send the outbox's due SMS, each once across workers; returns how many the carrier took.

    ``status_callback`` is the carrier's status webhook; each message's own id is added
    as ``?outbox=<id>`` so a report that overtakes the send's result still finds its row.
    Commits ``session``: the claim, then each outcome, in short transactions of their
    own, so no lock is held while the carrier answers.
    """
    now = now or utcnow()
    sent = 0
    for job in _claim_due(session, from_number, now, limit):
        # Checked per message, just before the carrier call, to honour a STOP that arrived
        # after the claim (or from an earlier message of this batch answering 21610).
        if is_suppressed(session=session, enterprise_id=job.enterprise_id, phone=job.to):
            _fail(session, _reload(session, job.id), "suppressed: the number replied STOP")
            session.commit()
            continue
        session.commit()  # no transaction (and no SQLite write lock) during the carrier call
        try:
            result = gateway.send_sms(
                to=job.to,
                from_=job.from_,
                body=job.body,
                status_callback=_callback_for(status_callback, job.id),
            )
        except SmsSendError as exc:
            _record_error(session, job, exc, now)
        except Exception as exc:  # a gateway bug must not strand the message in "sending"
            log.exception("SMS gateway failed unexpectedly")
            _record_error(session, job, SmsSendError(repr(exc), code="error", permanent=False), now)
        else:
            _record_sent(session, job, result, now)
            sent += 1
        session.commit()
    return sent


def _callback_for(base: str | None, message_id: uuid.UUID) -> str | None:
    if not base:
        return None
    return f"{base}{'&' if '?' in base else '?'}outbox={message_id}"


def _claim_due(session: Session, from_number: str, now: dt.datetime, limit: int) -> list[_Claimed]:
    """Mark due messages "sending"; PostgreSQL workers skip rows another one is claiming."""
    rows = session.exec(
        select(OutboxMessage)
        .where(
            OutboxMessage.channel == "sms",
            col(OutboxMessage.status).in_([OutboxStatus.QUEUED, OutboxStatus.SENDING]),
            sa.or_(
                col(OutboxMessage.next_attempt_at).is_(None),
                col(OutboxMessage.next_attempt_at) <= now,
            ),
        )
        .order_by(col(OutboxMessage.created_at), col(OutboxMessage.id))
        .limit(limit)
        .with_for_update(skip_locked=True)  # SQLite ignores it: BEGIN IMMEDIATE serializes
        .execution_options(populate_existing=True)
    ).all()
    claimed = []
    for message in rows:
        message.status, message.attempts = OutboxStatus.SENDING, message.attempts + 1
        message.next_attempt_at = now + SENDING_LEASE
        message.from_address = message.from_address or from_number
        session.add(message)
        claimed.append(
            _Claimed(
                message.id,
                message.enterprise_id,
                message.to_address,
                message.from_address,
                message.body,
            )
        )
    session.commit()
    return claimed


def _record_sent(session: Session, job: _Claimed, result: SentSms, now: dt.datetime) -> None:
    message = _reload(session, job.id, lock=True)
    # Twilio answers "queued"/"accepted" (queued with Twilio): for the outbox that is sent.
    # A status report may already have moved the row further ("delivered"): keep it.
    reported = result.status if result.status in _AFTER_SEND else OutboxStatus.SENT
    if RANK.get(reported, 0) >= RANK.get(message.status, 0):
        message.status = reported
    message.provider_id, message.sent_at, message.last_error = result.provider_id, now, ""
    session.add(message)
    session.add(
        SmsLog(
            enterprise_id=message.enterprise_id,
            direction="outbound",
            message_sid=result.provider_id,
            from_number=job.from_,
            to_number=job.to,
            body=job.body,
            status=message.status,
            ticket_id=message.ticket_id,
            created_at=now,
        )
    )
    announce(session, message)


def _record_error(session: Session, job: _Claimed, error: SmsSendError, now: dt.datetime) -> None:
    message = _reload(session, job.id)
    reason = f"{error.code}: {error.message}"
    if error.permanent or message.attempts >= MAX_ATTEMPTS:
        _fail(session, message, reason)
        if error.code == STOPPED_CODE:
            suppress(session=session, enterprise_id=message.enterprise_id, phone=job.to, now=now)
        return
    message.status = OutboxStatus.QUEUED
    message.next_attempt_at = now + retry_delay(message.attempts)
    message.last_error = reason[:300]
    session.add(message)


def _reload(session: Session, message_id: uuid.UUID, lock: bool = False) -> OutboxMessage:
    message = session.get(
        OutboxMessage, message_id, populate_existing=True, with_for_update=lock or None
    )
    if message is None:  # only a deleted enterprise takes its outbox with it
        raise NotFound("Outbox message not found.")
    return message


def _fail(session: Session, message: OutboxMessage, reason: str) -> None:
    message.status, message.last_error = OutboxStatus.FAILED, reason[:300]
    session.add(message)
    announce(session, message)


def announce(session: Session, message: OutboxMessage) -> None:
    events.publish(
        session,
        "sms.status",
        message.enterprise_id,
        ticket_id=str(message.ticket_id) if message.ticket_id else None,
        outbox_id=str(message.id),
        status=message.status,
    )
