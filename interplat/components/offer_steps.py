"""The offer wizard's three forms; each message sits next to the field it is about."""

from __future__ import annotations

import reflex as rx

from ..services.offer_fields import CURRENCIES
from ..state.offer_wizard import OfferWizardState as W

UPLOAD_ID = "offer-image"
VISIBILITY_CHOICES = (
    ("draft", "Save as draft", "Keep it to finish later; customers see nothing."),
    ("blast", "Use in a chat blast", "Send it to a chosen group of customers in chat."),
    ("loop", "Available to my loop", "Offer it to the customers in your own loop."),
    ("all", "Available to all customers", "Every customer of the business can get it."),
)


def _field(
    label: str, field: str, control: rx.Component, hint: str = "", width: str = "100%"
) -> rx.Component:
    message = W.errors[field]
    return rx.vstack(
        rx.text(label, size="2", weight="medium", as_="label"),
        control,
        rx.cond(
            message,
            rx.hstack(
                rx.icon("circle-alert", size=14, color=rx.color("red", 10)),
                rx.text(message, size="1", color=rx.color("red", 11)),
                spacing="1",
                align="center",
                data_testid=f"error-{field}",
            ),
            rx.cond(hint != "", rx.text(hint, size="1", color_scheme="gray")),
        ),
        spacing="1",
        width=width,
    )


def _input(field: str, **props) -> rx.Component:
    props.setdefault("width", "100%")
    return rx.input(
        value=getattr(W, field),
        on_change=lambda value: W.set_field(field, value),
        debounce_timeout=250,
        size="2",
        color_scheme=rx.cond(W.errors[field], "red", "gray"),
        data_testid=f"offer-{field.replace('_', '-')}",
        **props,
    )


def _area(field: str, rows: str, **props) -> rx.Component:
    return rx.text_area(
        value=getattr(W, field),
        on_change=lambda value: W.set_field(field, value),
        debounce_timeout=250,
        rows=rows,
        width="100%",
        data_testid=f"offer-{field}",
        **props,
    )


def _image_picker() -> rx.Component:
    return rx.hstack(
        rx.cond(
            W.image_url != "",
            rx.image(
                src=W.image_url,
                alt="Offer image",
                width="96px",
                height="72px",
                object_fit="cover",
                border_radius="8px",
                data_testid="offer-image-preview",
            ),
        ),
        rx.upload.root(
            rx.hstack(
                rx.cond(W.uploading, rx.spinner(size="2"), rx.icon("image-up", size=18)),
                rx.text(
                    rx.cond(W.image_url != "", "Replace image", "Upload an image"),
                    size="2",
                    weight="medium",
                ),
                rx.text("JPEG, PNG, GIF or WebP, up to 5 MB", size="1", color_scheme="gray"),
                align="center",
                spacing="2",
                padding="14px 16px",
                border=f"1px dashed {rx.color('gray', 7)}",
                border_radius="8px",
                cursor="pointer",
            ),
            id=UPLOAD_ID,
            multiple=False,
            on_drop=W.upload_image(rx.upload_files(upload_id=UPLOAD_ID)),
            data_testid="offer-image-upload",
        ),
        rx.cond(
            W.image_url != "",
            rx.button(
                "Remove",
                variant="ghost",
                color_scheme="gray",
                size="1",
                on_click=W.remove_image,
            ),
        ),
        align="center",
        spacing="3",
    )


def details_step() -> rx.Component:
    """Step 1: title, text, expiry, terms and the image."""
    return rx.vstack(
        _field("Title", "title", _input("title", placeholder="Spring tune-up", max_length=200)),
        _field("Text", "body", _area("body", "4", placeholder="What the customer gets.")),
        _field(
            "Expires",
            "expires_on",
            _input("expires_on", type="date", width="200px"),
            "The offer ends at the end of this day, on your business's clock. Leave empty for no expiry.",
        ),
        _field("Terms", "terms", _area("terms", "3", placeholder="One per customer. …")),
        _field("Image", "image", _image_picker()),
        spacing="4",
        width="100%",
    )


