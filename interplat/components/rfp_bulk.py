"""The "Bulk requests (CSV)" button and dialog, for the payments page to place.

from ..components.rfp_bulk import rfp_bulk_button, rfp_bulk_dialog
... rfp_bulk_button(), rfp_bulk_dialog()  # anywhere on the page
"""

from __future__ import annotations

import reflex as rx

from ..services.rfp_bulk import MAX_BYTES
from ..state.rfp_bulk import CREATING, DONE, PICK, RfpBulkState
from .common import csv_drop

S = RfpBulkState
UPLOAD_ID = "rfp-csv"


def rfp_bulk_button() -> rx.Component:
    return rx.button(
        rx.icon("file-spreadsheet", size=16),
        "Bulk requests (CSV)",
        on_click=S.set_open(True),
        variant="surface",
        size="2",
        data_testid="rfp-bulk-open",
    )


def _picker() -> rx.Component:
    return csv_drop(
        S,
        UPLOAD_ID,
        "Columns: phone and/or email, amount (e.g. 49.99), currency, "
        "invoice_number, description, due_date (YYYY-MM-DD). Up to 30 MB.",
        MAX_BYTES,
        "rfp-bulk",
    )


def _problem_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row["line"], size="1", color_scheme="gray")),
        rx.table.cell(rx.text(row["payer"], size="1")),
        rx.table.cell(rx.text(row["amount"], size="1")),
        rx.table.cell(rx.text(row["invoice"], size="1")),
        rx.table.cell(rx.text(row["problem"], size="1", color_scheme="red")),
        data_testid="rfp-bulk-problem",
    )


def _preview() -> rx.Component:
    return rx.vstack(
        rx.text(S.summary, weight="bold", data_testid="rfp-bulk-summary"),
        rx.foreach(S.notes, lambda note: rx.text(note, size="1", color_scheme="gray")),
        rx.cond(
            S.rejected > 0,
            rx.scroll_area(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            *[
                                rx.table.column_header_cell(h)
                                for h in ("Line", "Payer", "Amount", "Invoice", "Problem")
                            ]
                        )
                    ),
                    rx.table.body(rx.foreach(S.problem_rows, _problem_row)),
                    size="1",
                    width="100%",
                ),
                max_height="260px",
            ),
        ),
        rx.hstack(
            rx.button(
                "Choose another file", variant="soft", color_scheme="gray", on_click=S.start_over
            ),
            rx.cond(
                S.rejected > 0,
                rx.button(
                    "Download rejected rows",
                    variant="soft",
                    on_click=S.download_rejected,
                    data_testid="rfp-bulk-rejected",
                ),
            ),
            rx.spacer(),
            rx.button(
                S.create_label,
                on_click=S.create,
                disabled=(S.ready == 0) | (S.stage == CREATING),
                loading=S.stage == CREATING,
                data_testid="rfp-bulk-create",
            ),
            width="100%",
        ),
        width="100%",
        spacing="3",
    )


def _done() -> rx.Component:
    return rx.vstack(
        rx.callout(S.result, icon="check", color_scheme="grass", data_testid="rfp-bulk-result"),
        rx.hstack(
            rx.cond(
                S.rejected > 0,
                rx.button("Download rejected rows", variant="soft", on_click=S.download_rejected),
            ),
            rx.spacer(),
            rx.button("Close", on_click=S.set_open(False)),
            width="100%",
        ),
        width="100%",
    )


def rfp_bulk_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Payment requests from a CSV file"),
            rx.dialog.description(
                "One request per row, sent in the payer's open chat, else by SMS or email "
                "with the bill link.",
                size="2",
                color_scheme="gray",
                margin_bottom="12px",
            ),
            rx.match(
                S.stage,
                (PICK, _picker()),
                (DONE, _done()),
                _preview(),
            ),
            max_width="720px",
            data_testid="rfp-bulk-dialog",
        ),
        open=S.dialog_open,
        on_open_change=S.set_open,
    )
