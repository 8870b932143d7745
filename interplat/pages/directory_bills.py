"""Inbound billing in the directory: link an account with a business, see bills due."""

from __future__ import annotations

import reflex as rx

from ..state.directory import DirectoryState as D


def _logo(initial: rx.Var, color: rx.Var) -> rx.Component:
    return rx.center(
        rx.text(initial, weight="bold", color="white", size="4"),
        width="40px",
        height="40px",
        border_radius="10px",
        background=color,
        flex_shrink="0",
    )


def _bill_due(bill: rx.Var) -> rx.Component:
    return rx.link(
        rx.hstack(
            _logo(bill["initial"], bill["primary_color"]),
            rx.box(
                rx.text(rx.text.strong(bill["brand_name"]), " · ", bill["invoice"], size="2"),
                rx.text(
                    rx.cond(bill["due"] != "", "Due " + bill["due"], bill["description"]),
                    size="2",
                    color_scheme="gray",
                ),
                min_width="0",
                flex="1",
            ),
            rx.text(bill["amount"], weight="bold", size="3"),
            rx.badge("Pay", size="2", variant="solid"),
            align="center",
            spacing="3",
            width="100%",
            padding="12px",
            border_radius="12px",
            background=rx.color("amber", 2),
            border=f"1px solid {rx.color('amber', 6)}",
        ),
        href=bill["path"],
        underline="none",
        color="inherit",
        width="100%",
        data_testid="bill-due",
    )


def bills_section() -> rx.Component:
    return rx.cond(
        D.bills.length() > 0,
        rx.vstack(
            rx.heading("Bills due", size="3"),
            rx.foreach(D.bills, _bill_due),
            spacing="2",
            width="100%",
            data_testid="bills-due",
        ),
    )


def link_dialog() -> rx.Component:
    """Link an account with a business: the reference it issued plus a second check."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Pay a bill from ", D.link_name),
            rx.dialog.description(
                "Link your account to see your bills. Use the account number on your "
                "statement from ",
                D.link_name,
                ".",
                size="2",
            ),
            rx.form(
                rx.vstack(
                    rx.text("Account number", as_="label", html_for="link-account", size="2"),
                    rx.input(
                        id="link-account",
                        name="account",
                        max_length=100,
                        size="3",
                        width="100%",
                        auto_complete="off",
                        data_testid="link-account",
                    ),
                    rx.text(
                        "Last 4 digits of your phone number",
                        as_="label",
                        html_for="link-check",
                        size="2",
                    ),
                    rx.input(
                        id="link-check",
                        name="check",
                        max_length=12,
                        size="3",
                        width="100%",
                        input_mode="numeric",
                        auto_complete="off",
                        data_testid="link-check",
                    ),
                    rx.text(
                        "No phone on file with them? Enter your postal code.",
                        size="1",
                        color_scheme="gray",
                    ),
                    rx.cond(
                        D.link_error != "",
                        rx.callout(
                            D.link_error,
                            icon="circle-alert",
                            color_scheme="red",
                            width="100%",
                            role="alert",
                            data_testid="link-error",
                        ),
                    ),
                    rx.hstack(
                        rx.button(
                            "Cancel",
                            type="button",
                            variant="soft",
                            color_scheme="gray",
                            on_click=D.close_link,
                        ),
                        rx.button("Link account", type="submit", data_testid="link-submit"),
                        justify="end",
                        spacing="3",
                        width="100%",
                    ),
                    spacing="2",
                    width="100%",
                ),
                on_submit=D.link_account,
                reset_on_submit=False,
                width="100%",
                padding_top="8px",
            ),
            max_width="380px",
        ),
        open=D.link_slug != "",
        on_open_change=lambda _open: D.close_link,
    )
