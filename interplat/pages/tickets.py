"""Tickets: every conversation of the enterprise, filtered, searched, paged and exported."""

from __future__ import annotations

import reflex as rx

from ..components.common import empty_state, pager
from ..components.shell import staff_page
from ..models import Channel, TicketStatus
from ..state.tickets import ANY, TicketsState

STATUS_LABELS = {
    TicketStatus.WAITING: ("Waiting", "orange"),
    TicketStatus.ASSIGNED: ("Assigned", "blue"),
    TicketStatus.RESOLVED: ("Resolved", "grass"),
    TicketStatus.ABANDONED: ("Abandoned", "gray"),
}
SOURCE_LABELS = {
    Channel.IVR: "Phone (IVR)",
    Channel.APP: "App",
    Channel.WEBSITE: "Website",
    Channel.SOCIAL: "Social",
    Channel.EMAIL: "Email",
    Channel.SMS: "SMS",
    Channel.QR: "QR code",
    Channel.ENTERPRISE_APP: "Enterprise app",
}
COLUMNS = (
    ("Reference", "130px"),
    ("Customer", "auto"),
    ("Status", "110px"),
    ("Source", "120px"),
    ("CSR", "150px"),
    ("Rating", "80px"),
    ("Created", "160px"),
)


def _status_badge(status: rx.Var) -> rx.Component:
    return rx.badge(
        rx.match(status, *[(str(s), label) for s, (label, _) in STATUS_LABELS.items()], status),
        color_scheme=rx.match(
            status, *[(str(s), color) for s, (_, color) in STATUS_LABELS.items()], "gray"
        ),
        variant="soft",
        radius="full",
        size="1",
        data_testid="ticket-status",
    )


def _source(source: rx.Var) -> rx.Component:
    return rx.text(
        rx.match(source, *[(str(s), label) for s, label in SOURCE_LABELS.items()], source),
        size="2",
        color_scheme="gray",
        white_space="nowrap",
    )


def _muted_dash() -> rx.Component:
    return rx.text("—", size="2", color=rx.color("gray", 8))


def _row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.link(
                row["reference"],
                href=row["chat_href"],
                font_family="var(--code-font-family, monospace)",
                size="2",
                weight="medium",
                data_testid="ticket-reference",
            ),
        ),
        rx.table.cell(
            rx.vstack(
                rx.text(
                    row["customer_name"], size="2", weight="medium", data_testid="ticket-customer"
                ),
                rx.text(row["customer_phone"], size="1", color_scheme="gray"),
                spacing="0",
            ),
        ),
        rx.table.cell(
            rx.hstack(
                _status_badge(row["status"]),
                rx.cond(
                    (row["with_assistant"] != "") & (row["status"] == "waiting"),
                    rx.badge(
                        rx.icon("bot", size=12),
                        "with assistant",
                        variant="outline",
                        radius="full",
                        size="1",
                        data_testid="ticket-with-assistant",
                    ),
                ),
                spacing="1",
                wrap="wrap",
            )
        ),
        rx.table.cell(_source(row["source"])),
        rx.table.cell(
            rx.cond(
                row["csr"] != "",
                rx.text(row["csr"], size="2", data_testid="ticket-csr"),
                _muted_dash(),
            )
        ),
        rx.table.cell(
            rx.cond(
                row["rating"] != "",
                rx.hstack(
                    rx.icon("star", size=14, color=rx.color("amber", 9), fill=rx.color("amber", 9)),
                    rx.text(row["rating"], size="2", weight="medium"),
                    spacing="1",
                    align="center",
                ),
                _muted_dash(),
            )
        ),
        rx.table.cell(
            rx.text(
                row["created"],
                size="2",
                color_scheme="gray",
                white_space="nowrap",
                title=row["created_iso"],
            )
        ),
        align="center",
        _hover={"background": rx.color("gray", 2)},
        data_testid="ticket-row",
        data_reference=row["reference"],
        data_status=row["status"],
    )


def _select(
    value: rx.Var,
    on_change: rx.EventHandler,
    everything: str,
    options: list[tuple[str, str]] | rx.Var,
    testid: str,
    width: str,
) -> rx.Component:
    if isinstance(options, rx.Var):
        items = rx.foreach(
            options, lambda m: rx.select.item(m["name"], value=m["id"], data_testid="option")
        )
    else:
        items = rx.fragment(
            *[rx.select.item(label, value=v, data_testid="option") for v, label in options]
        )
    return rx.select.root(
        rx.select.trigger(width=width, data_testid=testid),
        rx.select.content(rx.select.item(everything, value=ANY), rx.select.separator(), items),
        value=value,
        on_change=on_change,
        size="2",
    )


