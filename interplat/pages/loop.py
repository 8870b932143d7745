"""My loop: a CSR's customers (every CSR's for admins) — search, sort, page, add, edit,
delete, import and export."""

from __future__ import annotations

import reflex as rx

from ..components.common import empty_state, pager
from ..components.shell import staff_page
from ..state.loop import ANY, LoopState
from .loop_import import import_button, import_dialog

S = LoopState
COLUMNS = (
    ("Name", "first_name", "auto"),
    ("Phone", "phone", "150px"),
    ("Email", "email", "auto"),
    ("Tags", "tags", "auto"),
    ("Offers", "opted_in", "100px"),
    ("Added", "added_at", "120px"),
)


def _header(label: str, key: str, width: str) -> rx.Component:
    arrow = rx.cond(
        S.sort == key,
        rx.icon(rx.cond(S.descending, "arrow-down", "arrow-up"), size=12),
        rx.icon("arrow-up-down", size=12, opacity="0.35"),
    )
    return rx.table.column_header_cell(
        rx.hstack(
            rx.text(label, size="1", weight="medium", color_scheme="gray"),
            arrow,
            spacing="1",
            align="center",
            cursor="pointer",
            on_click=S.sort_by(key),
            data_testid=f"sort-{key}",
        ),
        width=width,
    )


def _opt_badge(row: rx.Var) -> rx.Component:
    return rx.cond(
        row["opted_in"] == "yes",
        rx.badge("Opted in", color_scheme="grass", variant="soft", radius="full", size="1"),
        rx.badge("Opted out", color_scheme="gray", variant="soft", radius="full", size="1"),
    )


def _row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row["name"], size="2", weight="medium", data_testid="loop-name")),
        rx.table.cell(rx.text(row["phone"], size="2", white_space="nowrap")),
        rx.table.cell(rx.text(row["email"], size="2", color_scheme="gray", word_break="break-all")),
        rx.table.cell(
            rx.flex(
                rx.foreach(
                    row["tags"].to(list[str]),
                    lambda t: rx.badge(t, variant="surface", radius="full", size="1"),
                ),
                gap="4px",
                wrap="wrap",
            )
        ),
        rx.table.cell(_opt_badge(row)),
        rx.table.cell(
            rx.text(
                row["added"],
                size="2",
                color_scheme="gray",
                white_space="nowrap",
                title=row["added_iso"],
            )
        ),
        rx.cond(S.everyone, rx.table.cell(rx.text(row["csr"], size="2"))),
        rx.table.cell(
            rx.hstack(
                rx.icon_button(
                    rx.icon("pencil", size=14),
                    variant="ghost",
                    size="1",
                    aria_label="Edit",
                    on_click=S.open_edit(row),
                    data_testid="loop-edit",
                ),
                rx.icon_button(
                    rx.icon("trash-2", size=14),
                    variant="ghost",
                    color_scheme="red",
                    size="1",
                    aria_label="Delete",
                    on_click=S.ask_delete(row),
                    data_testid="loop-delete",
                ),
                spacing="2",
            )
        ),
        align="center",
        _hover={"background": rx.color("gray", 2)},
        data_testid="loop-row",
    )


def _table() -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[_header(label, key, width) for label, key, width in COLUMNS],
                    rx.cond(S.everyone, _header("CSR", "csr", "130px")),
                    rx.table.column_header_cell(width="70px"),
                    background=rx.color("gray", 2),
                )
            ),
            rx.table.body(rx.foreach(S.rows, _row)),
            variant="ghost",
            size="2",
            width="100%",
            data_testid="loop-table",
        ),
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="10px",
        overflow_x="auto",
        width="100%",
    )


