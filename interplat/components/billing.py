"""Pieces the customer's bill, receipt and wallet pages share (state-free)."""

from __future__ import annotations

import reflex as rx

from .customer import customer_layout, hosted_mark


def brand_band(name: rx.Var, tagline: rx.Var, logo_url: rx.Var, color: rx.Var) -> rx.Component:
    """The biller's band on top of the bill, receipt and wallet pages."""
    return rx.hstack(
        rx.cond(
            logo_url != "",
            rx.image(
                src=logo_url,
                height="36px",
                width="36px",
                border_radius="8px",
                background="white",
                padding="3px",
                alt=name,
            ),
        ),
        rx.vstack(
            rx.text(name, weight="bold", size="3", color="white", data_testid="brand-name"),
            rx.text(tagline, size="1", color="rgba(255,255,255,0.8)"),
            spacing="0",
        ),
        align="center",
        spacing="3",
        width="100%",
        padding="12px 16px",
        background=color,
        data_testid="brand-header",
    )


def missing_panel(title: str, text: str) -> rx.Component:
    return customer_layout(
        rx.vstack(
            rx.icon("file-x", size=40, color=rx.color("gray", 9)),
            rx.heading(title, size="5", text_align="center", data_testid="link-problem"),
            rx.text(text, size="2", color_scheme="gray", text_align="center"),
            align="center",
            spacing="3",
            padding="64px 24px",
            width="100%",
            flex="1",
        ),
        hosted_mark(),
    )


def line_items(lines: rx.Var, total: rx.Var) -> rx.Component:
    """Each line as quantity × unit = amount, then the total."""
    return rx.vstack(
        rx.foreach(
            lines,
            lambda line: rx.hstack(
                rx.vstack(
                    rx.text(line["description"], size="2"),
                    rx.text(line["quantity"], " × ", line["unit"], size="1", color_scheme="gray"),
                    spacing="0",
                    min_width="0",
                ),
                rx.spacer(),
                rx.text(line["amount"], size="2", white_space="nowrap"),
                width="100%",
                align="start",
                data_testid="bill-line",
            ),
        ),
        rx.separator(size="4"),
        rx.hstack(
            rx.text("Total", weight="bold", size="3"),
            rx.spacer(),
            rx.text(total, weight="bold", size="5", data_testid="bill-total"),
            width="100%",
            align="center",
        ),
        spacing="2",
        width="100%",
    )
