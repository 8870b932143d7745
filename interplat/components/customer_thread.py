"""The customer's thread: bubbles for every kind of message, theirs on the right."""

from __future__ import annotations

import reflex as rx

from ..state.customer import CustomerChatState as S
from .chat import media_body, receipt
from .chat_cards import card_or


def _quick_replies(message: rx.Var) -> rx.Component:
    """The assistant's tappable answers; the service offers them on its last line only."""
    return rx.cond(
        message["quick_replies"] != "",
        rx.hstack(
            rx.foreach(
                message["quick_replies"].to(str).split("\n"),
                lambda choice: rx.button(
                    choice,
                    on_click=S.send_quick_reply(choice),
                    variant="outline",
                    radius="full",
                    size="2",
                    color=S.primary_color,
                    border=f"1px solid {S.primary_color}",
                    box_shadow="none",
                    background="white",
                    data_testid="quick-reply",
                ),
            ),
            wrap="wrap",
            spacing="2",
            width="100%",
            padding_top="4px",
            data_testid="quick-replies",
        ),
    )


def _bubble(message: rx.Var) -> rx.Component:
    mine = message["sender_kind"] == "customer"
    return rx.vstack(_message(message, mine), _quick_replies(message), spacing="0", width="100%")


def _message(message: rx.Var, mine: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.box(
            rx.cond(
                ~mine & (message["sender_name"] != ""),
                rx.text(message["sender_name"], size="1", weight="bold", color=S.primary_color),
            ),
            card_or(
                message,
                media_body(message, rx.cond(mine, "white", S.primary_color)),
                S.claim_offer,
            ),
            rx.cond(mine, receipt(message["receipt"])),
            padding="8px 12px",
            border_radius="14px",
            max_width="80%",
            background=rx.cond(mine, S.primary_color, rx.color("gray", 3)),
            color=rx.cond(mine, "white", rx.color("gray", 12)),
        ),
        justify=rx.cond(mine, "end", "start"),
        width="100%",
        data_testid="chat-message",
    )


def thread() -> rx.Component:
    return rx.vstack(
        rx.foreach(S.thread, _bubble),
        spacing="2",
        width="100%",
        padding="16px 12px",
        flex="1",
    )
