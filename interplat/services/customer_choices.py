"""What the customer decides from their chat page: the rating at the end, and their loop.

The chat link's code is the customer's key, as for everything the page sends.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from ..models import Customer, Ticket
from . import consent, links, tickets
from .errors import NotFound, ValidationFailed

MAX_COMMENT_LENGTH = 1000


def _ticket_of_link(session: Session, code: str, now: dt.datetime | None) -> Ticket:
    target = links.open_short_link(session=session, code=code, count_visit=False, now=now)
    if target.ticket is None:
        raise NotFound("This link is not attached to a conversation.")
    return target.ticket


def rate_chat(
    *, session: Session, code: str, rating: int, comment: str = "", now: dt.datetime | None = None
) -> Ticket:
    """The customer's 1–5 rating and optional comment, accepted once after the chat ends.

    Raises:
        ValidationFailed: no rating chosen, or a comment that is too long.
        Conflict: the chat is still open, or it was rated already.
    """
    comment = (comment or "").strip()
    if "\x00" in comment:
        raise ValidationFailed("Please type your comment again.", field="comment")
    if len(comment) > MAX_COMMENT_LENGTH:
        raise ValidationFailed(
            f"A comment has at most {MAX_COMMENT_LENGTH:,} characters.", field="comment"
        )
    ticket = _ticket_of_link(session, code, now)
    return tickets.rate_ticket(
        session=session, ticket=ticket, rating=rating, comment=comment, now=now
    )


def set_loop(*, session: Session, code: str, joined: bool, now: dt.datetime | None = None) -> bool:
    """The header menu's "Join <enterprise>'s loop" switch.

    Joining while a representative has the conversation also adds the customer to that
    representative's own loop. Returns whether the choice changed anything.
    """
    ticket = _ticket_of_link(session, code, now)
    customer = session.get(Customer, ticket.customer_id)
    if customer is None:  # deleted under an open page
        raise NotFound("This conversation is no longer available.")
    return consent.set_marketing_choice(
        session=session,
        customer=customer,
        opted_in=joined,
        source="chat_menu",
        ticket_id=ticket.id,
        loop_owner_id=ticket.assignee_id,
        now=now,
    )
