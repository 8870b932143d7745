"""Outbound SMS through the outbox: queued in the database, sent by a worker with retries.

Nothing here talks to a carrier: ``queue_sms`` records what to send, and the delivery
step hands it to the telephony gateway (dev outbox or Twilio) after the request is done.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import Session, select

from ..models import OutboxMessage, OutboxStatus, SmsSuppression, utcnow
from .customers import normalize_phone
from .errors import DomainError, ValidationFailed

MAX_SMS_LENGTH = 1600  # ten concatenated segments


class SmsSuppressed(DomainError):
    """The number texted STOP to this enterprise; it gets no SMS until START."""

    code = "sms_opted_out"
    http_status = 409


def is_suppressed(*, session: Session, enterprise_id: uuid.UUID, phone: str) -> bool:
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
    now: dt.datetime | None = None,
) -> OutboxMessage:
    """Record an SMS to send as soon as a delivery worker runs (refused for opted-out numbers)."""
    phone = normalize_phone(to)
    body = body.strip()
    if not body or len(body) > MAX_SMS_LENGTH:
        raise ValidationFailed(f"An SMS has 1–{MAX_SMS_LENGTH} characters.", field="body")
    if is_suppressed(session=session, enterprise_id=enterprise_id, phone=phone):
        raise SmsSuppressed("This number has opted out of text messages.", field="to")
    now = now or utcnow()
    message = OutboxMessage(
        enterprise_id=enterprise_id,
        channel="sms",
        to_address=phone,
        body=body,
        status=OutboxStatus.QUEUED,
        next_attempt_at=now,
        ticket_id=ticket_id,
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message
