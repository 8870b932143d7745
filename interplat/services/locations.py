"""Where a customer is: shared from their chat page, with their consent, for geofenced blasts."""

from __future__ import annotations

import datetime as dt
import math

from sqlmodel import Session

from ..models import Customer, utcnow
from . import links, tickets
from .errors import NotFound, ValidationFailed


def share_location(
    *,
    session: Session,
    code: str,
    latitude: float,
    longitude: float,
    now: dt.datetime | None = None,
) -> Customer:
    """The customer behind a chat link shares where they are (after agreeing on the page)."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or math.isnan(latitude + longitude):
        raise ValidationFailed("Your browser sent a location we cannot use.", field="location")
    now = now or utcnow()
    target_link = links.open_short_link(session=session, code=code, count_visit=False, now=now)
    ticket, customer = target_link.ticket, None
    if ticket is not None:
        customer = session.get(Customer, ticket.customer_id)
    if ticket is None or customer is None:
        raise NotFound("This link is not attached to a conversation.")
    customer.latitude, customer.longitude = round(latitude, 6), round(longitude, 6)
    customer.location_shared_at = now
    session.add(customer)
    tickets.record_transition(session, ticket, "location_shared", None, "customer", now)
    session.flush()
    return customer
