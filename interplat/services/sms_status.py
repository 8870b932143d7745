"""Carrier status reports on the SMS we sent (queued → sent → delivered/undelivered/
failed, never backwards) and what the CSR sees of them on a ticket."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, select

from ..models import OutboxMessage, OutboxStatus, SmsLog, utcnow
from . import sms

CARRIER_SYNONYMS = {
    "accepted": "queued",
    "scheduled": "queued",
    "read": "delivered",
    "canceled": "failed",
}


def apply_status_callback(
    *,
    session: Session,
    provider_id: str,
    status: str,
    error_code: str = "",
    outbox_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> OutboxMessage | None:
    """Apply a carrier status report, never moving a message backwards; ``None`` if unknown.

    The row is found by ``outbox_id`` (from the callback URL) when given — a report can
    arrive before the send's result, and so the provider id, is recorded — else by the
    carrier's id. A row that already has another provider id is not this report's.
    """
    query = select(OutboxMessage)
    if outbox_id is not None:
        query = query.where(OutboxMessage.id == outbox_id)
    else:
        query = query.where(
            OutboxMessage.provider_id == provider_id, OutboxMessage.provider_id != ""
        )
    message = session.exec(
        query.with_for_update().execution_options(populate_existing=True)
    ).first()
    if message is None or (message.provider_id and message.provider_id != provider_id):
        return None
    if message.status in (OutboxStatus.QUEUED, OutboxStatus.SENDING) and not provider_id:
        return None
    new = CARRIER_SYNONYMS.get(status.strip().lower(), status.strip().lower())
    # Reports up to "sent" are never applied: they would put the row back in the send queue.
    if sms.RANK.get(new, 0) <= max(sms.RANK.get(message.status, 0), sms.RANK[OutboxStatus.SENT]):
        return message
    now = now or utcnow()
    message.status = new
    if error_code:
        message.last_error = f"{error_code}: the carrier reported {new}"[:300]
    session.add(message)
    _mirror_into_log(session, message, error_code, now)
    if error_code == sms.STOPPED_CODE:
        sms.suppress(
            session=session, enterprise_id=message.enterprise_id, phone=message.to_address, now=now
        )
    sms.announce(session, message)
    return message


def _mirror_into_log(
    session: Session, message: OutboxMessage, error_code: str, now: dt.datetime
) -> None:
    entry = session.exec(
        select(SmsLog).where(
            SmsLog.message_sid == message.provider_id, SmsLog.direction == "outbound"
        )
    ).first()
    if entry is not None:
        entry.status, entry.error_code, entry.updated_at = message.status, error_code[:10], now
        session.add(entry)


@dataclass(frozen=True)
class Delivery:
    """One text sent for a ticket, as the CSR sees it ("link delivered / not delivered")."""

    id: uuid.UUID
    to: str
    status: str
    error: str
    attempts: int
    created_at: dt.datetime
    sent_at: dt.datetime | None


def ticket_deliveries(
    *, session: Session, enterprise_id: uuid.UUID, ticket_id: uuid.UUID
) -> list[Delivery]:
    """The SMS sent (or trying to be sent) for a ticket, oldest first."""
    rows = session.exec(
        select(OutboxMessage)
        .where(
            OutboxMessage.enterprise_id == enterprise_id,
            OutboxMessage.ticket_id == ticket_id,
            OutboxMessage.channel == "sms",
        )
        .order_by(col(OutboxMessage.created_at), col(OutboxMessage.id))
    ).all()
    return [
        Delivery(r.id, r.to_address, r.status, r.last_error, r.attempts, r.created_at, r.sent_at)
        for r in rows
    ]