def _date(value: rx.Var, on_change: rx.EventHandler, label: str, testid: str) -> rx.Component:
    return rx.input(
        type="date",
        value=value,
        on_change=on_change,
        aria_label=label,
        title=label,
        size="2",
        width="160px",
        data_testid=testid,
    )


def _toolbar() -> rx.Component:
    return rx.hstack(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            placeholder="Search reference, customer name, phone or email",
            value=TicketsState.search,
            on_change=TicketsState.set_search,
            size="2",
            width="400px",
            max_width="100%",
            data_testid="tickets-search",
        ),
        rx.spacer(),
        rx.button(
            rx.cond(TicketsState.exporting, rx.spinner(size="2"), rx.icon("download", size=16)),
            "Export CSV",
            on_click=TicketsState.export,
            disabled=TicketsState.exporting | (TicketsState.total == 0),
            variant="surface",
            size="2",
            data_testid="tickets-export",
        ),
        align="center",
        width="100%",
    )


def _filter_bar() -> rx.Component:
    return rx.flex(
        _select(
            TicketsState.status,
            TicketsState.set_status,
            "All statuses",
            [(str(s), label) for s, (label, _) in STATUS_LABELS.items()],
            "filter-status",
            "140px",
        ),
        _select(
            TicketsState.source,
            TicketsState.set_source,
            "All sources",
            [(str(s), label) for s, label in SOURCE_LABELS.items()],
            "filter-source",
            "150px",
        ),
        _select(
            TicketsState.assignee,
            TicketsState.set_assignee,
            "All CSRs",
            TicketsState.team,
            "filter-csr",
            "160px",
        ),
        rx.hstack(
            rx.text("Created", size="2", color_scheme="gray"),
            _date(
                TicketsState.date_from, TicketsState.set_date_from, "Created from", "filter-from"
            ),
            rx.text("–", size="2", color_scheme="gray"),
            _date(TicketsState.date_to, TicketsState.set_date_to, "Created to", "filter-to"),
            align="center",
            spacing="2",
        ),
        rx.cond(
            TicketsState.filtered,
            rx.button(
                rx.icon("x", size=14),
                "Clear",
                on_click=TicketsState.clear_filters,
                variant="ghost",
                color_scheme="gray",
                size="2",
                data_testid="filters-clear",
            ),
        ),
        align="center",
        spacing="3",
        wrap="wrap",
        width="100%",
    )


def _table() -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(
                            rx.text(name, size="1", weight="medium", color_scheme="gray"),
                            width=width,
                        )
                        for name, width in COLUMNS
                    ],
                    background=rx.color("gray", 2),
                )
            ),
            rx.table.body(rx.foreach(TicketsState.rows, _row)),
            variant="ghost",
            size="2",
            width="100%",
            data_testid="tickets-table",
        ),
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="10px",
        overflow="hidden",
        width="100%",
    )


def _pager() -> rx.Component:
    return pager(TicketsState, "tickets")


def _nothing_found() -> rx.Component:
    return rx.cond(
        TicketsState.filtered,
        rx.vstack(
            empty_state(
                "search-x",
                "No tickets match",
                "Nothing fits these filters. Try another search or clear the filters.",
                data_testid="tickets-empty",
            ),
            rx.button(
                "Clear filters",
                on_click=TicketsState.clear_filters,
                variant="soft",
                data_testid="tickets-empty-clear",
            ),
            align="center",
            spacing="4",
            width="100%",
        ),
        empty_state(
            "ticket",
            "No tickets yet",
            "Every conversation with a customer shows up here as soon as it starts.",
            data_testid="tickets-empty",
        ),
    )


def _results() -> rx.Component:
    return rx.cond(
        ~TicketsState.loaded,
        rx.center(rx.spinner(size="3"), padding="64px", width="100%"),
        rx.cond(
            TicketsState.rows.length() > 0,
            rx.vstack(_table(), _pager(), spacing="3", width="100%"),
            _nothing_found(),
        ),
    )


def tickets_page() -> rx.Component:
    return staff_page(
        "Tickets",
        rx.vstack(
            _toolbar(),
            _filter_bar(),
            rx.cond(
                TicketsState.error != "",
                rx.callout(
                    TicketsState.error,
                    icon="triangle-alert",
                    color_scheme="red",
                    size="1",
                    width="100%",
                    data_testid="tickets-error",
                ),
            ),
            _results(),
            spacing="4",
            width="100%",
        ),
    )
