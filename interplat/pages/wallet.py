"""The wallet of a bill's customer (phone first): saved cards, default, remove, add."""

from __future__ import annotations

import reflex as rx

from ..components.billing import brand_band, missing_panel
from ..components.customer import customer_layout, hosted_mark
from ..state.wallet import WalletState as W


def _card(card: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.icon("credit-card", size=22, color=W.primary_color),
        rx.vstack(
            rx.text(card["label"], size="2", weight="medium", data_testid="wallet-label"),
            rx.text(
                rx.cond(card["expired"] == "1", "Expired ", "Expires "),
                card["expiry"],
                size="1",
                color=rx.cond(card["expired"] == "1", rx.color("red", 11), rx.color("gray", 11)),
            ),
            spacing="0",
            min_width="0",
        ),
        rx.spacer(),
        rx.cond(
            card["default"] == "1",
            rx.badge("Default", size="1", color_scheme="green", data_testid="default-badge"),
            rx.button(
                "Make default",
                size="1",
                variant="ghost",
                on_click=W.make_default(card["id"]),
                data_testid="make-default",
            ),
        ),
        rx.icon_button(
            rx.icon("trash-2", size=16),
            size="2",
            variant="ghost",
            color_scheme="red",
            aria_label="Remove card",
            on_click=W.ask_remove(card["id"]),
            data_testid="remove-card",
        ),
        width="100%",
        align="center",
        padding="12px",
        border_radius="10px",
        border=f"1px solid {rx.color('gray', 5)}",
        data_testid="wallet-row",
    )


def _confirm_remove() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Remove this card?"),
            rx.alert_dialog.description(
                W.removing_label, " will no longer be offered for payments.", size="2"
            ),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Keep it", variant="soft", color_scheme="gray"),
                    on_click=W.keep_card,
                ),
                rx.alert_dialog.action(
                    rx.button("Remove", color_scheme="red", data_testid="confirm-remove"),
                    on_click=W.confirm_remove,
                ),
                justify="end",
                spacing="3",
                margin_top="16px",
            ),
            max_width="340px",
        ),
        open=W.removing != "",
    )


def _wallet() -> rx.Component:
    return rx.vstack(
        rx.heading("Your cards", size="5"),
        rx.text(
            "Cards saved with ",
            W.brand_name,
            "'s card processor. Only the brand, last four digits and expiry are kept here.",
            size="2",
            color_scheme="gray",
        ),
        rx.cond(
            W.error != "",
            rx.callout(W.error, icon="circle-alert", color_scheme="red", width="100%"),
        ),
        rx.cond(
            W.adding,
            rx.hstack(rx.spinner(), rx.text("Adding your card…", size="2"), data_testid="adding"),
        ),
        rx.cond(
            W.cards.length() > 0,
            rx.vstack(rx.foreach(W.cards, _card), spacing="2", width="100%"),
            rx.text("No saved cards yet.", size="2", data_testid="wallet-empty"),
        ),
        rx.button(
            rx.icon("plus", size=16),
            "Add a card",
            size="3",
            width="100%",
            background=W.primary_color,
            on_click=W.add_card,
            data_testid="add-card",
        ),
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=16), rx.text("Back to the bill"), align="center"),
            href=W.bill_path,
            size="2",
            data_testid="back-to-bill",
        ),
        _confirm_remove(),
        spacing="3",
        width="100%",
        padding="16px",
    )


def wallet_page() -> rx.Component:
    return rx.match(
        W.view_state,
        ("loading", rx.center(rx.spinner(size="3"), height="100dvh")),
        (
            "ok",
            customer_layout(
                brand_band(W.brand_name, W.tagline, W.logo_url, W.primary_color),
                _wallet(),
                rx.spacer(),
                hosted_mark(),
            ),
        ),
        missing_panel(
            "We could not find this wallet",
            "Open it from your bill's link, or ask the business for a new link.",
        ),
    )
