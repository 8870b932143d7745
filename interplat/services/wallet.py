"""A customer's wallet: the cards the payment provider saved for them, as they manage them.

Cards are added only through the provider's hosted setup page (its webhook creates the
``SavedCard`` row); here a customer lists, chooses a default and removes them. Every call
is scoped to one enterprise and one customer: a card id of anyone else's is "not found".
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, select

from ..models import SavedCard, utcnow
from .errors import NotFound

BRAND_NAMES = {
    "visa": "Visa",
    "mastercard": "Mastercard",
    "amex": "American Express",
    "discover": "Discover",
    "diners": "Diners Club",
    "jcb": "JCB",
    "unionpay": "UnionPay",
}


@dataclass(frozen=True)
class WalletCard:
    """What a customer needs to recognise a saved card; never its token."""

    id: str
    brand: str
    last4: str
    expiry: str  # "MM/YY"
    is_default: bool
    expired: bool

    @property
    def label(self) -> str:
        return card_label(self.brand, self.last4)


def card_label(brand: str, last4: str) -> str:
    """``"visa", "4242"`` → ``"Visa •••• 4242"``."""
    name = BRAND_NAMES.get(brand.lower(), brand.title() or "Card")
    return f"{name} •••• {last4}"


def is_expired(card: SavedCard, now: dt.datetime) -> bool:
    """A card works through the last day of its expiry month."""
    return (card.exp_year, card.exp_month) < (now.year, now.month)


def _cards(session: Session, enterprise_id: uuid.UUID, customer_id: uuid.UUID) -> list[SavedCard]:
    return list(
        session.exec(
            select(SavedCard)
            .where(SavedCard.enterprise_id == enterprise_id, SavedCard.customer_id == customer_id)
            .order_by(col(SavedCard.is_default).desc(), col(SavedCard.created_at).desc())
        ).all()
    )


def list_cards(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    customer_id: uuid.UUID,
    now: dt.datetime | None = None,
) -> list[WalletCard]:
    """The customer's saved cards, the default first, then the newest."""
    now = now or utcnow()
    return [
        WalletCard(
            id=str(card.id),
            brand=card.brand,
            last4=card.last4,
            expiry=f"{card.exp_month:02d}/{card.exp_year % 100:02d}",
            is_default=card.is_default,
            expired=is_expired(card, now),
        )
        for card in _cards(session, enterprise_id, customer_id)
    ]


def own_card(
    session: Session, enterprise_id: uuid.UUID, customer_id: uuid.UUID, card_id: uuid.UUID
) -> SavedCard:
    card = session.get(SavedCard, card_id)
    if card is None or card.enterprise_id != enterprise_id or card.customer_id != customer_id:
        raise NotFound("This card is not in your wallet.")
    return card


def set_default(
    *, session: Session, enterprise_id: uuid.UUID, customer_id: uuid.UUID, card_id: uuid.UUID
) -> None:
    """Make one card the one preselected to pay with (exactly one default at a time).

    Raises:
        NotFound: the card is not this customer's.
    """
    chosen = own_card(session, enterprise_id, customer_id, card_id)
    for card in _cards(session, enterprise_id, customer_id):
        card.is_default = card.id == chosen.id
        session.add(card)
    session.commit()


def remove_card(
    *, session: Session, enterprise_id: uuid.UUID, customer_id: uuid.UUID, card_id: uuid.UUID
) -> None:
    """Forget a card (its token goes with it); the newest other card becomes the default.

    Raises:
        NotFound: the card is not this customer's (or was removed already).
    """
    card = own_card(session, enterprise_id, customer_id, card_id)
    was_default = card.is_default
    session.delete(card)
    session.flush()
    if was_default:
        rest = _cards(session, enterprise_id, customer_id)
        if rest and not any(other.is_default for other in rest):
            rest[0].is_default = True
            session.add(rest[0])
    session.commit()


def default_card_id(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    customer_id: uuid.UUID,
    now: dt.datetime | None = None,
) -> str:
    """The card to preselect for paying: the default unless expired, else the newest
    unexpired one; "" for none."""
    usable = [
        card
        for card in list_cards(
            session=session, enterprise_id=enterprise_id, customer_id=customer_id, now=now
        )
        if not card.expired
    ]
    return usable[0].id if usable else ""
