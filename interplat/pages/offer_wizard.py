"""The offer wizard: details, redemption, publish, with the customer's phone beside it."""

from __future__ import annotations

import reflex as rx

from .. import routes
from ..components.offer_phone import offer_phone
from ..components.offer_steps import details_step, publish_step, redemption_step
from ..components.shell import staff_page
from ..state.offer_wizard import OfferWizardState as W

STEPS = ((1, "Details"), (2, "Redemption"), (3, "Publish"))


def _step_dot(number: int, label: str) -> rx.Component:
    done = W.step > number
    current = W.step == number
    return rx.hstack(
        rx.center(
            rx.cond(done, rx.icon("check", size=14), rx.text(str(number), size="1")),
            width="26px",
            height="26px",
            border_radius="50%",
            color=rx.cond(done | current, "white", rx.color("gray", 11)),
            background=rx.cond(done | current, rx.color("accent", 9), rx.color("gray", 4)),
            font_weight="bold",
        ),
        rx.text(label, size="2", weight=rx.cond(current, "bold", "regular")),
        align="center",
        spacing="2",
        cursor=rx.cond(done, "pointer", "default"),
        on_click=W.go_to(number),
        data_testid=f"step-{number}",
        data_current=rx.cond(current, "1", ""),
    )


def _stepper() -> rx.Component:
    parts: list[rx.Component] = []
    for number, label in STEPS:
        if parts:
            parts.append(rx.box(height="1px", flex="1", background=rx.color("gray", 6)))
        parts.append(_step_dot(number, label))
    return rx.hstack(*parts, align="center", spacing="3", width="100%")


def _buttons() -> rx.Component:
    return rx.hstack(
        rx.cond(
            W.step > 1,
            rx.button(
                rx.icon("arrow-left", size=16),
                "Back",
                variant="soft",
                color_scheme="gray",
                on_click=W.back,
                data_testid="wizard-back",
            ),
            rx.link(rx.button("Cancel", variant="ghost", color_scheme="gray"), href=routes.OFFERS),
        ),
        rx.spacer(),
        rx.cond(
            W.step < 3,
            rx.button(
                "Next",
                rx.icon("arrow-right", size=16),
                on_click=W.next_step,
                data_testid="wizard-next",
            ),
            rx.button(
                rx.cond(W.visibility == "draft", "Save as draft", "Save and publish"),
                loading=W.saving,
                on_click=W.save,
                data_testid="wizard-save",
            ),
        ),
        width="100%",
        padding_top="8px",
    )


def _saved() -> rx.Component:
    return rx.vstack(
        rx.center(
            rx.icon("circle-check", size=30, color=rx.color("grass", 10)),
            width="60px",
            height="60px",
            border_radius="50%",
            background=rx.color("grass", 3),
        ),
        rx.heading("“", W.saved_title, "” is saved", size="5", text_align="center"),
        rx.text(
            rx.cond(
                W.saved_status == "draft",
                "It is a draft: customers see nothing until you publish it.",
                "It is published. Send it to customers in a chat blast now, or build another.",
            ),
            size="2",
            color_scheme="gray",
            text_align="center",
        ),
        rx.hstack(
            rx.link(
                rx.button(rx.icon("megaphone", size=16), "Send a chat blast", size="3"),
                href=W.blast_href,
                data_testid="saved-blast",
            ),
            rx.button(
                rx.icon("plus", size=16),
                "Create another offer",
                size="3",
                variant="soft",
                on_click=W.create_another,
                data_testid="saved-another",
            ),
            spacing="3",
        ),
        rx.link("Back to offers", href=routes.OFFERS, size="2", data_testid="saved-list"),
        align="center",
        spacing="4",
        padding="48px 24px",
        width="100%",
        data_testid="offer-saved",
    )


def _form() -> rx.Component:
    return rx.card(
        rx.cond(
            W.saved_id != "",
            _saved(),
            rx.vstack(
                _stepper(),
                rx.divider(),
                rx.match(W.step, (1, details_step()), (2, redemption_step()), publish_step()),
                _buttons(),
                spacing="4",
                width="100%",
            ),
        ),
        size="3",
        flex="1",
        min_width="0",
    )


def new_offer_page() -> rx.Component:
    return _wizard_page("New offer")


def edit_offer_page() -> rx.Component:
    return _wizard_page("Edit offer")


def _wizard_page(title: str) -> rx.Component:
    return staff_page(
        title,
        rx.cond(
            W.missing != "",
            rx.callout(W.missing, icon="triangle-alert", color_scheme="red"),
            rx.cond(
                W.loaded,
                rx.hstack(
                    _form(),
                    rx.box(
                        offer_phone(W.preview, W.brand, W.toggle_claimed),
                        rx.text(
                            "Live preview: tap the button to see what the customer gets.",
                            size="1",
                            color_scheme="gray",
                            text_align="center",
                            padding_top="8px",
                            width="320px",
                        ),
                        position="sticky",
                        top="16px",
                    ),
                    align="start",
                    spacing="6",
                    width="100%",
                ),
                rx.center(rx.spinner(size="3"), padding="64px"),
            ),
        ),
    )
