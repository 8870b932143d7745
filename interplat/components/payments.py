"""The payments page's pieces: status badges, the request detail dialog (attempts, refunds,
the conversation around each payment event, refund and cancel) and "New request"."""

from __future__ import annotations

import reflex as rx

from ..models import PaymentRequestStatus as S
from ..state.auth import AuthState
from ..state.payment_detail import PaymentDetailState as D
from ..state.payments import NewRequestState as N
from .chat import media_body
from .rfp_bulk import rfp_bulk_button, rfp_bulk_dialog

STATUS_LABELS = {
    S.DRAFT: ("Draft", "gray"),
    S.SENT: ("Sent", "blue"),
    S.VIEWED: ("Viewed", "cyan"),
    S.PAID: ("Paid", "grass"),
    S.FAILED: ("Failed", "red"),
    S.EXPIRED: ("Expired", "gray"),
    S.CANCELLED: ("Cancelled", "gray"),
    S.REFUNDED: ("Refunded", "orange"),
    S.PARTIALLY_REFUNDED: ("Partially refunded", "amber"),
}


def status_badge(status: rx.Var, testid: str = "payment-status") -> rx.Component:
    return rx.badge(
        rx.match(status, *[(str(s), label) for s, (label, _) in STATUS_LABELS.items()], status),
        color_scheme=rx.match(
            status, *[(str(s), color) for s, (_, color) in STATUS_LABELS.items()], "gray"
        ),
        variant="soft",
        radius="full",
        size="1",
        data_testid=testid,
    )


def bulk_slot() -> rx.Component:
    """P2's "Bulk requests (CSV)" button and its dialog."""
    return rx.fragment(rfp_bulk_button(), rfp_bulk_dialog())


def _field(label: str, value: rx.Var | str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray"),
        rx.text(value, size="2", weight="medium"),
        spacing="0",
    )


def _head() -> rx.Component:
    h = D.head
    return rx.vstack(
        rx.hstack(
            rx.heading(h["amount"], size="6", data_testid="detail-amount"),
            status_badge(h["status"], "detail-status"),
            rx.spacer(),
            rx.link("Bill page", href=h["bill_href"], is_external=True, size="2"),
            rx.cond(h["attachment_url"] != "",
                    rx.link("Attachment", href=h["attachment_url"], is_external=True, size="2")),
            align="center", width="100%",
        ),
        rx.text(h["description"], size="2", color_scheme="gray"),
        rx.grid(
            _field("Invoice", h["invoice"]), _field("Customer", h["customer_name"]),
            _field("Phone", h["customer_phone"]), _field("Sent by", h["csr"]),
            _field("Sent", h["sent"]), _field("Paid", h["paid"]), _field("Due", h["due"]),
            _field("Refunded", h["refunded"]),
            columns="4", spacing="3", width="100%",
        ),
        spacing="2", width="100%",
    )  # fmt: skip


def _lines() -> rx.Component:
    return rx.cond(
        D.lines.length() > 0,
        rx.vstack(
            rx.foreach(
                D.lines,
                lambda li: rx.hstack(
                    rx.text(li["description"], size="2"),
                    rx.text("× ", li["quantity"], " @ ", li["unit_amount"], size="1",
                            color_scheme="gray"),
                    rx.spacer(),
                    rx.text(li["amount"], size="2"),
                    width="100%",
                ),
            ),
            spacing="1", width="100%", data_testid="detail-lines",
        ),
    )  # fmt: skip


def _attempt(a: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.badge(a["status"], color_scheme=rx.cond(a["status"] == "succeeded", "grass", "red"),
                 variant="soft", size="1"),
        rx.text(a["amount"], size="2", weight="medium"),
        rx.text(a["card"], size="2"),
        rx.text(a["failure"], size="1", color_scheme="red"),
        rx.spacer(),
        rx.text(a["when"], size="1", color_scheme="gray"),
        width="100%", align="center", data_testid="detail-attempt",
    )  # fmt: skip


def _refund_line(r: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.icon("undo-2", size=14, color=rx.color("orange", 10)),
        rx.text("Refund ", r["amount"], size="2", weight="medium"),
        rx.text(r["reason"], size="1", color_scheme="gray"),
        rx.badge(r["status"], size="1", variant="outline"),
        rx.spacer(),
        rx.text(r["when"], size="1", color_scheme="gray"),
        width="100%", align="center", data_testid="detail-refund",
    )  # fmt: skip


def _bubble(m: rx.Var) -> rx.Component:
    staff = (m["sender_kind"] == "csr") | (m["sender_kind"] == "system")
    return rx.vstack(
        rx.text(m["sender_name"], " · ", m["when"], size="1", color_scheme="gray"),
        rx.box(
            media_body(m, "gray"),
            background=rx.cond(staff, rx.color("accent", 3), rx.color("gray", 3)),
            padding="6px 10px", border_radius="10px", max_width="80%",
        ),
        align=rx.cond(staff, "end", "start"), spacing="1", width="100%",
        data_testid="conversation-message",
    )  # fmt: skip


