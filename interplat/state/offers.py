"""The offers page: the enterprise's offers searched, filtered, copied and archived."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
import zoneinfo
from collections.abc import Callable
from typing import Any

import reflex as rx
from sqlmodel import Session

from .. import routes
from ..db import session_scope
from ..models import Offer, utcnow
from ..services import access, chat_cards, offers
from ..services.auth import Principal
from ..services.errors import DomainError, NotAuthenticated
from .auth import AuthState
from .paging import page_range

PAGE_SIZE = 20
VISIBILITY_LABELS = {
    "draft": "Draft only",
    "blast": "For chat blasts",
    "loop": "My loop",
    "all": "All customers",
}


def offer_row(offer: Offer, zone: zoneinfo.ZoneInfo, now: dt.datetime) -> dict[str, str]:
    """An offer as the list renders it: strings only, the expiry on the enterprise's calendar."""
    expired = offer.expires_at is not None and offer.expires_at <= now
    return {
        "id": str(offer.id),
        "title": offer.title,
        "excerpt": offer.body if len(offer.body) <= 120 else offer.body[:117].rstrip() + "…",
        "image_url": offers.image_url(str(offer.image_attachment_id or "")),
        "deal": chat_cards.deal_text(offer),
        "code": offer.coupon_code,
        "redemption": offer.redemption_kind,
        "expires": f"{offer.expires_at.astimezone(zone):%b %-d, %Y}" if offer.expires_at else "",
        # What the badge says: archived and expired outrank the saved status.
        "state": "archived"
        if offer.status == "archived"
        else ("expired" if expired else offer.status),
        "visibility": VISIBILITY_LABELS.get(offer.visibility, offer.visibility),
        "edit_href": routes.offer_edit_path(offer.id),
    }


def _run(enterprise_id: uuid.UUID, work: Callable[[Session, uuid.UUID], Any]) -> Any:
    with session_scope() as session:
        return work(session, enterprise_id)


def _page(enterprise_id: uuid.UUID, search: str, status: str, offset: int):
    with session_scope() as session:
        zone = offers.zone_of(session, enterprise_id)
        page = offers.list_offers(
            session=session,
            enterprise_id=enterprise_id,
            search=search,
            status=status,
            offset=offset,
            limit=PAGE_SIZE,
        )
        now = utcnow()
        return [offer_row(o, zone, now) for o in page.items], page.total


class OffersState(rx.State):
    rows: list[dict[str, str]] = []
    total: int = 0
    offset: int = 0
    search: str = ""
    status: str = "current"
    loaded: bool = False
    error: str = ""
    confirm_id: str = ""
    confirm_title: str = ""

    @rx.var
    def range_label(self) -> str:
        return page_range(self.offset, len(self.rows), self.total)

    @rx.var
    def has_previous(self) -> bool:
        return self.offset > 0

    @rx.var
    def has_next(self) -> bool:
        return self.offset + PAGE_SIZE < self.total

    @rx.event
    async def load(self):
        return await self._refresh(keep_offset=True)

    @rx.event
    async def set_search(self, value: str):
        self.search = value[:200]
        return await self._refresh()

    @rx.event
    async def set_status(self, value: str):
        self.status = value if value in offers.STATUS_FILTERS else "current"
        return await self._refresh()

    @rx.event
    async def next_page(self):
        if self.has_next:
            self.offset += PAGE_SIZE
        return await self._refresh(keep_offset=True)

    @rx.event
    async def previous_page(self):
        self.offset = max(0, self.offset - PAGE_SIZE)
        return await self._refresh(keep_offset=True)

    @rx.event
    async def duplicate(self, offer_id: str):
        """A draft copy of the offer, opened in the wizard to adjust."""
        try:
            principal = await self._principal()
            copy = await asyncio.to_thread(
                _run,
                principal.enterprise_id,
                lambda s, e: offers.duplicate_offer(
                    session=s,
                    enterprise_id=e,
                    offer_id=uuid.UUID(offer_id),
                    created_by_id=principal.user_id,
                ),
            )
        except (DomainError, ValueError) as exc:
            return rx.toast.error(getattr(exc, "message", "This offer does not exist."))
        await self._refresh(keep_offset=True)
        return rx.toast.success(f"Saved “{copy.title}” as a draft.")

    @rx.event
    def ask_archive(self, offer_id: str, title: str):
        self.confirm_id, self.confirm_title = offer_id, title

    @rx.event
    def cancel_archive(self):
        self.confirm_id = self.confirm_title = ""

    @rx.event
    async def archive(self):
        """Archive the offer the confirmation names (its chat cards then show it ended)."""
        offer_id, self.confirm_id = self.confirm_id, ""
        return await self._set_archived(offer_id, True, "Archived")

    @rx.event
    async def unarchive(self, offer_id: str):
        return await self._set_archived(offer_id, False, "Restored")

    async def _set_archived(self, offer_id: str, archived: bool, verb: str):
        try:
            principal = await self._principal()
            offer = await asyncio.to_thread(
                _run,
                principal.enterprise_id,
                lambda s, e: offers.set_archived(
                    session=s, enterprise_id=e, offer_id=uuid.UUID(offer_id), archived=archived
                ),
            )
        except (DomainError, ValueError) as exc:
            return rx.toast.error(getattr(exc, "message", "This offer does not exist."))
        await self._refresh(keep_offset=True)
        return rx.toast.success(f"{verb} “{offer.title}”.")

    async def _principal(self) -> Principal:
        auth = await self.get_state(AuthState)
        return access.require_workspace(auth.principal())

    async def _refresh(self, keep_offset: bool = False):
        if not keep_offset:
            self.offset = 0
        try:
            principal = await self._principal()
            self.rows, self.total = await asyncio.to_thread(
                _page, principal.enterprise_id, self.search, self.status, self.offset
            )
            if not self.rows and self.offset > 0:
                self.offset = max(0, (self.total - 1) // PAGE_SIZE * PAGE_SIZE)
                self.rows, self.total = await asyncio.to_thread(
                    _page, principal.enterprise_id, self.search, self.status, self.offset
                )
        except NotAuthenticated:
            return rx.redirect(routes.login_path(routes.OFFERS))
        except DomainError as exc:
            self.error, self.rows, self.total = exc.message, [], 0
        else:
            self.error = ""
        self.loaded = True
        return None
