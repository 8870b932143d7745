"""The end of a customer's chat: "this conversation has ended", the rating panel (sent once)
and, once rated, the rating confirmed at the foot of the thread."""

from __future__ import annotations

import reflex as rx

from ..services.customer_choices import MAX_COMMENT_LENGTH
from ..state.customer import CustomerChatState as S

STARS = [1, 2, 3, 4, 5]
STAR_GOLD = "#F5A623"


def _star(stars: int, chosen: rx.Var, tappable: bool) -> rx.Component:
    lit = chosen >= stars
    icon = rx.icon(
        "star",
        size=32 if tappable else 16,
        color=rx.cond(lit, STAR_GOLD, rx.color("gray", 8)),
        fill=rx.cond(lit, STAR_GOLD, "none"),
    )
    if not tappable:
        return icon
    return rx.el.button(
        icon,
        type="button",
        on_click=S.choose_rating(stars),
        aria_label=f"{stars} of 5",
        aria_pressed=rx.cond(S.rating_choice == stars, "true", "false"),
        style={"background": "none", "border": "none", "padding": "4px", "cursor": "pointer"},
        data_testid=f"rating-star-{stars}",
    )


def _rating_panel() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text(
                "How was your conversation with ",
                S.brand_name,
                "?",
                weight="medium",
                size="3",
                text_align="center",
            ),
            rx.hstack(*[_star(n, S.rating_choice, True) for n in STARS], spacing="1"),
            rx.text_area(
                name="comment",
                placeholder="Anything you would like to add? (optional)",
                max_length=MAX_COMMENT_LENGTH,
                rows="3",
                width="100%",
                data_testid="rating-comment",
            ),
            rx.cond(
                S.rating_error != "",
                rx.text(S.rating_error, color_scheme="red", size="2", data_testid="rating-error"),
            ),
            rx.button(
                "Send rating",
                type="submit",
                size="3",
                width="100%",
                background=S.primary_color,
                data_testid="rating-send",
            ),
            align="center",
            spacing="3",
            width="100%",
        ),
        on_submit=S.rate,
        width="100%",
        padding="16px",
        border_top=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 2),
        data_testid="rating-panel",
    )


def _rated() -> rx.Component:
    """The rating as it stays in the thread: the customer's own, on their side."""
    return rx.hstack(
        rx.vstack(
            rx.hstack(*[_star(n, S.rating, False) for n in STARS], spacing="0"),
            rx.text("You rated this conversation ", S.rating, "/5", size="2"),
            rx.cond(
                S.rating_comment != "",
                rx.text("“", S.rating_comment, "”", size="2", font_style="italic"),
            ),
            rx.text("Thank you for your feedback.", size="1", color_scheme="gray"),
            spacing="1",
            padding="8px 12px",
            border_radius="14px",
            background=rx.color("gray", 3),
            max_width="80%",
        ),
        justify="end",
        width="100%",
        padding="0 12px 12px",
        data_testid="rating-confirmed",
    )


def chat_end() -> rx.Component:
    """Shown once the ticket has ended (nothing while it is open)."""
    return rx.cond(
        S.ticket_open,
        rx.fragment(),
        rx.vstack(
            rx.cond(S.rating > 0, _rated()),
            rx.text(
                "This conversation has ended.",
                size="2",
                color_scheme="gray",
                text_align="center",
                width="100%",
                padding="4px 0 8px",
                data_testid="chat-ended",
            ),
            rx.cond(S.can_rate, _rating_panel()),
            spacing="0",
            width="100%",
        ),
    )
