"""The CSR's chat workspace against a customer's phone, in two browser contexts: pull the
ticket, exchange text, images and voice messages live both ways, use a canned and a
suggested reply, see typing, get notified of another chat, close as resolved."""

from __future__ import annotations

import re
import struct
import uuid
import zlib
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from interplat.db import session_scope
from interplat.models import Channel, Ticket
from interplat.services import (
    assist,
    canned,
    customers,
    enterprises,
    links,
    tickets,
)
from tests.e2e.conftest import (
    DESKTOP,
    PHONE,
    answer_hands_free_offer,
    launch_with_microphone,
    log_in,
    shot,
)
from tests.services.transcription import speech

CLIP = speech.CLIPS[0]  # "Hello, I would like to check the balance on my credit card."


@dataclass
class Chat:
    ticket_id: str
    code: str
    name: str


def open_chat(database_url: str, first_name: str, last_name: str, phone: str) -> Chat:
    """A new waiting Symphony ticket with its chat link, as an IVR call would leave it."""
    with session_scope(database_url) as session:
        enterprise = enterprises.find_enterprise_by_slug(session=session, slug="symphony")
        customer, _ = customers.find_or_create_customer(
            session=session,
            enterprise_id=enterprise.id,
            phone=phone,
            first_name=first_name,
            last_name=last_name,
        )
        ticket, _ = tickets.open_ticket(
            session=session, enterprise_id=enterprise.id, customer_id=customer.id, source="ivr"
        )
        link = links.create_short_link(
            session=session,
            enterprise_id=enterprise.id,
            channel=Channel.IVR,
            ticket_id=ticket.id,
            customer_id=customer.id,
        )
        return Chat(str(ticket.id), link.code, f"{first_name} {last_name}")


@pytest.fixture(scope="module")
def replies(running_app):
    """A canned greeting and a refund rule in Symphony's default listing."""
    with session_scope(running_app.database_url) as session:
        enterprise = enterprises.find_enterprise_by_slug(session=session, slug="symphony")
        listing = enterprises.default_listing(session=session, enterprise_id=enterprise.id)
        canned.create_canned(
            session=session,
            enterprise_id=enterprise.id,
            listing_id=listing.id,
            title="Warm greeting",
            body="Hi! Thanks for reaching out.",
            shortcut="greet",
        )
        assist.create_rule(
            session=session,
            enterprise_id=enterprise.id,
            listing_id=listing.id,
            keywords=["refund"],
            replies=["Refunds reach your card in three to five business days."],
        )


@pytest.fixture(scope="module")
def mic_browser(playwright, spoken_wav):
    """Chromium whose fake microphone says the clip (looped), for both sides."""
    browser = launch_with_microphone(playwright, spoken_wav[0])
    yield browser
    browser.close()


