"""Dashboard (the CSR workspace issue fills in charts and period figures)."""

from __future__ import annotations

import reflex as rx

from ..components.common import presence_dot, stat_card
from ..components.shell import staff_page
from ..state.live import LiveState


def _team_member(member: rx.Var) -> rx.Component:
    return rx.hstack(
        presence_dot(member["presence"]),
        rx.text(member["full_name"], size="2", weight="medium"),
        rx.spacer(),
        rx.badge(member["role"], variant="soft", color_scheme="gray", size="1"),
        rx.text(member["presence"], size="1", color_scheme="gray", width="52px"),
        align="center",
        width="100%",
        data_testid="team-member",
        data_presence=member["presence"],
        data_name=member["full_name"],
    )


def dashboard_page() -> rx.Component:
    return staff_page(
        "Dashboard",
        rx.vstack(
            rx.grid(
                stat_card(
                    "Waiting", LiveState.counts.get("waiting", 0), "hourglass", "count-waiting"
                ),
                stat_card(
                    "Assigned", LiveState.counts.get("assigned", 0), "user-check", "count-assigned"
                ),
                stat_card(
                    "Resolved",
                    LiveState.counts.get("resolved", 0),
                    "circle-check",
                    "count-resolved",
                ),
                stat_card(
                    "Abandoned", LiveState.counts.get("abandoned", 0), "circle-x", "count-abandoned"
                ),
                columns="4",
                spacing="4",
                width="100%",
            ),
            rx.card(
                rx.vstack(
                    rx.hstack(
                        rx.icon("users", size=18),
                        rx.heading("Team", size="4"),
                        align="center",
                    ),
                    rx.foreach(LiveState.team, _team_member),
                    spacing="3",
                    width="100%",
                ),
                width="100%",
                max_width="480px",
                data_testid="team-card",
            ),
            spacing="5",
            width="100%",
        ),
    )
