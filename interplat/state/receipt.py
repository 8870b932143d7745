"""The customer's receipt page."""

from __future__ import annotations

import asyncio

import reflex as rx

from ..db import session_scope
from ..services import receipts_view
from ..services.errors import DomainError
from .bill import line_row


def _read(token: str) -> receipts_view.ReceiptView | None:
    with session_scope() as session:
        try:
            return receipts_view.receipt_view(session=session, token=token)
        except DomainError:
            return None


class ReceiptState(rx.State):
    view_state: str = "loading"  # loading | ok | missing
    brand_name: str = ""
    tagline: str = ""
    logo_url: str = ""
    primary_color: str = "#1F3A93"
    number: str = ""
    amount: str = ""
    card: str = ""
    paid_at: str = ""
    invoice_number: str = ""
    description: str = ""
    lines: list[dict[str, str]] = []
    total: str = ""
    refunds: list[dict[str, str]] = []
    refunded: str = ""

    @rx.event
    async def load(self):
        token = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        view = await asyncio.to_thread(_read, token)
        if view is None:
            self.view_state = "missing"
            return
        brand = view.brand
        self.brand_name, self.tagline = brand.brand_name, brand.tagline
        self.logo_url, self.primary_color = brand.logo_url, brand.primary_color
        self.number, self.amount, self.card, self.paid_at = (
            view.number,
            view.amount,
            view.card,
            view.paid_at,
        )
        self.invoice_number, self.description = view.invoice_number, view.description
        self.lines = [line_row(line) for line in view.lines]
        self.total, self.refunded = view.total, view.refunded
        self.refunds = [
            {"amount": r.amount, "when": r.when, "status": r.status} for r in view.refunds
        ]
        self.view_state = "ok"