def _choice_cards(field: str, options: list[tuple[str, str, str]], columns: str) -> rx.Component:
    return rx.radio_cards.root(
        *[
            rx.radio_cards.item(
                rx.vstack(
                    rx.text(title, size="2", weight="bold"),
                    rx.text(text, size="1", color_scheme="gray"),
                    spacing="1",
                    align="start",
                ),
                value=value,
                data_testid=f"choice-{value}",
            )
            for value, title, text in options
        ],
        value=getattr(W, field),
        on_value_change=lambda value: W.set_field(field, value),
        columns=columns,
        width="100%",
    )


def _coupon_code() -> rx.Component:
    return rx.hstack(
        _field(
            "Coupon code",
            "coupon_code",
            rx.hstack(
                _input("coupon_code", max_length=40, font_family="monospace"),
                rx.tooltip(
                    rx.icon_button(
                        rx.icon("refresh-cw", size=16),
                        variant="soft",
                        on_click=W.regenerate_code,
                        aria_label="New code",
                        data_testid="offer-code-regenerate",
                    ),
                    content="Generate a new code",
                ),
                width="100%",
            ),
            "Customers show it (or its QR code) at the till.",
        ),
        rx.cond(
            W.coupon_qr != "",
            rx.image(
                src=W.coupon_qr, width="96px", height="96px", alt="QR", data_testid="offer-qr"
            ),
        ),
        align="start",
        spacing="4",
        width="100%",
    )


def _deal() -> rx.Component:
    return rx.hstack(
        _field(
            "Discount",
            "discount",
            rx.hstack(
                rx.segmented_control.root(
                    rx.segmented_control.item("%", value="percent"),
                    rx.segmented_control.item("Amount", value="amount"),
                    value=W.discount_kind,
                    on_change=lambda value: W.set_field("discount_kind", value),
                    data_testid="offer-discount-kind",
                ),
                _input(
                    "discount",
                    placeholder=rx.cond(W.discount_kind == "percent", "15", "5.00"),
                    width="90px",
                ),
                align="center",
                spacing="2",
            ),
            width="auto",
        ),
        _field(
            "Original price",
            "original_price",
            _input("original_price", placeholder="Optional: 49.99", width="140px"),
            width="auto",
        ),
        _field(
            "Currency",
            "currency",
            rx.select(
                list(CURRENCIES),
                value=W.currency,
                on_change=lambda value: W.set_field("currency", value),
                width="96px",
            ),
            width="auto",
        ),
        align="start",
        spacing="4",
        wrap="wrap",
        width="100%",
    )


def redemption_step() -> rx.Component:
    """Step 2: in-store coupon (deal, code, QR) or online (deal, link)."""
    return rx.vstack(
        _choice_cards(
            "redemption_kind",
            [
                ("coupon", "In-store coupon", "A discount with a code and QR to show at the till."),
                ("online", "Online", "A link to your shop, where the deal is redeemed."),
            ],
            "2",
        ),
        _deal(),
        rx.cond(
            W.redemption_kind == "coupon",
            _coupon_code(),
            _field(
                "Redemption link",
                "url",
                _input("redemption_url", placeholder="https://shop.example.com/deal"),
                "Customers open it after they claim the offer. The discount is optional here.",
            ),
        ),
        spacing="4",
        width="100%",
    )


def publish_step() -> rx.Component:
    """Step 3: who can get the offer."""
    return rx.vstack(
        rx.text("Who can get this offer?", size="2", weight="medium"),
        _choice_cards("visibility", list(VISIBILITY_CHOICES), "2"),
        rx.cond(W.errors["visibility"], rx.text(W.errors["visibility"], color="red", size="1")),
        spacing="3",
        width="100%",
    )
