"""A CSR blasts an offer to a geofence around a store: the customer inside the fence (who
shared their location from the chat page) gets it live and claims it; a customer outside
and one who left the loop get nothing; the blast's figures and the dashboard follow."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect
from sqlmodel import select

from interplat.db import session_scope
from interplat.models import BlastRecipient, Customer, Message, Offer, OfferClaim, Ticket
from interplat.services import enterprises
from tests.e2e.conftest import log_in, new_customer_chat, path_is, shot

DOWNTOWN = (37.7937, -122.3950)  # the demo's "Downtown branch"
INSIDE = {"latitude": 37.7950, "longitude": -122.3950}  # about 158 yards north
TITLE = "Downtown lunch: 25% off"


def _offer(database_url: str) -> str:
    with session_scope(database_url) as s:
        enterprise = enterprises.find_enterprise_by_slug(session=s, slug="symphony")
        offer = Offer(
            enterprise_id=enterprise.id,
            title=TITLE,
            body="Any lunch menu at the Downtown branch this week.",
            status="published",
            visibility="blast",
            discount_value=25,
            coupon_code="LUNCH25",
        )
        s.add(offer)
        s.flush()
        return str(offer.id)


def _customer_of(database_url: str, ticket_id: str) -> Customer:
    with session_scope(database_url) as s:
        ticket = s.get(Ticket, uuid.UUID(ticket_id))
        return s.get(Customer, ticket.customer_id)


def _place(database_url: str, ticket_id: str, lat: float, lon: float) -> None:
    with session_scope(database_url) as s:
        customer = s.get(Customer, s.get(Ticket, uuid.UUID(ticket_id)).customer_id)
        customer.latitude, customer.longitude = lat, lon
        s.add(customer)


def _offer_messages(database_url: str, ticket_id: str) -> list[Message]:
    with session_scope(database_url) as s:
        return list(
            s.exec(
                select(Message).where(
                    Message.ticket_id == uuid.UUID(ticket_id), Message.kind == "offer"
                )
            ).all()
        )


def _choose(page, testid: str, option: str) -> None:
    page.get_by_test_id(testid).click()
    page.get_by_role("option", name=option).click()


def test_a_geofenced_offer_blast_reaches_only_the_customer_inside(running_app, desktop, browser):
    db = running_app.database_url
    offer_id = _offer(db)
    inside_ticket, inside_code = new_customer_chat(db, "symphony", "+14155550911", "Ines")
    outside_ticket, outside_code = new_customer_chat(db, "symphony", "+14155550912", "Otto")
    left_ticket, left_code = new_customer_chat(db, "symphony", "+14155550913", "Lea")
    _place(db, outside_ticket, 37.8044, -122.2712)  # Oakland: miles away
    _place(db, left_ticket, *DOWNTOWN)  # inside the fence, but leaves the loop

    phone_kw = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
    inside_ctx = browser.new_context(**phone_kw, geolocation=INSIDE, permissions=["geolocation"])
    others_ctx = browser.new_context(**phone_kw)
    try:
        # The customer inside shares their location from the chat menu, after a consent step.
        inside = inside_ctx.new_page()
        inside.goto(running_app.at(f"/c/{inside_code}"))
        expect(inside.get_by_test_id("brand-name")).to_be_visible(timeout=60_000)
        inside.get_by_test_id("chat-menu").click()
        inside.get_by_test_id("share-location").click()
        expect(inside.get_by_test_id("location-consent")).to_be_visible(timeout=10_000)
        inside.wait_for_timeout(300)
        shot(inside, "blast-location-consent-phone")
        inside.get_by_test_id("location-consent").click()
        expect(inside.get_by_text("can now tell you about offers nearby")).to_be_visible(
            timeout=15_000
        )
        shared = _customer_of(db, inside_ticket)
        assert (shared.latitude, shared.longitude) == (INSIDE["latitude"], INSIDE["longitude"])
        assert shared.location_shared_at is not None
        inside.keyboard.press("Escape")

        # One customer leaves the loop; another has their chat open far from the store.
        left = others_ctx.new_page()
        left.goto(running_app.at(f"/c/{left_code}"))
        expect(left.get_by_test_id("brand-name")).to_be_visible(timeout=60_000)
        left.get_by_test_id("chat-menu").click()
        left.wait_for_timeout(400)
        left.get_by_test_id("loop-switch").click()
        expect(left.get_by_text("You will not get offers or news.")).to_be_visible()
        left.keyboard.press("Escape")
        outside = others_ctx.new_page()
        outside.goto(running_app.at(f"/c/{outside_code}"))
        expect(outside.get_by_test_id("brand-name")).to_be_visible(timeout=60_000)

        # The CSR notes the claim rate, then blasts the offer from the offers page's link.
        csr = desktop.new_page()
        errors: list[str] = []
        csr.on("pageerror", lambda exc: errors.append(str(exc)))
        log_in(csr, running_app, "priya@symphony.demo")
        expect(csr.get_by_test_id("active-offers")).not_to_have_text("—", timeout=30_000)
        rate_before = csr.get_by_test_id("claim-rate").inner_text()
        csr.goto(running_app.at(f"/blasts?offer={offer_id}"))
        expect(csr).to_have_url(path_is("/blasts"), timeout=30_000)
        form = csr.get_by_test_id("blast-form")
        expect(form).to_be_visible(timeout=30_000)
        expect(csr.get_by_test_id("blast-offer-id")).to_contain_text(TITLE)
        csr.get_by_test_id("blast-name").fill("Downtown lunch")
        csr.get_by_test_id("blast-message").fill("Lunch near you, 25% off this week!")
        _choose(csr, "blast-audience", "Near a store")
        _choose(csr, "blast-store-id", "Downtown branch")
        csr.get_by_test_id("blast-yards").fill("300")
        preview = csr.get_by_test_id("blast-preview")
        expect(preview).to_contain_text("1 will receive it", timeout=15_000)
        expect(preview).to_contain_text("1 left the loop")
        shot(csr, "blast-new-form")
        csr.get_by_test_id("blast-send").click()
        row = csr.get_by_test_id("blast-row").filter(has_text="Downtown lunch")
        expect(row).to_have_attribute("data-status", "sent", timeout=60_000)
        expect(row.get_by_test_id("blast-sent")).to_have_text("1")

        # Live in the open chat inside the fence; claimed there.
        card = inside.get_by_test_id("offer-card")
        expect(card).to_contain_text(TITLE, timeout=30_000)
        expect(inside.get_by_text("Lunch near you, 25% off this week!")).to_be_visible()
        card.get_by_test_id("offer-claim").click()
        expect(card.get_by_test_id("offer-coupon")).to_have_text("LUNCH25", timeout=15_000)
        shot(inside, "blast-offer-claimed-phone")

        # Nobody else got it: not the customer outside, not the one who left the loop.
        assert _offer_messages(db, outside_ticket) == []
        assert _offer_messages(db, left_ticket) == []
        expect(outside.get_by_test_id("offer-card")).to_have_count(0)
        expect(left.get_by_test_id("offer-card")).to_have_count(0)
        left_id = _customer_of(db, left_ticket).id
        with session_scope(db) as s:
            [claim] = s.exec(select(OfferClaim).where(OfferClaim.offer_id == uuid.UUID(offer_id)))
            recipients = s.exec(
                select(BlastRecipient).where(BlastRecipient.blast_id == claim.blast_id)
            ).all()
            assert {r.excluded_reason for r in recipients if r.customer_id == left_id} == {
                "left the loop"
            }

        # The blast's figures and the dashboard's claim rate follow.
        csr.reload()
        row = csr.get_by_test_id("blast-row").filter(has_text="Downtown lunch")
        expect(row.get_by_test_id("blast-opened")).to_have_text("1", timeout=30_000)
        expect(row.get_by_test_id("blast-claimed")).to_have_text("1")
        shot(csr, "blasts-list")
        csr.goto(running_app.at("/dashboard"))
        expect(csr.get_by_test_id("claim-rate")).not_to_have_text(rate_before, timeout=30_000)
        shot(csr, "blast-dashboard-claim-rate")
        assert errors == []
    finally:
        inside_ctx.close()
        others_ctx.close()
