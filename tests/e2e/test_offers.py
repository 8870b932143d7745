"""A CSR builds an offer through the three-step wizard, watching the phone preview, and
manages it in the offers list (duplicate, archive)."""

from __future__ import annotations

import datetime as dt
import struct
import zlib
import zoneinfo

from playwright.sync_api import expect
from sqlmodel import select

from interplat.db import session_scope
from interplat.models import Offer
from tests.e2e.conftest import log_in, path_is, shot

TITLE = "Autumn concert pass"


def png(width: int, height: int) -> bytes:
    """A warm gradient picture, written by hand so the test needs no image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\0"
        + bytes(
            v
            for x in range(width)
            for v in (200 + x * 55 // width, 90 + y * 100 // height, 60 + (x + y) % 40)
        )
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def local_day(days: int) -> str:
    today = dt.datetime.now(zoneinfo.ZoneInfo("America/Los_Angeles")).date()
    return (today + dt.timedelta(days=days)).isoformat()


def upload(page, path) -> None:
    page.locator("#offer-image input[type=file]").set_input_files(str(path))


def test_a_csr_creates_an_offer_through_the_wizard(running_app, desktop, tmp_path):
    page = desktop.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, running_app, "priya@symphony.demo")
    page.get_by_test_id("nav-offers").click()
    expect(page).to_have_url(path_is("/offers"), timeout=30_000)
    page.get_by_test_id("offers-new").click()
    expect(page).to_have_url(path_is("/offers/new"), timeout=30_000)
    phone = page.get_by_test_id("offer-phone")
    card = phone.get_by_test_id("offer-card")

    # Step 1: a past expiry and a too-large image are refused with clear messages.
    page.get_by_test_id("offer-title").fill(TITLE)
    page.get_by_test_id("offer-body").fill("Two seats for any autumn concert, front stalls.")
    page.get_by_test_id("offer-expires-on").fill(local_day(-1))
    expect(card).to_contain_text(TITLE, timeout=10_000)
    page.get_by_test_id("wizard-next").click()
    expect(page.get_by_test_id("error-expires_on")).to_have_text(
        "The expiry date is in the past; choose today or a later day.", timeout=10_000
    )
    huge = tmp_path / "huge.png"
    huge.write_bytes(png(64, 64) + b"\0" * (6 * 1024 * 1024))
    upload(page, huge)
    expect(page.get_by_test_id("error-image")).to_contain_text(
        "The image is too large", timeout=30_000
    )
    expect(page.get_by_test_id("error-image")).to_contain_text("at most 5 MB")
    shot(page, "offer-wizard-step1-errors")
    picture = tmp_path / "autumn.png"
    picture.write_bytes(png(480, 240))
    upload(page, picture)
    expect(page.get_by_test_id("offer-image-preview")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("error-image")).to_have_count(0)
    page.get_by_test_id("offer-expires-on").fill(local_day(30))
    page.get_by_test_id("offer-terms").fill("One pass per customer. Not valid on galas.")
    expect(card.locator("img")).to_be_visible(timeout=10_000)
    expect(card).to_contain_text("One pass per customer")
    expect(page.get_by_test_id("error-expires_on")).to_have_count(0)
    shot(page, "offer-wizard-step1")
    page.get_by_test_id("wizard-next").click()
    expect(page.get_by_test_id("step-2")).to_have_attribute("data-current", "1", timeout=10_000)

    # Step 2: 150 percent and a javascript: link are refused; a 20% coupon goes through.
    page.get_by_test_id("offer-discount").fill("150")
    page.get_by_test_id("wizard-next").click()
    expect(page.get_by_test_id("error-discount")).to_have_text(
        "A percent discount is at most 100%.", timeout=10_000
    )
    shot(page, "offer-wizard-step2-errors")
    page.get_by_test_id("choice-online").click()
    page.get_by_test_id("offer-redemption-url").fill("javascript:alert(1)")
    page.get_by_test_id("offer-discount").fill("20")
    page.get_by_test_id("wizard-next").click()
    expect(page.get_by_test_id("error-url")).to_contain_text(
        "Enter a web address starting with https://", timeout=10_000
    )
    page.get_by_test_id("choice-coupon").click()
    page.get_by_test_id("offer-original-price").fill("120.00")
    code = page.get_by_test_id("offer-coupon-code").input_value()
    assert len(code) == 8
    expect(page.get_by_test_id("offer-qr")).to_be_visible()
    expect(card).to_contain_text("20% off", timeout=10_000)
    expect(card).to_contain_text("Usually $120.00")
    expect(phone.get_by_test_id("offer-coupon")).to_have_text(code)
    shot(page, "offer-wizard-step2")
    page.get_by_test_id("wizard-next").click()
    expect(page.get_by_test_id("step-3")).to_have_attribute("data-current", "1", timeout=10_000)

    # Step 3: available to the CSR's loop, then saved.
    page.get_by_test_id("choice-loop").click()
    expect(phone.get_by_test_id("offer-claim")).to_have_text("Get my code")
    shot(page, "offer-wizard-step3")
    page.get_by_test_id("wizard-save").click()
    expect(page.get_by_test_id("offer-saved")).to_contain_text(TITLE, timeout=30_000)
    with session_scope(running_app.database_url) as session:
        offer = session.exec(select(Offer).where(Offer.title == TITLE)).one()
        assert (offer.discount_kind, offer.discount_value, offer.original_price_minor) == (
            "percent",
            20,
            12000,
        )
        assert (offer.coupon_code, offer.visibility, offer.status) == (code, "loop", "published")
        assert offer.image_attachment_id is not None and offer.redemption_url == ""
        offer_id = offer.id
    expect(page.get_by_test_id("saved-blast")).to_have_attribute(
        "href", f"/blasts?offer={offer_id}"
    )
    shot(page, "offer-wizard-saved")

    # The list: the offer, then a copy, then the copy archived.
    page.get_by_test_id("saved-list").click()
    expect(page).to_have_url(path_is("/offers"), timeout=30_000)
    row = page.locator(f'[data-testid="offer-row"][data-title="{TITLE}"]')
    expect(row.get_by_test_id("offer-state")).to_have_text("Published", timeout=30_000)
    expect(row).to_contain_text("20% off")
    row.get_by_test_id("offer-duplicate").click()
    copy = page.locator(f'[data-testid="offer-row"][data-title="Copy of {TITLE}"]')
    expect(copy.get_by_test_id("offer-state")).to_have_text("Draft", timeout=30_000)
    shot(page, "offers-list")
    copy.get_by_test_id("offer-archive").click()
    page.get_by_test_id("archive-confirm").click()
    expect(copy).to_have_count(0, timeout=30_000)
    # Editing the published offer opens the wizard on its saved fields.
    row.get_by_test_id("offer-edit").click()
    expect(page).to_have_url(path_is(f"/offers/edit?offer={offer_id}"), timeout=30_000)
    expect(page.get_by_test_id("offer-title")).to_have_value(TITLE, timeout=30_000)
    page.get_by_test_id("offer-title").fill(f"{TITLE} (two seats)")
    page.get_by_test_id("wizard-next").click()
    expect(page.get_by_test_id("offer-coupon-code")).to_have_value(code, timeout=10_000)
    expect(page.get_by_test_id("offer-original-price")).to_have_value("120.00")
    page.get_by_test_id("wizard-next").click()
    page.get_by_test_id("wizard-save").click()
    expect(page.get_by_test_id("offer-saved")).to_contain_text("(two seats)", timeout=30_000)
    page.get_by_test_id("saved-list").click()
    row = page.locator(f'[data-testid="offer-row"][data-title="{TITLE} (two seats)"]')
    expect(row.get_by_test_id("offer-state")).to_have_text("Published", timeout=30_000)
    page.get_by_test_id("offers-search").fill("concert")
    expect(page.get_by_test_id("offer-row")).to_have_count(1, timeout=30_000)
    page.get_by_test_id("offers-filter").click()
    page.get_by_role("option", name="Archived", exact=True).click()
    expect(copy.get_by_test_id("offer-state")).to_have_text("Archived", timeout=30_000)
    assert errors == []
