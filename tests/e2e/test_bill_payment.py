"""Paying a bill from the chat, in two browsers: the CSR sends a request for payment, the
customer (a 360 px phone) opens the bill from its card, pays on the sandbox processor's
hosted page and sees the receipt while the CSR's card turns "paid" without a reload; a
second customer's card is declined, then they save a card in the wallet and pay with it
in one tap."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from interplat.db import session_scope
from interplat.models import Customer, Ticket, User
from interplat.services import payment_requests
from tests.e2e import conftest as e2e
from tests.e2e.chats import fresh_chat
from tests.e2e.conftest import DESKTOP, PHONE, RunningApp, log_in, shot
from tests.payments_data import principal_of

GOOD, DECLINED = "4242 4242 4242 4242", "4000 0000 0000 0002"


@pytest.fixture(scope="module")
def pay_app(fresh_app) -> RunningApp:
    """The sandbox's hosted pages and webhooks point back at this app's own URL."""
    return fresh_app


def send_rfp(app: RunningApp, ticket_id, csr_email: str, cents: int, invoice: str) -> str:
    """The CSR's request for payment in the ticket's chat (P2's services); its bill token."""
    with session_scope(app.database_url) as session:
        ticket = session.get(Ticket, ticket_id)
        csr = session.query(User).filter(User.email == csr_email).one()
        me = principal_of(csr)
        request = payment_requests.create_request(
            session=session,
            principal=me,
            customer_id=ticket.customer_id,
            ticket_id=ticket.id,
            amount_minor=cents,
            currency="USD",
            invoice_number=invoice,
            description="Annual plan",
            line_items=[("Plan", 1, cents - 1000), ("Setup", 2, 500)],
        )
        payment_requests.send_in_chat(session=session, principal=me, request=request)
        session.commit()
        return payment_requests.bill_token(request.id)


def type_card(page, number: str) -> None:
    """The sandbox's hosted page: the only place a card number is typed."""
    expect(page.locator("#number")).to_be_visible(timeout=20_000)
    page.locator("#number").fill(number)
    page.locator("#expiry").fill("12/34")
    page.locator("#cvc").fill("123")
    page.locator("button[type=submit]").click()


def open_bill_from_card(customer, app: RunningApp, code: str):
    """The customer's chat shows the request's card; "Pay" opens the bill in a new tab."""
    customer.goto(app.at(f"/c/{code}"))
    card = customer.get_by_test_id("payment-card").last
    expect(card).to_be_visible(timeout=30_000)
    with customer.context.expect_page() as opened:
        card.get_by_test_id("payment-pay").click()
    bill = opened.value
    expect(bill.get_by_test_id("bill-total")).to_be_visible(timeout=30_000)
    return bill


def test_customer_pays_from_the_chat_card_and_the_csr_sees_paid_live(pay_app, browser):
    code, ticket_id = fresh_chat(pay_app, "symphony", "Robin")
    token = send_rfp(pay_app, ticket_id, "carlos@symphony.demo", 4999, "INV-E2E-1")
    desk, phone = (
        browser.new_context(viewport=DESKTOP),
        browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2),
    )
    try:
        csr = desk.new_page()
        log_in(csr, pay_app, "carlos@symphony.demo")
        csr.goto(pay_app.at(f"/chats?ticket={ticket_id}"))
        csr_card = csr.get_by_test_id("payment-card").last
        expect(csr_card).to_be_visible(timeout=30_000)
        csr.evaluate("window.__marker = 'no reload'")

        customer = phone.new_page()
        bill = open_bill_from_card(customer, pay_app, code)
        assert token in bill.url
        expect(bill.get_by_test_id("brand-name")).to_have_text("Symphony Financial")
        expect(bill.get_by_test_id("bill-total")).to_have_text("$49.99")
        expect(bill.get_by_test_id("bill-line")).to_have_count(2)
        expect(bill.get_by_test_id("bill-status")).to_have_text("Due")
        shot(bill, "bill-1-open-phone")

        bill.get_by_test_id("pay-new").click()
        expect(bill).to_have_url(re.compile(r"/api/sandbox/checkout/"), timeout=20_000)
        shot(bill, "bill-2-hosted-page-phone")
        type_card(bill, GOOD)

        expect(bill).to_have_url(re.compile(r"/receipt/"), timeout=30_000)
        expect(bill.get_by_test_id("receipt-amount")).to_have_text("$49.99", timeout=20_000)
        expect(bill.get_by_test_id("receipt-card")).to_have_text("Visa •••• 4242")
        expect(bill.get_by_test_id("receipt-invoice")).to_have_text("INV-E2E-1")
        shot(bill, "bill-3-receipt-phone")

        expect(csr_card.get_by_test_id("payment-state")).to_have_text(
            re.compile("paid", re.I), timeout=15_000
        )
        assert csr.evaluate("window.__marker") == "no reload"
        expect(csr.get_by_test_id("thread")).to_contain_text("Paid $49.99", timeout=15_000)
        shot(csr, "bill-4-csr-card-paid-desktop")

        # The paid bill says so and offers no pay button.
        bill.goto(pay_app.at(f"/bill/{token}"))
        expect(bill.get_by_test_id("bill-closed")).to_contain_text("Paid on", timeout=20_000)
        expect(bill.get_by_test_id("pay-new")).to_have_count(0)
    finally:
        desk.close()
        phone.close()


