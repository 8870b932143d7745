"""Staff sections whose full feature arrives with its own issue; each loads and explains itself."""

from __future__ import annotations

import reflex as rx

from ..components.common import empty_state
from ..components.shell import staff_page


def _section(title: str, icon: str, empty_title: str, text: str):  # type: ignore[no-untyped-def]
    def page() -> rx.Component:
        return staff_page(title, empty_state(icon, empty_title, text))

    page.__name__ = f"{title.lower().replace(' ', '_')}_page"
    return page


settings_page = _section(
    "Settings",
    "settings",
    "Enterprise settings",
    "Brand, users, channels and IVR, schedules and automated messages are managed here.",
)
