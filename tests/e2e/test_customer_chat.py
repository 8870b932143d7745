"""The customer's branded chat, at phone size."""

import datetime as dt

from playwright.sync_api import expect
from sqlmodel import select

from interplat.db import session_scope
from interplat.models import Channel, Message, ShortLink, Ticket
from interplat.services import enterprises, entry_links
from tests.e2e.chats import end_link, fresh_chat
from tests.e2e.conftest import path_is, shot
from tests.factories import rows


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
    mine = page.get_by_test_id("chat-message").last
    expect(mine).to_contain_text("Is anyone there?", timeout=10_000)
    expect(mine.get_by_test_id("receipt")).to_contain_text("Sent")
    expect(page.get_by_test_id("chat-input")).to_have_value("")
    page.reload()
    expect(page.get_by_test_id("chat-message").last).to_contain_text(
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
    expect(page.get_by_test_id("chat-message").nth(1)).to_contain_text(
        "I lost my card", timeout=10_000
    )
    page.reload()
    expect(page.get_by_test_id("chat-message").nth(1)).to_contain_text(
        "I lost my card", timeout=30_000
    )
    # The demo listing's assistant answers from its lost-card rule, then asks back.
    expect(page.get_by_test_id("chat-message").nth(2)).to_contain_text("freeze your card")
    expect(page.get_by_test_id("chat-message")).to_have_count(4)
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


def _resumed_code(page, old_code: str) -> str:
    """The live link the page moved to after ``old_code`` stopped working."""
    expect(page).not_to_have_url(path_is("/c/" + old_code), timeout=30_000)
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def _shows_full_history(page, app, ticket_id) -> None:
    """Every message of the ticket is on the page (replies may still be arriving)."""
    for _ in range(40):
        stored = len(rows(app.database_url, Message, ticket_id=ticket_id))
        if page.get_by_test_id("chat-message").count() == stored:
            return
        page.wait_for_timeout(250)
    raise AssertionError(
        f"the page shows {page.get_by_test_id('chat-message').count()} of {stored}"
    )


def test_the_session_survives_reloads_and_an_expired_link_in_this_browser(running_app, phone):
    code, ticket_id = fresh_chat(running_app, "symphony", "Sam")
    page = phone.new_page()
    page.goto(running_app.at("/c/" + code))
    messages = page.get_by_test_id("chat-message")
    expect(messages.first).to_contain_text("Welcome to Symphony Financial, Sam!", timeout=30_000)
    expect(messages.first).to_contain_text("Symphony Financial")  # from the enterprise
    page.get_by_test_id("chat-input").fill("Hello from Sam")
    page.get_by_test_id("chat-send").click()
    expect(messages.filter(has_text="Hello from Sam")).to_have_count(1, timeout=10_000)
    reference = page.get_by_text("Conversation ").inner_text()
    page.reload()  # the link's token: the whole history again
    _shows_full_history(page, running_app, ticket_id)
    expect(messages.first).to_contain_text("Welcome to Symphony Financial, Sam!")
    shot(page, "customer-chat-reloaded-phone")

    end_link(running_app, code)
    page.reload()  # the link has expired; this browser's cookie still opens the chat
    fresh = _resumed_code(page, code)
    _shows_full_history(page, running_app, ticket_id)
    expect(messages.filter(has_text="Hello from Sam")).to_have_count(1)
    expect(page.get_by_text(reference)).to_be_visible()
    page.get_by_test_id("chat-input").fill("Still here")
    page.get_by_test_id("chat-send").click()
    expect(messages.filter(has_text="Still here")).to_have_count(1, timeout=10_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "customer-chat-resumed-after-expiry-phone")

    stranger = phone.browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    try:
        other = stranger.new_page()
        other.goto(running_app.at("/c/" + code))  # no cookie: the expired page, nothing else
        expect(other.get_by_test_id("link-problem")).to_have_text(
            "This link has expired", timeout=30_000
        )
        expect(other.get_by_test_id("chat-message")).to_have_count(0)
        assert "Hello from Sam" not in other.content()
        other.get_by_test_id("start-new-chat").click()
        expect(other.get_by_test_id("start-chat")).to_be_visible(timeout=30_000)
        expect(other.get_by_test_id("brand-name")).to_have_text("Symphony Financial")
        assert fresh not in other.url
    finally:
        stranger.close()


def test_a_revoked_link_shows_start_a_new_chat_and_call(running_app, phone, browser):
    code, _ = fresh_chat(running_app, "ticket4me", "Pat")
    end_link(running_app, code, revoke=True)
    page = phone.new_page()
    page.goto(running_app.at("/c/" + code))
    expect(page.get_by_test_id("link-problem")).to_have_text(
        "This link has expired", timeout=30_000
    )
    expect(page.get_by_test_id("brand-name")).to_have_text("Ticket4Me")
    expect(page.get_by_role("link", name="Call Ticket4Me")).to_be_visible()
    expect(page.get_by_test_id("start-new-chat")).to_be_visible()
    assert "Traceback" not in page.content()
    shot(page, "customer-link-revoked-phone")

    code, _ = fresh_chat(running_app, "ticket4me", "Pat")
    page.goto(running_app.at("/c/" + code))  # opened while live: remembered here
    expect(page.get_by_test_id("chat-message").first).to_contain_text("Hi Pat", timeout=30_000)
    end_link(running_app, code, revoke=True)
    page.reload()
    _resumed_code(page, code)
    expect(page.get_by_test_id("chat-message").first).to_contain_text("Hi Pat", timeout=30_000)
    expect(page.get_by_test_id("chat-input")).to_be_visible()


def test_an_unknown_link_leads_to_the_directory(running_app, phone):
    page = phone.new_page()
    page.goto(running_app.at("/c/no-such-link-at-all"))
    page.get_by_test_id("to-directory").click()
    expect(page).to_have_url(path_is("/chat"), timeout=30_000)
    expect(page.get_by_test_id("directory-card")).to_have_count(2, timeout=30_000)


def test_the_branded_chat_on_desktop(running_app, desktop):
    page = desktop.new_page()
    page.goto(running_app.at("/c/" + running_app.customer_links["Symphony Financial"]))
    expect(page.get_by_test_id("brand-name")).to_have_text("Symphony Financial", timeout=30_000)
    header = page.get_by_test_id("brand-header")
    assert header.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(31, 58, 147)"
    expect(header.locator("img")).to_be_visible()
    expect(page.get_by_test_id("chat-message").first).to_contain_text(
        "Welcome to Symphony Financial"
    )
    expect(page.get_by_test_id("hosted-by")).to_be_visible()
    page.wait_for_function("[...document.images].every(i => i.complete)")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    shot(page, "customer-chat-desktop")
