"""The customer app's directory of enterprises, and one enterprise's public offers."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import reflex as rx

from ..db import session_scope
from ..models import utcnow
from ..services import billing_accounts, chat_sessions, directory
from ..services.errors import DomainError, NotFound
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


def _bill_row(bill: billing_accounts.BillDue) -> dict[str, str]:
    return {
        "brand_name": bill.brand_name,
        "initial": bill.brand_name[:1].upper(),
        "primary_color": bill.primary_color,
        "invoice": bill.invoice_number,
        "description": bill.description,
        "amount": bill.amount,
        "due": bill.due,
        "path": bill.path,
    }


def _read_directory(query: str, cookie: str) -> tuple[directory.Directory, list, list]:
    with session_scope() as session:
        found = directory.search_directory(session=session, query=query)
        pending = chat_sessions.pending_chats(session=session, cookie=cookie)
        bills = billing_accounts.bills_due(session=session, cookie=cookie)
        return found, pending, bills


def _link(slug: str, form: dict[str, str], failures: list[dt.datetime]) -> str:
    """The linked customer's id (raises the service's errors)."""
    with session_scope() as session:
        customer = billing_accounts.link_account(
            session=session,
            slug=slug,
            account_reference=str(form.get("account", "")),
            second_factor=str(form.get("check", "")),
            failures=failures,
        )
        return str(customer.id)


class DirectoryState(rx.State):
    loaded: bool = False
    query: str = ""
    entries: list[dict[str, str]] = []
    pending: list[dict[str, str]] = []
    more: bool = False
    bills: list[dict[str, str]] = []
    # "Pay a bill" with one business: its slug and name while the link form is open.
    link_slug: str = ""
    link_name: str = ""
    link_error: str = ""
    # This browser session's wrong account tries (the service limits them).
    _link_failures: list[dt.datetime] = []

    @rx.event
    def open_link(self, slug: str, name: str):
        self.link_slug, self.link_name, self.link_error = slug, name, ""

    @rx.event
    def close_link(self):
        self.link_slug, self.link_error = "", ""

    @rx.event
    async def link_account(self, form: dict[str, str]):
        """Check the account the business issued; on success remember the customer in
        this browser and list their bills."""
        now = utcnow()
        failures = billing_accounts.recent_failures(self._link_failures, now)
        try:
            customer_id = await asyncio.to_thread(_link, self.link_slug, form, failures)
        except billing_accounts.TooManyAttempts as exc:
            self.link_error = exc.message
            return None
        except DomainError as exc:
            self._link_failures = [*failures, now]
            self.link_error = exc.message
            return None
        chat = await self.get_state(CustomerChatState)
        chat.chat_session = chat_sessions.remember(chat.chat_session, uuid.UUID(customer_id))
        # Failures stay counted: one good account must not reset the limit for guessing others.
        self.link_slug, self.link_error = "", ""
        await self._refresh()
        return rx.toast.success(f"Account linked with {self.link_name}.")

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
        found, pending, bills = await asyncio.to_thread(_read_directory, self.query, cookie)
        self.bills = [_bill_row(bill) for bill in bills]
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
