"""A CSR sends a request for payment from the chat composer; the card (biller, amount,
invoice, Details, Pay) shows live on the customer's phone and the CSR sees its state."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from interplat.models import PaymentRequest, ThreadMarker
from interplat.services import payment_requests
from tests.e2e.chats import take_chat
from tests.e2e.conftest import DESKTOP, PHONE, log_in, shot
from tests.e2e.test_chat_workspace import open_chat
from tests.factories import rows


def test_request_payment_from_the_composer_shows_the_card_on_the_phone(running_app, browser):
    chat = open_chat(running_app.database_url, "Dana", "Reyes", "+14155550793")
    phone_ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    desk_ctx = browser.new_context(viewport=DESKTOP)
    try:
        customer = phone_ctx.new_page()
        customer.goto(running_app.at("/c/" + chat.code))
        customer.get_by_test_id("chat-input").fill("Can I pay my boiler service here?")
        customer.get_by_test_id("chat-send").click()

        csr = desk_ctx.new_page()
        log_in(csr, running_app, "priya@symphony.demo")
        take_chat(csr, running_app, chat.ticket_id)
        expect(csr).to_have_url(re.compile(r"/chats/?\?ticket=" + chat.ticket_id), timeout=20_000)

        # Bad input: a clear message, nothing sent.
        csr.get_by_test_id("rfp-open").click()
        dialog = csr.get_by_test_id("rfp-dialog")
        dialog.get_by_test_id("rfp-amount").fill("12.345")
        dialog.get_by_test_id("rfp-send").click()
        expect(dialog.get_by_test_id("rfp-error")).to_contain_text("49.99", timeout=15_000)
        assert rows(running_app.database_url, PaymentRequest, invoice_number="INV-2041") == []

        dialog.get_by_test_id("rfp-amount").fill("89.50")
        dialog.get_by_test_id("rfp-invoice").fill("INV-2041")
        dialog.get_by_test_id("rfp-description").fill("Boiler service, June")
        dialog.get_by_test_id("rfp-lines").fill("Labour; 2; 35.00\nFilter; 1; 19.50")
        shot(csr, "rfp-composer-dialog")
        dialog.get_by_test_id("rfp-send").click()
        expect(dialog).to_have_count(0, timeout=15_000)

        staff_card = csr.get_by_test_id("thread").get_by_test_id("payment-card")
        expect(staff_card).to_contain_text("$89.50", timeout=15_000)
        expect(staff_card.get_by_test_id("payment-state")).to_have_text("sent")
        expect(staff_card.get_by_test_id("payment-pay")).to_have_count(0)  # staff: status only
        shot(csr, "rfp-card-staff")

        card = customer.get_by_test_id("payment-card")
        expect(card).to_contain_text("$89.50", timeout=15_000)
        expect(card.get_by_test_id("payment-invoice")).to_contain_text("INV-2041")
        expect(card.get_by_test_id("payment-biller")).not_to_have_text("")
        card.get_by_test_id("payment-details").click()
        expect(card.get_by_test_id("payment-lines")).to_contain_text("Filter — 1 × $19.50")
        [request] = rows(running_app.database_url, PaymentRequest, invoice_number="INV-2041")
        token = payment_requests.bill_token(request.id)
        pay = card.get_by_test_id("payment-pay")
        expect(pay).to_have_attribute("href", "/bill/" + token)
        expect(pay).to_have_attribute("target", "_blank")
        shot(customer, "rfp-card-phone")
        assert (request.amount_minor, request.status, str(request.ticket_id)) == (
            8950,
            "sent",
            chat.ticket_id,
        )
        [marker] = rows(running_app.database_url, ThreadMarker, payment_request_id=request.id)
        assert marker.kind == "rfp_sent" and marker.payment_request_id == request.id
    finally:
        phone_ctx.close()
        desk_ctx.close()
