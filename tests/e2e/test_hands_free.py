"""Hands-free mode on a phone: offered on the first microphone tap; a representative's
reply is read aloud, "Reply?" follows, and what the customer says is sent with its
transcript; saying "no" sends nothing."""

from __future__ import annotations

import urllib.request
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from interplat.db import session_scope
from interplat.models import Message
from tests.e2e.conftest import (
    PHONE,
    answer_hands_free_offer,
    bearer_for,
    espeak_wav,
    launch_with_microphone,
    new_customer_chat,
    shot,
)
from tests.services.transcription import speech

CSR_EMAIL = "carlos@symphony.demo"
CSR_SAYS = "Your new card is on its way."


@pytest.fixture(scope="module")
def csr_clip(tmp_path_factory) -> bytes:
    return espeak_wav(tmp_path_factory.mktemp("csr"), "csr", CSR_SAYS, "en-gb").read_bytes()


def phone_hearing(playwright, wav: Path):
    """A phone whose microphone says ``wav`` once each time it is opened."""
    browser = launch_with_microphone(playwright, wav, loop=False)
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    context.grant_permissions(["microphone"])
    return browser, context


def csr_sends_voice(app, ticket_id: str, clip: bytes) -> None:
    """The representative replies through the app's REST API (the app publishes it)."""
    request = urllib.request.Request(
        app.at(f"/api/v1/tickets/{ticket_id}/voice-messages"),
        data=clip,
        headers={"content-type": "audio/wav", **bearer_for(app.database_url, CSR_EMAIL)},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201


def open_with_hands_free(app, context, phone: str):
    ticket_id, code = new_customer_chat(app.database_url, "symphony", phone, "Hana")
    page = context.new_page()
    page.goto(app.at("/c/" + code))
    expect(page.get_by_test_id("brand-name")).to_have_text("Symphony Financial", timeout=30_000)
    page.get_by_test_id("voice-record").click()
    shot(page, "hands-free-offer-phone")
    answer_hands_free_offer(page, enable=True)
    # The tap's own recording starts too; this customer waits for the reply instead.
    expect(page.get_by_test_id("voice-recording")).to_be_visible(timeout=10_000)
    page.get_by_test_id("voice-cancel").click()
    expect(page.get_by_test_id("voice-recording")).to_have_count(0, timeout=10_000)
    expect(page.get_by_test_id("hands-free-row")).to_have_attribute("data-mode", "on")
    return ticket_id, page


def wait_for_reply_prompt(page) -> list[str]:
    try:
        page.wait_for_function(
            "() => (window.interplatSpoken || []).includes('Reply?')", timeout=120_000
        )
    except Exception as exc:
        shot(page, "hands-free-no-prompt-phone")
        said = page.evaluate("window.interplatSpoken")
        thread = page.get_by_test_id("chat-message").all_inner_texts()
        raise AssertionError(f"never asked; said {said}; thread {thread}") from exc
    return page.evaluate("window.interplatSpoken")


def customer_messages(database_url: str, ticket_id: str) -> list[Message]:
    with session_scope(database_url) as session:
        return list(
            session.exec(
                select(Message).where(
                    Message.ticket_id == uuid.UUID(ticket_id), Message.sender_kind == "customer"
                )
            ).all()
        )


def test_a_reply_is_read_aloud_and_the_spoken_answer_is_sent(
    running_app, playwright, spoken_wav, csr_clip
):
    browser, context = phone_hearing(playwright, spoken_wav[0])
    try:
        ticket_id, page = open_with_hands_free(running_app, context, "+14155550931")
        page.reload()  # the mode lasts for the tab's session
        expect(page.get_by_test_id("hands-free-row")).to_have_attribute(
            "data-mode", "on", timeout=30_000
        )
        before = page.get_by_test_id("chat-message").count()

        csr_sends_voice(running_app, ticket_id, csr_clip)
        spoken = wait_for_reply_prompt(page)
        assert len(spoken) == 2 and spoken[1] == "Reply?", spoken
        assert "card" in spoken[0].lower() and "way" in spoken[0].lower(), spoken
        expect(page.get_by_test_id("voice-status")).to_have_text("Listening…", timeout=10_000)
        shot(page, "hands-free-listening-phone")

        # The microphone says the balance question; the pause after it sends it.
        answer = page.get_by_test_id("chat-message").nth(before + 1)
        expect(answer.get_by_test_id("voice-waveform")).to_be_visible(timeout=60_000)
        transcript = answer.get_by_test_id("voice-transcript")
        expect(transcript).to_contain_text("credit card", timeout=10_000)
        assert speech.wer(speech.CLIPS[0].text, transcript.inner_text()) <= 0.25
        expect(page.get_by_test_id("voice-recording")).to_have_count(0)
        (stored,) = customer_messages(running_app.database_url, ticket_id)
        assert stored.kind == "voice" and "credit card" in (stored.transcript or "").lower()
        shot(page, "hands-free-reply-sent-phone")

        # Turned off: the next reply is not read aloud.
        page.get_by_test_id("hands-free-switch").click()
        expect(page.get_by_test_id("hands-free-row")).to_have_attribute("data-mode", "off")
        csr_sends_voice(running_app, ticket_id, csr_clip)
        expect(page.get_by_test_id("chat-message")).to_have_count(before + 3, timeout=30_000)
        page.wait_for_timeout(8_000)  # its transcript arrives; nothing is spoken
        assert page.evaluate("window.interplatSpoken.length") == 2
    finally:
        context.close()
        browser.close()


def test_saying_no_sends_nothing(running_app, playwright, tmp_path, csr_clip):
    # A quiet second first: a short word must not lose its start to the microphone opening.
    no = espeak_wav(tmp_path, "no", "No, no.", lead_in=1.0)
    browser, context = phone_hearing(playwright, no)
    try:
        ticket_id, page = open_with_hands_free(running_app, context, "+14155550932")
        before = page.get_by_test_id("chat-message").count()
        with page.expect_response(lambda r: "hands_free=1" in r.url, timeout=90_000) as posted:
            csr_sends_voice(running_app, ticket_id, csr_clip)
            wait_for_reply_prompt(page)
            expect(page.get_by_test_id("voice-status")).to_have_text("Listening…")
        # "No, no." then quiet: the recording ends by itself and is declined.
        answer = posted.value.json()
        assert (posted.value.status, answer) == (200, {"declined": True}), answer.get("transcript")
        expect(page.get_by_test_id("voice-recording")).to_have_count(0, timeout=10_000)
        page.wait_for_timeout(3_000)
        thread = page.get_by_test_id("chat-message").all_inner_texts()
        assert len(thread) == before + 1, thread
        expect(page.get_by_test_id("send-error")).to_have_count(0)
        assert customer_messages(running_app.database_url, ticket_id) == []
        shot(page, "hands-free-declined-phone")
    finally:
        context.close()
        browser.close()
