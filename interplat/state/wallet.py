"""The wallet page of a bill's customer: saved cards, the default, removing, adding."""

from __future__ import annotations

import asyncio
import uuid

import reflex as rx

from ..db import session_scope
from ..models import Enterprise
from ..services import bills, payments, wallet
from ..services.enterprises import BrandPublic, brand_of
from ..services.errors import DomainError
from .bill import card_row, leave_for

ADDING_SECONDS = 10  # how long the page waits for the provider to report a new card


def _read(token: str) -> tuple[BrandPublic, list[wallet.WalletCard]] | None:
    with session_scope() as session:
        try:
            customer = bills.bill_customer(session=session, token=token)
        except DomainError:
            return None
        enterprise = session.get(Enterprise, customer.enterprise_id)
        if enterprise is None:
            return None
        cards = wallet.list_cards(
            session=session, enterprise_id=enterprise.id, customer_id=customer.id
        )
        return brand_of(enterprise), cards


def _change(token: str, card_id: str, action: str) -> None:
    """``set_default`` or ``remove_card`` on a card of the bill's customer."""
    with session_scope() as session:
        customer = bills.bill_customer(session=session, token=token)
        try:
            chosen = uuid.UUID(card_id)
        except ValueError:
            chosen = uuid.uuid4()  # a malformed id is simply not in the wallet
        getattr(wallet, action)(
            session=session,
            enterprise_id=customer.enterprise_id,
            customer_id=customer.id,
            card_id=chosen,
        )


def _setup_url(token: str, return_url: str) -> str:
    with session_scope() as session:
        customer = bills.bill_customer(session=session, token=token)
        return payments.start_card_setup(
            session=session, customer_id=customer.id, return_url=return_url
        )


class WalletState(rx.State):
    view_state: str = "loading"  # loading | ok | missing
    brand_name: str = ""
    tagline: str = ""
    logo_url: str = ""
    primary_color: str = "#1F3A93"
    cards: list[dict[str, str]] = []
    removing: str = ""  # the card whose removal awaits confirmation
    error: str = ""
    adding: bool = False
    # Cards before leaving for the setup page (the tab's state outlives the round trip).
    cards_before: int = 0

    @rx.var
    def token(self) -> str:
        return self.router.url.path.rstrip("/").rsplit("/", 1)[-1]

    @rx.var
    def bill_path(self) -> str:
        return f"/bill/{self.token}"

    @rx.var
    def removing_label(self) -> str:
        return next((c["label"] for c in self.cards if c["id"] == self.removing), "")

    @rx.event
    async def load(self):
        self.error, self.removing, self.adding = "", "", False
        await self._refresh()
        back_from_setup = "setup" in self.router.url.query_parameters
        if self.view_state == "ok" and back_from_setup and len(self.cards) <= self.cards_before:
            self.adding = True
            return WalletState.wait_for_card
        return None

    async def _refresh(self) -> None:
        found = await asyncio.to_thread(_read, self.token)
        if found is None:
            self.view_state = "missing"
            return
        brand, cards = found
        self.brand_name, self.tagline = brand.brand_name, brand.tagline
        self.logo_url, self.primary_color = brand.logo_url, brand.primary_color
        self.cards = [card_row(card) for card in cards]
        self.view_state = "ok"

    @rx.event(background=True)
    async def wait_for_card(self):
        """Back from the provider's setup page: the card appears once its webhook lands."""
        for _ in range(ADDING_SECONDS):
            await asyncio.sleep(1)
            async with self:
                await self._refresh()
                if len(self.cards) > self.cards_before:
                    self.adding = False
                    return
        async with self:
            self.adding = False

    @rx.event
    async def make_default(self, card_id: str):
        return await self._apply(card_id, "set_default", "Default card changed.")

    @rx.event
    def ask_remove(self, card_id: str):
        self.removing = card_id

    @rx.event
    def keep_card(self):
        self.removing = ""

    @rx.event
    async def confirm_remove(self):
        card_id, self.removing = self.removing, ""
        return await self._apply(card_id, "remove_card", "Card removed.")

    async def _apply(self, card_id: str, action: str, done: str):
        self.error = ""
        try:
            await asyncio.to_thread(_change, self.token, card_id, action)
        except DomainError as exc:
            self.error = exc.message
            return None
        await self._refresh()
        return rx.toast.success(done)

    @rx.event
    async def add_card(self):
        """Off to the provider's page to save a card; it sends the customer back here."""
        return_url = self.router.url.origin + f"/wallet/{self.token}?setup=1"
        self.cards_before = len(self.cards)
        try:
            url = await asyncio.to_thread(_setup_url, self.token, return_url)
        except DomainError as exc:
            self.error = exc.message
            return None
        return leave_for(url)
