"""The mobile-first customer layout: the enterprise's brand on top, a discreet Interplat mark."""

from __future__ import annotations

import reflex as rx
from reflex.experimental import ClientStateVar

from ..state.customer import CustomerChatState as S

# The browser's position as {lat, lon}, or {error} (denied, unavailable, timed out).
LOCATE_JS = """new Promise((done) => navigator.geolocation
  ? navigator.geolocation.getCurrentPosition(
      (p) => done({lat: p.coords.latitude, lon: p.coords.longitude}),
      (e) => done({error: e.message || "denied"}), {timeout: 15000, maximumAge: 60000})
  : done({error: "unsupported"}))"""
_location_consent = ClientStateVar.create("location_consent", False)


def _location_dialog() -> rx.Component:
    """Why we ask, before the browser asks: sharing is the customer's choice, every time."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Share your location?"),
            rx.alert_dialog.description(
                S.brand_name,
                " uses it only to send you offers from its stores near you. We keep the "
                "last location you share, nothing else, and you can leave the loop any time.",
                size="2",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Not now", variant="soft", color_scheme="gray"),
                    on_click=_location_consent.set_value(False),
                ),
                rx.alert_dialog.action(
                    rx.button("Share my location", data_testid="location-consent"),
                    on_click=[
                        _location_consent.set_value(False),
                        rx.call_script(LOCATE_JS, callback=S.location_shared),
                    ],
                ),
                justify="end",
                spacing="3",
                margin_top="16px",
            ),
            max_width="340px",
        ),
        open=_location_consent.value,
    )


def _chat_menu() -> rx.Component:
    """The header menu: the customer's loop choice and sharing their location."""
    return rx.fragment(_location_dialog(), _menu_popover())


def _menu_popover() -> rx.Component:
    return rx.popover.root(
        rx.popover.trigger(
            rx.icon_button(
                rx.icon("ellipsis-vertical"),
                variant="ghost",
                size="3",
                style={"color": "white"},
                aria_label="Chat menu",
                data_testid="chat-menu",
            )
        ),
        rx.popover.content(
            rx.vstack(
                rx.hstack(
                    rx.text("Join ", S.brand_name, "'s loop", weight="medium", size="2"),
                    rx.spacer(),
                    rx.switch(
                        checked=S.in_loop,
                        on_change=S.set_loop,
                        aria_label="Join the loop",
                        data_testid="loop-switch",
                    ),
                    align="center",
                    width="100%",
                ),
                rx.text(
                    "Offers and news from ",
                    S.brand_name,
                    " in this chat. Replies about your conversations always arrive.",
                    size="1",
                    color_scheme="gray",
                ),
                rx.separator(size="4"),
                rx.button(
                    rx.icon("map-pin", size=16),
                    "Share my location",
                    variant="ghost",
                    size="2",
                    on_click=_location_consent.set_value(True),
                    data_testid="share-location",
                ),
                spacing="2",
                width="260px",
            ),
            side="bottom",
            align="end",
        ),
    )


def brand_header(menu: bool = False) -> rx.Component:
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
        *([rx.spacer(), _chat_menu()] if menu else []),
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
