"""An enterprise's offers: built in the three-step wizard, listed, copied and archived.

Every rule of the wizard's fields lives in ``offer_fields``; this module saves what passes
them, always within one tenant, and gives the live preview the same card the customer's
chat shows (``chat_cards.offer_card``).
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
import zoneinfo
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from ..models import Attachment, Enterprise, MessageKind, Offer, OfferStatus, utcnow
from . import attachments, chat_cards, events, media, qr
from .errors import NotFound, ValidationFailed
from .offer_fields import (
    MAX_TITLE,
    OfferDraft,
    column_values,
    details_errors,
    expiry_instant,
    generate_code,
    normal_code,
    parse_money,
    parse_percent,
    publish_errors,
    redemption_errors,
)

MAX_IMAGE_BYTES = 5 * 1024 * 1024
STATUS_FILTERS = ("current", "draft", "published", "archived", "all")


@dataclass(frozen=True)
class OfferPage:
    items: list[Offer]
    total: int


def zone_of(session: Session, enterprise_id: uuid.UUID) -> zoneinfo.ZoneInfo:
    """The enterprise's clock, on which offer expiry dates are read."""
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound("This enterprise does not exist.")
    return zoneinfo.ZoneInfo(enterprise.timezone or "UTC")


def step_errors(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    step: int,
    draft: OfferDraft,
    offer_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> dict[str, str]:
    """What is wrong on one wizard step, field by field (empty when it may go on)."""
    if step == 1:
        zone = zone_of(session, enterprise_id)
        return details_errors(session, enterprise_id, draft, zone, now or utcnow())
    if step == 2:
        return redemption_errors(session, enterprise_id, draft, offer_id)
    return publish_errors(draft)


def _checked_values(
    session: Session,
    enterprise_id: uuid.UUID,
    draft: OfferDraft,
    offer_id: uuid.UUID | None,
    now: dt.datetime,
) -> dict[str, Any]:
    """The Offer's columns from a draft every step accepts, else ``ValidationFailed``."""
    for step in (1, 2, 3):
        errors = step_errors(
            session=session,
            enterprise_id=enterprise_id,
            step=step,
            draft=draft,
            offer_id=offer_id,
            now=now,
        )
        if errors:
            field, message = next(iter(errors.items()))
            raise ValidationFailed(message, field=field)
    return column_values(draft, zone_of(session, enterprise_id))


def _status_for(visibility: str) -> str:
    return OfferStatus.DRAFT if visibility == "draft" else OfferStatus.PUBLISHED


def create_offer(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    draft: OfferDraft,
    created_by_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> Offer:
    """Save a new offer: published unless kept as a draft. Raises ``ValidationFailed``."""
    now = now or utcnow()
    values = _checked_values(session, enterprise_id, draft, None, now)
    offer = Offer(
        enterprise_id=enterprise_id,
        created_by_id=created_by_id,
        status=_status_for(draft.visibility),
        created_at=now,
        updated_at=now,
        **values,
    )
    session.add(offer)
    session.flush()
    events.publish(session, "offer.created", enterprise_id, offer_id=str(offer.id))
    return offer


def update_offer(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    offer_id: uuid.UUID,
    draft: OfferDraft,
    now: dt.datetime | None = None,
) -> Offer:
    """Save the wizard over an offer (an archived one stays archived)."""
    now = now or utcnow()
    offer = get_offer(session=session, enterprise_id=enterprise_id, offer_id=offer_id)
    for name, value in _checked_values(session, enterprise_id, draft, offer.id, now).items():
        setattr(offer, name, value)
    if offer.status != OfferStatus.ARCHIVED:
        offer.status = _status_for(draft.visibility)
    offer.updated_at = now
    session.add(offer)
    session.flush()
    events.publish(session, "offer.updated", enterprise_id, offer_id=str(offer.id))
    return offer


def get_offer(*, session: Session, enterprise_id: uuid.UUID, offer_id: uuid.UUID) -> Offer:
    """One of the enterprise's offers (another tenant's is "not found", never shown)."""
    offer = session.get(Offer, offer_id)
    if offer is None or offer.enterprise_id != enterprise_id:
        raise NotFound("This offer does not exist.")
    return offer


def list_offers(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    search: str = "",
    status: str = "current",
    offset: int = 0,
    limit: int = 20,
) -> OfferPage:
    """Newest first, searched in title, text and coupon code; "current" hides archived."""
    query = select(Offer).where(Offer.enterprise_id == enterprise_id)
    if status == "current":
        query = query.where(Offer.status != OfferStatus.ARCHIVED)
    elif status in ("draft", "published", "archived"):
        query = query.where(Offer.status == status)
    words = search.split()[:5]
    for word in words:
        pattern = f"%{word.lower()[:100]}%"
        query = query.where(
            sa.or_(
                func.lower(Offer.title).like(pattern),
                func.lower(Offer.body).like(pattern),
                func.lower(Offer.coupon_code).like(pattern),
            )
        )
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    items = session.exec(
        query.order_by(col(Offer.created_at).desc(), col(Offer.id)).offset(offset).limit(limit)
    ).all()
    return OfferPage(items=list(items), total=int(total))


def duplicate_offer(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    offer_id: uuid.UUID,
    created_by_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> Offer:
    """A draft copy titled "Copy of …", with its own coupon code."""
    now = now or utcnow()
    source = get_offer(session=session, enterprise_id=enterprise_id, offer_id=offer_id)
    copied = {
        name: getattr(source, name)
        for name in Offer.model_fields
        if name not in ("id", "created_by_id", "created_at", "updated_at", "status", "visibility")
    }
    copied["title"] = f"Copy of {source.title}"[:MAX_TITLE]
    if source.coupon_code:
        copied["coupon_code"] = generate_code(session, enterprise_id)
    offer = Offer(
        **copied,
        created_by_id=created_by_id,
        status=OfferStatus.DRAFT,
        visibility="draft",
        created_at=now,
        updated_at=now,
    )
    session.add(offer)
    session.flush()
    events.publish(session, "offer.created", enterprise_id, offer_id=str(offer.id))
    return offer


def set_archived(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    offer_id: uuid.UUID,
    archived: bool,
    now: dt.datetime | None = None,
) -> Offer:
    """Archive an offer (its cards in chats show it as ended), or bring it back."""
    offer = get_offer(session=session, enterprise_id=enterprise_id, offer_id=offer_id)
    offer.status = OfferStatus.ARCHIVED if archived else _status_for(offer.visibility)
    offer.updated_at = now or utcnow()
    session.add(offer)
    session.flush()
    events.publish(session, "offer.updated", enterprise_id, offer_id=str(offer.id))
    return offer


def preview_offer(draft: OfferDraft, enterprise_id: uuid.UUID, zone: zoneinfo.ZoneInfo) -> Offer:
    """An unsaved Offer from a draft in progress: fields that do not parse yet are left out."""
    coupon = draft.redemption_kind == "coupon"
    offer = Offer(
        enterprise_id=enterprise_id,
        title=draft.title.strip(),
        body=draft.body.strip(),
        terms=draft.terms.strip(),
        redemption_kind=draft.redemption_kind,
        discount_kind=draft.discount_kind,
        currency=draft.currency,
        coupon_code=normal_code(draft.coupon_code) if coupon else "",
        redemption_url="" if coupon else draft.redemption_url.strip(),
        status=OfferStatus.PUBLISHED,
    )
    with suppress(ValueError):
        offer.expires_at = expiry_instant(draft.expires_on, zone)
    with suppress(ValueError):
        offer.image_attachment_id = (
            uuid.UUID(draft.image_attachment_id) if draft.image_attachment_id else None
        )
    with suppress(ValueError):
        if draft.discount.strip():
            value = (
                parse_percent(draft.discount)
                if draft.discount_kind == "percent"
                else parse_money(draft.discount, draft.currency)
            )
            offer.discount_value = max(0, value)
    with suppress(ValueError):
        if draft.original_price.strip():
            offer.original_price_minor = max(0, parse_money(draft.original_price, draft.currency))
    return offer


def offer_preview_row(
    offer: Offer, *, claimed: bool = False, zone: str = "UTC", now: dt.datetime | None = None
) -> dict[str, str]:
    """The flat row a chat thread renders for a message carrying ``offer`` (keys card_*),
    so the wizard's phone shows exactly what the customer will see."""
    card = chat_cards.offer_card(offer, claimed=claimed, zone=zone, now=now)
    return {
        "id": str(offer.id) if offer.id else "preview",
        "kind": str(MessageKind.OFFER),
        "sender_kind": "csr",
        **{f"card_{key}": value for key, value in card.items()},
    }


def store_offer_image(
    *, session: Session, enterprise_id: uuid.UUID, data: bytes, filename: str
) -> Attachment:
    """Keep an offer's picture: JPEG, PNG, GIF or WebP by its bytes, at most 5 MB."""
    if len(data) > MAX_IMAGE_BYTES:
        size = len(data) / (1024 * 1024)
        raise ValidationFailed(
            f"The image is too large ({size:.1f} MB); images are at most 5 MB.", field="image"
        )
    try:
        upload = attachments.classify_upload(data, filename)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, field="image") from None
    if upload.kind != MessageKind.IMAGE:
        raise ValidationFailed("Choose a JPEG, PNG, GIF or WebP image.", field="image")
    return attachments.store_attachment(
        session=session,
        enterprise_id=enterprise_id,
        data=data,
        filename=f"offer{upload.suffix}",
        content_type=upload.content_type,
    )


def image_url(attachment_id: str) -> str:
    """The signed path a page shows an offer image from ("" for none)."""
    return media.media_path(uuid.UUID(attachment_id)) if attachment_id else ""


def coupon_qr(code: str) -> str:
    """The coupon code as a QR image (an SVG data URI) for scanning at the till."""
    if not normal_code(code):
        return ""
    svg = qr.qr_image(normal_code(code), "svg", scale=4)
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def new_code(*, session: Session, enterprise_id: uuid.UUID) -> str:
    """A fresh coupon code for the wizard (readable, unused in this enterprise)."""
    return generate_code(session, enterprise_id)