def test_a_declined_card_then_a_saved_card_from_the_wallet(pay_app, browser):
    code, ticket_id = fresh_chat(pay_app, "symphony", "Sasha")
    send_rfp(pay_app, ticket_id, "priya@symphony.demo", 2500, "INV-E2E-2")
    phone = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    try:
        bill = open_bill_from_card(phone.new_page(), pay_app, code)
        expect(bill.get_by_test_id("pay-saved")).to_have_count(0)  # an empty wallet
        bill.get_by_test_id("pay-new").click()
        type_card(bill, DECLINED)

        error = bill.get_by_test_id("pay-error")
        expect(error).to_have_text("Your card was declined.", timeout=30_000)
        expect(bill.get_by_test_id("pay-new")).to_be_visible()  # still payable
        shot(bill, "bill-5-declined-phone")

        bill.get_by_test_id("manage-cards").click()
        expect(bill.get_by_test_id("wallet-empty")).to_be_visible(timeout=20_000)
        bill.get_by_test_id("add-card").click()
        type_card(bill, GOOD)
        expect(bill.get_by_test_id("wallet-label")).to_have_text("Visa •••• 4242", timeout=30_000)
        expect(bill.get_by_test_id("default-badge")).to_be_visible()
        shot(bill, "bill-6-wallet-phone")

        bill.get_by_test_id("back-to-bill").click()
        pay = bill.get_by_test_id("pay-saved")
        expect(pay).to_have_text(re.compile(r"Pay \$25\.00 with Visa •••• 4242"), timeout=20_000)
        shot(bill, "bill-7-one-tap-phone")
        pay.click()
        expect(bill).to_have_url(re.compile(r"/receipt/"), timeout=30_000)
        expect(bill.get_by_test_id("receipt-amount")).to_have_text("$25.00", timeout=20_000)
        shot(bill, "bill-8-saved-card-receipt-phone")
    finally:
        phone.close()


def test_a_customer_links_an_account_in_the_directory_and_sees_bills_due(pay_app, browser):
    ticket, _ = e2e.new_customer_chat(pay_app.database_url, "symphony", "+14155550991", "Kim")
    ticket_id = uuid.UUID(ticket)
    with session_scope(pay_app.database_url) as session:
        kim = session.get(Customer, session.get(Ticket, ticket_id).customer_id)
        kim.external_id = "SYM-ACCT-991"  # the account number on Kim's statements
    send_rfp(pay_app, ticket_id, "carlos@symphony.demo", 1800, "INV-E2E-3")
    phone = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    try:
        page = phone.new_page()
        page.goto(pay_app.at("/chat"))
        symphony = page.get_by_test_id("directory-card").filter(has_text="Symphony Financial")
        expect(symphony).to_be_visible(timeout=30_000)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        expect(page.get_by_test_id("bills-due")).to_have_count(0)
        symphony.get_by_test_id("card-pay-bill").click()
        page.get_by_test_id("link-account").fill("SYM-ACCT-991")
        page.get_by_test_id("link-check").fill("1234")
        page.get_by_test_id("link-submit").click()
        expect(page.get_by_test_id("link-error")).to_have_text(
            "We could not find an account with that reference and those details.",
            timeout=10_000,
        )
        shot(page, "bill-9-link-wrong-phone")
        page.get_by_test_id("link-check").fill("0991")
        page.get_by_test_id("link-submit").click()
        due = page.get_by_test_id("bill-due")
        expect(due).to_have_count(1, timeout=10_000)
        expect(due).to_contain_text("INV-E2E-3")
        expect(due).to_contain_text("$18.00")
        shot(page, "bill-10-bills-due-phone")
        due.click()
        expect(page.get_by_test_id("bill-total")).to_have_text("$18.00", timeout=20_000)
        # The linked browser knows the customer: "Chat" opens the bill's own conversation.
        expect(page.get_by_test_id("bill-chat")).to_have_attribute("href", re.compile("^/c/"))
    finally:
        phone.close()
