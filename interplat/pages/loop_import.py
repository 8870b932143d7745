"""My loop's "Import CSV" dialog: pick a file, see each row's problems, import, report."""

from __future__ import annotations

import reflex as rx

from ..components.common import csv_drop
from ..services.loop_import import MAX_BYTES
from ..state.loop_import import DONE, IMPORTING, PICK, PREVIEW, LoopImportState

S = LoopImportState
UPLOAD_ID = "loop-csv"
PREVIEW_COLUMNS = ("Line", "Name", "Phone", "Email", "Tags", "Problem")


def import_button() -> rx.Component:
    return rx.button(
        rx.icon("upload", size=16),
        "Import CSV",
        on_click=S.set_open(True),
        variant="surface",
        size="2",
        data_testid="loop-import",
    )


def _picker() -> rx.Component:
    return csv_drop(
        S,
        UPLOAD_ID,
        "Columns: phone (required), first name, last name, email, tags "
        "(separated by ; or |), opt_in. Up to 20 MB.",
        MAX_BYTES,
        "loop-import",
    )


def _status(row: rx.Var) -> rx.Component:
    return rx.match(
        row["status"],
        ("rejected", rx.badge("Rejected", color_scheme="red", variant="soft", size="1")),
        ("in_loop", rx.badge("In loop", color_scheme="gray", variant="soft", size="1")),
        rx.badge("Ready", color_scheme="grass", variant="soft", size="1"),
    )


def _preview_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row["line"], size="1", color_scheme="gray")),
        rx.table.cell(rx.text(row["first_name"], " ", row["last_name"], size="1")),
        rx.table.cell(rx.text(row["phone"], size="1", white_space="nowrap")),
        rx.table.cell(rx.text(row["email"], size="1")),
        rx.table.cell(rx.text(row["tags"], size="1")),
        rx.table.cell(
            rx.hstack(_status(row), rx.text(row["problem"], size="1"), spacing="2", wrap="wrap")
        ),
        data_testid="loop-preview-row",
        data_status=row["status"],
    )


def _preview_table(rows: rx.Var) -> rx.Component:
    return rx.scroll_area(
        rx.table.root(
            rx.table.header(
                rx.table.row(*[rx.table.column_header_cell(c) for c in PREVIEW_COLUMNS])
            ),
            rx.table.body(rx.foreach(rows, _preview_row)),
            size="1",
            width="100%",
        ),
        max_height="320px",
        type="auto",
    )


def _preview() -> rx.Component:
    return rx.vstack(
        rx.callout(
            S.summary,
            icon=rx.cond(S.rejected > 0, "triangle-alert", "circle-check"),
            color_scheme=rx.cond(S.rejected > 0, "amber", "grass"),
            width="100%",
            data_testid="loop-import-summary",
        ),
        rx.foreach(S.notes, lambda n: rx.text(n, size="1", color_scheme="gray")),
        rx.segmented_control.root(
            rx.segmented_control.item("Rows with problems", value="problems"),
            rx.segmented_control.item("First rows", value="first"),
            value=rx.cond(S.show_problems, "problems", "first"),
            on_change=S.set_show_problems,
            size="1",
        ),
        rx.cond(
            S.show_problems,
            rx.cond(
                S.problem_rows.length() > 0,
                _preview_table(S.problem_rows),
                rx.text("No problems found.", size="2", color_scheme="gray"),
            ),
            _preview_table(S.first_rows),
        ),
        width="100%",
        spacing="3",
    )


def _progress() -> rx.Component:
    return rx.vstack(
        rx.text("Importing… you can keep working; the table refreshes when done.", size="2"),
        rx.progress(value=S.progress, max=100, width="100%", data_testid="loop-import-progress"),
        rx.text(S.progress, "%", size="1", color_scheme="gray"),
        width="100%",
        spacing="2",
    )


def _done() -> rx.Component:
    return rx.callout(
        S.result,
        icon="circle-check",
        color_scheme="grass",
        width="100%",
        data_testid="loop-import-result",
    )


def _buttons() -> rx.Component:
    report = rx.cond(
        (S.rejected > 0) & ((S.stage == PREVIEW) | (S.stage == DONE)),
        rx.button(
            rx.icon("download", size=14),
            "Download rejected rows",
            on_click=S.download_rejected,
            variant="soft",
            color_scheme="gray",
            data_testid="loop-import-rejected",
        ),
    )
    return rx.hstack(
        report,
        rx.spacer(),
        rx.cond(
            S.stage == PREVIEW,
            rx.hstack(
                rx.button(
                    "Choose another file",
                    variant="soft",
                    color_scheme="gray",
                    on_click=S.start_over,
                ),
                rx.button(
                    S.import_label,
                    on_click=S.run_import,
                    disabled=S.ready == 0,
                    data_testid="loop-import-run",
                ),
            ),
        ),
        rx.cond(
            S.stage != IMPORTING,
            rx.dialog.close(
                rx.button(
                    rx.cond(S.stage == DONE, "Done", "Cancel"),
                    variant="soft",
                    color_scheme="gray",
                    data_testid="loop-import-close",
                )
            ),
        ),
        width="100%",
        wrap="wrap",
        spacing="2",
    )


def import_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Import customers from CSV"),
            rx.vstack(
                rx.match(
                    S.stage,
                    (PICK, _picker()),
                    (PREVIEW, _preview()),
                    (IMPORTING, _progress()),
                    _done(),
                ),
                _buttons(),
                spacing="4",
                width="100%",
            ),
            max_width="860px",
            width="92vw",
            data_testid="loop-import-dialog",
        ),
        open=S.dialog_open,
        on_open_change=S.set_open,
    )
