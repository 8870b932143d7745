"""The customer app's directory: businesses, search, chat, offers, and this browser's open
chats on top (phone first, and on desktop)."""

from playwright.sync_api import expect
from sqlmodel import select

from interplat.db import session_scope
from interplat.models import Offer
from interplat.services import enterprises
from tests.e2e.conftest import path_is, shot

COOKIE = "interplat_chat"


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll


def test_the_directory_lists_and_searches_businesses(running_app, phone):
    page = phone.new_page()
    page.goto(running_app.at("/chat"))
    cards = page.get_by_test_id("directory-card")
    expect(cards).to_have_count(2, timeout=30_000)
    expect(cards.get_by_test_id("card-name")).to_have_text(["Symphony Financial", "Ticket4Me"])
    expect(cards.first).to_contain_text("Banking in harmony with your life")
    expect(page.get_by_test_id("pending-chats")).to_have_count(0)  # a new browser has none
    assert page.title() == "Chat with a business · Interplat"
    page.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    _fits(page, 360)
    shot(page, "directory-phone")

    page.get_by_test_id("directory-search").fill("EVERY SEAT")  # Ticket4Me's tagline
    page.get_by_test_id("directory-search").press("Enter")
    expect(cards).to_have_count(1, timeout=10_000)
    expect(cards.get_by_test_id("card-name")).to_have_text("Ticket4Me")
    page.get_by_test_id("directory-search").fill("no such business")
    page.get_by_test_id("directory-search-go").click()
    expect(page.get_by_test_id("directory-empty")).to_contain_text("no such business")
    expect(cards).to_have_count(0)
    shot(page, "directory-phone-no-match")
    page.get_by_role("button", name="Show all").click()
    expect(cards).to_have_count(2, timeout=10_000)


def test_the_directory_on_desktop(running_app, desktop):
    page = desktop.new_page()
    page.goto(running_app.at("/chat"))
    expect(page.get_by_test_id("directory-card")).to_have_count(2, timeout=30_000)
    first, second = (page.get_by_test_id("directory-card").nth(i).bounding_box() for i in (0, 1))
    assert first and second and first["y"] == second["y"]  # side by side on a wide screen
    _fits(page, 1280)
    shot(page, "directory-desktop")


def test_chat_starts_a_conversation_with_that_business(running_app, phone):
    page = phone.new_page()
    page.goto(running_app.at("/chat"))
    card = page.get_by_test_id("directory-card").filter(has_text="Ticket4Me")
    card.get_by_test_id("card-chat").click()
    expect(page.get_by_test_id("brand-name")).to_have_text("Ticket4Me", timeout=30_000)
    expect(page.get_by_test_id("start-chat")).to_be_visible()
    page.get_by_test_id("start-first-name").fill("Jo")
    page.get_by_test_id("start-chat").click()
    expect(page.get_by_test_id("chat-message").first).to_contain_text(
        "Hi Jo, thanks for contacting Ticket4Me!", timeout=30_000
    )
    reference = page.get_by_text("Conversation ").inner_text().removeprefix("Conversation ")

    # Back to the directory: the chat just started is on top, to continue.
    page.goto(running_app.at("/chat"))
    pending = page.get_by_test_id("pending-chat")
    expect(pending).to_have_count(1, timeout=30_000)
    expect(pending).to_contain_text("Ticket4Me")
    expect(pending).to_contain_text(reference)
    expect(pending).to_contain_text("Hi Jo, thanks for contacting")  # the last message
    _fits(page, 360)
    shot(page, "directory-phone-your-conversations")
    pending.click()
    expect(page.get_by_test_id("chat-message").first).to_contain_text("Hi Jo", timeout=30_000)
    expect(page.get_by_text(reference)).to_be_visible()


def test_another_browser_or_a_forged_cookie_sees_no_conversations(running_app, browser, phone):
    page = phone.new_page()
    page.goto(running_app.at("/c/" + running_app.customer_links["Symphony Financial"]))
    expect(page.get_by_test_id("brand-name")).to_have_text("Symphony Financial", timeout=30_000)
    page.goto(running_app.at("/chat"))
    expect(page.get_by_test_id("pending-chat")).to_contain_text(
        "Symphony Financial", timeout=30_000
    )
    (cookie,) = [c for c in phone.cookies() if c["name"] == COOKIE]
    payload, _, signature = cookie["value"].rpartition(".")

    for value in (f"{payload}.{'0' * len(signature)}", "not-a-cookie", ""):
        other = browser.new_context(viewport={"width": 360, "height": 740})
        try:
            if value:
                other.add_cookies([{"name": COOKIE, "value": value, "url": running_app.url}])
            stranger = other.new_page()
            stranger.goto(running_app.at("/chat"))
            expect(stranger.get_by_test_id("directory-card")).to_have_count(2, timeout=30_000)
            expect(stranger.get_by_test_id("pending-chat")).to_have_count(0)
            expect(stranger.get_by_text("Your conversations")).to_have_count(0)
        finally:
            other.close()


def test_offers_lists_the_current_public_offers(running_app, phone):
    with session_scope(running_app.database_url) as session:
        ticket4me = enterprises.find_enterprise_by_slug(session=session, slug="ticket4me")
        assert ticket4me is not None
        if not session.exec(select(Offer).where(Offer.title == "Two for one Tuesdays")).first():
            for title, status, visibility in (
                ("Two for one Tuesdays", "published", "all"),
                ("Loop members only", "published", "loop"),
                ("Not ready yet", "draft", "all"),
            ):
                session.add(
                    Offer(
                        enterprise_id=ticket4me.id,
                        title=title,
                        body="Bring a friend to any show on a Tuesday.",
                        terms="One per customer.",
                        status=status,
                        visibility=visibility,
                    )
                )
    page = phone.new_page()
    page.goto(running_app.at("/chat"))
    card = page.get_by_test_id("directory-card").filter(has_text="Ticket4Me")
    card.get_by_test_id("card-offers").click()
    expect(page).to_have_url(path_is("/chat/ticket4me/offers"), timeout=30_000)
    expect(page.get_by_test_id("offers-brand")).to_have_text("Ticket4Me", timeout=30_000)
    expect(page.get_by_test_id("offer-title")).to_have_text(["Two for one Tuesdays"])
    expect(page.get_by_test_id("public-offer")).to_contain_text("One per customer.")
    _fits(page, 360)
    shot(page, "offers-phone")

    page.goto(running_app.at("/chat/symphony/offers"))
    expect(page.get_by_test_id("offers-brand")).to_have_text("Symphony Financial", timeout=30_000)
    expect(page.get_by_test_id("no-offers")).to_have_text("No current offers")
    page.get_by_role("link", name="Chat with Symphony Financial").click()
    expect(page.get_by_test_id("start-chat")).to_be_visible(timeout=30_000)

    page.goto(running_app.at("/chat/not-a-business/offers"))
    expect(page.get_by_test_id("offers-missing")).to_be_visible(timeout=30_000)
    assert "Traceback" not in page.content()
