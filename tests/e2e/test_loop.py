"""My loop as a CSR uses it: import 1,000 customers from CSV (10 bad rows), the rejected
report, add, edit, search, delete and export."""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import expect

from tests.e2e.conftest import log_in, path_is, shot

BAD_PHONES = {17: "555-12", 230: "", 401: "not a number", 512: "+1 (123) 456-7890",
              733: "12345", 901: "(628) 555-12345"}  # fmt: skip
DUPLICATES = {88: 3, 250: 40, 640: 41, 999: 500}  # row → the earlier row it repeats


def phone_of(n: int) -> str:
    return f"(628) 555-{n:04d}"


def loop_csv(path) -> None:
    """1,000 customers: 6 with bad phone numbers and 4 repeating an earlier row's phone."""
    lines = ["First Name,Last Name,Mobile,Email,Tags,Favourite colour"]
    for n in range(1000):
        phone = BAD_PHONES.get(n, phone_of(DUPLICATES.get(n, n)))
        lines.append(f"Imported{n:04d},Loopson,{phone},c{n}@example.com,csv;spring,blue")
    path.write_text("\n".join(lines) + "\n")


def total_of(page) -> int:
    text = page.get_by_test_id("loop-range").inner_text()
    return int(re.search(r"of ([\d,]+)", text).group(1).replace(",", ""))


def test_a_csr_imports_a_csv_and_manages_the_loop(running_app, desktop, tmp_path):
    page = desktop.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, running_app, "priya@symphony.demo")
    page.get_by_test_id("nav-loop").click()
    expect(page).to_have_url(path_is("/loop"), timeout=30_000)
    expect(page.get_by_test_id("loop-add")).to_be_visible(timeout=30_000)
    page.wait_for_timeout(1500)
    before = total_of(page) if page.get_by_test_id("loop-range").count() else 0

    source = tmp_path / "customers.csv"
    loop_csv(source)
    page.get_by_test_id("loop-import").click()
    page.locator("#loop-csv input[type=file]").set_input_files(str(source))
    summary = page.get_by_test_id("loop-import-summary")
    expect(summary).to_have_text(
        "990 ready, 10 rejected: 6 bad phone numbers, 4 duplicates", timeout=60_000
    )
    expect(page.get_by_text("Ignored column: Favourite colour.")).to_be_visible()
    rejected_rows = page.locator('[data-testid="loop-preview-row"][data-status="rejected"]')
    expect(rejected_rows).to_have_count(10)
    expect(rejected_rows.filter(has_text=re.compile(r"Same phone as line 5$"))).to_have_count(1)
    shot(page, "loop-import-preview")

    with page.expect_download(timeout=30_000) as download_info:
        page.get_by_test_id("loop-import-rejected").click()
    with open(download_info.value.path(), encoding="utf-8-sig", newline="") as handle:
        report = list(csv.DictReader(handle))
    assert len(report) == 10
    assert {r["problem"].split(":")[0].split(" line")[0] for r in report} >= {
        "Not a valid phone number",
        "Same phone as",
        "No phone number",
    }
    assert report[0]["Favourite colour"] == "blue"

    page.get_by_test_id("loop-import-run").click()
    expect(page.get_by_test_id("loop-import-result")).to_have_text(
        re.compile(r"Imported 990 customers\. 10 rejected rows were left out\."), timeout=60_000
    )
    shot(page, "loop-import-done")
    page.get_by_test_id("loop-import-close").click()
    range_label = page.get_by_test_id("loop-range")
    expect(range_label).to_have_text(re.compile(rf"of {before + 990:,}$"), timeout=30_000)
    shot(page, "loop-table")

    # Add, search, edit, delete one customer.
    page.get_by_test_id("loop-add").click()
    page.get_by_test_id("loop-form-phone").fill("12")
    page.get_by_test_id("loop-form-first_name").fill("Zelda")
    page.get_by_test_id("loop-form-last_name").fill("Quarry")
    page.get_by_test_id("loop-save").click()
    expect(page.get_by_test_id("loop-form-error")).to_have_text(
        "That phone number is not valid.", timeout=30_000
    )
    page.get_by_test_id("loop-form-phone").fill("(628) 555-7777")
    page.get_by_test_id("loop-form-tags").fill("vip; new")
    page.get_by_test_id("loop-save").click()
    expect(range_label).to_have_text(re.compile(rf"of {before + 991:,}$"), timeout=30_000)

    page.get_by_test_id("loop-search").fill("quarry")
    expect(range_label).to_have_text("1–1 of 1", timeout=30_000)
    row = page.get_by_test_id("loop-row")
    expect(row).to_contain_text("+16285557777")
    expect(row).to_contain_text("vip")
    row.get_by_test_id("loop-edit").click()
    page.get_by_test_id("loop-form-last_name").fill("Quarry-Smith")
    page.get_by_test_id("loop-save").click()
    expect(page.get_by_test_id("loop-name")).to_have_text("Zelda Quarry-Smith", timeout=30_000)
    shot(page, "loop-search-edit")

    page.get_by_test_id("loop-delete").click()
    page.get_by_test_id("loop-delete-confirm").click()
    expect(page.get_by_text("Nobody matches")).to_be_visible(timeout=30_000)
    page.get_by_test_id("loop-search").fill("")
    expect(range_label).to_have_text(re.compile(rf"of {before + 990:,}$"), timeout=30_000)

    page.get_by_test_id("loop-search").fill("Imported002")
    expect(range_label).to_have_text(re.compile(r"of 10$"), timeout=30_000)
    with page.expect_download(timeout=30_000) as download_info:
        page.get_by_test_id("loop-export").click()
    with open(download_info.value.path(), encoding="utf-8-sig", newline="") as handle:
        exported = list(csv.DictReader(io.StringIO(handle.read())))
    assert len(exported) == 10
    assert {r["tags"] for r in exported} == {"csv; spring"}
    assert all(r["phone"].startswith("+1628555") for r in exported)

    page.set_viewport_size({"width": 768, "height": 1000})
    page.get_by_test_id("loop-search").fill("")
    expect(range_label).to_have_text(re.compile(rf"of {before + 990:,}$"), timeout=30_000)
    shot(page, "loop-table-768")
    assert not errors
