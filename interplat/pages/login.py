"""Staff login."""

from __future__ import annotations

import reflex as rx

from ..services.demo import DEMO_PASSWORD
from ..state.auth import AuthState


def login_page() -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.image(src="/interplat-mark.svg", width="36px", height="36px"),
                    rx.heading("Interplat", size="6"),
                    align="center",
                    spacing="2",
                ),
                rx.text("Log in to your workspace", color_scheme="gray", size="2"),
                rx.form(
                    rx.vstack(
                        rx.text("Email", size="2", weight="medium", as_="label"),
                        rx.input(
                            name="email",
                            type="email",
                            placeholder="you@company.com",
                            required=True,
                            auto_complete="username",
                            width="100%",
                            size="3",
                            data_testid="login-email",
                        ),
                        rx.text("Password", size="2", weight="medium", as_="label"),
                        rx.input(
                            name="password",
                            type="password",
                            required=True,
                            auto_complete="current-password",
                            width="100%",
                            size="3",
                            data_testid="login-password",
                        ),
                        rx.cond(
                            AuthState.login_error != "",
                            rx.callout(
                                AuthState.login_error,
                                icon="circle-alert",
                                color_scheme="red",
                                width="100%",
                                data_testid="login-error",
                            ),
                        ),
                        rx.button(
                            "Log in",
                            type="submit",
                            width="100%",
                            size="3",
                            data_testid="login-submit",
                        ),
                        spacing="2",
                        width="100%",
                    ),
                    on_submit=AuthState.login,
                    width="100%",
                ),
                rx.cond(
                    AuthState.show_demo_hint,
                    rx.text(
                        "Demo: carlos@symphony.demo or tom@ticket4me.demo, password ",
                        rx.code(DEMO_PASSWORD),
                        size="1",
                        color_scheme="gray",
                    ),
                ),
                spacing="4",
                width="100%",
            ),
            size="4",
            width="100%",
            max_width="400px",
        ),
        min_height="100vh",
        padding="16px",
        background=rx.color("gray", 2),
    )


def index_page() -> rx.Component:
    return rx.center(rx.spinner(size="3"), height="100vh")
