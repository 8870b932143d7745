"""Tickets: every conversation of the enterprise, filtered, searched, paged and exported."""

from __future__ import annotations

import reflex as rx

from ..components.common import empty_state
from ..components.shell import staff_page


def tickets_page() -> rx.Component:
    return staff_page(
        "Tickets",
        empty_state("ticket", "The ticket list", "Every conversation of your enterprise."),
    )
