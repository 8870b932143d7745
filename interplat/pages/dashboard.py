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


def _waiting_row(item: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(item["customer_name"], size="2", weight="medium", data_testid="waiting-name"),
            rx.text(
                rx.cond(item["last_message"] != "", item["last_message"], "No message yet"),
                size="1",
                color_scheme="gray",
                trim="end",
            ),
            spacing="0",
            min_width="0",
            flex="1",
        ),
        rx.badge(item["source"], variant="soft", size="1", data_testid="waiting-source"),
        rx.text(item["reference"], size="1", color_scheme="gray", font_family="monospace"),
        rx.text(
            rx.moment(item["waiting_since"], from_now=True),
            size="1",
            color_scheme="gray",
            white_space="nowrap",
        ),
        align="center",
        width="100%",
        data_testid="waiting-ticket",
        data_reference=item["reference"],
    )


def _waiting_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.icon("hourglass", size=18), rx.heading("Waiting now", size="4")),
            rx.cond(
                LiveState.waiting.length() == 0,
                rx.text("Nobody is waiting.", size="2", color_scheme="gray"),
            ),
            rx.foreach(LiveState.waiting, _waiting_row),
            spacing="3",
            width="100%",
        ),
        width="100%",
        data_testid="waiting-card",
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
            rx.flex(
                _waiting_card(),
                _team_card(),
                spacing="4",
                width="100%",
                direction=rx.breakpoints(initial="column", md="row"),
            ),
            spacing="5",
            width="100%",
        ),
    )


def _team_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.icon("users", size=18), rx.heading("Team", size="4"), align="center"),
            rx.foreach(LiveState.team, _team_member),
            spacing="3",
            width="100%",
        ),
        width="100%",
        max_width=rx.breakpoints(initial="100%", md="400px"),
        data_testid="team-card",
    )
