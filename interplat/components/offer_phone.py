"""A phone showing an offer card in the customer's branded chat, as the wizard builds it.

The card is ``chat_cards.offer_card`` itself, fed the row the customer's thread would hold,
so the mock-up cannot drift from what customers see.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from .chat_cards import offer_card

PHONE_WIDTH = "320px"


def _header(brand: rx.Var) -> rx.Component:
    """The customer chat's brand header (``components.customer.brand_header``'s look)."""
    return rx.hstack(
        rx.cond(
            brand["logo_url"] != "",
            rx.image(
                src=brand["logo_url"],
                height="32px",
                width="32px",
                border_radius="8px",
                background="white",
                padding="3px",
                alt="",
            ),
        ),
        rx.vstack(
            rx.text(brand["name"], weight="bold", size="2", color="white"),
            rx.text(brand["tagline"], size="1", color="rgba(255,255,255,0.8)"),
            spacing="0",
        ),
        align="center",
        spacing="2",
        width="100%",
        padding="30px 14px 10px",
        background=brand["color"],
        data_testid="phone-header",
    )


def _bubble(preview: rx.Var, brand: rx.Var, on_claim: Callable[[rx.Var], Any]) -> rx.Component:
    """The incoming message carrying the card, styled as the customer thread styles it."""
    return rx.hstack(
        rx.box(
            rx.text(brand["name"], size="1", weight="bold", color=brand["color"]),
            offer_card(preview, on_claim),
            padding="8px 12px",
            border_radius="14px",
            max_width="88%",
            background=rx.color("gray", 3),
            color=rx.color("gray", 12),
        ),
        justify="start",
        width="100%",
    )


def _composer() -> rx.Component:
    return rx.hstack(
        rx.box(
            rx.text("Message", size="2", color_scheme="gray"),
            flex="1",
            padding="8px 12px",
            border_radius="18px",
            background=rx.color("gray", 3),
        ),
        rx.icon("send-horizontal", size=18, color=rx.color("gray", 9)),
        align="center",
        spacing="2",
        width="100%",
        padding="8px 10px 14px",
        border_top=f"1px solid {rx.color('gray', 4)}",
        background=rx.color("gray", 1),
    )


def offer_phone(preview: rx.Var, brand: rx.Var, on_claim: Callable[[rx.Var], Any]) -> rx.Component:
    """A 320 px phone frame: brand header, the offer in the thread, a composer."""
    return rx.vstack(
        rx.box(
            width="90px",
            height="18px",
            background="#111",
            border_radius="0 0 12px 12px",
            position="absolute",
            top="0",
            left="50%",
            transform="translateX(-50%)",
            z_index="2",
        ),
        _header(brand),
        rx.vstack(
            rx.text("Today", size="1", color_scheme="gray", align="center", width="100%"),
            _bubble(preview, brand, on_claim),
            spacing="2",
            flex="1",
            width="100%",
            padding="12px 10px",
            overflow_y="auto",
        ),
        _composer(),
        spacing="0",
        position="relative",
        width=PHONE_WIDTH,
        min_width=PHONE_WIDTH,
        height="640px",
        overflow="hidden",
        border="10px solid #1c1c1e",
        border_radius="38px",
        background=rx.color("gray", 1),
        box_shadow="0 12px 32px rgba(0,0,0,0.18)",
        data_testid="offer-phone",
    )
