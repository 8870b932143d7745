"""The customer's bill (phone first, in the biller's brand): what is owed, and paying it."""

from __future__ import annotations

import reflex as rx

from ..components.billing import brand_band, line_items, missing_panel
from ..components.customer import customer_layout, hosted_mark
from ..state.bill import BillState as B


def _status_badge() -> rx.Component:
    return rx.badge(
        B.status_label,
        color_scheme=rx.match(
            B.status,
            ("paid", "green"),
            ("cancelled", "gray"),
            ("expired", "gray"),
            ("refunded", "blue"),
            ("partially_refunded", "blue"),
            rx.cond(B.overdue, "red", "amber"),
        ),
        size="2",
        data_testid="bill-status",
    )


def _summary() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text("Invoice ", B.invoice_number, size="2", color_scheme="gray"),
            rx.spacer(),
            _status_badge(),
            width="100%",
            align="center",
        ),
        rx.cond(B.description != "", rx.text(B.description, size="3", weight="medium")),
        rx.cond(
            B.due != "",
            rx.text(
                rx.cond(B.overdue, "Was due ", "Due "),
                B.due,
                size="2",
                color=rx.cond(B.overdue, rx.color("red", 11), rx.color("gray", 11)),
                data_testid="bill-due",
            ),
        ),
        line_items(B.lines, B.total),
        spacing="3",
        width="100%",
        padding="16px",
        background=rx.color("gray", 1),
        border_radius="12px",
        border=f"1px solid {rx.color('gray', 5)}",
    )


def _card_choice(card: rx.Var) -> rx.Component:
    chosen = B.selected_card == card["id"]
    return rx.hstack(
        rx.icon(rx.cond(chosen, "circle-check", "circle"), size=20, color=B.primary_color),
        rx.text(card["label"], size="2", weight="medium"),
        rx.text(card["expiry"], size="1", color_scheme="gray"),
        rx.spacer(),
        rx.cond(card["default"] == "1", rx.badge("Default", size="1", variant="soft")),
        width="100%",
        align="center",
        padding="12px",
        border_radius="10px",
        cursor="pointer",
        border=rx.cond(chosen, "2px solid " + B.primary_color, f"1px solid {rx.color('gray', 6)}"),
        on_click=B.choose_card(card["id"]),
        data_testid="wallet-card",
    )


def _saved_cards() -> rx.Component:
    return rx.cond(
        B.cards.length() > 0,
        rx.vstack(
            rx.text("Your cards", size="2", weight="bold"),
            rx.foreach(B.cards, _card_choice),
            rx.button(
                B.pay_label,
                size="3",
                height="48px",
                width="100%",
                background=B.primary_color,
                loading=B.paying,
                on_click=B.pay_saved,
                data_testid="pay-saved",
            ),
            spacing="2",
            width="100%",
        ),
    )


def _new_card() -> rx.Component:
    return rx.vstack(
        rx.button(
            rx.icon("credit-card", size=16),
            "Pay with a new card",
            size="3",
            width="100%",
            variant=rx.cond(B.cards.length() > 0, "outline", "solid"),
            background=rx.cond(B.cards.length() > 0, "transparent", B.primary_color),
            loading=B.paying,
            on_click=B.pay_new,
            data_testid="pay-new",
        ),
        rx.checkbox(
            "Save this card for next time",
            checked=B.save_card,
            on_change=B.set_save_card,
            size="2",
            data_testid="save-card",
        ),
        spacing="2",
        width="100%",
    )


def _pay_panel() -> rx.Component:
    return rx.vstack(
        rx.cond(
            B.pay_error != "",
            rx.callout(
                B.pay_error,
                icon="circle-alert",
                color_scheme="red",
                role="alert",
                width="100%",
                data_testid="pay-error",
            ),
        ),
        _saved_cards(),
        _new_card(),
        rx.link("Manage cards", href=B.wallet_path, size="2", data_testid="manage-cards"),
        rx.text(
            "Card details are entered on the processor's secure page; ",
            B.brand_name,
            " never sees your card number.",
            size="1",
            color_scheme="gray",
        ),
        spacing="3",
        width="100%",
    )


def _processing() -> rx.Component:
    return rx.vstack(
        rx.spinner(size="3"),
        rx.text("Processing your payment…", size="3", weight="medium"),
        align="center",
        spacing="2",
        width="100%",
        padding="16px",
        data_testid="processing",
    )


def _closed_panel() -> rx.Component:
    return rx.callout(
        rx.match(
            B.status,
            ("paid", rx.text("Paid on ", B.paid_at, ". Thank you!")),
            ("cancelled", rx.text("This bill was cancelled. There is nothing to pay.")),
            ("expired", rx.text("This bill has expired. Chat with us for a new one.")),
            rx.text("This bill cannot be paid online."),
        ),
        icon=rx.cond(B.status == "paid", "circle-check", "info"),
        color_scheme=rx.cond(B.status == "paid", "green", "gray"),
        width="100%",
        data_testid="bill-closed",
    )


def _actions() -> rx.Component:
    return rx.vstack(
        rx.cond(
            B.notice != "",
            rx.callout(B.notice, icon="info", width="100%", data_testid="pay-notice"),
        ),
        rx.cond(
            B.phase == "processing",
            _processing(),
            rx.cond(
                B.payable & (B.phase == ""), _pay_panel(), rx.cond(~B.payable, _closed_panel())
            ),
        ),
        _chat_button(),
        spacing="3",
        width="100%",
    )


def _chat_button() -> rx.Component:
    label = rx.fragment(rx.icon("message-circle", size=16), "Chat with ", B.brand_name)
    return rx.fragment(
        rx.mobile_and_tablet(
            rx.link(
                rx.button(label, variant="soft", size="3", width="100%"),
                href=B.chat_path,
                width="100%",
                data_testid="bill-chat",
            ),
            width="100%",
        ),
        rx.desktop_only(
            rx.button(
                label,
                variant="soft",
                size="3",
                width="100%",
                on_click=B.toggle_chat,
                data_testid="bill-chat-panel",
            ),
            width="100%",
        ),
    )


def _chat_panel() -> rx.Component:
    """On desktop the conversation opens beside the bill."""
    return rx.desktop_only(
        rx.cond(
            B.chat_open,
            rx.el.iframe(
                src=B.chat_path,
                title="Chat",
                width="420px",
                height="100dvh",
                style={"border": "none", "background": "white"},
                data_testid="chat-frame",
            ),
        )
    )


def bill_page() -> rx.Component:
    return rx.match(
        B.view_state,
        ("loading", rx.center(rx.spinner(size="3"), height="100dvh")),
        (
            "ok",
            rx.hstack(
                customer_layout(
                    brand_band(B.brand_name, B.tagline, B.logo_url, B.primary_color),
                    rx.vstack(_summary(), _actions(), spacing="4", width="100%", padding="16px"),
                    rx.spacer(),
                    hosted_mark(),
                ),
                _chat_panel(),
                spacing="0",
                width="100%",
                align="start",
                background=rx.color("gray", 3),
            ),
        ),
        missing_panel(
            "We could not find this bill",
            "Check that the link was copied completely, or ask the business for a new one.",
        ),
    )
