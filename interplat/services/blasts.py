"""Chat blasts: a message (and an offer, image or link) sent to a targeted set of customers.

``create_blast`` saves a draft, ``start_blast`` queues it, and ``run_blasts`` (the
scheduler, every worker, every tick) does the sending in two resumable steps: first one
``BlastRecipient`` row per targeted customer (the unique key makes a second pass skip the
ones already there), then each pending recipient in its own short transaction — the
thread message, any SMS and the recipient's "sent" mark commit together, so a job that
dies mid-way and runs again never sends anyone the blast twice.

``ChatBlast`` has no columns for the blast's name or a non-offer attachment: both live in
``target_params`` (``name``, ``attachment``) next to the audience.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import Attachment, ChatBlast, Customer, Offer, OfferStatus, StoreLocation, utcnow
from . import events, targeting
from .access import require_workspace
from .auth import Principal
from .errors import Conflict, NotFound, ValidationFailed

MAX_NAME, MAX_MESSAGE, MAX_URL = 200, 1000, 500
ATTACHMENTS = ("none", "offer", "image", "url")
RUNNING = ("queued", "sending")


@dataclass(frozen=True)
class BlastDraft:
    """What the "New blast" form or a test sends."""

    name: str
    message: str
    audience: targeting.Audience
    attachment: str = "none"
    offer_id: str = ""
    image_id: str = ""  # an Attachment already stored (images only)
    url: str = ""


@dataclass(frozen=True)
class Preview:
    eligible: int
    excluded: dict[str, int]

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())

    def summary(self) -> str:
        """ "312 will receive it · 14 excluded: 9 left the loop, 5 SMS STOP"."""
        text = f"{self.eligible:,} will receive it"
        if self.excluded_total:
            reasons = ", ".join(f"{n:,} {why}" for why, n in self.excluded.items())
            text += f" · {self.excluded_total:,} excluded: {reasons}"
        return text


def checked_url(raw: str) -> str:
    url = raw.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > MAX_URL:
        raise ValidationFailed("Give a web address starting with http:// or https://.", field="url")
    return url


def sendable_offer(session: Session, enterprise_id: uuid.UUID, offer_id: str) -> Offer:
    """One of the enterprise's published offers that has not expired."""
    try:
        offer = session.get(Offer, uuid.UUID(offer_id))
    except ValueError:
        offer = None
    if offer is None or offer.enterprise_id != enterprise_id:
        raise NotFound("Choose one of your offers.")
    if offer.status != OfferStatus.PUBLISHED:
        raise ValidationFailed("Only a published offer can be sent.", field="offer_id")
    if offer.expires_at is not None and offer.expires_at <= utcnow():
        raise ValidationFailed("This offer has expired.", field="offer_id")
    return offer


def _image(session: Session, enterprise_id: uuid.UUID, image_id: str) -> Attachment:
    try:
        image = session.get(Attachment, uuid.UUID(image_id))
    except ValueError:
        image = None
    if image is None or image.enterprise_id != enterprise_id:
        raise ValidationFailed("Add an image.", field="image")
    if not image.content_type.startswith("image/"):
        raise ValidationFailed("Only images can be attached.", field="image")
    return image


def _attachment(session: Session, enterprise_id: uuid.UUID, draft: BlastDraft) -> dict[str, str]:
    if draft.attachment not in ATTACHMENTS:
        raise ValidationFailed("Choose what to attach.", field="attachment")
    if draft.attachment == "offer":
        return {
            "kind": "offer",
            "offer_id": str(sendable_offer(session, enterprise_id, draft.offer_id).id),
        }
    if draft.attachment == "image":
        return {"kind": "image", "image_id": str(_image(session, enterprise_id, draft.image_id).id)}
    if draft.attachment == "url":
        return {"kind": "url", "url": checked_url(draft.url)}
    return {"kind": "none"}


def check_text(name: str, message: str) -> tuple[str, str]:
    name, message = name.strip(), message.strip()
    if not 1 <= len(name) <= MAX_NAME:
        raise ValidationFailed(f"Name the blast (1–{MAX_NAME} characters).", field="name")
    if not 1 <= len(message) <= MAX_MESSAGE:
        raise ValidationFailed(
            f"Write the message (1–{MAX_MESSAGE:,} characters).", field="message"
        )
    if "\x00" in name + message:
        raise ValidationFailed("Please type the text again.", field="message")
    return name, message


