"""A customer records a voice message on their phone: it appears at once with its
waveform and player, and the transcript arrives without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    PHONE,
    answer_hands_free_offer,
    launch_with_microphone,
    new_customer_chat,
    shot,
)
from tests.services.transcription import speech

CLIP = speech.CLIPS[0]  # "Hello, I would like to check the balance on my credit card."


@pytest.fixture(scope="module")
def microphone_phone(playwright, spoken_wav):
    """A phone whose microphone hears the spoken clip once (Chromium's fake capture)."""
    browser = launch_with_microphone(playwright, spoken_wav[0], loop=False)
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    context.grant_permissions(["microphone"])
    yield context
    context.close()
    browser.close()


def test_a_recorded_voice_message_shows_at_once_and_its_transcript_arrives_live(
    running_app, microphone_phone, spoken_wav
):
    _, seconds = spoken_wav
    page = microphone_phone.new_page()
    page.goto(running_app.at("/c/" + running_app.customer_links["Ticket4Me"]))
    expect(page.get_by_test_id("brand-name")).to_have_text("Ticket4Me", timeout=30_000)
    before = page.get_by_test_id("chat-message").count()
    page.evaluate("window.__marker = 'no reload'")

    page.get_by_test_id("voice-record").click()
    answer_hands_free_offer(page, enable=False)
    expect(page.get_by_test_id("voice-recording")).to_be_visible(timeout=10_000)
    # Tapped before the pause after the clip would send it by itself.
    page.wait_for_timeout(int((seconds + 0.3) * 1000))
    expect(page.locator("#voice-elapsed")).not_to_have_text("0:00")
    shot(page, "customer-voice-recording-phone")
    page.get_by_test_id("voice-send").click()

    message = page.get_by_test_id("chat-message").nth(before)
    expect(message.get_by_test_id("voice-waveform")).to_be_visible(timeout=20_000)
    # As long as the microphone was open: the clip, then quiet until "send".
    recorded = message.get_by_test_id("voice-duration").inner_text()
    assert int(seconds) <= int(recorded.split(":")[1]) <= int(seconds) + 4, recorded
    transcript = message.get_by_test_id("voice-transcript")
    expect(transcript).to_contain_text("credit card", timeout=90_000)
    assert speech.wer(CLIP.text, transcript.inner_text()) <= 0.2, transcript.inner_text()
    assert page.evaluate("window.__marker") == "no reload"  # pushed live

    src = message.get_by_test_id("voice-player").get_attribute("src")
    assert "/api/media/" in src
    fetched = page.evaluate(
        "async (u) => { const r = await fetch(u); return [r.status, r.headers.get('content-type')]; }",
        src,
    )
    assert fetched == [200, "audio/webm"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "customer-voice-message-phone")


@pytest.fixture
def fresh_microphone(playwright, spoken_wav):
    """A phone of its own whose microphone says the clip once, then stays quiet."""
    browser = launch_with_microphone(playwright, spoken_wav[0], loop=False)
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    context.grant_permissions(["microphone"])
    yield context
    context.close()
    browser.close()


def test_the_level_meter_follows_the_voice_and_a_pause_sends_by_itself(
    running_app, fresh_microphone, spoken_wav
):
    _, seconds = spoken_wav
    _, code = new_customer_chat(running_app.database_url, "ticket4me", "+12125550911", "Rita")
    page = fresh_microphone.new_page()
    page.goto(running_app.at("/c/" + code))
    expect(page.get_by_test_id("brand-name")).to_have_text("Ticket4Me", timeout=30_000)
    before = page.get_by_test_id("chat-message").count()

    page.get_by_test_id("voice-record").click()
    answer_hands_free_offer(page, enable=False)
    expect(page.get_by_test_id("voice-recording")).to_be_visible(timeout=10_000)
    levels: list[float] = []
    for _ in range(int(seconds * 5)):
        levels.append(float(page.locator("#voice-level").get_attribute("data-level") or 0))
        if levels[-1] > 0.4 and max(levels[:-1], default=0) <= 0.4:
            shot(page, "customer-voice-level-meter-phone")  # mid-sentence
        page.wait_for_timeout(200)
    # Speech moves the bar well up and down; the quiet lead-in leaves it near the floor.
    assert max(levels) > 0.4, levels
    assert min(levels) < 0.2, levels
    assert len({round(v, 1) for v in levels}) >= 4, levels

    # Nobody taps "send": the pause after the clip ends the recording and sends it.
    message = page.get_by_test_id("chat-message").nth(before)
    expect(message.get_by_test_id("voice-waveform")).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("voice-recording")).to_have_count(0)
    recorded = int(message.get_by_test_id("voice-duration").inner_text().split(":")[1])
    # The clip plus about the two-second pause (INTERPLAT_VOICE_SILENCE_SECONDS).
    assert int(seconds) + 1 <= recorded <= int(seconds) + 4, recorded
    expect(message.get_by_test_id("voice-transcript")).to_contain_text(
        "credit card", timeout=90_000
    )
    shot(page, "customer-voice-auto-sent-phone")