def png(rgb: tuple[int, int, int], width: int = 320, height: int = 200) -> bytes:
    """A plain-coloured PNG picture."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def record(page, seconds: float, *, first_on_phone: bool = False) -> None:
    page.get_by_test_id("voice-record").click()
    if first_on_phone:  # a customer's first tap offers hands-free mode first
        answer_hands_free_offer(page, enable=False)
    expect(page.get_by_test_id("voice-recording")).to_be_visible(timeout=10_000)
    page.wait_for_timeout(int(seconds * 1000))
    page.get_by_test_id("voice-send").click()


def test_csr_and_customer_chat_live_with_text_images_and_voice(
    running_app, mic_browser, replies, spoken_wav
):
    _, seconds = spoken_wav
    chat = open_chat(running_app.database_url, "Morgan", "Lee", "+14155550777")
    phone_ctx = mic_browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    desk_ctx = mic_browser.new_context(viewport=DESKTOP)
    for ctx in (phone_ctx, desk_ctx):
        ctx.grant_permissions(["microphone"])
    try:
        customer = phone_ctx.new_page()
        customer.goto(running_app.at("/c/" + chat.code))
        expect(customer.get_by_test_id("brand-name")).to_have_text(
            "Symphony Financial", timeout=30_000
        )
        customer.get_by_test_id("chat-input").fill("I need a refund for a double charge.")
        customer.get_by_test_id("chat-send").click()
        customer.evaluate("window.__marker = 'no reload'")

        csr = desk_ctx.new_page()
        log_in(csr, running_app, "priya@symphony.demo")
        resolved_before = int(csr.get_by_test_id("count-resolved").inner_text())
        # Pick this customer's ticket from the header's dropdown of waiting tickets.
        csr.get_by_test_id("pull-pick").click()
        csr.get_by_test_id("pull-choice").filter(has_text="Morgan Lee").click()
        expect(csr).to_have_url(re.compile(r"/chats/?\?ticket=" + chat.ticket_id), timeout=20_000)
        expect(csr.get_by_test_id("chat-customer-name")).to_have_text("Morgan Lee", timeout=20_000)
        thread = csr.get_by_test_id("thread")
        expect(thread).to_contain_text("I need a refund for a double charge.")
        expect(
            thread.get_by_test_id("thread-event").filter(has_text="Assigned to Priya")
        ).to_be_visible()
        expect(csr.get_by_test_id("customer-phone")).to_have_text("+14155550777")
        csr.evaluate("window.__marker = 'no reload'")

        # The suggested reply for the refund, sent as is; the customer sees it live.
        suggestion = csr.get_by_test_id("suggestion").first
        expect(suggestion).to_have_text("Refunds reach your card in three to five business days.")
        suggestion.click()
        expect(csr.get_by_test_id("reply-input")).to_have_value(
            "Refunds reach your card in three to five business days."
        )
        csr.get_by_test_id("reply-send").click()
        expect(customer.get_by_test_id("chat-message").last).to_contain_text(
            "three to five business days", timeout=15_000
        )
        expect(csr.get_by_test_id("reply-input")).to_have_value("")

        # A canned reply, edited before sending.
        csr.get_by_test_id("canned-open").click()
        csr.get_by_test_id("canned-search").fill("greet")
        csr.get_by_test_id("canned-item").filter(has_text="Warm greeting").click()
        expect(csr.get_by_test_id("reply-input")).to_have_value("Hi! Thanks for reaching out.")
        csr.get_by_test_id("reply-input").press("End")
        csr.get_by_test_id("reply-input").type(" I'm on it.")
        csr.get_by_test_id("reply-input").press("Enter")
        expect(customer.get_by_test_id("chat-message").last).to_contain_text(
            "Hi! Thanks for reaching out. I'm on it.", timeout=15_000
        )

        # Typing shows on the other side, both ways.
        csr.get_by_test_id("reply-input").type("Checking", delay=30)
        expect(customer.get_by_test_id("typing-hint")).to_be_visible(timeout=10_000)
        csr.get_by_test_id("reply-input").fill("")
        customer.get_by_test_id("chat-input").type("Thanks", delay=30)
        expect(csr.get_by_test_id("typing-hint")).to_contain_text("Morgan Lee", timeout=10_000)
        customer.get_by_test_id("chat-input").fill("")

        # Images both ways.
        customer.locator("#chat-upload input[type=file]").set_input_files(
            files=[{"name": "receipt.png", "mimeType": "image/png", "buffer": png((31, 58, 147))}]
        )
        expect(thread.get_by_test_id("thread-image")).to_have_count(1, timeout=15_000)
        csr.locator("#reply-upload input[type=file]").set_input_files(
            files=[{"name": "card.png", "mimeType": "image/png", "buffer": png((230, 126, 34))}]
        )
        expect(customer.get_by_test_id("thread-image")).to_have_count(2, timeout=15_000)
        thread.get_by_test_id("thread-image").first.click()
        expect(csr.get_by_test_id("image-full")).to_be_visible()
        csr.keyboard.press("Escape")

        # Voice both ways: the customer's clip is transcribed and reaches the CSR live.
        record(customer, seconds + 0.5, first_on_phone=True)
        voice = thread.get_by_test_id("thread-message").filter(
            has=csr.get_by_test_id("voice-waveform")
        )
        expect(voice.first).to_be_visible(timeout=20_000)
        expect(voice.first.get_by_test_id("voice-transcript")).to_contain_text(
            "credit card", timeout=90_000
        )
        record(csr, seconds + 0.5)
        customer_voice = customer.get_by_test_id("chat-message").filter(
            has=customer.get_by_test_id("voice-waveform")
        )
        expect(customer_voice).to_have_count(2, timeout=20_000)
        expect(customer_voice.last.get_by_test_id("voice-transcript")).to_contain_text(
            "credit card", timeout=90_000
        )
        assert customer.evaluate("window.__marker") == "no reload"
        assert csr.evaluate("window.__marker") == "no reload"
        shot(csr, "chat-workspace")
        shot(customer, "customer-chat-with-csr-phone")

        # Closing as resolved: the chat leaves the list, the counters move.
        csr.get_by_test_id("chat-close").click()
        csr.get_by_test_id("close-resolved").click()
        expect(
            csr.locator(f'[data-testid="chat-item"][data-ticket="{chat.ticket_id}"]')
        ).to_have_count(0, timeout=15_000)
        with session_scope(running_app.database_url) as session:
            assert session.get(Ticket, uuid.UUID(chat.ticket_id)).status == "resolved"
        csr.get_by_test_id("nav-dashboard").click()
        expect(csr.get_by_test_id("count-resolved")).to_have_text(
            str(resolved_before + 1), timeout=15_000
        )
    finally:
        phone_ctx.close()
        desk_ctx.close()


def test_a_message_in_a_chat_not_open_raises_its_unread_count_and_a_notice(
    running_app, browser, phone
):
    first = open_chat(running_app.database_url, "Avery", "Stone", "+14155550781")
    second = open_chat(running_app.database_url, "Jordan", "Reyes", "+14155550782")
    context = browser.new_context(viewport=DESKTOP)
    try:
        csr = context.new_page()
        log_in(csr, running_app, "carlos@symphony.demo")
        for chat in (second, first):  # take both; the first ends up open
            csr.get_by_test_id("pull-pick").click()
            csr.get_by_test_id("pull-choice").filter(has_text=chat.name).click()
            expect(csr.get_by_test_id("chat-customer-name")).to_have_text(chat.name, timeout=20_000)
        other = csr.locator(f'[data-testid="chat-item"][data-ticket="{second.ticket_id}"]')
        expect(other.get_by_test_id("chat-unread")).to_have_count(0)

        jordan = phone.new_page()
        jordan.goto(running_app.at("/c/" + second.code))
        jordan.get_by_test_id("chat-input").fill("Are you still there?")
        jordan.get_by_test_id("chat-send").click()
        expect(other.get_by_test_id("chat-unread")).to_have_text("1", timeout=15_000)
        expect(other).to_contain_text("Are you still there?")
        notice = csr.get_by_test_id("new-message-notice")
        expect(notice).to_contain_text("Jordan Reyes")
        shot(csr, "chat-workspace-notice")

        # Switching to it is instant and reads it.
        other.click()
        expect(csr.get_by_test_id("chat-customer-name")).to_have_text("Jordan Reyes")
        expect(other.get_by_test_id("chat-unread")).to_have_count(0, timeout=10_000)
        expect(csr.get_by_test_id("thread")).to_contain_text("Are you still there?")

        # "Talk now": the customer's phone is called and bridged to Carlos's; the thread says so.
        csr.get_by_test_id("talk-now").click()
        expect(csr.get_by_test_id("call-status")).to_have_text("Ringing…", timeout=15_000)
        expect(csr.get_by_test_id("thread")).to_contain_text("Call started by Carlos")
        expect(jordan.get_by_test_id("chat-message").last).to_contain_text(
            "Call started", timeout=15_000
        )
    finally:
        context.close()