def preview_blast(
    *, session: Session, principal: Principal, audience: targeting.Audience
) -> Preview:
    """How many the audience reaches now, and how many are excluded and why."""
    require_workspace(principal)
    chosen = targeting.target(session=session, principal=principal, audience=audience)
    return Preview(len(chosen.eligible), chosen.excluded_counts())


def create_blast(
    *, session: Session, principal: Principal, draft: BlastDraft, now: dt.datetime | None = None
) -> ChatBlast:
    """Save a checked draft blast (nothing is sent until ``start_blast``)."""
    require_workspace(principal)
    name, message = check_text(draft.name, draft.message)
    attachment = _attachment(session, principal.enterprise_id, draft)
    blast = ChatBlast(
        enterprise_id=principal.enterprise_id,
        created_by_id=principal.user_id,
        offer_id=uuid.UUID(attachment["offer_id"]) if "offer_id" in attachment else None,
        body=message,
        target_kind=draft.audience.kind,
        target_params={
            "name": name,
            "attachment": attachment,
            **draft.audience.to_params(),
            # Who chose the audience decides whose loop "loop" means when the job runs.
            "role": principal.role,
            "author": principal.full_name,
        },
        status="draft",
        created_at=now or utcnow(),
    )
    session.add(blast)
    session.flush()
    return blast


def get_blast(*, session: Session, enterprise_id: uuid.UUID, blast_id: uuid.UUID) -> ChatBlast:
    blast = session.get(ChatBlast, blast_id)
    if blast is None or blast.enterprise_id != enterprise_id:
        raise NotFound("Blast not found.")
    return blast


def start_blast(
    *, session: Session, principal: Principal, blast_id: uuid.UUID, now: dt.datetime | None = None
) -> ChatBlast:
    """Queue a draft for the background job; starting it twice is refused."""
    require_workspace(principal)
    blast = get_blast(session=session, enterprise_id=principal.enterprise_id, blast_id=blast_id)
    if blast.status != "draft":
        raise Conflict("This blast was sent already.")
    if blast.offer_id is not None:
        sendable_offer(session, blast.enterprise_id, str(blast.offer_id))
    blast.status, blast.started_at = "queued", now or utcnow()
    session.add(blast)
    session.flush()
    events.publish(
        session, "blast.progress", blast.enterprise_id, blast_id=str(blast.id), done=0, total=0
    )
    return blast


def blast_name(blast: ChatBlast) -> str:
    return str((blast.target_params or {}).get("name") or "Blast")


def running_blast_ids(session: Session) -> list[uuid.UUID]:
    return list(
        session.exec(
            select(ChatBlast.id)
            .where(col(ChatBlast.status).in_(RUNNING))
            .order_by(col(ChatBlast.started_at))
        ).all()
    )


def choices(*, session: Session, principal: Principal) -> tuple[list[Offer], list[StoreLocation]]:
    """What the "New blast" form offers: sendable offers and the enterprise's stores."""
    require_workspace(principal)
    now = utcnow()
    offers = [
        o
        for o in session.exec(
            select(Offer)
            .where(
                Offer.enterprise_id == principal.enterprise_id,
                Offer.status == OfferStatus.PUBLISHED,
            )
            .order_by(col(Offer.title))
        ).all()
        if o.expires_at is None or o.expires_at > now
    ]
    stores = session.exec(
        select(StoreLocation)
        .where(StoreLocation.enterprise_id == principal.enterprise_id)
        .order_by(col(StoreLocation.name))
    ).all()
    return offers, list(stores)


def search_customers(
    *, session: Session, principal: Principal, text: str, limit: int = 8
) -> list[Customer]:
    """The enterprise's customers by name, phone or email, for hand-picking."""
    require_workspace(principal)
    text = text.strip()[:100]
    if len(text) < 2:
        return []
    like = f"%{text}%"
    return list(
        session.exec(
            select(Customer)
            .where(
                Customer.enterprise_id == principal.enterprise_id,
                sa.or_(
                    col(Customer.first_name).ilike(like),
                    col(Customer.last_name).ilike(like),
                    col(Customer.phone).ilike(like),
                    col(Customer.email).ilike(like),
                ),
            )
            .order_by(col(Customer.first_name), col(Customer.last_name))
            .limit(limit)
        ).all()
    )
