"""The chat composer's "Request payment" button and its dialog."""

from __future__ import annotations

import reflex as rx

from ..services.payment_fields import CURRENCIES, MAX_ATTACHMENT_BYTES
from ..state.rfp_composer import RfpComposerState

S = RfpComposerState
UPLOAD_ID = "rfp-pdf"


def rfp_button() -> rx.Component:
    return rx.icon_button(
        rx.icon("receipt", size=18),
        variant="soft",
        color_scheme="gray",
        type="button",
        on_click=S.set_open(True),
        aria_label="Request payment",
        title="Request payment",
        data_testid="rfp-open",
    )


def _field(label: str, control: rx.Component) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", weight="medium"), control, spacing="1", width="100%")


def _pdf_picker() -> rx.Component:
    return rx.hstack(
        rx.upload.root(
            rx.button(
                rx.icon("paperclip", size=14),
                "Attach PDF invoice",
                variant="soft",
                size="1",
                type="button",
            ),
            id=UPLOAD_ID,
            accept={"application/pdf": [".pdf"]},
            max_size=MAX_ATTACHMENT_BYTES,
            multiple=False,
            no_drag=True,
            on_drop=S.attach(rx.upload_files(upload_id=UPLOAD_ID)),
            data_testid="rfp-pdf",
        ),
        rx.cond(S.pdf_name != "", rx.text(S.pdf_name, size="1", color_scheme="gray")),
        align="center",
    )


def rfp_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Request payment"),
            rx.form(
                rx.vstack(
                    rx.hstack(
                        _field(
                            "Amount",
                            rx.input(
                                name="amount",
                                placeholder="49.99",
                                required=True,
                                width="100%",
                                data_testid="rfp-amount",
                            ),
                        ),
                        _field(
                            "Currency",
                            rx.select(list(CURRENCIES), name="currency", default_value="USD"),
                        ),
                        width="100%",
                    ),
                    _field(
                        "Invoice number",
                        rx.input(
                            name="invoice_number",
                            max_length=64,
                            width="100%",
                            data_testid="rfp-invoice",
                        ),
                    ),
                    _field(
                        "Description",
                        rx.text_area(
                            name="description",
                            max_length=2000,
                            rows="2",
                            width="100%",
                            data_testid="rfp-description",
                        ),
                    ),
                    _field(
                        "Line items (optional): description; quantity; unit price — one a line",
                        rx.text_area(
                            name="line_items",
                            rows="2",
                            placeholder="Labour; 2; 20.00",
                            width="100%",
                            data_testid="rfp-lines",
                        ),
                    ),
                    _field(
                        "Due date (optional)",
                        rx.input(name="due_date", type="date", data_testid="rfp-due"),
                    ),
                    _pdf_picker(),
                    rx.cond(
                        S.error != "",
                        rx.callout(
                            S.error,
                            icon="triangle-alert",
                            color_scheme="red",
                            size="1",
                            width="100%",
                            data_testid="rfp-error",
                        ),
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.button(
                            "Send request", type="submit", loading=S.sending, data_testid="rfp-send"
                        ),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=S.send,
                reset_on_submit=False,
            ),
            max_width="480px",
            data_testid="rfp-dialog",
        ),
        open=S.dialog_open,
        on_open_change=S.set_open,
    )
