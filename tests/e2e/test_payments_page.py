"""The payments page as an admin and a CSR use it: the list, a status filter, a paid
request's detail with the conversation around the payment, a partial refund, CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from interplat.db import session_scope
from interplat.models import MessageKind, SenderKind, User, utcnow
from interplat.services import (
    customers,
    enterprises,
    messages,
    payment_delivery,
    payment_requests,
    payments,
    sandbox_checkout,
    tickets,
)
from interplat.services.sandbox_processor import SandboxProcessor
from tests.e2e.conftest import DESKTOP, log_in, path_is, shot
from tests.payments_data import principal_of

INVOICE_PAID, INVOICE_OPEN = "E2E-PAID-1", "E2E-OPEN-2"


def _say(session, ticket, who, text, at):  # type: ignore[no-untyped-def]
    kind = SenderKind.CUSTOMER if who == "customer" else SenderKind.CSR
    return messages.post_message(session=session, ticket=ticket, sender_kind=kind, body=text,
                                 kind=MessageKind.TEXT, now=at)  # fmt: skip


@pytest.fixture(scope="module")
def paid_request(running_app):
    """Carlos asks Dana for $80.00 in chat; she pays with the sandbox's test Visa through
    the real services; both sides chat before and after. Also one open request."""
    db = running_app.database_url
    hooks: list[tuple[bytes, dict[str, str]]] = []
    processor = SandboxProcessor(
        db, deliver=lambda _id, body, headers: hooks.append((body, headers))
    )
    payments.set_provider(processor)
    try:
        with session_scope(db) as session:
            ent = enterprises.find_enterprise_by_slug(session=session, slug="symphony")
            carlos = session.exec(select(User).where(User.email == "carlos@symphony.demo")).one()
            dana, _ = customers.find_or_create_customer(
                session=session, enterprise_id=ent.id, phone="+14155550132"
            )
            ticket, _ = tickets.open_ticket(
                session=session, enterprise_id=ent.id, customer_id=dana.id, source="website"
            )
            start = utcnow() - dt.timedelta(minutes=20)
            _say(session, ticket, "customer", "The technician fixed the heater today", start)
            _say(
                session,
                ticket,
                "csr",
                "Great! I will send the bill now",
                start + dt.timedelta(minutes=1),
            )
            me = principal_of(carlos)
            request = payment_requests.create_request(
                session=session, principal=me, customer_id=dana.id, ticket_id=ticket.id,
                amount_minor=8000, currency="USD", invoice_number=INVOICE_PAID,
                description="Heater repair", line_items=[("Labour", 1, 6000), ("Parts", 2, 1000)],
            )  # fmt: skip
            payment_requests.send_in_chat(session=session, principal=me, request=request)
            _say(session, ticket, "customer", "Paying it right away", utcnow())
            started = payments.pay_with_new_card(session=session, request=request, return_url="/")
            sandbox_checkout.submit_card(
                session=session, processor=processor, checkout_id=started.url.rsplit("/", 1)[-1],
                number="4242 4242 4242 4242", expiry="12/34", cvc="123",
            )  # fmt: skip
            for body, headers in hooks:
                event = processor.parse_webhook(payload=body, headers=headers)
                payments.apply_webhook(session=session, event=event)
            session.commit()
            _say(
                session, ticket, "customer", "Done, thank you!", utcnow() + dt.timedelta(seconds=1)
            )
            other = payment_requests.create_request(
                session=session, principal=me, customer_id=dana.id, amount_minor=1500,
                currency="USD", invoice_number=INVOICE_OPEN, description="Filter",
            )  # fmt: skip
            payment_delivery.deliver(session=session, principal=me, request=other)
            session.commit()
            assert request.status == "paid"
    finally:
        payments.set_provider(None)
    return request.id


def open_payments(page, running_app):  # type: ignore[no-untyped-def]
    page.goto(running_app.at("/payments"))
    expect(page).to_have_url(path_is("/payments"), timeout=30_000)
    expect(page.get_by_test_id("payments-table")).to_be_visible(timeout=30_000)


def test_admin_filters_opens_detail_and_refunds_part(desktop, running_app, paid_request):
    page = desktop.new_page()
    log_in(page, running_app, "olivia@symphony.demo")
    open_payments(page, running_app)
    rows = page.get_by_test_id("payment-row")
    expect(rows.filter(has_text=INVOICE_PAID)).to_have_count(1)
    expect(rows.filter(has_text=INVOICE_OPEN)).to_have_count(1)
    expect(page.get_by_test_id("total-paid").first).to_contain_text("$80.00")
    shot(page, "payments-admin-list")

    page.get_by_test_id("filter-status").click()
    page.get_by_role("option", name="Paid", exact=True).click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-invoice", INVOICE_PAID)

    rows.first.get_by_test_id("payment-invoice").click()
    detail = page.get_by_test_id("payment-detail")
    expect(detail.get_by_test_id("detail-amount")).to_have_text("$80.00")
    expect(detail.get_by_test_id("detail-attempt")).to_contain_text("Visa •••• 4242")
    markers = detail.get_by_test_id("conversation-marker")
    expect(markers.filter(has_text="Payment received")).to_have_count(1)
    said = detail.get_by_test_id("conversation-message")
    expect(said.filter(has_text="Paying it right away").first).to_be_visible()
    expect(said.filter(has_text="Done, thank you!").first).to_be_visible()
    shot(page, "payments-detail-paid")
    paid_marker = markers.filter(has_text="Payment received")
    paid_marker.scroll_into_view_if_needed()
    assert said.filter(has_text="Paying it right away").count() == 1  # one timeline, no repeats
    shot(page, "payments-detail-conversation")

    expect(detail.get_by_test_id("refund-amount")).to_have_value("80.00")  # what remains
    detail.get_by_test_id("refund-amount").fill("80.01")
    detail.get_by_test_id("refund-submit").click()
    expect(detail.get_by_test_id("refund-error")).to_contain_text("At most $80.00")
    detail.get_by_test_id("refund-amount").fill("12.50")
    detail.get_by_test_id("refund-reason").fill("Late arrival")
    detail.get_by_test_id("refund-submit").click()
    expect(detail.get_by_test_id("detail-status")).to_have_text(
        "Partially refunded", timeout=20_000
    )
    expect(detail.get_by_test_id("detail-refund")).to_contain_text("$12.50")
    expect(detail.get_by_test_id("refund-amount")).to_have_value("67.50")
    shot(page, "payments-detail-refunded")
    page.keyboard.press("Escape")

    page.get_by_test_id("filter-status").click()
    page.get_by_role("option", name="Partially refunded", exact=True).click()
    expect(rows.filter(has_text=INVOICE_PAID)).to_have_count(1)
    expect(rows.first).to_contain_text("$12.50")

    with page.expect_download(timeout=30_000) as download_info:
        page.get_by_test_id("payments-export").click()
    download = download_info.value
    assert download.suggested_filename.startswith("payments-")
    with open(download.path(), encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.DictReader(io.StringIO(handle.read())))
    assert [(r["invoice_number"], r["amount"], r["refunded"], r["status"]) for r in lines] == [
        (INVOICE_PAID, "80.00", "12.50", "partially_refunded")
    ]
    page.close()


def test_csr_sees_own_requests_without_refund(browser, desktop, running_app, paid_request):
    page = desktop.new_page()
    log_in(page, running_app, "carlos@symphony.demo")
    open_payments(page, running_app)
    expect(page.get_by_test_id("filter-csr")).to_have_count(0)

    page.get_by_test_id("payments-new").click()
    page.get_by_test_id("new-customer").fill("Marcus")
    page.get_by_test_id("new-option").filter(has_text="Marcus Lee").click()
    expect(page.get_by_test_id("new-customer-picked")).to_have_text("Marcus Lee")
    page.get_by_test_id("new-amount").fill("25.001")
    page.get_by_test_id("new-invoice").fill("E2E-NEW-3")
    page.get_by_test_id("new-description").fill("Annual check-up")
    page.get_by_test_id("new-send").click()
    expect(page.get_by_test_id("new-error")).to_contain_text("decimal places")
    page.get_by_test_id("new-amount").fill("25.00")
    shot(page, "payments-new-request")
    page.get_by_test_id("new-send").click()
    new_row = page.get_by_test_id("payment-row").filter(has_text="E2E-NEW-3")
    expect(new_row).to_have_count(1, timeout=20_000)
    expect(new_row).to_contain_text("$25.00")
    expect(new_row.get_by_test_id("payment-status")).to_have_text("Sent")
    row = page.get_by_test_id("payment-row").filter(has_text=INVOICE_PAID)
    row.get_by_test_id("payment-invoice").click()
    detail = page.get_by_test_id("payment-detail")
    expect(detail.get_by_test_id("detail-attempt")).to_contain_text("Visa •••• 4242")
    expect(detail.get_by_test_id("refund-submit")).to_have_count(0)
    shot(page, "payments-detail-csr")
    page.close()
    # Priya, in a browser of her own, sees none of Carlos's requests (other tests may
    # have left requests of her own).
    context = browser.new_context(viewport=DESKTOP)
    other = context.new_page()
    log_in(other, running_app, "priya@symphony.demo")
    other.goto(running_app.at("/payments"))
    loaded = other.locator('[data-testid="payments-empty"], [data-testid="payments-range"]')
    expect(loaded.first).to_be_visible(timeout=30_000)
    expect(other.get_by_test_id("payment-row").filter(has_text=INVOICE_PAID)).to_have_count(0)
    expect(other.get_by_test_id("payment-row").filter(has_text="Carlos Rivera")).to_have_count(0)
    context.close()
