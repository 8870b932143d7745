"""Bulk requests for payment from the payments page: a 500-row CSV with 5 bad rows creates
495 requests and reports the 5 (on screen and as a downloadable CSV).

The dialog (components/rfp_bulk.py) is placed on the payments page by that page's owner.
"""

from __future__ import annotations

import pandas as pd
from playwright.sync_api import expect

from interplat.models import Message, OutboxMessage, PaymentRequest
from tests.e2e.conftest import DESKTOP, log_in, shot
from tests.factories import rows
from tests.services.test_rfp_bulk import batch


def test_500_rows_with_5_bad_create_495_and_report_5(running_app, browser, tmp_path):
    source = tmp_path / "bills.csv"
    source.write_bytes(
        batch(500).replace(b"2026-07-01", b"2099-07-01").replace(b"2026-06-01", b"2020-06-01")
    )
    ctx = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    try:
        page = ctx.new_page()
        log_in(page, running_app, "priya@symphony.demo")
        page.goto(running_app.at("/payments"))
        page.get_by_test_id("rfp-bulk-open").click()
        dialog = page.get_by_test_id("rfp-bulk-dialog")
        page.locator("#rfp-csv input[type=file]").set_input_files(str(source))
        expect(dialog.get_by_test_id("rfp-bulk-summary")).to_have_text(
            "495 ready, 5 rejected.", timeout=30_000
        )
        expect(dialog.get_by_test_id("rfp-bulk-problem")).to_have_count(5)
        expect(dialog).to_contain_text("Ignored column: Notes.")
        expect(dialog).to_contain_text("Same invoice number as line 5")
        shot(page, "rfp-bulk-preview")
        with page.expect_download() as download:
            dialog.get_by_test_id("rfp-bulk-rejected").click()
        report = pd.read_csv(download.value.path(), dtype=str)
        assert report["line"].tolist() == ["9", "101", "252", "302", "501"]
        # Other tests share this app: compare with what was there before.
        before = {r.id for r in rows(running_app.database_url, PaymentRequest)}
        before_cards = {
            m.id for m in rows(running_app.database_url, Message, kind="payment_request")
        }
        page.wait_for_timeout(300)
        assert {r.id for r in rows(running_app.database_url, PaymentRequest)} == before
        dialog.get_by_test_id("rfp-bulk-create").click()
        expect(dialog.get_by_test_id("rfp-bulk-result")).to_contain_text(
            "Created 495 payment requests", timeout=60_000
        )
        shot(page, "rfp-bulk-done")
        created = {
            r.id
            for r in rows(running_app.database_url, PaymentRequest, status="sent")
            if r.id not in before
        }
        assert len(created) == 495
        # Each went by one channel: a demo customer with an open chat gets the card there.
        outbox = rows(running_app.database_url, OutboxMessage)
        by_link = {m.meta.get("payment_request_id") for m in outbox} & {str(i) for i in created}
        cards = [
            m
            for m in rows(running_app.database_url, Message, kind="payment_request")
            if m.id not in before_cards
        ]
        assert len(by_link) + len(cards) == 495
    finally:
        ctx.close()
