"""The mobile-first customer layout: the enterprise's brand on top, a discreet Interplat mark."""

from __future__ import annotations

import reflex as rx

from ..state.customer import CustomerChatState as S


def brand_header() -> rx.Component:
    return rx.hstack(
        rx.cond(
            S.logo_url != "",
            rx.image(
                src=S.logo_url,
                height="36px",
                width="36px",
                border_radius="8px",
                background="white",
                padding="3px",
                alt=S.brand_name,
            ),
        ),
        rx.vstack(
            rx.text(S.brand_name, weight="bold", size="3", color="white", data_testid="brand-name"),
            rx.text(S.tagline, size="1", color="rgba(255,255,255,0.8)"),
            spacing="0",
        ),
        align="center",
        spacing="3",
        width="100%",
        padding="12px 16px",
        background=S.primary_color,
        data_testid="brand-header",
        position="sticky",
        top="0",
        z_index="5",
    )


def hosted_mark() -> rx.Component:
    return rx.text(
        "hosted by Interplat",
        size="1",
        color_scheme="gray",
        text_align="center",
        width="100%",
        padding="6px 0 10px",
        data_testid="hosted-by",
    )


def customer_layout(*children: rx.Component) -> rx.Component:
    """A phone-sized column, centred on larger screens."""
    return rx.center(
        rx.vstack(
            *children,
            spacing="0",
            width="100%",
            max_width="480px",
            min_height="100dvh",
            background=rx.color("gray", 1),
            box_shadow="0 0 24px rgba(0,0,0,0.06)",
        ),
        width="100%",
        background=rx.color("gray", 3),
    )
