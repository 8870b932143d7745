"""The customer's branded chat, at phone size."""

import datetime as dt

from playwright.sync_api import expect
from sqlmodel import select

from interplat.db import session_scope
from interplat.models import ShortLink
from tests.e2e.conftest import shot


def test_demo_link_opens_the_branded_chat_with_history(running_app, phone):
    page = phone.new_page()
    page.goto(running_app.at("/c/" + running_app.customer_links["Symphony Financial"]))
    expect(page.get_by_test_id("brand-name")).to_have_text("Symphony Financial", timeout=30_000)
    header_bg = page.get_by_test_id("brand-header").evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert header_bg == "rgb(31, 58, 147)"  # #1F3A93, the bank's primary colour
    first, second = (
        page.get_by_test_id("chat-message").nth(0),
        page.get_by_test_id("chat-message").nth(1),
    )
    expect(first).to_contain_text("Symphony Financial")  # the welcome comes from the enterprise
    expect(first).to_contain_text("Welcome to Symphony Financial, Dana!")
    expect(second).to_contain_text("declined")
    expect(page.get_by_test_id("hosted-by")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll

    page.get_by_test_id("chat-input").fill("Is anyone there?")
    page.get_by_test_id("chat-send").click()
    expect(page.get_by_test_id("chat-message").last).to_have_text(
        "Is anyone there?", timeout=10_000
    )
    expect(page.get_by_test_id("chat-input")).to_have_value("")
    page.reload()
    expect(page.get_by_test_id("chat-message").last).to_have_text(
        "Is anyone there?", timeout=30_000
    )
    shot(page, "customer-chat-phone")


def test_other_brand_wears_its_own_colours(running_app, phone):
    page = phone.new_page()
    page.goto(running_app.at("/c/" + running_app.customer_links["Ticket4Me"]))
    expect(page.get_by_test_id("brand-name")).to_have_text("Ticket4Me", timeout=30_000)
    header_bg = page.get_by_test_id("brand-header").evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert header_bg == "rgb(214, 69, 39)"  # #D64527
    shot(page, "customer-chat-phone-ticket4me")


def test_an_expired_link_shows_a_clear_branded_page(running_app, phone):
    code = running_app.customer_links["Ticket4Me"] + "x"
    with session_scope(running_app.database_url) as session:
        original = session.exec(
            select(ShortLink).where(ShortLink.code == running_app.customer_links["Ticket4Me"])
        ).one()
        session.add(
            ShortLink(
                enterprise_id=original.enterprise_id,
                code=code,
                channel="sms",
                ticket_id=original.ticket_id,
                expires_at=original.created_at - dt.timedelta(minutes=1),
            )
        )
    page = phone.new_page()
    page.goto(running_app.at("/c/" + code))
    expect(page.get_by_test_id("link-problem")).to_have_text(
        "This link has expired", timeout=30_000
    )
    expect(page.get_by_test_id("brand-name")).to_have_text("Ticket4Me")
    expect(page.get_by_role("link", name="Call Ticket4Me")).to_be_visible()
    shot(page, "customer-link-expired")


def test_an_unknown_link_shows_a_clear_page(running_app, phone):
    page = phone.new_page()
    page.goto(running_app.at("/c/not-a-real-link"))
    expect(page.get_by_test_id("link-problem")).to_have_text(
        "We could not find this chat", timeout=30_000
    )
    assert "Traceback" not in page.content()
    shot(page, "customer-link-unknown")
