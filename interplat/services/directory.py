"""The platform's enterprise directory and each enterprise's public offers.

Everything here is public (no login): it reads only what an enterprise shows the world
(its brand and its offers published to everyone) and never a customer or a ticket.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from .. import routes
from ..models import Channel, Enterprise, Offer, ShortLink, utcnow
from ..models.enums import OfferStatus
from . import chat_cards, entry_links, media
from .enterprises import BrandPublic, brand_of, default_listing
from .errors import NotFound

MAX_RESULTS = 50
MAX_QUERY_LENGTH = 100
MAX_OFFERS = 50


@dataclass(frozen=True)
class DirectoryEntry:
    brand: BrandPublic
    chat_path: str  # the start page of the enterprise's website entry link
    offers_path: str


@dataclass(frozen=True)
class Directory:
    entries: list[DirectoryEntry]
    more: bool  # more matched than are shown: the customer should narrow the search


@dataclass(frozen=True)
class OfferPublic:
    id: str
    title: str
    body: str
    terms: str
    image_url: str
    expires: str  # the last day, on the enterprise's clock ("" for no end)
    redemption_url: str


@dataclass(frozen=True)
class EnterpriseOffers:
    brand: BrandPublic
    chat_path: str
    offers: list[OfferPublic]


def _listed() -> list[sa.ColumnElement[bool]]:
    return [col(Enterprise.is_active).is_(True), col(Enterprise.listed_in_directory).is_(True)]


def search_directory(*, session: Session, query: str = "") -> Directory:
    """Active, listed enterprises whose name, brand or tagline contains ``query``
    (case-insensitive), by brand name; at most 50."""
    statement = select(Enterprise).where(*_listed())
    words = " ".join(query.split())[:MAX_QUERY_LENGTH]
    if words:
        pattern = "%" + _escape_like(words) + "%"
        statement = statement.where(
            sa.or_(
                col(Enterprise.name).ilike(pattern, escape="\\"),
                col(Enterprise.brand_name).ilike(pattern, escape="\\"),
                col(Enterprise.tagline).ilike(pattern, escape="\\"),
            )
        )
    found = session.exec(
        statement.order_by(sa.func.lower(Enterprise.brand_name), col(Enterprise.slug)).limit(
            MAX_RESULTS + 1
        )
    ).all()
    entries = [
        DirectoryEntry(
            brand=brand_of(enterprise),
            chat_path=routes.chat_path(website_entry_code(session=session, enterprise=enterprise)),
            offers_path=routes.public_offers_path(enterprise.slug),
        )
        for enterprise in found[:MAX_RESULTS]
    ]
    return Directory(entries=entries, more=len(found) > MAX_RESULTS)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def website_entry_code(*, session: Session, enterprise: Enterprise) -> str:
    """The code of the enterprise's website entry link (its default listing's), made on
    first need exactly as the listing settings make it."""
    listing = default_listing(session=session, enterprise_id=enterprise.id)
    code = session.exec(
        select(ShortLink.code).where(
            ShortLink.listing_id == listing.id,
            ShortLink.channel == Channel.WEBSITE,
            col(ShortLink.ticket_id).is_(None),
            col(ShortLink.revoked_at).is_(None),
            col(ShortLink.expires_at).is_(None),
        )
    ).first()
    if code is not None:
        return code
    made = entry_links.entry_links(
        session=session, enterprise_id=enterprise.id, listing_id=listing.id, base_url=""
    )
    return next(link.code for link in made if link.channel == Channel.WEBSITE)


def enterprise_offers(
    *, session: Session, slug: str, now: dt.datetime | None = None
) -> EnterpriseOffers:
    """A listed enterprise's current offers for everyone: published, visible to all, not
    expired; soonest to expire first.

    Raises:
        NotFound: no active, listed enterprise has this slug.
    """
    now = now or utcnow()
    enterprise = session.exec(
        select(Enterprise).where(Enterprise.slug == slug[:64], *_listed())
    ).first()
    if enterprise is None:
        raise NotFound("This business is not in the directory.")
    rows = session.exec(
        select(Offer)
        .where(
            Offer.enterprise_id == enterprise.id,
            Offer.status == OfferStatus.PUBLISHED,
            Offer.visibility == "all",
            sa.or_(col(Offer.expires_at).is_(None), col(Offer.expires_at) > now),
        )
        .order_by(col(Offer.expires_at).is_(None), col(Offer.expires_at), col(Offer.created_at))
        .limit(MAX_OFFERS)
    ).all()
    return EnterpriseOffers(
        brand=brand_of(enterprise),
        chat_path=routes.chat_path(website_entry_code(session=session, enterprise=enterprise)),
        offers=[_offer_public(offer, enterprise.timezone, now) for offer in rows],
    )


def _offer_public(offer: Offer, zone: str, now: dt.datetime) -> OfferPublic:
    image: uuid.UUID | None = offer.image_attachment_id
    return OfferPublic(
        id=str(offer.id),
        title=offer.title,
        body=offer.body,
        terms=offer.terms,
        image_url=media.media_path(image, now=now) if image else "",
        expires=chat_cards.local_day(offer.expires_at, zone) if offer.expires_at else "",
        redemption_url=offer.redemption_url,
    )