def _conversation_row(row: rx.Var) -> rx.Component:
    return rx.cond(
        row["row"] == "marker",
        rx.hstack(
            rx.separator(size="4", flex="1"),
            rx.badge(rx.icon("flag", size=12), row["label"], " · ", row["when"],
                     color_scheme="amber", variant="surface", size="1"),
            rx.separator(size="4", flex="1"),
            align="center", width="100%", data_testid="conversation-marker", data_kind=row["kind"],
        ),
        _bubble(row),
    )  # fmt: skip


def _refund_form() -> rx.Component:
    return rx.cond(
        D.can_refund & AuthState.is_admin,
        rx.vstack(
            rx.text("Refund", size="2", weight="bold"),
            rx.hstack(
                rx.input(placeholder="Amount, e.g. 12.50", value=D.refund_amount,
                         on_change=D.set_refund_amount, width="220px",
                         data_testid="refund-amount"),
                rx.input(placeholder="Reason", value=D.refund_reason,
                         on_change=D.set_refund_reason, flex="1", data_testid="refund-reason"),
                rx.button("Refund", on_click=D.refund, loading=D.busy, color_scheme="orange",
                          data_testid="refund-submit"),
                width="100%",
            ),
            rx.cond(D.refund_error != "",
                    rx.text(D.refund_error, size="2", color_scheme="red",
                            data_testid="refund-error")),
            spacing="2", width="100%",
        ),
    )  # fmt: skip


def _section(title: str, *children: rx.Component) -> rx.Component:
    return rx.vstack(rx.text(title, size="2", weight="bold"), *children, spacing="2", width="100%")


def detail_dialog() -> rx.Component:
    """One request in full, opened from its row."""
    body = rx.vstack(
        _head(),
        _lines(),
        _section("Payment attempts", rx.foreach(D.attempts, _attempt),
                 rx.foreach(D.refunds, _refund_line),
                 rx.cond(D.attempts.length() == 0,
                         rx.text("No payment yet.", size="2", color_scheme="gray"))),
        _refund_form(),
        _section("Conversation around it",
                 rx.cond(D.conversation.length() == 0,
                         rx.text("No chat events recorded for this request.", size="2",
                                 color_scheme="gray")),
                 rx.vstack(rx.foreach(D.conversation, _conversation_row), spacing="2",
                           width="100%", data_testid="conversation")),
        rx.hstack(
            rx.cond(D.can_cancel, rx.button("Cancel request", on_click=D.cancel, variant="soft",
                                            color_scheme="red", data_testid="detail-cancel")),
            rx.spacer(),
            rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")),
            width="100%",
        ),
        spacing="4", width="100%",
    )  # fmt: skip
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Payment request"),
            rx.cond(D.error != "", rx.callout(D.error, color_scheme="red", size="1"), body),
            max_width="760px",
            data_testid="payment-detail",
        ),
        open=D.open,
        on_open_change=D.set_open,
    )


def _customer_picker() -> rx.Component:
    return rx.vstack(
        rx.cond(N.customer_id != "",
                rx.badge(N.customer_label, size="2", data_testid="new-customer-picked")),
        rx.input(placeholder="Find the customer by name, phone or email",
                 value=N.customer_query, on_change=N.set_customer_query.debounce(250),
                 width="100%", data_testid="new-customer"),
        rx.foreach(
            N.options,
            lambda c: rx.button(c["name"], " · ", c["contact"], variant="ghost", size="1",
                                on_click=N.pick(c["id"], c["name"]), data_testid="new-option"),
        ),
        spacing="1", width="100%", align="start",
    )  # fmt: skip


def new_request_dialog() -> rx.Component:
    """A single request, sent by the customer's best channel (open chat, SMS or email)."""
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(rx.icon("plus", size=16), "New request", size="2",
                      data_testid="payments-new")
        ),
        rx.dialog.content(
            rx.dialog.title("New request for payment"),
            rx.vstack(
                _customer_picker(),
                rx.hstack(
                    rx.input(placeholder="Amount, e.g. 49.99", value=N.amount,
                             on_change=N.set_amount, data_testid="new-amount"),
                    rx.input(placeholder="Invoice number", value=N.invoice,
                             on_change=N.set_invoice, data_testid="new-invoice"),
                    width="100%",
                ),
                rx.text_area(placeholder="What it is for", value=N.description,
                             on_change=N.set_description, width="100%",
                             data_testid="new-description"),
                rx.cond(N.error != "", rx.text(N.error, size="2", color_scheme="red",
                                               data_testid="new-error")),
                rx.hstack(
                    rx.spacer(),
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                    rx.button("Send request", on_click=N.send, loading=N.sending,
                              data_testid="new-send"),
                    width="100%",
                ),
                spacing="3", width="100%",
            ),
            max_width="520px",
        ),
        open=N.open,
        on_open_change=N.set_open,
    )  # fmt: skip
