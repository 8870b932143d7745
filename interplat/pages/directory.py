"""The customer app's home: the enterprises to chat with, this browser's open chats on top
(public, phone first, a wider grid on desktop)."""

from __future__ import annotations

import reflex as rx

from .. import routes
from ..state.directory import DirectoryState as D
from .directory_bills import bills_section, link_dialog


def logo(logo_url: rx.Var, initial: rx.Var, color: rx.Var, size: str = "48px") -> rx.Component:
    """The enterprise's logo, or its initial on its colour when it has none."""
    return rx.cond(
        logo_url != "",
        rx.image(
            src=logo_url,
            alt="",
            width=size,
            height=size,
            border_radius="10px",
            object_fit="contain",
            background="white",
            padding="4px",
            border=f"1px solid {rx.color('gray', 4)}",
            flex_shrink="0",
        ),
        rx.center(
            rx.text(initial, weight="bold", color="white", size="4"),
            width=size,
            height=size,
            border_radius="10px",
            background=color,
            flex_shrink="0",
        ),
    )


def page_header(title: str, subtitle: str) -> rx.Component:
    """The platform's own band (these pages are Interplat's, not an enterprise's)."""
    return rx.box(
        rx.vstack(
            rx.link(
                rx.text("Interplat", weight="bold", size="2", color="white", opacity="0.85"),
                href=routes.DIRECTORY,
                underline="none",
            ),
            rx.heading(title, size="6", color="white"),
            rx.text(subtitle, size="2", color="rgba(255,255,255,0.85)"),
            spacing="1",
            width="100%",
            max_width="1040px",
            margin="0 auto",
        ),
        width="100%",
        padding="20px 24px 56px",
        background="linear-gradient(135deg, #1F3A93, #2E5BD9)",
    )


def _search_box() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(
                rx.input.slot(rx.icon("search", size=16)),
                id="directory-search",
                name="q",
                default_value=D.query,
                placeholder="Search businesses",
                type="search",
                max_length=100,
                size="3",
                width="100%",
                aria_label="Search businesses",
                data_testid="directory-search",
            ),
            rx.button("Search", type="submit", size="3", data_testid="directory-search-go"),
            width="100%",
            spacing="2",
        ),
        on_submit=D.search,
        width="100%",
        padding="12px",
        background=rx.color("gray", 1),
        border_radius="12px",
        box_shadow="0 4px 16px rgba(0,0,0,0.08)",
        margin_top="-40px",
    )


def _pending_chat(chat: rx.Var) -> rx.Component:
    return rx.link(
        rx.hstack(
            logo(chat["logo_url"], chat["initial"], chat["primary_color"], "40px"),
            rx.box(
                rx.text(
                    rx.text.strong(chat["brand_name"]),
                    " · ",
                    rx.el.span(chat["reference"], style={"white_space": "nowrap"}),
                    size="2",
                ),
                rx.text(
                    chat["preview"],
                    size="2",
                    color_scheme="gray",
                    white_space="nowrap",
                    overflow="hidden",
                    text_overflow="ellipsis",
                ),
                min_width="0",
                flex="1",
            ),
            rx.badge("Continue", size="2", color_scheme="green", variant="solid"),
            align="center",
            spacing="3",
            width="100%",
            padding="12px",
            border_radius="12px",
            background=rx.color("green", 2),
            border=f"1px solid {rx.color('green', 6)}",
        ),
        href=chat["path"],
        underline="none",
        color="inherit",
        width="100%",
        data_testid="pending-chat",
    )


def _pending_section() -> rx.Component:
    return rx.cond(
        D.pending.length() > 0,
        rx.vstack(
            rx.heading("Your conversations", size="3"),
            rx.foreach(D.pending, _pending_chat),
            spacing="2",
            width="100%",
            data_testid="pending-chats",
        ),
    )


def _card(entry: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                logo(entry["logo_url"], entry["initial"], entry["primary_color"]),
                rx.vstack(
                    rx.text(entry["brand_name"], weight="bold", size="3", data_testid="card-name"),
                    rx.text(entry["tagline"], size="2", color_scheme="gray"),
                    spacing="1",
                    min_width="0",
                ),
                align="center",
                spacing="3",
                width="100%",
            ),
            rx.hstack(
                rx.link(
                    rx.button(
                        rx.icon("message-circle", size=16),
                        "Chat",
                        size="2",
                        width="100%",
                        background=entry["primary_color"],
                    ),
                    href=entry["chat_path"],
                    flex="1",
                    data_testid="card-chat",
                ),
                rx.link(
                    rx.button(rx.icon("tag", size=16), "Offers", size="2", variant="outline"),
                    href=entry["offers_path"],
                    data_testid="card-offers",
                ),
                rx.button(
                    rx.icon("receipt", size=16),
                    "Pay a bill",
                    size="2",
                    variant="outline",
                    on_click=D.open_link(entry["slug"], entry["brand_name"]),
                    data_testid="card-pay-bill",
                ),
                width="100%",
                spacing="2",
                flex_wrap="wrap",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        data_testid="directory-card",
    )


def _results() -> rx.Component:
    return rx.cond(
        D.entries.length() > 0,
        rx.grid(
            rx.foreach(D.entries, _card),
            columns=rx.breakpoints(initial="1", sm="2", lg="3"),
            spacing="3",
            width="100%",
        ),
        rx.cond(
            D.loaded,
            rx.vstack(
                rx.text("No businesses match “", D.query, "”.", data_testid="directory-empty"),
                rx.button("Show all", variant="soft", on_click=D.clear_search),
                align="center",
                spacing="2",
                width="100%",
                padding="24px 0",
            ),
            rx.center(rx.spinner(size="3"), width="100%", padding="24px"),
        ),
    )


def directory_page() -> rx.Component:
    return rx.box(
        page_header("Chat with a business", "Message the businesses on Interplat."),
        rx.vstack(
            _search_box(),
            _pending_section(),
            bills_section(),
            link_dialog(),
            rx.heading("Businesses", size="3", padding_top="8px"),
            _results(),
            rx.cond(
                D.more,
                rx.text("Showing the first 50. Search to narrow the list.", size="1"),
            ),
            spacing="3",
            width="100%",
            max_width="1040px",
            margin="0 auto",
            padding="0 12px 32px",
        ),
        width="100%",
        min_height="100dvh",
        background=rx.color("gray", 2),
    )
