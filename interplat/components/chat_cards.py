"""Offer and payment-request cards in a chat thread (rows from ``state.threads.thread_row``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx


def _line(text: rx.Var, **props: Any) -> rx.Component:
    return rx.cond(text, rx.text(text, size="2", **props))


def _claimed_prize(message: rx.Var) -> rx.Component:
    return rx.cond(
        message["card_redemption"] == "online",
        rx.link(
            rx.button(rx.icon("external-link"), "Open the offer", width="100%", size="3"),
            href=message["card_redemption_url"],
            is_external=True,
            width="100%",
            data_testid="offer-link",
        ),
        rx.vstack(
            rx.text("Show this code in store", size="1", color_scheme="gray"),
            rx.code(
                message["card_coupon_code"],
                size="5",
                weight="bold",
                variant="outline",
                data_testid="offer-coupon",
            ),
            align="center",
            spacing="1",
            width="100%",
        ),
    )


def offer_card(message: rx.Var, on_claim: Callable[[rx.Var], Any] | None) -> rx.Component:
    """Image, title, deal, text, expiry, terms; the customer claims it to see the code or link."""
    expired = message["card_state"] == "expired"
    action = (
        rx.cond(
            message["card_claimed"] == "1",
            _claimed_prize(message),
            rx.button(
                rx.icon("gift"),
                rx.cond(message["card_redemption"] == "online", "Get the deal", "Get my code"),
                width="100%",
                size="3",
                disabled=expired,
                on_click=on_claim(message["id"]),
                data_testid="offer-claim",
            ),
        )
        if on_claim is not None
        else rx.cond(
            message["card_claimed"] == "1",
            rx.badge("Claimed", color_scheme="green"),
            rx.badge("Not claimed yet", color_scheme="gray"),
        )
    )
    return rx.vstack(
        rx.cond(
            message["card_image_url"],
            rx.image(
                src=message["card_image_url"],
                width="100%",
                max_height="180px",
                object_fit="cover",
                border_radius="8px",
                alt=message["card_title"],
            ),
        ),
        rx.hstack(
            rx.text(message["card_title"], weight="bold", size="3"),
            rx.spacer(),
            rx.cond(message["card_deal"], rx.badge(message["card_deal"], size="2")),
            align="center",
            width="100%",
        ),
        rx.cond(
            message["card_original_price"],
            rx.text("Usually ", message["card_original_price"], size="1", color_scheme="gray"),
        ),
        _line(message["card_text"], white_space="pre-wrap"),
        rx.cond(
            expired,
            rx.badge("Expired", color_scheme="red"),
            rx.cond(
                message["card_expires"],
                rx.text("Valid until ", message["card_expires"], size="1", color_scheme="gray"),
            ),
        ),
        action,
        rx.cond(
            message["card_terms"],
            rx.text(message["card_terms"], size="1", color_scheme="gray"),
        ),
        spacing="2",
        width="260px",
        max_width="100%",
        padding="4px 0",
        background="transparent",
        data_testid="offer-card",
        data_state=message["card_state"],
    )


def _payment_details(message: rx.Var) -> rx.Component:
    """The line items, folded under "Details" (no state: the browser's own disclosure)."""
    return rx.cond(
        message["card_details"],
        rx.el.details(
            rx.el.summary("Details", style={"cursor": "pointer"}, data_testid="payment-details"),
            rx.text(
                message["card_details"],
                size="1",
                white_space="pre-wrap",
                data_testid="payment-lines",
            ),
            style={"font-size": "12px", "width": "100%"},
        ),
    )


def _pay_button(message: rx.Var) -> rx.Component:
    """The customer's "Pay": the bill page in a new tab, while the request can be paid."""
    return rx.cond(
        message["card_payable"] == "1",
        rx.link(
            rx.button(rx.icon("credit-card"), "Pay", width="100%", size="3"),
            href=message["card_pay_url"],
            is_external=True,
            width="100%",
            data_testid="payment-pay",
        ),
    )


def payment_card(message: rx.Var, customer: bool = False) -> rx.Component:
    """A bill in the thread: biller, amount, what it is for, invoice, due date, its state,
    the line items under "Details" and, for the customer, "Pay"."""
    return rx.vstack(
        rx.hstack(
            rx.icon("receipt", size=18),
            rx.text(
                rx.cond(message["card_biller"], message["card_biller"], "Payment request"),
                weight="bold",
                size="2",
                data_testid="payment-biller",
            ),
            rx.spacer(),
            rx.badge(message["card_state"], data_testid="payment-state"),
            align="center",
            width="100%",
        ),
        rx.text(message["card_amount"], size="6", weight="bold", data_testid="payment-amount"),
        _line(message["card_text"], white_space="pre-wrap"),
        rx.cond(
            message["card_invoice"],
            rx.text(
                "Invoice ",
                message["card_invoice"],
                size="1",
                color_scheme="gray",
                data_testid="payment-invoice",
            ),
        ),
        rx.cond(
            message["card_due"],
            rx.text("Due ", message["card_due"], size="1", color_scheme="gray"),
        ),
        _payment_details(message),
        _pay_button(message) if customer else rx.fragment(),
        spacing="1",
        width="240px",
        max_width="100%",
        data_testid="payment-card",
        data_state=message["card_state"],
    )


def card_or(
    message: rx.Var, body: rx.Component, on_claim: Callable[[rx.Var], Any] | None = None
) -> rx.Component:
    """The message's card when it carries an offer or a payment request, else ``body``."""
    return rx.match(
        message["kind"],
        ("offer", offer_card(message, on_claim)),
        ("payment_request", payment_card(message, customer=on_claim is not None)),
        body,
    )
