"""Payments: the enterprise's requests for payment, filtered, totalled, paged and exported."""

from __future__ import annotations

import reflex as rx

from ..components.common import empty_state, pager
from ..components.payments import STATUS_LABELS, bulk_slot, detail_dialog, new_request_dialog
from ..components.payments import status_badge as _status_badge
from ..components.shell import staff_page
from ..state.payment_detail import PaymentDetailState
from ..state.payments import ANY, PaymentsState

COLUMNS = (
    ("Invoice", "120px"),
    ("Customer", "auto"),
    ("Amount", "110px"),
    ("Status", "150px"),
    ("Sent", "150px"),
    ("Paid", "150px"),
    ("CSR", "140px"),
    ("Refunded", "100px"),
)


def _muted(text: rx.Var | str) -> rx.Component:
    return rx.text(text, size="2", color_scheme="gray", white_space="nowrap")


def _row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.link(
                row["invoice"],
                on_click=PaymentDetailState.show(row["id"]),
                cursor="pointer",
                font_family="var(--code-font-family, monospace)",
                size="2",
                weight="medium",
                white_space="nowrap",
                data_testid="payment-invoice",
            )
        ),
        rx.table.cell(
            rx.vstack(
                rx.text(row["customer_name"], size="2", weight="medium"),
                rx.text(row["description"], size="1", color_scheme="gray", trim="both"),
                spacing="0",
            )
        ),
        rx.table.cell(rx.text(row["amount"], size="2", weight="medium", data_testid="amount")),
        rx.table.cell(_status_badge(row["status"])),
        rx.table.cell(_muted(row["sent"])),
        rx.table.cell(_muted(row["paid"])),
        rx.table.cell(rx.text(row["csr"], size="2")),
        rx.table.cell(rx.text(row["refunded"], size="2", color_scheme="orange")),
        align="center",
        _hover={"background": rx.color("gray", 2)},
        data_testid="payment-row",
        data_invoice=row["invoice"],
        data_status=row["status"],
    )


def _card(label: str, key: str, item: rx.Var, color: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray"),
        rx.text(item[key], size="5", weight="bold", color=rx.color(color, 11)),
        spacing="1",
        data_testid=f"total-{key}",
    )


def _totals() -> rx.Component:
    return rx.foreach(
        PaymentsState.totals,
        lambda t: rx.card(
            rx.hstack(
                rx.badge(t["currency"], variant="outline", size="1"),
                _card("Requested", "requested", t, "gray"),
                _card("Paid", "paid", t, "grass"),
                _card("Refunded", "refunded", t, "orange"),
                _card("Outstanding", "outstanding", t, "blue"),
                spacing="7",
                align="center",
                wrap="wrap",
            ),
            width="100%",
            data_testid="payment-totals",
            data_currency=t["currency"],
        ),
    )


def _select(value, on_change, everything, items, testid, width):  # type: ignore[no-untyped-def]
    return rx.select.root(
        rx.select.trigger(width=width, data_testid=testid),
        rx.select.content(rx.select.item(everything, value=ANY), rx.select.separator(), items),
        value=value,
        on_change=on_change,
        size="2",
    )


def _date(value: rx.Var, on_change, label: str, testid: str) -> rx.Component:  # type: ignore[no-untyped-def]
    return rx.input(type="date", value=value, on_change=on_change, aria_label=label,
                    title=label, size="2", width="160px", data_testid=testid)  # fmt: skip


def _toolbar() -> rx.Component:
    return rx.hstack(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            placeholder="Search invoice, customer, phone or description",
            value=PaymentsState.search,
            on_change=PaymentsState.set_search.debounce(300),
            size="2",
            width="400px",
            max_width="100%",
            data_testid="payments-search",
        ),
        rx.spacer(),
        bulk_slot(),
        rx.button(
            rx.cond(PaymentsState.exporting, rx.spinner(size="2"), rx.icon("download", size=16)),
            "Export CSV",
            on_click=PaymentsState.export,
            disabled=PaymentsState.exporting | (PaymentsState.total == 0),
            variant="surface",
            size="2",
            data_testid="payments-export",
        ),
        new_request_dialog(),
        align="center",
        width="100%",
        wrap="wrap",
    )


def _filter_bar() -> rx.Component:
    statuses = rx.fragment(
        *[rx.select.item(label, value=str(s)) for s, (label, _) in STATUS_LABELS.items()]
    )
    team = rx.foreach(PaymentsState.team, lambda m: rx.select.item(m["name"], value=m["id"]))
    return rx.flex(
        _select(PaymentsState.status, PaymentsState.set_status, "All statuses", statuses,
                "filter-status", "170px"),
        rx.cond(
            PaymentsState.sees_everything,
            _select(PaymentsState.sender, PaymentsState.set_sender, "All CSRs", team,
                    "filter-csr", "170px"),
        ),
        rx.hstack(
            rx.text("Created", size="2", color_scheme="gray"),
            _date(PaymentsState.date_from, PaymentsState.set_date_from, "From", "filter-from"),
            rx.text("–", size="2", color_scheme="gray"),
            _date(PaymentsState.date_to, PaymentsState.set_date_to, "To", "filter-to"),
            align="center",
            spacing="2",
        ),
        rx.cond(
            PaymentsState.filtered,
            rx.button(rx.icon("x", size=14), "Clear", on_click=PaymentsState.clear_filters,
                      variant="ghost", color_scheme="gray", size="2", data_testid="filters-clear"),
        ),
        align="center",
        spacing="3",
        wrap="wrap",
        width="100%",
    )  # fmt: skip


def _table() -> rx.Component:
    header = rx.table.row(
        *[
            rx.table.column_header_cell(
                rx.text(name, size="1", weight="medium", color_scheme="gray"), width=width
            )
            for name, width in COLUMNS
        ],
        background=rx.color("gray", 2),
    )
    return rx.box(
        rx.table.root(
            rx.table.header(header),
            rx.table.body(rx.foreach(PaymentsState.rows, _row)),
            variant="ghost",
            size="2",
            width="100%",
            data_testid="payments-table",
        ),
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="10px",
        overflow_x="auto",
        width="100%",
    )


def _results() -> rx.Component:
    nothing = rx.cond(
        PaymentsState.filtered,
        empty_state("search-x", "No requests match",
                    "Nothing fits these filters. Try another search or clear the filters.",
                    data_testid="payments-empty"),
        empty_state("credit-card", "No payment requests yet",
                    "Requests for payment you send in chat or by CSV are tracked here.",
                    data_testid="payments-empty"),
    )  # fmt: skip
    return rx.cond(
        ~PaymentsState.loaded,
        rx.center(rx.spinner(size="3"), padding="64px", width="100%"),
        rx.cond(
            PaymentsState.rows.length() > 0,
            rx.vstack(_table(), pager(PaymentsState, "payments"), spacing="3", width="100%"),
            nothing,
        ),
    )


def payments_page() -> rx.Component:
    return staff_page(
        "Payments",
        rx.vstack(
            _toolbar(),
            _filter_bar(),
            rx.cond(
                PaymentsState.error != "",
                rx.callout(
                    PaymentsState.error,
                    icon="triangle-alert",
                    color_scheme="red",
                    size="1",
                    width="100%",
                    data_testid="payments-error",
                ),
            ),  # fmt: skip
            _totals(),
            _results(),
            detail_dialog(),
            # Re-read every 5 s while the page is open: payments settle in other tabs.
            rx.moment(interval=5000, on_change=PaymentsState.tick, display="none"),
            spacing="4",
            width="100%",
        ),
    )
