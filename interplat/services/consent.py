"""A customer's marketing choice — "Join <enterprise>'s loop" — and the gate that honours it.

Service messages (replies, payment requests, receipts) always reach a customer. Offers,
chat blasts and other marketing reach them only while ``Customer.marketing_opt_in`` is
on. Every change is kept in ``MarketingConsent`` with when and where it was made, so an
enterprise can show why a message was or was not sent.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from sqlmodel import Session, col, select

from ..models import Customer, LoopMembership, MarketingConsent, utcnow
from . import events
from .errors import Conflict, ValidationFailed

# Where a choice was made: the chat's header menu, an SMS keyword (STOP/START), a CSR on
# the customer's behalf, a CSV import, or an enterprise's back office through the API.
SOURCES = frozenset({"chat_menu", "sms_keyword", "csr", "import", "api"})


class MarketingRefused(Conflict):
    """The customer has left the loop: marketing must not reach them."""


def set_marketing_choice(
    *,
    session: Session,
    customer: Customer,
    opted_in: bool,
    source: str,
    ticket_id: uuid.UUID | None = None,
    loop_owner_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Record the customer's choice; ``True`` when it changed anything.

    Joining from a conversation with a representative (``loop_owner_id``) also puts the
    customer in that representative's own loop. Leaving marks every loop they are in as
    opted out; the memberships stay, so each CSR sees who left rather than who vanished.
    """
    if source not in SOURCES:
        raise ValidationFailed("Unknown consent source.", field="source")
    now = now or utcnow()
    changed = customer.marketing_opt_in != opted_in
    customer.marketing_opt_in = opted_in
    session.add(customer)
    memberships = session.exec(
        select(LoopMembership).where(LoopMembership.customer_id == customer.id)
    ).all()
    for membership in memberships:
        changed |= membership.opted_in != opted_in
        membership.opted_in = opted_in
        session.add(membership)
    if opted_in and loop_owner_id and all(m.user_id != loop_owner_id for m in memberships):
        session.add(
            LoopMembership(
                enterprise_id=customer.enterprise_id,
                user_id=loop_owner_id,
                customer_id=customer.id,
                added_at=now,
            )
        )
        changed = True
    if not changed:
        return False
    session.add(
        MarketingConsent(
            enterprise_id=customer.enterprise_id,
            customer_id=customer.id,
            opted_in=opted_in,
            source=source,
            ticket_id=ticket_id,
            recorded_at=now,
        )
    )
    session.flush()
    events.publish(
        session,
        "customer.consent",
        customer.enterprise_id,
        customer_id=str(customer.id),
        ticket_id=str(ticket_id or ""),
        opted_in=opted_in,
    )
    return True


def consent_history(*, session: Session, customer: Customer) -> list[MarketingConsent]:
    """The customer's choices, newest first."""
    return list(
        session.exec(
            select(MarketingConsent)
            .where(MarketingConsent.customer_id == customer.id)
            .order_by(col(MarketingConsent.recorded_at).desc())
        ).all()
    )


def ensure_may_market(customer: Customer) -> None:
    """Refuse marketing to a customer who left the loop (offers, blasts).

    Raises:
        MarketingRefused: the customer has turned marketing off.
    """
    if not customer.marketing_opt_in:
        raise MarketingRefused(f"{customer.display_name} has turned off offers and news.")


def marketable(
    *, session: Session, enterprise_id: uuid.UUID, customer_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of these customers of the enterprise may receive marketing now."""
    wanted = list(customer_ids)
    if not wanted:
        return set()
    rows = session.exec(
        select(Customer.id).where(
            Customer.enterprise_id == enterprise_id,
            col(Customer.id).in_(wanted),
            col(Customer.marketing_opt_in).is_(True),
        )
    ).all()
    return set(rows)
