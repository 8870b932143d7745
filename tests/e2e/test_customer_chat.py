"""The customer's branded chat, at phone size."""

import datetime as dt

from playwright.sync_api import expect
from sqlmodel import select

from interplat.db import session_scope
from interplat.models import Channel, ShortLink, Ticket
from interplat.services import enterprises, entry_links
from tests.e2e.conftest import path_is, shot


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


def _entry_link(app, slug: str, channel: Channel) -> tuple[str, str]:
    """The listing's entry link for ``channel`` (made as the listing settings make it)."""
    with session_scope(app.database_url) as session:
        enterprise = enterprises.find_enterprise_by_slug(session=session, slug=slug)
        assert enterprise is not None
        listing = enterprises.default_listing(session=session, enterprise_id=enterprise.id)
        made = entry_links.entry_links(
            session=session,
            enterprise_id=enterprise.id,
            listing_id=listing.id,
            base_url=app.url,
        )
        return next(link.code for link in made if link.channel == channel), listing.name


def test_an_entry_link_starts_a_conversation(running_app, phone):
    code, listing_name = _entry_link(running_app, "symphony", Channel.QR)
    page = phone.new_page()
    page.goto(running_app.at("/c/" + code))
    expect(page.get_by_test_id("brand-name")).to_have_text("Symphony Financial", timeout=30_000)
    expect(page.get_by_test_id("listing-name")).to_have_text(listing_name)
    expect(page.get_by_text("a representative will answer here")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll
    page.wait_for_function("[...document.images].every(i => i.complete)")  # the logo, drawn
    shot(page, "customer-entry-start-phone")

    page.get_by_test_id("start-first-name").fill("Robin")
    page.get_by_test_id("start-chat").click()
    expect(page).not_to_have_url(path_is("/c/" + code), timeout=30_000)
    new_code = page.url.rstrip("/").rsplit("/", 1)[-1]
    expect(page).to_have_url(path_is("/c/" + new_code))
    welcome = page.get_by_test_id("chat-message").first
    expect(welcome).to_contain_text("Welcome to Symphony Financial, Robin!", timeout=30_000)
    with session_scope(running_app.database_url) as session:
        link = session.exec(select(ShortLink).where(ShortLink.code == new_code)).one()
        ticket = session.get(Ticket, link.ticket_id)
        assert ticket is not None and ticket.source == "qr"
        expect(page.get_by_text(ticket.reference)).to_be_visible()

    page.get_by_test_id("chat-input").fill("I lost my card")
    page.get_by_test_id("chat-send").click()
    expect(page.get_by_test_id("chat-message").last).to_have_text("I lost my card", timeout=10_000)
    page.reload()
    expect(page.get_by_test_id("chat-message").last).to_have_text("I lost my card", timeout=30_000)
    expect(page.get_by_test_id("chat-message")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "customer-entry-started-phone")


def test_an_entry_link_refuses_a_bad_name_inline(running_app, phone):
    code, _ = _entry_link(running_app, "ticket4me", Channel.WEBSITE)
    page = phone.new_page()
    page.goto(running_app.at("/c/" + code))
    expect(page.get_by_test_id("brand-name")).to_have_text("Ticket4Me", timeout=30_000)
    # The input's maxlength stops typing at 100; a request past it must still be refused.
    page.get_by_test_id("start-first-name").evaluate("el => el.removeAttribute('maxlength')")
    page.get_by_test_id("start-first-name").fill("x" * 101)
    page.get_by_test_id("start-chat").click()
    expect(page.get_by_test_id("start-error")).to_contain_text("at most 100", timeout=10_000)
    expect(page).to_have_url(path_is("/c/" + code))
    assert "Traceback" not in page.content()
    shot(page, "customer-entry-bad-name-phone")
