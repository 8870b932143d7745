"""Small building blocks shared by pages."""

from __future__ import annotations

from typing import Any

import reflex as rx


def empty_state(icon: str, title: str, text: str, **props) -> rx.Component:
    """What a page shows before it has anything to list."""
    return rx.center(
        rx.vstack(
            rx.center(
                rx.icon(icon, size=28, color=rx.color("accent", 11)),
                width="56px",
                height="56px",
                border_radius="50%",
                background=rx.color("accent", 3),
            ),
            rx.heading(title, size="4"),
            rx.text(text, color_scheme="gray", size="2", text_align="center", max_width="420px"),
            align="center",
            spacing="3",
        ),
        padding="64px 16px",
        border=f"1px dashed {rx.color('gray', 6)}",
        border_radius="12px",
        width="100%",
        **props,
    )


def stat_card(label: str, value: rx.Var | str | int, icon: str, testid: str) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.text(label, size="2", color_scheme="gray"),
                rx.heading(value, size="7", data_testid=testid),
                spacing="1",
            ),
            rx.spacer(),
            rx.icon(icon, size=22, color=rx.color("accent", 10)),
            align="start",
            width="100%",
        ),
        width="100%",
    )


def presence_dot(presence: rx.Var) -> rx.Component:
    return rx.box(
        width="9px",
        height="9px",
        border_radius="50%",
        flex_shrink="0",
        background=rx.match(
            presence,
            ("online", rx.color("grass", 9)),
            ("away", rx.color("amber", 9)),
            rx.color("gray", 8),
        ),
    )


def metric_card(
    label: str,
    value: rx.Var | str,
    icon: str,
    testid: str,
    hint: str = "",
    color: str = "accent",
) -> rx.Component:
    """A dashboard figure: a tinted icon, the label, the value and a one-line hint."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.center(
                    rx.icon(icon, size=16, color=rx.color(color, 11)),
                    width="30px",
                    height="30px",
                    border_radius="8px",
                    background=rx.color(color, 3),
                    flex_shrink="0",
                ),
                rx.text(label, size="2", color_scheme="gray", weight="medium", trim="end"),
                align="center",
                spacing="2",
            ),
            rx.heading(value, size="6", data_testid=testid, white_space="nowrap"),
            *([rx.text(hint, size="1", color_scheme="gray")] if hint else []),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def figure_row(label: str, value: rx.Var | str, testid: str, hint: str = "") -> rx.Component:
    """One labelled figure in a list card: label (and hint) on the left, value right."""
    return rx.hstack(
        rx.vstack(
            rx.text(label, size="2"),
            *([rx.text(hint, size="1", color_scheme="gray")] if hint else []),
            spacing="0",
        ),
        rx.spacer(),
        rx.text(value, size="4", weight="bold", data_testid=testid, white_space="nowrap"),
        align="center",
        width="100%",
    )


def pager(state: Any, testid: str) -> rx.Component:
    """ "26–50 of 312" with Previous and Next, for a paged table's state (``range_label``,
    ``has_previous``, ``has_next``, ``previous_page``, ``next_page``)."""
    return rx.hstack(
        rx.text(state.range_label, size="2", color_scheme="gray", data_testid=f"{testid}-range"),
        rx.spacer(),
        rx.button(
            rx.icon("chevron-left", size=16),
            "Previous",
            on_click=state.previous_page,
            disabled=~state.has_previous,
            variant="soft",
            color_scheme="gray",
            size="2",
            data_testid=f"{testid}-previous",
        ),
        rx.button(
            "Next",
            rx.icon("chevron-right", size=16),
            on_click=state.next_page,
            disabled=~state.has_next,
            variant="soft",
            color_scheme="gray",
            size="2",
            data_testid=f"{testid}-next",
        ),
        align="center",
        width="100%",
    )


def csv_drop(state: Any, upload_id: str, hint: str, max_bytes: int, testid: str) -> rx.Component:
    """A CSV file's drop zone with the file-level error under it (imports by CSV).

    ``state`` has ``upload(files)`` and ``file_error``; test ids ``<testid>-drop`` and
    ``<testid>-error``.
    """
    return rx.vstack(
        rx.upload.root(
            rx.vstack(
                rx.icon("file-spreadsheet", size=32, color=rx.color("accent", 9)),
                rx.text("Drop a CSV file here, or click to choose one", weight="medium"),
                rx.text(hint, size="1", color_scheme="gray", align="center"),
                align="center",
                spacing="2",
                padding="28px",
            ),
            id=upload_id,
            accept={"text/csv": [".csv"], "text/plain": [".txt"]},
            max_size=max_bytes,
            multiple=False,
            on_drop=state.upload(rx.upload_files(upload_id=upload_id)),
            border=f"2px dashed {rx.color('gray', 6)}",
            border_radius="12px",
            width="100%",
            cursor="pointer",
            data_testid=f"{testid}-drop",
        ),
        rx.cond(
            state.file_error != "",
            rx.callout(
                state.file_error,
                icon="triangle-alert",
                color_scheme="red",
                size="1",
                width="100%",
                data_testid=f"{testid}-error",
            ),
        ),
        width="100%",
    )
