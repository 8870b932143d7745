"""Business-to-person messages from an enterprise's back office (the B2P API).

A message or an offer to a few known customers at once, under the same rules as a chat
blast: customers who left the loop or texted STOP are skipped with the reason; others get
it in their open chat, or in a new conversation whose link goes out by SMS. A rate limit
per API token keeps one back office from flooding its customers (or the carrier).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from dataclasses import dataclass

from sqlmodel import Session, select

from ..models import Customer, utcnow
from . import blast_job, blasts, enterprises, targeting
from .access import require_workspace
from .auth import Principal
from .customers import normalize_phone
from .errors import DomainError, ValidationFailed

MAX_RECIPIENTS = 100
UNKNOWN = "unknown customer"


@dataclass(frozen=True)
class Outcome:
    recipient: str
    status: str  # sent | excluded
    message_id: uuid.UUID | None = None
    reason: str = ""


def _customer(session: Session, enterprise_id: uuid.UUID, recipient: str) -> Customer | None:
    """A customer of the enterprise by id or phone number (``None`` if not one of theirs)."""
    try:
        customer = session.get(Customer, uuid.UUID(recipient))
        return customer if customer and customer.enterprise_id == enterprise_id else None
    except ValueError:
        pass
    try:
        phone = normalize_phone(recipient)
    except DomainError:
        return None
    return session.exec(
        select(Customer).where(Customer.enterprise_id == enterprise_id, Customer.phone == phone)
    ).first()


def send_b2p(
    *,
    session: Session,
    principal: Principal,
    listing_id: uuid.UUID,
    recipients: list[str],
    message: str = "",
    offer_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> list[Outcome]:
    """Send ``message`` and/or the offer to each recipient; one outcome per recipient."""
    require_workspace(principal)
    listing = enterprises.get_listing(
        session=session, enterprise_id=principal.enterprise_id, listing_id=listing_id
    )
    message = message.strip()
    if not message and offer_id is None:
        raise ValidationFailed("Send a message or an offer.", field="message")
    if len(message) > blasts.MAX_MESSAGE or "\x00" in message:
        raise ValidationFailed(
            f"A message has at most {blasts.MAX_MESSAGE:,} characters.", field="message"
        )
    if not 1 <= len(recipients) <= MAX_RECIPIENTS:
        raise ValidationFailed(f"Send to 1–{MAX_RECIPIENTS} recipients.", field="recipients")
    if offer_id is not None:
        blasts.sendable_offer(session, principal.enterprise_id, str(offer_id))
    now = now or utcnow()
    kind = "offer" if offer_id else "none"
    outgoing = blast_job.Outgoing(message, {"kind": kind}, offer_id, None, listing.id)
    return [_send_one(session, principal, r, outgoing, now) for r in recipients]


def _send_one(
    session: Session,
    principal: Principal,
    recipient: str,
    outgoing: blast_job.Outgoing,
    now: dt.datetime,
) -> Outcome:
    customer = _customer(session, principal.enterprise_id, recipient.strip()[:64])
    if customer is None:
        return Outcome(recipient, "excluded", reason=UNKNOWN)
    reason = targeting.exclusions(
        session=session, enterprise_id=principal.enterprise_id, customer_ids=[customer.id]
    ).get(customer.id)
    if reason:
        return Outcome(recipient, "excluded", reason=reason)
    sent = blast_job.deliver(session, customer, outgoing, now, meta={"source": "b2p"})
    return Outcome(recipient, "sent", message_id=sent.id)


class RateLimited(DomainError):
    code = "rate_limited"
    http_status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many requests: try again in {retry_after} s.")
        self.retry_after = retry_after


class TokenBucket:
    """``capacity`` calls at once, refilled at ``per_second``; one bucket per key.

    In-process: each worker keeps its own buckets, so N workers allow up to N times the
    rate. Enough to stop a runaway loop; a shared Redis counter would make it exact.
    """

    def __init__(self, capacity: int = 20, per_second: float = 0.5) -> None:
        self.capacity, self.per_second = capacity, per_second
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> None:
        """Spend one call for ``key`` or raise ``RateLimited`` with the wait in seconds."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.capacity), now))
            tokens = min(float(self.capacity), tokens + (now - last) * self.per_second)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                raise RateLimited(max(1, int((1 - tokens) / self.per_second + 0.999)))
            self._buckets[key] = (tokens - 1, now)
