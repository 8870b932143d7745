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


loop_page = _section(
    "My loop",
    "users",
    "Your loop is empty",
    "Customers you add or import by CSV will appear here.",
)
offers_page = _section(
    "Offers",
    "tag",
    "No offers yet",
    "Offers you build in the three-step wizard will appear here.",
)
blasts_page = _section(
    "Blasts",
    "megaphone",
    "No chat blasts yet",
    "Send an offer or a message to your loop, a geofence or a chosen group.",
)
payments_page = _section(
    "Payments",
    "credit-card",
    "No payment requests yet",
    "Requests for payment you send in chat or by CSV will be tracked here.",
)
settings_page = _section(
    "Settings",
    "settings",
    "Enterprise settings",
    "Brand, users, channels and IVR, schedules and automated messages are managed here.",
)
