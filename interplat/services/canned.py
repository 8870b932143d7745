"""Canned content: reusable replies of a listing, found by title, shortcut or text."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from ..models import Attachment, CannedContent, Offer, utcnow
from .enterprises import get_listing
from .errors import Conflict, NotFound, ValidationFailed

MAX_TITLE_LENGTH = 200
MAX_BODY_LENGTH = 4000
MAX_PAGE_SIZE = 200
SHORTCUT_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")


@dataclass(frozen=True)
class CannedPublic:
    """A canned reply as the CSR console and the API show it."""

    id: str
    listing_id: str
    title: str
    shortcut: str
    body: str
    image_attachment_id: str | None
    offer_id: str | None
    created_at: str
    updated_at: str | None


@dataclass(frozen=True)
class _CannedFields:
    title: str
    shortcut: str
    body: str
    image_attachment_id: uuid.UUID | None
    offer_id: uuid.UUID | None


def create_canned(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    listing_id: uuid.UUID,
    title: str,
    body: str,
    shortcut: str = "",
    image_attachment_id: uuid.UUID | None = None,
    offer_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> CannedPublic:
    """A new canned reply in the listing."""
    get_listing(session=session, enterprise_id=enterprise_id, listing_id=listing_id)
    fields = _validated(
        session, enterprise_id, title, body, shortcut, image_attachment_id, offer_id
    )
    _refuse_taken_shortcut(session, listing_id, fields.shortcut, exclude_id=None)
    row = CannedContent(
        enterprise_id=enterprise_id,
        listing_id=listing_id,
        created_at=now or utcnow(),
        **vars(fields),
    )
    session.add(row)
    session.flush()
    return to_public(row)


def get_canned(
    *, session: Session, enterprise_id: uuid.UUID, listing_id: uuid.UUID, canned_id: uuid.UUID
) -> CannedPublic:
    """One canned reply of the listing."""
    return to_public(_row(session, enterprise_id, listing_id, canned_id))


def update_canned(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    listing_id: uuid.UUID,
    canned_id: uuid.UUID,
    title: str,
    body: str,
    shortcut: str = "",
    image_attachment_id: uuid.UUID | None = None,
    offer_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> CannedPublic:
    """Replace every field of a canned reply (omitted optional fields are cleared)."""
    row = _row(session, enterprise_id, listing_id, canned_id)
    fields = _validated(
        session, enterprise_id, title, body, shortcut, image_attachment_id, offer_id
    )
    _refuse_taken_shortcut(session, listing_id, fields.shortcut, exclude_id=row.id)
    for key, value in vars(fields).items():
        setattr(row, key, value)
    row.updated_at = now or utcnow()
    session.add(row)
    session.flush()
    return to_public(row)


def delete_canned(
    *, session: Session, enterprise_id: uuid.UUID, listing_id: uuid.UUID, canned_id: uuid.UUID
) -> None:
    """Remove a canned reply from the listing."""
    session.delete(_row(session, enterprise_id, listing_id, canned_id))
    session.flush()


def search_canned(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    listing_id: uuid.UUID,
    query: str = "",
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[CannedPublic], int]:
    """A page of the listing's canned replies matching ``query``, and how many match in all.

    Shortcut and title matches come first (an exact shortcut before the rest), then body
    matches; each group by title. A leading ``/`` in the query is the shortcut prefix.
    """
    get_listing(session=session, enterprise_id=enterprise_id, listing_id=listing_id)
    term = query.strip().lstrip("/").strip()
    where: list[Any] = [
        CannedContent.enterprise_id == enterprise_id,
        CannedContent.listing_id == listing_id,
    ]
    rank: Any = sa.literal(0)
    if term:
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", term) + "%"
        in_shortcut = col(CannedContent.shortcut).ilike(pattern, escape="\\")
        in_title = col(CannedContent.title).ilike(pattern, escape="\\")
        in_body = col(CannedContent.body).ilike(pattern, escape="\\")
        where.append(sa.or_(in_shortcut, in_title, in_body))
        rank = sa.case(
            (col(CannedContent.shortcut) == term.lower(), 0),
            (sa.or_(in_shortcut, in_title), 1),
            else_=2,
        )
    total = session.exec(select(func.count()).select_from(CannedContent).where(*where)).one()
    rows = session.exec(
        select(CannedContent)
        .where(*where)
        .order_by(rank, func.lower(CannedContent.title), col(CannedContent.id))
        .offset(max(offset, 0))
        .limit(min(max(limit, 0), MAX_PAGE_SIZE))
    ).all()
    return [to_public(row) for row in rows], int(total)


def to_public(row: CannedContent) -> CannedPublic:
    return CannedPublic(
        id=str(row.id),
        listing_id=str(row.listing_id),
        title=row.title,
        shortcut=row.shortcut,
        body=row.body,
        image_attachment_id=str(row.image_attachment_id) if row.image_attachment_id else None,
        offer_id=str(row.offer_id) if row.offer_id else None,
        created_at=row.created_at.isoformat(),
        updated_at=row.updated_at.isoformat() if row.updated_at else None,
    )


def _row(
    session: Session, enterprise_id: uuid.UUID, listing_id: uuid.UUID, canned_id: uuid.UUID
) -> CannedContent:
    row = session.get(CannedContent, canned_id)
    if row is None or row.enterprise_id != enterprise_id or row.listing_id != listing_id:
        raise NotFound("Canned reply not found.")
    return row


def _validated(
    session: Session,
    enterprise_id: uuid.UUID,
    title: str,
    body: str,
    shortcut: str,
    image_attachment_id: uuid.UUID | None,
    offer_id: uuid.UUID | None,
) -> _CannedFields:
    title, body = title.strip(), body.strip()
    if not title:
        raise ValidationFailed("Give the canned reply a title.", field="title")
    if len(title) > MAX_TITLE_LENGTH:
        raise ValidationFailed(f"Titles are at most {MAX_TITLE_LENGTH} characters.", field="title")
    if len(body) > MAX_BODY_LENGTH:
        raise ValidationFailed(f"The text is at most {MAX_BODY_LENGTH} characters.", field="body")
    if not body and image_attachment_id is None and offer_id is None:
        raise ValidationFailed("Write the reply text, or attach an image or offer.", field="body")
    if image_attachment_id is not None:
        image = session.get(Attachment, image_attachment_id)
        if image is None or image.enterprise_id != enterprise_id:
            raise ValidationFailed("Choose an image from your files.", field="image_attachment_id")
        if not image.content_type.startswith("image/"):
            raise ValidationFailed(
                "The attached file is not an image.", field="image_attachment_id"
            )
    if offer_id is not None:
        offer = session.get(Offer, offer_id)
        if offer is None or offer.enterprise_id != enterprise_id:
            raise ValidationFailed("Choose one of your offers.", field="offer_id")
    return _CannedFields(title, _shortcut(shortcut), body, image_attachment_id, offer_id)


def _shortcut(raw: str) -> str:
    shortcut = raw.strip().removeprefix("/").lower()
    if shortcut and not SHORTCUT_RE.match(shortcut):
        raise ValidationFailed(
            "Shortcuts are up to 50 lowercase letters, digits, - or _, starting with a letter or digit.",
            field="shortcut",
        )
    return shortcut


def _refuse_taken_shortcut(
    session: Session, listing_id: uuid.UUID, shortcut: str, *, exclude_id: uuid.UUID | None
) -> None:
    if not shortcut:
        return
    taken = select(CannedContent.id).where(
        CannedContent.listing_id == listing_id, CannedContent.shortcut == shortcut
    )
    if exclude_id is not None:
        taken = taken.where(CannedContent.id != exclude_id)
    if session.exec(taken).first() is not None:
        raise Conflict(f"Another canned reply in this listing already uses /{shortcut}.")
