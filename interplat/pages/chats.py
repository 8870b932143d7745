"""The chat workspace: the CSR's chats, the open thread, the customer."""

from __future__ import annotations

import reflex as rx

from ..components.common import empty_state
from ..components.shell import staff_page


def chats_page() -> rx.Component:
    return staff_page(
        "Chats",
        empty_state("messages-square", "No open chats", "Chats you pull open here."),
    )
