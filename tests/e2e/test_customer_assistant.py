"""The automated assistant at phone size: it answers a configured question with quick
replies, "Live chat" hands the same thread to the queue, and the CSR who takes it reads
everything the assistant said."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlmodel import select

from interplat.db import session_scope
from interplat.models import Channel, ShortLink, Ticket
from interplat.services import enterprises, entry_links
from tests.e2e.conftest import DESKTOP, log_in, path_is, shot

BALANCE_ANSWER = "You can check your balance any time in the Symphony app under Accounts"


def _website_entry(app) -> str:
    """Symphony's website entry link (its default listing has the demo assistant on)."""
    with session_scope(app.database_url) as session:
        enterprise = enterprises.find_enterprise_by_slug(session=session, slug="symphony")
        assert enterprise is not None
        listing = enterprises.default_listing(session=session, enterprise_id=enterprise.id)
        assert listing.assistant_enabled
        made = entry_links.entry_links(
            session=session, enterprise_id=enterprise.id, listing_id=listing.id, base_url=app.url
        )
        return next(link.code for link in made if link.channel == Channel.WEBSITE)


def _ticket_of(app, code: str) -> Ticket:
    with session_scope(app.database_url) as session:
        link = session.exec(select(ShortLink).where(ShortLink.code == code)).one()
        ticket = session.get(Ticket, link.ticket_id)
        assert ticket is not None
        session.expunge(ticket)
        return ticket


def test_the_assistant_answers_then_hands_the_whole_thread_to_a_csr(running_app, phone, browser):
    entry = _website_entry(running_app)
    page = phone.new_page()
    page.goto(running_app.at("/c/" + entry))
    page.get_by_test_id("start-first-name").fill("Jordan")
    page.get_by_test_id("start-chat").click()
    expect(page).not_to_have_url(path_is("/c/" + entry), timeout=30_000)
    code = page.url.rstrip("/").rsplit("/", 1)[-1]
    messages = page.get_by_test_id("chat-message")
    expect(messages.first).to_contain_text("Welcome to Symphony Financial, Jordan!", timeout=30_000)

    page.get_by_test_id("chat-input").fill("What is my balance?")
    page.get_by_test_id("chat-send").click()
    expect(messages.nth(2)).to_contain_text(BALANCE_ANSWER, timeout=15_000)
    expect(messages.nth(2)).to_contain_text("Symphony Assistant")  # the assistant's own name
    expect(messages.nth(3)).to_contain_text("Did that answer your question?")
    chips = page.get_by_test_id("quick-reply")
    expect(chips).to_have_text(["Yes", "No", "Live chat"])
    expect(page.get_by_test_id("quick-replies")).to_have_count(1)  # under the last line only
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll
    ticket = _ticket_of(running_app, code)
    assert (ticket.assistant_state, ticket.status) == ("active", "waiting")
    shot(page, "assistant-answer-phone")

    chips.filter(has_text="Live chat").dblclick()  # a double tap sends it once
    expect(messages.last).to_contain_text(
        "A representative will be with you shortly.", timeout=15_000
    )
    expect(messages.nth(4)).to_contain_text("Live chat")
    expect(messages).to_have_count(6)
    expect(page.get_by_test_id("quick-reply")).to_have_count(0)
    assert _ticket_of(running_app, code).assistant_state == "handed_off"
    shot(page, "assistant-handed-off-phone")

    desk = browser.new_context(viewport=DESKTOP)
    try:
        csr = desk.new_page()
        log_in(csr, running_app, "carlos@symphony.demo")
        csr.get_by_test_id("pull-pick").click()
        expect(csr.get_by_test_id("pull-choice").filter(has_text="Jordan")).to_be_visible()
        shot(csr, "assistant-csr-queue")
        csr.get_by_test_id("pull-choice").filter(has_text="Jordan").click()
        expect(csr).to_have_url(re.compile(r"/chats/?\?ticket=" + str(ticket.id)), timeout=20_000)
        thread = csr.get_by_test_id("thread")
        expect(thread).to_contain_text("What is my balance?", timeout=20_000)
        bot_lines = thread.locator("[data-sender='assistant']")
        expect(bot_lines).to_have_count(3)
        expect(bot_lines.first).to_contain_text(BALANCE_ANSWER)
        expect(bot_lines.first).to_contain_text("Symphony Assistant")
        expect(bot_lines.first.get_by_test_id("assistant-label")).to_be_visible()
        expect(thread).to_contain_text("The assistant handed over: the customer asked for a person")
        expect(
            thread.get_by_test_id("thread-event").filter(has_text="Assigned to Carlos")
        ).to_be_visible()
        shot(csr, "assistant-csr-thread")

        csr.get_by_test_id("reply-input").fill("Hi Jordan, Carlos here. Let me look it up.")
        csr.get_by_test_id("reply-send").click()
        expect(messages.last).to_contain_text("Carlos here", timeout=15_000)
        shot(page, "assistant-csr-joined-phone")
    finally:
        desk.close()


def test_a_csr_takes_a_chat_the_assistant_still_holds_from_the_ticket_list(
    running_app, phone, browser
):
    entry = _website_entry(running_app)
    page = phone.new_page()
    page.goto(running_app.at("/c/" + entry))
    page.get_by_test_id("start-first-name").fill("Casey")
    page.get_by_test_id("start-chat").click()
    expect(page).not_to_have_url(path_is("/c/" + entry), timeout=30_000)
    code = page.url.rstrip("/").rsplit("/", 1)[-1]
    page.get_by_test_id("chat-input").fill("What is my balance?")
    page.get_by_test_id("chat-send").click()
    expect(page.get_by_test_id("quick-reply")).to_have_count(3, timeout=15_000)
    ticket = _ticket_of(running_app, code)
    assert ticket.assistant_state == "active"

    context = browser.new_context(viewport=DESKTOP)
    try:
        csr = context.new_page()
        log_in(csr, running_app, "carlos@symphony.demo")
        csr.goto(running_app.at(f"/chats?ticket={ticket.id}"))
        expect(csr.get_by_test_id("thread")).to_contain_text(BALANCE_ANSWER, timeout=20_000)
        expect(csr.get_by_test_id("reply-input")).to_have_count(0)
        csr.get_by_test_id("chat-take").click()
        expect(csr.get_by_test_id("reply-input")).to_be_visible(timeout=20_000)
        shot(csr, "assistant-chat-taken-over")
        assert _ticket_of(running_app, code).assistant_state == "handed_off"
        # The assistant stays quiet once a person has the chat.
        page.get_by_test_id("chat-input").fill("Thanks, and my card limit?")
        page.get_by_test_id("chat-send").click()
        expect(csr.get_by_test_id("thread")).to_contain_text("my card limit?", timeout=15_000)
        expect(page.get_by_test_id("quick-reply")).to_have_count(0)
    finally:
        context.close()
