"""Where in a conversation each payment event happened, so a dispute can be read in context.

A marker records the thread's last message at the moment of the event ("rfp_sent",
"rfp_viewed", "payment_succeeded", "refund", …); ``around`` reads the conversation just
before and after it for the staff's payment detail view.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlmodel import Session, col, select

from ..models import Message, ThreadMarker, Ticket, utcnow
from . import messages
from .errors import NotFound
from .messages import MessagePublic

RFP_SENT = "rfp_sent"
RFP_VIEWED = "rfp_viewed"
RFP_CANCELLED = "rfp_cancelled"


def mark(
    *,
    session: Session,
    ticket_id: uuid.UUID,
    kind: str,
    payment_request_id: uuid.UUID | None = None,
    payment_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> ThreadMarker:
    """Record ``kind`` at the current end of the ticket's thread (flushes, does not commit)."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("Ticket not found.")
    session.flush()  # a message posted in this transaction counts as the thread's last
    last = session.exec(
        select(Message.id)
        .where(Message.ticket_id == ticket_id)
        .order_by(col(Message.created_at).desc(), col(Message.id).desc())
        .limit(1)
    ).first()
    marker = ThreadMarker(
        enterprise_id=ticket.enterprise_id,
        ticket_id=ticket_id,
        kind=kind[:32],
        payment_request_id=payment_request_id,
        payment_id=payment_id,
        after_message_id=last,
        detail=detail or {},
        created_at=now or utcnow(),
    )
    session.add(marker)
    session.flush()
    return marker


def markers_of(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    payment_request_id: uuid.UUID | None = None,
    payment_id: uuid.UUID | None = None,
) -> list[ThreadMarker]:
    """The markers of one request or payment of the enterprise, oldest first."""
    query = select(ThreadMarker).where(ThreadMarker.enterprise_id == enterprise_id)
    if payment_request_id is not None:
        query = query.where(ThreadMarker.payment_request_id == payment_request_id)
    if payment_id is not None:
        query = query.where(ThreadMarker.payment_id == payment_id)
    return list(session.exec(query.order_by(col(ThreadMarker.created_at))).all())


def around(
    session: Session, marker: ThreadMarker, before: int = 5, after: int = 5
) -> list[MessagePublic]:
    """Up to ``before`` messages ending with the marker's message, then ``after`` more.

    A marker made on an empty thread (or whose message was deleted) shows the thread's
    first ``after`` messages.
    """
    thread = messages.list_thread(
        session=session, enterprise_id=marker.enterprise_id, ticket_id=marker.ticket_id
    )
    ids = [m.id for m in thread]
    anchor = str(marker.after_message_id) if marker.after_message_id else ""
    end = ids.index(anchor) + 1 if anchor in ids else 0
    return thread[max(end - before, 0) : end + after]
