"""The customer's receipt (phone first, printable)."""

from __future__ import annotations

import reflex as rx

from ..components.billing import brand_band, line_items, missing_panel
from ..components.customer import customer_layout, hosted_mark
from ..state.receipt import ReceiptState as R


def _fact(label: str, value: rx.Var, testid: str) -> rx.Component:
    return rx.hstack(
        rx.text(label, size="2", color_scheme="gray"),
        rx.spacer(),
        rx.text(value, size="2", weight="medium", data_testid=testid, text_align="right"),
        width="100%",
    )


def _refunds() -> rx.Component:
    return rx.cond(
        R.refunds.length() > 0,
        rx.vstack(
            rx.text("Refunds", weight="bold", size="2"),
            rx.foreach(
                R.refunds,
                lambda r: rx.hstack(
                    rx.text(r["when"], size="2"),
                    rx.spacer(),
                    rx.text("−", r["amount"], size="2"),
                    rx.cond(r["status"] != "succeeded", rx.badge(r["status"], size="1")),
                    width="100%",
                    data_testid="receipt-refund",
                ),
            ),
            _fact("Refunded in total", R.refunded, "receipt-refunded"),
            spacing="2",
            width="100%",
        ),
    )


def _receipt() -> rx.Component:
    return rx.vstack(
        rx.vstack(
            rx.icon("circle-check", size=40, color=rx.color("green", 9)),
            rx.heading("Payment received", size="5", data_testid="receipt-heading"),
            rx.text(R.amount, size="7", weight="bold", data_testid="receipt-amount"),
            align="center",
            spacing="1",
            width="100%",
        ),
        rx.vstack(
            _fact("Receipt", R.number, "receipt-number"),
            _fact("Paid with", R.card, "receipt-card"),
            _fact("Date", R.paid_at, "receipt-date"),
            _fact("Invoice", R.invoice_number, "receipt-invoice"),
            rx.cond(R.description != "", rx.text(R.description, size="2")),
            rx.separator(size="4"),
            line_items(R.lines, R.total),
            _refunds(),
            spacing="2",
            width="100%",
            padding="16px",
            border_radius="12px",
            border=f"1px solid {rx.color('gray', 5)}",
        ),
        rx.button(
            rx.icon("printer", size=16),
            "Print",
            variant="outline",
            size="3",
            width="100%",
            on_click=rx.call_script("window.print()"),
            class_name="no-print",
            data_testid="receipt-print",
        ),
        spacing="4",
        width="100%",
        padding="16px",
    )


def receipt_page() -> rx.Component:
    return rx.match(
        R.view_state,
        ("loading", rx.center(rx.spinner(size="3"), height="100dvh")),
        (
            "ok",
            customer_layout(
                brand_band(R.brand_name, R.tagline, R.logo_url, R.primary_color),
                _receipt(),
                rx.spacer(),
                hosted_mark(),
            ),
        ),
        missing_panel(
            "We could not find this receipt", "Check that the link was copied completely."
        ),
    )
