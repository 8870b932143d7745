"""The staff layout: sidebar navigation, live header, content."""

from __future__ import annotations

import reflex as rx

from .. import routes
from ..services.access import Permission
from ..state.auth import AuthState
from ..state.live import LiveState
from .common import presence_dot


def _nav_link(item: routes.NavItem) -> rx.Component:
    active = rx.State.router.page.path == item.path
    link = rx.link(
        rx.hstack(
            rx.icon(item.icon, size=18),
            rx.text(item.label, size="2", weight="medium"),
            spacing="3",
            align="center",
            padding="8px 12px",
            border_radius="8px",
            width="100%",
            color=rx.cond(active, rx.color("accent", 11), rx.color("gray", 11)),
            background=rx.cond(active, rx.color("accent", 3), "transparent"),
            _hover={"background": rx.color("gray", 3)},
        ),
        href=item.path,
        underline="none",
        width="100%",
        data_testid=f"nav-{item.path.strip('/')}",
    )
    if item.permission == Permission.EDIT_SETTINGS:
        return rx.cond(AuthState.is_admin, link)
    return link


def sidebar() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.image(src="/interplat-mark.svg", width="28px", height="28px"),
            rx.heading("Interplat", size="4"),
            align="center",
            spacing="2",
            padding="4px 8px 16px",
        ),
        rx.text(
            AuthState.enterprise_name,
            size="1",
            weight="bold",
            color_scheme="gray",
            padding="0 12px 8px",
            text_transform="uppercase",
            letter_spacing="0.04em",
            data_testid="enterprise-name",
        ),
        *[_nav_link(item) for item in routes.STAFF_NAV],
        rx.spacer(),
        spacing="1",
        width="220px",
        min_width="220px",
        height="100vh",
        padding="16px 12px",
        border_right=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 2),
        position="sticky",
        top="0",
    )


def _waiting_choice(item: rx.Var) -> rx.Component:
    return rx.menu.item(
        rx.vstack(
            rx.hstack(
                rx.text(item["customer_name"], weight="bold", size="2"),
                rx.badge(item["source"], size="1", variant="soft"),
                rx.cond(
                    item["with_assistant"] != "",
                    rx.badge(rx.icon("bot", size=12), "assistant", size="1", color_scheme="violet"),
                ),
                rx.text(
                    rx.moment(item["waiting_since"], from_now=True), size="1", color_scheme="gray"
                ),
                spacing="2",
                align="center",
            ),
            rx.text(
                rx.cond(item["last_message"] != "", item["last_message"], "No message yet"),
                size="1",
                color_scheme="gray",
                max_width="320px",
                overflow="hidden",
                text_overflow="ellipsis",
                white_space="nowrap",
            ),
            spacing="0",
        ),
        on_click=LiveState.take(item["ticket_id"]),
        height="auto",
        padding="6px 10px",
        data_testid="pull-choice",
    )


def _pull_control() -> rx.Component:
    """Take the next waiting ticket, or pick one from the queue's head with a preview."""
    return rx.hstack(
        rx.button(
            rx.icon("inbox", size=16),
            "Pull ticket",
            on_click=LiveState.pull_next,
            disabled=LiveState.unserved == 0,
            radius="large",
            data_testid="pull-next",
        ),
        rx.menu.root(
            rx.menu.trigger(
                rx.icon_button(
                    rx.icon("chevron-down", size=16),
                    variant="soft",
                    disabled=LiveState.unserved == 0,
                    aria_label="Pick a waiting ticket",
                    data_testid="pull-pick",
                )
            ),
            rx.menu.content(rx.foreach(LiveState.waiting, _waiting_choice)),
        ),
        spacing="1",
    )


def header(title: str) -> rx.Component:
    return rx.hstack(
        rx.heading(title, size="6"),
        rx.spacer(),
        rx.badge(
            rx.icon("inbox", size=14),
            rx.text("Unserved"),
            rx.text(LiveState.unserved, weight="bold", data_testid="unserved-count"),
            color_scheme=rx.cond(LiveState.unserved > 0, "orange", "gray"),
            size="2",
            variant="soft",
        ),
        _pull_control(),
        rx.tooltip(
            rx.icon_button(
                rx.cond(
                    LiveState.sound_on, rx.icon("bell-ring", size=16), rx.icon("bell-off", size=16)
                ),
                variant="soft",
                color_scheme="gray",
                on_click=LiveState.toggle_sound,
                aria_label="New-message sound",
                data_testid="sound-toggle",
            ),
            content=rx.cond(LiveState.sound_on, "Sound on for new messages", "Sound off"),
        ),
        rx.select.root(
            rx.select.trigger(
                rx.hstack(
                    presence_dot(LiveState.my_presence),
                    rx.text(
                        rx.match(
                            LiveState.my_presence, ("away", "Away"), ("online", "Online"), "Offline"
                        ),
                    ),
                    align="center",
                    spacing="2",
                ),
                variant="soft",
                data_testid="presence-select",
            ),
            rx.select.content(
                rx.select.item("Online", value="online", data_testid="presence-online"),
                rx.select.item("Away", value="away", data_testid="presence-away"),
            ),
            value=LiveState.my_presence,
            on_change=LiveState.set_presence,
        ),
        rx.menu.root(
            rx.menu.trigger(
                rx.button(
                    rx.avatar(fallback=AuthState.user_initials, size="1", radius="full"),
                    rx.text(AuthState.user_name, data_testid="user-name"),
                    rx.icon("chevron-down", size=14),
                    variant="ghost",
                    color_scheme="gray",
                )
            ),
            rx.menu.content(
                rx.menu.item(rx.text(AuthState.user_email, size="1"), disabled=True),
                rx.menu.item(rx.text("Role: ", AuthState.user_role, size="1"), disabled=True),
                rx.menu.separator(),
                rx.menu.item("Log out", on_click=AuthState.logout, data_testid="logout"),
            ),
        ),
        align="center",
        spacing="4",
        width="100%",
        padding="14px 28px",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 1),
        position="sticky",
        top="0",
        z_index="10",
    )


def staff_page(title: str, *children: rx.Component, full_bleed: bool = False) -> rx.Component:
    """A staff page: renders nothing until the guard has identified the user.

    ``full_bleed`` pages (the chat workspace) fill the space under the header edge to edge.
    """
    content = (
        rx.box(*children, width="100%")
        if full_bleed
        else rx.box(*children, padding="24px 28px", width="100%", max_width="1200px")
    )
    return rx.cond(
        AuthState.user_id != "",
        rx.hstack(
            sidebar(),
            rx.vstack(
                header(title),
                content,
                spacing="0",
                width="100%",
                min_height="100vh",
            ),
            spacing="0",
            width="100%",
            align="start",
        ),
        rx.center(rx.spinner(size="3"), height="100vh"),
    )
