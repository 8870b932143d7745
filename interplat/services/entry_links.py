"""Permanent entry links a listing embeds in its channels (website, email, posters, apps)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, select

from .. import routes
from ..models import Channel, ShortLink
from . import links
from .enterprises import get_listing

ENTRY_CHANNELS = (
    Channel.WEBSITE,
    Channel.EMAIL,
    Channel.QR,
    Channel.SOCIAL,
    Channel.ENTERPRISE_APP,
)


@dataclass(frozen=True)
class EntryLink:
    channel: str
    code: str
    url: str


def entry_links(
    *, session: Session, enterprise_id: uuid.UUID, listing_id: uuid.UUID, base_url: str
) -> list[EntryLink]:
    """One live link per entry channel of the listing, made on first request and kept."""
    get_listing(session=session, enterprise_id=enterprise_id, listing_id=listing_id)
    existing = {
        row.channel: row
        for row in session.exec(
            select(ShortLink).where(
                ShortLink.listing_id == listing_id,
                col(ShortLink.ticket_id).is_(None),
                col(ShortLink.revoked_at).is_(None),
                col(ShortLink.expires_at).is_(None),
            )
        ).all()
    }
    out = []
    for channel in ENTRY_CHANNELS:
        row = existing.get(channel)
        if row is None:
            row = links.create_short_link(
                session=session, enterprise_id=enterprise_id, channel=channel, ttl=None
            )
            row.listing_id = listing_id
            session.add(row)
        out.append(EntryLink(str(channel), row.code, routes.chat_url(base_url, row.code)))
    session.flush()
    return out
