"""An enterprise's current public offers, linked from the directory (phone first)."""

from __future__ import annotations

import reflex as rx

from .. import routes
from ..state.directory import PublicOffersState as O
from .directory import logo, page_header


def _offer(offer: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.cond(
                offer["image_url"] != "",
                rx.image(src=offer["image_url"], alt="", width="100%", border_radius="8px"),
            ),
            rx.heading(offer["title"], size="4", data_testid="offer-title"),
            rx.text(offer["body"], size="2", white_space="pre-wrap"),
            rx.cond(
                offer["expires"] != "",
                rx.badge(offer["expires"], color_scheme="orange", variant="soft"),
            ),
            rx.cond(
                offer["terms"] != "",
                rx.text(offer["terms"], size="1", color_scheme="gray", white_space="pre-wrap"),
            ),
            rx.cond(
                offer["redemption_url"] != "",
                rx.link(
                    rx.button("Get this offer", size="2", background=O.primary_color),
                    href=offer["redemption_url"],
                    is_external=True,
                ),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        data_testid="public-offer",
    )


def _offers_list() -> rx.Component:
    return rx.cond(
        O.offers.length() > 0,
        rx.vstack(rx.foreach(O.offers, _offer), spacing="3", width="100%"),
        rx.vstack(
            rx.icon("tag", size=32, color=rx.color("gray", 8)),
            rx.text("No current offers", weight="medium", data_testid="no-offers"),
            rx.text("Chat with us to hear about the next one.", size="2", color_scheme="gray"),
            align="center",
            spacing="2",
            width="100%",
            padding="32px 0",
        ),
    )


def _offers_body() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            logo(O.logo_url, O.brand_name[:1], O.primary_color),
            rx.vstack(
                rx.text(O.brand_name, weight="bold", size="4", data_testid="offers-brand"),
                rx.text(O.tagline, size="2", color_scheme="gray"),
                spacing="1",
            ),
            align="center",
            spacing="3",
            width="100%",
        ),
        rx.heading("Current offers", size="3"),
        _offers_list(),
        rx.link(
            rx.button(
                rx.icon("message-circle", size=16),
                "Chat with ",
                O.brand_name,
                size="3",
                width="100%",
                background=O.primary_color,
            ),
            href=O.chat_path,
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _offers_card() -> rx.Component:
    return rx.box(
        rx.match(
            O.view_state,
            ("ok", _offers_body()),
            (
                "missing",
                rx.text("This business is not in the directory.", data_testid="offers-missing"),
            ),
            rx.center(rx.spinner(size="3"), width="100%"),
        ),
        rx.box(rx.link("← All businesses", href=routes.DIRECTORY, size="2"), padding_top="16px"),
        width="100%",
        max_width="640px",
        margin="-40px auto 0",
        padding="16px",
        background=rx.color("gray", 1),
        border_radius="12px",
        box_shadow="0 4px 16px rgba(0,0,0,0.08)",
    )


def public_offers_page() -> rx.Component:
    return rx.box(
        page_header("Offers", "Current offers from businesses on Interplat."),
        rx.box(_offers_card(), padding="0 12px 32px", width="100%"),
        width="100%",
        min_height="100dvh",
        background=rx.color("gray", 2),
    )
