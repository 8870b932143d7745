"""The customer's side of a conversation's life, on a phone against a CSR's desktop:
read receipts both ways, the loop switch, an offer card claimed, and the rating at the end."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from interplat.db import session_scope
from interplat.models import (
    MarketingConsent,
    Message,
    MessageKind,
    Offer,
    OfferClaim,
    SenderKind,
    Ticket,
)
from tests.e2e.chats import take_chat
from tests.e2e.conftest import DESKTOP, PHONE, log_in, shot
from tests.e2e.test_chat_workspace import open_chat
from tests.factories import rows


def _offer_in_thread(database_url: str, ticket_id: str) -> None:
    """An offer card in the thread, as a CSR's offer or a chat blast leaves it."""
    with session_scope(database_url) as session:
        ticket = session.get(Ticket, uuid.UUID(ticket_id))
        offer = Offer(
            enterprise_id=ticket.enterprise_id,
            title="Card fee waived",
            body="No annual fee for the first year on a new rewards card.",
            terms="New cardholders only.",
            discount_kind="amount",
            discount_value=9500,
            coupon_code="NOFEE95",
            status="published",
        )
        session.add(offer)
        session.flush()
        session.add(
            Message(
                enterprise_id=ticket.enterprise_id,
                ticket_id=ticket.id,
                customer_id=ticket.customer_id,
                sender_kind=SenderKind.CSR,
                sender_user_id=ticket.assignee_id,
                kind=MessageKind.OFFER,
                body=offer.title,
                offer_id=offer.id,
            )
        )


def test_receipts_loop_offer_and_rating_from_the_customers_phone(running_app, browser):
    chat = open_chat(running_app.database_url, "Riley", "Quinn", "+14155550791")
    phone_ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    desk_ctx = browser.new_context(viewport=DESKTOP)
    try:
        customer = phone_ctx.new_page()
        customer.goto(running_app.at("/c/" + chat.code))
        customer.get_by_test_id("chat-input").fill("Is my card still blocked?")
        customer.get_by_test_id("chat-send").click()
        mine = customer.get_by_test_id("chat-message").filter(has_text="Is my card still blocked?")
        expect(mine.get_by_test_id("receipt")).to_have_attribute("data-receipt", "sent")

        # The CSR takes the chat: delivered, then read, live on the customer's phone.
        csr = desk_ctx.new_page()
        log_in(csr, running_app, "priya@symphony.demo")
        take_chat(csr, running_app, chat.ticket_id)
        expect(csr).to_have_url(re.compile(r"/chats/?\?ticket=" + chat.ticket_id), timeout=20_000)
        expect(mine.get_by_test_id("receipt")).to_have_attribute(
            "data-receipt", "read", timeout=15_000
        )
        expect(mine.get_by_test_id("receipt")).to_contain_text("Read")

        # The reply is read as soon as it is on the customer's open page.
        csr.get_by_test_id("reply-input").fill("It is unblocked now.")
        csr.get_by_test_id("reply-send").click()
        expect(customer.get_by_test_id("chat-message").last).to_contain_text(
            "It is unblocked now.", timeout=15_000
        )
        reply = csr.get_by_test_id("thread-message").filter(has_text="It is unblocked now.")
        expect(reply.get_by_test_id("receipt")).to_have_attribute(
            "data-receipt", "read", timeout=15_000
        )
        shot(customer, "customer-receipts-phone")

        # The loop switch in the header menu: off is recorded with time and source.
        customer.get_by_test_id("chat-menu").click()
        switch = customer.get_by_test_id("loop-switch")
        expect(switch).to_have_attribute("data-state", "checked")
        customer.wait_for_timeout(400)  # the menu's opening animation
        shot(customer, "customer-loop-menu-phone")
        switch.click()
        expect(customer.get_by_text("You will not get offers or news.")).to_be_visible()
        expect(switch).to_have_attribute("data-state", "unchecked")
        ticket_id = uuid.UUID(chat.ticket_id)
        [choice] = rows(running_app.database_url, MarketingConsent, ticket_id=ticket_id)
        assert (choice.opted_in, choice.source, str(choice.ticket_id)) == (
            False,
            "chat_menu",
            chat.ticket_id,
        )
        customer.keyboard.press("Escape")

        # An offer card: the code shows once claimed, and the claim is recorded once.
        _offer_in_thread(running_app.database_url, chat.ticket_id)
        customer.reload()
        card = customer.get_by_test_id("offer-card")
        expect(card).to_contain_text("Card fee waived", timeout=30_000)
        expect(card).to_contain_text("$95.00 off")
        expect(card.get_by_test_id("offer-coupon")).to_have_count(0)
        card.get_by_test_id("offer-claim").click()
        expect(card.get_by_test_id("offer-coupon")).to_have_text("NOFEE95", timeout=15_000)
        [ticket] = rows(running_app.database_url, Ticket, id=ticket_id)
        claims = rows(running_app.database_url, OfferClaim, customer_id=ticket.customer_id)
        assert len(claims) == 1
        shot(customer, "customer-offer-card-phone")
        staff_card = csr.get_by_test_id("thread").get_by_test_id("offer-card")
        expect(staff_card).to_contain_text("Claimed", timeout=15_000)  # live, by the claim
        shot(csr, "chat-workspace-offer-claimed")

        # The CSR ends the chat: the rating panel appears live, is sent once, and stays.
        csr.get_by_test_id("chat-close").click()
        csr.get_by_test_id("close-resolved").click()
        expect(customer.get_by_test_id("rating-panel")).to_be_visible(timeout=15_000)
        expect(customer.get_by_test_id("chat-input")).to_have_count(0)
        customer.get_by_test_id("rating-send").click()
        expect(customer.get_by_test_id("rating-error")).to_contain_text("Tap a star")
        customer.get_by_test_id("rating-star-4").click()
        customer.get_by_test_id("rating-comment").fill("Quick and kind <b>thanks</b>")
        shot(customer, "customer-rating-panel-phone")
        customer.get_by_test_id("rating-send").click()
        confirmed = customer.get_by_test_id("rating-confirmed")
        expect(confirmed).to_contain_text("You rated this conversation 4/5", timeout=15_000)
        expect(confirmed).to_contain_text("Quick and kind <b>thanks</b>")  # text, not markup
        expect(customer.get_by_test_id("rating-panel")).to_have_count(0)
        shot(customer, "customer-rated-phone")
        [ticket] = rows(running_app.database_url, Ticket, id=ticket_id)
        assert (ticket.rating, ticket.rating_comment) == (4, "Quick and kind <b>thanks</b>")

        customer.reload()
        expect(customer.get_by_test_id("rating-confirmed")).to_be_visible(timeout=30_000)
        expect(customer.get_by_test_id("rating-panel")).to_have_count(0)
    finally:
        phone_ctx.close()
        desk_ctx.close()
