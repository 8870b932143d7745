"""The customer's thread: bubbles for every kind of message, theirs on the right."""

from __future__ import annotations

import reflex as rx

from ..state.customer import CustomerChatState as S
from .chat import media_body


def _bubble(message: rx.Var) -> rx.Component:
    mine = message["sender_kind"] == "customer"
    return rx.hstack(
        rx.box(
            rx.cond(
                ~mine & (message["sender_name"] != ""),
                rx.text(message["sender_name"], size="1", weight="bold", color=S.primary_color),
            ),
            media_body(message, rx.cond(mine, "white", S.primary_color)),
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