def _toolbar() -> rx.Component:
    return rx.flex(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            placeholder="Search name, phone, email or tag",
            value=S.search,
            on_change=S.set_search.debounce(300),
            size="2",
            width="340px",
            max_width="100%",
            data_testid="loop-search",
        ),
        rx.cond(
            S.everyone,
            rx.select.root(
                rx.select.trigger(width="170px", data_testid="loop-filter-csr"),
                rx.select.content(
                    rx.select.item("Every CSR", value=ANY),
                    rx.select.separator(),
                    rx.foreach(S.team, lambda m: rx.select.item(m["name"], value=m["id"])),
                ),
                value=S.csr,
                on_change=S.set_csr,
                size="2",
            ),
        ),
        rx.spacer(),
        rx.hstack(
            rx.button(
                rx.cond(S.exporting, rx.spinner(size="2"), rx.icon("download", size=16)),
                "Export CSV",
                on_click=S.export,
                disabled=S.exporting | (S.total == 0),
                variant="surface",
                size="2",
                data_testid="loop-export",
            ),
            import_button(),
            rx.button(
                rx.icon("user-plus", size=16),
                "Add customer",
                on_click=S.open_add,
                size="2",
                data_testid="loop-add",
            ),
            spacing="2",
            wrap="wrap",
        ),
        align="center",
        gap="12px",
        wrap="wrap",
        width="100%",
    )


def _pager() -> rx.Component:
    return pager(S, "loop")


def _field(label: str, name: str, placeholder: str = "", **props) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", weight="medium"),
        rx.input(
            name=name,
            default_value=S.form[name],
            placeholder=placeholder,
            width="100%",
            color_scheme=rx.cond(S.form_field == name, "red", "gray"),
            data_testid=f"loop-form-{name}",
            **props,
        ),
        rx.cond(
            S.form_field == name,
            rx.text(S.form_error, size="1", color_scheme="red", data_testid="loop-form-error"),
        ),
        spacing="1",
        width="100%",
    )


def _editor() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(S.editing_id == "", "Add a customer", "Edit customer")),
            rx.form(
                rx.vstack(
                    rx.hstack(
                        _field("First name", "first_name"),
                        _field("Last name", "last_name"),
                        width="100%",
                    ),
                    _field("Mobile phone", "phone", "(415) 555-0123", required=True),
                    _field("Email", "email", "name@example.com"),
                    _field("Tags", "tags", "vip; weekend"),
                    rx.cond(
                        S.editing_id != "",
                        rx.hstack(
                            rx.switch(
                                checked=S.form_opted_in,
                                on_change=S.set_form_opted_in,
                                data_testid="loop-form-opted-in",
                            ),
                            rx.text(
                                "Receives offers — change only when the customer asked you to",
                                size="2",
                            ),
                            align="center",
                        ),
                    ),
                    rx.cond(
                        (S.form_error != "") & (S.form_field == ""),
                        rx.callout(S.form_error, color_scheme="red", size="1", width="100%"),
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.button("Save", type="submit", loading=S.saving, data_testid="loop-save"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=S.save,
                reset_on_submit=False,
            ),
            max_width="480px",
        ),
        open=S.editor_open,
        on_open_change=S.set_editor_open,
    )


def _delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Remove from the loop?"),
            rx.alert_dialog.description(
                S.deleting_name,
                " leaves the loop. The customer, their chats and tickets stay.",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        "Remove",
                        color_scheme="red",
                        on_click=S.confirm_delete,
                        data_testid="loop-delete-confirm",
                    )
                ),
                justify="end",
                spacing="3",
                margin_top="16px",
            ),
            max_width="420px",
        ),
        open=S.deleting_id != "",
        on_open_change=S.cancel_delete,
    )


def _results() -> rx.Component:
    return rx.cond(
        ~S.loaded,
        rx.center(rx.spinner(size="3"), padding="64px", width="100%"),
        rx.cond(
            S.rows.length() > 0,
            rx.vstack(_table(), _pager(), spacing="3", width="100%"),
            rx.cond(
                S.search != "",
                empty_state("search-x", "Nobody matches", "Try another name, number or tag."),
                empty_state(
                    "users",
                    "Your loop is empty",
                    "Add customers one by one or import a CSV from your phone or CRM.",
                    data_testid="loop-empty",
                ),
            ),
        ),
    )


def loop_page() -> rx.Component:
    return staff_page(
        "My loop",
        rx.vstack(
            _toolbar(),
            rx.cond(
                S.error != "",
                rx.callout(S.error, icon="triangle-alert", color_scheme="red", size="1"),
            ),
            _results(),
            _editor(),
            _delete_dialog(),
            import_dialog(),
            spacing="4",
            width="100%",
        ),
    )
