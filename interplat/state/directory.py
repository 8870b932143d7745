"""The customer app's directory of enterprises, and one enterprise's public offers."""

from __future__ import annotations

import asyncio

import reflex as rx

from ..db import session_scope
from ..services import chat_sessions, directory
from ..services.errors import NotFound
from .customer import CustomerChatState


def _entry_row(entry: directory.DirectoryEntry) -> dict[str, str]:
    brand = entry.brand
    return {
        "slug": brand.slug,
        "brand_name": brand.brand_name,
        "tagline": brand.tagline,
        "logo_url": brand.logo_url,
        "initial": brand.brand_name[:1].upper(),
        "primary_color": brand.primary_color,
        "chat_path": entry.chat_path,
        "offers_path": entry.offers_path,
    }


def _pending_row(chat: chat_sessions.PendingChat) -> dict[str, str]:
    return {
        "brand_name": chat.brand_name,
        "logo_url": chat.logo_url,
        "initial": chat.brand_name[:1].upper(),
        "primary_color": chat.primary_color,
        "reference": chat.reference,
        "preview": chat.preview,
        "path": f"/c/{chat.code}",
    }


def _read_directory(query: str, cookie: str) -> tuple[directory.Directory, list]:
    with session_scope() as session:
        found = directory.search_directory(session=session, query=query)
        pending = chat_sessions.pending_chats(session=session, cookie=cookie)
        return found, pending


class DirectoryState(rx.State):
    loaded: bool = False
    query: str = ""
    entries: list[dict[str, str]] = []
    pending: list[dict[str, str]] = []
    more: bool = False

    @rx.event
    async def load(self):
        """On open: the directory for the current search, and this browser's open chats."""
        await self._refresh()

    @rx.event
    async def search(self, form: dict[str, str]):
        self.query = " ".join(str(form.get("q", "")).split())[: directory.MAX_QUERY_LENGTH]
        await self._refresh()

    @rx.event
    async def clear_search(self):
        self.query = ""
        await self._refresh()
        return rx.set_value("directory-search", "")

    async def _refresh(self) -> None:
        cookie = (await self.get_state(CustomerChatState)).chat_session
        found, pending = await asyncio.to_thread(_read_directory, self.query, cookie)
        self.entries = [_entry_row(entry) for entry in found.entries]
        self.more = found.more
        self.pending = [_pending_row(chat) for chat in pending]
        self.loaded = True


def _offer_row(offer: directory.OfferPublic) -> dict[str, str]:
    return {
        "id": offer.id,
        "title": offer.title,
        "body": offer.body,
        "terms": offer.terms,
        "image_url": offer.image_url,
        "expires": f"Until {offer.expires}" if offer.expires else "",
        "redemption_url": offer.redemption_url,
    }


def _read_offers(slug: str) -> directory.EnterpriseOffers | None:
    with session_scope() as session:
        try:
            return directory.enterprise_offers(session=session, slug=slug)
        except NotFound:
            return None


class PublicOffersState(rx.State):
    view_state: str = "loading"  # loading | ok | missing
    brand_name: str = ""
    tagline: str = ""
    logo_url: str = ""
    primary_color: str = "#1F3A93"
    chat_path: str = ""
    offers: list[dict[str, str]] = []

    @rx.event
    async def load(self):
        parts = self.router.url.path.rstrip("/").split("/")
        slug = parts[-2] if len(parts) >= 2 else ""
        found = await asyncio.to_thread(_read_offers, slug)
        if found is None:
            self.view_state, self.offers = "missing", []
            return
        brand = found.brand
        self.brand_name, self.tagline = brand.brand_name, brand.tagline
        self.logo_url, self.primary_color = brand.logo_url, brand.primary_color
        self.chat_path = found.chat_path
        self.offers = [_offer_row(offer) for offer in found.offers]
        self.view_state = "ok"
