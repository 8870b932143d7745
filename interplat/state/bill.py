"""The customer's bill page: see the bill, pay it with a wallet card or a new one."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import reflex as rx

from ..db import session_scope
from ..services import bills, payment_requests
from ..services.errors import DomainError
from ..services.payment_provider import ProviderError
from .customer import CustomerChatState

WATCH_SECONDS = 20  # how long "Processing…" waits for the processor's webhook
CANCELLED = "This payment was not completed. Nothing was charged; you can try again."
SLOW = "Your payment is still processing. We will post the receipt in your chat when it clears."


def _open(token: str, cookie: str) -> bills.BillView | None:
    with session_scope() as session:
        try:
            return bills.open_bill(session=session, token=token, cookie=cookie)
        except DomainError:
            return None


def _outcome(token: str, payment_id: str) -> bills.PaymentOutcome | None:
    with session_scope() as session:
        try:
            return bills.payment_outcome(session=session, token=token, payment_id=payment_id)
        except DomainError:
            return None


def leave_for(url: str) -> rx.event.EventSpec:
    """A full page load of ``url`` in this tab (the processor's page is not one of ours:
    ``rx.redirect`` would route it inside the app)."""
    return rx.call_script(f"window.location.assign({json.dumps(url)})")


def line_row(line: bills.BillLine) -> dict[str, str]:
    return {
        "description": line.description,
        "quantity": str(line.quantity),
        "unit": line.unit,
        "amount": line.amount,
    }


def card_row(card: Any) -> dict[str, str]:
    return {
        "id": card.id,
        "label": card.label,
        "expiry": card.expiry,
        "default": "1" if card.is_default else "",
        "expired": "1" if card.expired else "",
    }


class BillState(rx.State):
    view_state: str = "loading"  # loading | ok | missing
    brand_name: str = ""
    tagline: str = ""
    logo_url: str = ""
    primary_color: str = "#1F3A93"
    invoice_number: str = ""
    description: str = ""
    lines: list[dict[str, str]] = []
    total: str = ""
    status: str = ""
    status_label: str = ""
    payable: bool = False
    due: str = ""
    overdue: bool = False
    paid_at: str = ""
    chat_path: str = ""
    cards: list[dict[str, str]] = []
    selected_card: str = ""
    save_card: bool = False  # saving a card is the payer's choice, never the default
    # "" (the bill), "processing" (waiting for the processor), "slow" (still waiting).
    phase: str = ""
    pay_error: str = ""
    notice: str = ""
    paying: bool = False
    chat_open: bool = False
    payment_id: str = ""

    @rx.var
    def token(self) -> str:
        return self.router.url.path.rstrip("/").rsplit("/", 1)[-1]

    @rx.var
    def wallet_path(self) -> str:
        return f"/wallet/{self.token}"

    @rx.var
    def pay_label(self) -> str:
        chosen = next((c for c in self.cards if c["id"] == self.selected_card), None)
        return f"Pay {self.total} with {chosen['label']}" if chosen else f"Pay {self.total}"

    @rx.event
    async def load(self):
        self.pay_error, self.notice, self.phase, self.paying, self.chat_open = (
            "",
            "",
            "",
            False,
            False,
        )
        await self._refresh()
        query = self.router.url.query_parameters
        self.payment_id = query.get("payment", "")[:36]
        if self.view_state != "ok" or not self.payment_id:
            return None
        if query.get("status", "") in ("cancelled", "canceled", "cancel"):
            self.notice = CANCELLED
            return None
        self.phase = "processing"
        return BillState.watch_payment

    async def _refresh(self) -> None:
        cookie = (await self.get_state(CustomerChatState)).chat_session
        view = await asyncio.to_thread(_open, self.token, cookie)
        if view is None:
            self.view_state = "missing"
            return
        self.apply_view(view)
        self.view_state = "ok"

    def apply_view(self, view: bills.BillView) -> None:
        brand = view.brand
        self.brand_name, self.tagline = brand.brand_name, brand.tagline
        self.logo_url, self.primary_color = brand.logo_url, brand.primary_color
        self.invoice_number, self.description = view.invoice_number, view.description
        self.lines = [line_row(line) for line in view.lines]
        self.total, self.status, self.status_label = view.total, view.status, view.status_label
        self.payable, self.due, self.overdue = view.payable, view.due, view.overdue
        self.paid_at, self.chat_path = view.paid_at, view.chat_path
        self.cards = [card_row(card) for card in view.cards if not card.expired]
        if self.selected_card not in {c["id"] for c in self.cards}:
            self.selected_card = view.default_card_id

    @rx.event
    def choose_card(self, card_id: str):
        self.selected_card, self.pay_error = card_id, ""

    @rx.event
    def set_save_card(self, checked: bool):
        self.save_card = checked

    @rx.event
    def toggle_chat(self):
        self.chat_open = not self.chat_open

    @rx.event
    async def pay_saved(self):
        """One tap: the chosen wallet card is charged at once."""
        if self.paying or not self.payable or not self.selected_card:
            return None
        self.paying, self.pay_error, self.notice = True, "", ""
        token, card_id = self.token, self.selected_card

        def pay() -> Any:
            with session_scope() as session:
                return bills.pay_with_saved_card(session=session, token=token, card_id=card_id)

        try:
            start = await asyncio.to_thread(pay)
        except (DomainError, ProviderError) as exc:
            self.paying = False
            self.pay_error = getattr(exc, "message", "") or "We could not reach the processor."
            return None
        return await self._started(start)

    @rx.event
    async def pay_new(self):
        """A new card: off to the processor's hosted page, which sends the payer back here."""
        if self.paying or not self.payable:
            return None
        self.paying, self.pay_error, self.notice = True, "", ""
        token, save = self.token, self.save_card
        return_url = self.router.url.origin + payment_requests.bill_path(token)

        def start() -> Any:
            with session_scope() as session:
                return bills.pay_with_new_card(
                    session=session, token=token, return_url=return_url, save_card=save
                )

        try:
            started = await asyncio.to_thread(start)
        except (DomainError, ProviderError) as exc:
            self.paying = False
            self.pay_error = getattr(exc, "message", "") or "We could not reach the processor."
            return None
        return await self._started(started)

    async def _started(self, start: Any):
        if start.status in ("redirect", "requires_action") and start.url:
            return leave_for(start.url)
        self.paying = False
        if start.status == "failed":
            self.pay_error = start.message or "Your card was declined."
            await self._refresh()
            return None
        self.payment_id, self.phase = str(start.payment_id), "processing"
        return BillState.watch_payment

    @rx.event(background=True)
    async def watch_payment(self):
        """Ask every second until the payment settles: the receipt, or the decline."""
        async with self:
            token, payment_id = self.token, self.payment_id
        for _ in range(WATCH_SECONDS):
            outcome = await asyncio.to_thread(_outcome, token, payment_id)
            if outcome is not None and outcome.status == "succeeded" and outcome.receipt_path:
                return rx.redirect(outcome.receipt_path)
            if outcome is None or outcome.status == "failed":
                async with self:
                    self.phase = ""
                    self.pay_error = (
                        outcome.message if outcome else "We could not find this payment."
                    )
                    await self._refresh()
                return None
            await asyncio.sleep(1)
        async with self:
            self.phase, self.notice = "slow", SLOW
        return None
