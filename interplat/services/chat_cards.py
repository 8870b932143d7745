"""Offers and payment requests as cards in a chat thread, and what the customer does with them.

A card is a flat dict of strings (what the pages render): the offer or payment request a
message carries, read in one query per kind for a whole thread.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Iterable

from sqlmodel import Session, col, select

from ..models import (
    BlastRecipient,
    Enterprise,
    Message,
    MessageKind,
    Offer,
    OfferClaim,
    PaymentLineItem,
    PaymentRequest,
    Ticket,
    utcnow,
)
from . import events, links, media
from .errors import Conflict, NotFound
from .money import format_money

Card = dict[str, str]


def cards_for(session: Session, thread: Iterable[Message]) -> dict[uuid.UUID, Card]:
    """The card of each offer or payment-request message in ``thread``, by message id."""
    offer_msgs = [m for m in thread if m.kind == MessageKind.OFFER and m.offer_id]
    pay_msgs = [m for m in thread if m.kind == MessageKind.PAYMENT_REQUEST and m.payment_request_id]
    cards: dict[uuid.UUID, Card] = {}
    if offer_msgs:
        offers = {
            o.id: o
            for o in session.exec(
                select(Offer).where(col(Offer.id).in_({m.offer_id for m in offer_msgs}))
            ).all()
        }
        claimed = set(
            session.exec(
                select(OfferClaim.message_id).where(
                    col(OfferClaim.message_id).in_([m.id for m in offer_msgs])
                )
            ).all()
        )
        zone = session.get(Enterprise, offer_msgs[0].enterprise_id)
        for m in offer_msgs:
            if offer := offers.get(m.offer_id):  # type: ignore[arg-type]
                cards[m.id] = offer_card(
                    offer, claimed=m.id in claimed, zone=zone.timezone if zone else "UTC"
                )
    if pay_msgs:
        requests = session.exec(
            select(PaymentRequest).where(
                col(PaymentRequest.id).in_({m.payment_request_id for m in pay_msgs})
            )
        ).all()
        by_id = {r.id: r for r in requests}
        biller = session.get(Enterprise, pay_msgs[0].enterprise_id)
        lines = _line_items(session, list(by_id))
        for m in pay_msgs:
            if request := by_id.get(m.payment_request_id):  # type: ignore[arg-type]
                cards[m.id] = payment_card(
                    request, biller=biller.brand_name if biller else "", lines=lines.get(request.id)
                )
    return cards


def _line_items(
    session: Session, request_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[PaymentLineItem]]:
    by_request: dict[uuid.UUID, list[PaymentLineItem]] = {}
    for item in session.exec(
        select(PaymentLineItem)
        .where(col(PaymentLineItem.payment_request_id).in_(request_ids))
        .order_by(col(PaymentLineItem.position))
    ).all():
        by_request.setdefault(item.payment_request_id, []).append(item)
    return by_request


def local_day(when: dt.datetime, zone: str) -> str:
    """An instant as the day it falls on in the enterprise's time zone: "Dec 25, 2026"."""
    try:
        tz = zoneinfo.ZoneInfo(zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo("UTC")
    return when.astimezone(tz).strftime("%b %-d, %Y")


def offer_card(
    offer: Offer, *, claimed: bool, zone: str = "UTC", now: dt.datetime | None = None
) -> Card:
    """``zone``: the enterprise's time zone, where an offer ends at the end of a local day."""
    now = now or utcnow()
    expired = offer.expires_at is not None and offer.expires_at <= now
    return {
        "title": offer.title,
        "text": offer.body,
        "terms": offer.terms,
        "image_url": media.media_path(offer.image_attachment_id)
        if offer.image_attachment_id
        else "",
        "deal": deal_text(offer),
        "original_price": format_money(offer.original_price_minor, offer.currency)
        if offer.original_price_minor
        else "",
        "expires": local_day(offer.expires_at, zone) if offer.expires_at else "",
        "redemption": offer.redemption_kind,
        # The code and the link are the prize: shown once the customer claims the offer.
        "coupon_code": offer.coupon_code if claimed else "",
        "redemption_url": offer.redemption_url if claimed else "",
        "state": "expired" if expired or offer.status == "archived" else "active",
        "claimed": "1" if claimed else "",
    }


def deal_text(offer: Offer) -> str:
    if not offer.discount_value:
        return ""
    if offer.discount_kind == "percent":
        return f"{offer.discount_value}% off"
    return f"{format_money(offer.discount_value, offer.currency)} off"


def payment_card(
    request: PaymentRequest, *, biller: str = "", lines: list[PaymentLineItem] | None = None
) -> Card:
    """Biller, amount, invoice, due date, state; "details" holds the line items, one a line,
    and "pay_url" the bill page (the customer's "Pay"; the token is derived, never stored)."""
    from . import payment_requests  # payment_requests posts messages, which read cards

    return {
        "biller": biller,
        "amount": format_money(request.amount_minor, request.currency),
        "text": request.description,
        "invoice": request.invoice_number,
        "due": request.due_date.isoformat() if request.due_date else "",
        "state": request.status,
        "details": "\n".join(
            f"{item.description} — {item.quantity} × "
            f"{format_money(item.unit_amount_minor, request.currency)} = "
            f"{format_money(item.amount_minor, request.currency)}"
            for item in lines or []
        ),
        "pay_url": payment_requests.bill_path(payment_requests.bill_token(request.id)),
        "payable": "1" if request.status in payment_requests.OPEN else "",
    }


def claim_offer(
    *, session: Session, code: str, message_id: uuid.UUID, now: dt.datetime | None = None
) -> Offer:
    """The customer behind the chat link claims the offer a card in their thread carries.

    Claiming twice is harmless (the first claim stands). Raises ``NotFound`` for a message
    that is not an offer in this link's conversation, ``Conflict`` for an expired offer.
    """
    now = now or utcnow()
    target = links.open_short_link(session=session, code=code, count_visit=False, now=now)
    ticket: Ticket | None = target.ticket
    message = session.get(Message, message_id)
    if (
        ticket is None
        or message is None
        or message.ticket_id != ticket.id
        or message.kind != MessageKind.OFFER
        or message.offer_id is None
    ):
        raise NotFound("This offer is not in your conversation.")
    offer = session.get(Offer, message.offer_id)
    if offer is None:
        raise NotFound("This offer is no longer available.")
    if offer_card(offer, claimed=False, now=now)["state"] == "expired":
        raise Conflict("This offer has expired.")
    already = session.exec(select(OfferClaim.id).where(OfferClaim.message_id == message.id)).first()
    if already is None:
        # A card a chat blast sent counts for that blast's "claimed".
        recipient = session.exec(
            select(BlastRecipient).where(BlastRecipient.message_id == message.id)
        ).first()
        if recipient is not None:
            recipient.claimed_at = recipient.claimed_at or now
            session.add(recipient)
        session.add(
            OfferClaim(
                enterprise_id=ticket.enterprise_id,
                offer_id=offer.id,
                customer_id=ticket.customer_id,
                blast_id=recipient.blast_id if recipient else None,
                message_id=message.id,
                claimed_at=now,
            )
        )
        session.flush()
        events.publish(
            session,
            "offer.claimed",
            ticket.enterprise_id,
            ticket_id=str(ticket.id),
            offer_id=str(offer.id),
        )
    return offer
