"""The branded chat a customer opens from an SMS link, or starts from an entry link (phone first)."""

from __future__ import annotations

import reflex as rx

from .. import routes
from ..components.chat import typing_hint
from ..components.customer import brand_header, customer_layout, hosted_mark
from ..components.customer_composer import composer
from ..components.customer_end import chat_end
from ..components.customer_thread import thread
from ..state.customer import CustomerChatState as S


def _ended_or_missing(title: str, text: rx.Var | str, *actions: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.icon("link-2-off", size=40, color=rx.color("gray", 9)),
        rx.heading(title, size="5", data_testid="link-problem", text_align="center"),
        rx.text(text, color_scheme="gray", size="2", text_align="center"),
        rx.vstack(*actions, spacing="2", width="100%", max_width="320px", padding_top="8px"),
        align="center",
        spacing="3",
        padding="64px 24px",
        width="100%",
        flex="1",
    )


def _expired_actions() -> list[rx.Component]:
    """Start over from the enterprise's website entry link, or call it."""
    return [
        rx.cond(
            S.new_chat_path != "",
            rx.link(
                rx.button(
                    rx.icon("message-circle-plus"),
                    "Start a new chat",
                    size="3",
                    width="100%",
                    background=S.primary_color,
                ),
                href=S.new_chat_path,
                width="100%",
                data_testid="start-new-chat",
            ),
        ),
        rx.cond(
            S.contact_phone != "",
            rx.link(
                rx.button(
                    rx.icon("phone"),
                    "Call ",
                    S.brand_name,
                    size="3",
                    width="100%",
                    variant="outline",
                    color=S.primary_color,
                    box_shadow="inset 0 0 0 1px " + S.primary_color,
                ),
                href="tel:" + S.contact_phone,
                width="100%",
            ),
        ),
    ]


def _directory_action() -> rx.Component:
    return rx.link(
        rx.button(rx.icon("store"), "Find a business to chat with", size="3", width="100%"),
        href=routes.DIRECTORY,
        width="100%",
        data_testid="to-directory",
    )


def _start_panel() -> rx.Component:
    return rx.vstack(
        rx.center(
            rx.icon("messages-square", size=28, color="white"),
            width="56px",
            height="56px",
            border_radius="50%",
            background=S.primary_color,
        ),
        rx.heading(S.listing_name, size="5", text_align="center", data_testid="listing-name"),
        rx.text(
            "Chat with us — a representative will answer here.",
            size="2",
            color_scheme="gray",
            text_align="center",
        ),
        rx.form(
            rx.vstack(
                rx.text(
                    "Your first name (optional)",
                    as_="label",
                    html_for="start-first-name",
                    size="2",
                    weight="medium",
                ),
                rx.input(
                    id="start-first-name",
                    name="first_name",
                    placeholder="e.g. Sam",
                    max_length=100,
                    auto_complete="given-name",
                    size="3",
                    width="100%",
                    data_testid="start-first-name",
                ),
                rx.cond(
                    S.start_error != "",
                    rx.text(S.start_error, color_scheme="red", size="2", data_testid="start-error"),
                ),
                rx.button(
                    rx.icon("message-circle"),
                    "Start chat",
                    type="submit",
                    size="3",
                    width="100%",
                    background=S.primary_color,
                    data_testid="start-chat",
                ),
                spacing="2",
                width="100%",
            ),
            on_submit=S.start,
            width="100%",
            padding_top="8px",
        ),
        align="center",
        spacing="3",
        padding="40px 20px 24px",
        width="100%",
        flex="1",
    )


def customer_chat_page() -> rx.Component:
    return rx.match(
        S.view_state,
        ("loading", rx.center(rx.spinner(size="3"), height="100dvh")),
        (
            "ok",
            customer_layout(
                brand_header(menu=True),
                rx.cond(
                    S.reference != "",
                    rx.text(
                        "Conversation ",
                        S.reference,
                        size="1",
                        color_scheme="gray",
                        text_align="center",
                        width="100%",
                        padding_top="8px",
                    ),
                ),
                thread(),
                typing_hint(S.csr_typing, S.brand_name),
                rx.cond(S.ticket_open, composer()),
                chat_end(),
                hosted_mark(),
            ),
        ),
        ("start", customer_layout(brand_header(), _start_panel(), hosted_mark())),
        (
            "expired",
            customer_layout(
                brand_header(),
                _ended_or_missing(
                    "This link has expired",
                    "For your security, chat links work for a limited time. "
                    "Start a new chat, or call us and we will send you a new link.",
                    *_expired_actions(),
                ),
                hosted_mark(),
            ),
        ),
        customer_layout(
            _ended_or_missing(
                "We could not find this chat",
                "Check that the link was copied completely, or ask for a new one.",
                _directory_action(),
            ),
            hosted_mark(),
        ),
    )
