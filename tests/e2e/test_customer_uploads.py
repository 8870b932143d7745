"""Photos, videos and files from the customer's phone: a preview of each with its own
progress while it goes up, then the message in the thread; files the picker or the
server refuses get a clear message and send nothing."""

from __future__ import annotations

import os
import struct
import zlib

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import new_customer_chat, shot


def noisy_png(width: int = 700, height: int = 700) -> bytes:
    """A PNG of random pixels (about 1.5 MB: it does not compress)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 1))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def page(running_app, phone):
    _, code = new_customer_chat(running_app.database_url, "ticket4me", "+12125550977", "Ivo")
    page = phone.new_page()
    page.goto(running_app.at("/c/" + code))
    expect(page.get_by_test_id("brand-name")).to_have_text("Ticket4Me", timeout=30_000)
    return page


def pick(page, *files: dict) -> None:
    page.locator("#chat-upload input[type=file]").set_input_files(files=list(files))


def test_a_photo_shows_a_preview_and_its_progress_then_lands_in_the_thread(page, phone):
    before = page.get_by_test_id("chat-message").count()
    # A slow uplink (about 250 KB/s) so the 1.5 MB photo takes a few seconds.
    cdp = phone.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 250_000},
    )
    photo = noisy_png()
    pick(page, {"name": "damaged-box.png", "mimeType": "image/png", "buffer": photo})

    preview = page.get_by_test_id("upload-preview")
    expect(preview).to_have_count(1, timeout=5_000)
    expect(preview.get_by_test_id("upload-thumb")).to_be_visible()
    expect(preview).to_contain_text("damaged-box.png")
    expect(preview).to_contain_text("MB")
    seen: set[int] = set()
    for _ in range(80):
        progress = page.evaluate(
            "[...document.querySelectorAll('[data-testid=upload-preview]')]"
            ".map((el) => Number(el.dataset.progress))"
        )
        if not progress:
            break
        seen.update(progress)
        if len(seen) == 3:
            shot(page, "customer-upload-progress-phone")
        page.wait_for_timeout(100)
    assert any(0 < value < 100 for value in seen), seen  # moved while it went up
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )

    expect(
        page.get_by_test_id("chat-message").nth(before).get_by_test_id("thread-image")
    ).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("upload-preview")).to_have_count(0)
    expect(page.get_by_test_id("send-error")).to_have_count(0)
    shot(page, "customer-upload-sent-phone")


def test_too_large_or_disguised_files_are_refused_with_a_clear_message(page):
    before = page.get_by_test_id("chat-message").count()

    # The picker refuses a 26 MB video before anything is sent.
    pick(page, {"name": "holiday.mp4", "mimeType": "video/mp4", "buffer": bytes(26 * 1024 * 1024)})
    error = page.get_by_test_id("send-error")
    expect(error).to_contain_text("holiday.mp4: too large to send; the limit is 25 MB.")
    expect(page.get_by_test_id("upload-preview")).to_have_count(0)

    # A program is not a type the picker takes.
    pick(
        page,
        {"name": "setup.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ" + bytes(100)},
    )
    expect(error).to_contain_text("setup.exe: this type of file cannot be sent")
    shot(page, "customer-upload-refused-phone")

    # Renamed to look like a photo, it passes the picker but not the server's check.
    pick(page, {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": b"MZ" + bytes(4000)})
    expect(error).to_contain_text("photo.jpg: This type of file cannot be sent", timeout=15_000)
    expect(page.get_by_test_id("upload-preview")).to_have_count(0)
    expect(page.get_by_test_id("chat-message")).to_have_count(before)
