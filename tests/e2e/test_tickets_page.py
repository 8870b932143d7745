"""The tickets page as a CSR uses it: the list, filters, search, paging and the CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from dataclasses import replace

import pytest
from playwright.sync_api import expect

from interplat.db import session_scope
from interplat.models import Channel, TicketStatus, utcnow
from interplat.services import (
    customers,
    enterprises,
    ticket_export,
    ticket_list,
    tickets,
    users,
)
from interplat.state.tickets import PAGE_SIZE
from tests.e2e.conftest import log_in, path_is, shot

Q = ticket_list.TicketQuery
OLD_TICKETS = PAGE_SIZE  # with the demo's own, enough for a second page


@pytest.fixture(scope="module")
def symphony(running_app):
    """Symphony's older, resolved tickets (none waiting, so the queue figures other tests
    check stay as they are)."""
    with session_scope(running_app.database_url) as session:
        enterprise = enterprises.find_enterprise_by_slug(session=session, slug="symphony")
        assert enterprise is not None
        now = utcnow()
        for n in range(OLD_TICKETS):
            customer, _ = customers.find_or_create_customer(
                session=session,
                enterprise_id=enterprise.id,
                phone=f"+1415555{7000 + n}",
                first_name="Archie",
                last_name=f"Older{n:02d}",
            )
            ticket, _ = tickets.open_ticket(
                session=session,
                enterprise_id=enterprise.id,
                customer_id=customer.id,
                source=Channel.WEBSITE,
                now=now - dt.timedelta(days=3 + n),
            )
            tickets.end_ticket(
                session=session,
                ticket=ticket,
                outcome=TicketStatus.RESOLVED,
                now=now - dt.timedelta(days=3 + n, minutes=-20),
            )
        team = users.list_team(session=session, enterprise_id=enterprise.id)
        return enterprise.id, enterprise.timezone, {m.full_name: m.user_id for m in team}


def expected(running_app, symphony, query=Q()):
    """What the service finds for ``query`` (its own tests check it against the rows)."""
    enterprise_id = symphony[0]
    with session_scope(running_app.database_url) as session:
        filters = ticket_list.filters_from_query(
            session=session, enterprise_id=enterprise_id, query=query
        )
        found = ticket_list.newest_tickets(
            session=session, enterprise_id=enterprise_id, filters=filters, limit=1000
        )
    return [t.reference for t in found]


def shown(page) -> list[str]:
    return page.get_by_test_id("ticket-row").evaluate_all(
        "rows => rows.map(r => r.dataset.reference)"
    )


def choose(page, testid: str, option: str) -> None:
    page.get_by_test_id(testid).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_a_csr_lists_filters_searches_pages_and_exports_tickets(running_app, desktop, symphony):
    page = desktop.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, running_app, "priya@symphony.demo")
    page.get_by_test_id("nav-tickets").click()
    expect(page).to_have_url(path_is("/tickets"), timeout=30_000)

    everything = expected(running_app, symphony)
    total = len(everything)
    assert total > PAGE_SIZE
    range_label = page.get_by_test_id("tickets-range")
    expect(range_label).to_have_text(f"1–{PAGE_SIZE} of {total}", timeout=30_000)
    assert shown(page) == everything[:PAGE_SIZE]
    dana = page.locator('[data-testid="ticket-row"]', has_text="Dana Whitfield")
    expect(dana.get_by_test_id("ticket-status")).to_have_text("Waiting")
    expect(page.get_by_test_id("tickets-previous")).to_be_disabled()
    href = dana.get_by_test_id("ticket-reference").get_attribute("href") or ""
    assert href.startswith("/chats?ticket=") and len(href) == len("/chats?ticket=") + 36
    shot(page, "tickets-page")

    page.get_by_test_id("tickets-next").click()
    expect(range_label).to_have_text(f"{PAGE_SIZE + 1}–{total} of {total}", timeout=30_000)
    assert shown(page) == everything[PAGE_SIZE:]
    expect(page.get_by_test_id("tickets-next")).to_be_disabled()
    page.get_by_test_id("tickets-previous").click()
    expect(range_label).to_have_text(f"1–{PAGE_SIZE} of {total}", timeout=30_000)

    # A filter goes back to the first page.
    page.get_by_test_id("tickets-next").click()
    expect(range_label).to_have_text(f"{PAGE_SIZE + 1}–{total} of {total}", timeout=30_000)
    choose(page, "filter-status", "Waiting")
    waiting = expected(running_app, symphony, Q(status="waiting"))
    expect(range_label).to_have_text(f"1–{len(waiting)} of {len(waiting)}", timeout=30_000)
    assert shown(page) == waiting and waiting
    statuses = page.get_by_test_id("ticket-row").evaluate_all("rs => rs.map(r => r.dataset.status)")
    assert set(statuses) == {"waiting"}

    page.get_by_test_id("filters-clear").click()
    expect(range_label).to_have_text(f"1–{PAGE_SIZE} of {total}", timeout=30_000)
    page.get_by_test_id("tickets-search").fill("whitfield")
    expect(range_label).to_have_text("1–1 of 1", timeout=30_000)
    expect(page.get_by_test_id("ticket-customer")).to_have_text("Dana Whitfield")
    reference = everything[-1]  # one of the older tickets, by its reference
    page.get_by_test_id("tickets-search").fill(reference.lower())
    expect(page.get_by_test_id("ticket-reference")).to_have_text(reference, timeout=30_000)
    expect(range_label).to_have_text("1–1 of 1")

    page.get_by_test_id("tickets-search").fill("nobody by this name")
    expect(page.get_by_text("No tickets match")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("tickets-export")).to_be_disabled()
    shot(page, "tickets-no-match")
    page.get_by_test_id("tickets-empty-clear").click()
    expect(range_label).to_have_text(f"1–{PAGE_SIZE} of {total}", timeout=30_000)
    expect(page.get_by_test_id("tickets-search")).to_have_value("")

    # Carlos's tickets since yesterday on Symphony's own calendar, then the resolved ones.
    enterprise_id, zone, team = symphony
    yesterday = (utcnow().astimezone(zoneinfo.ZoneInfo(zone)) - dt.timedelta(days=1)).date()
    choose(page, "filter-csr", "Carlos Rivera")
    page.get_by_test_id("filter-from").fill(yesterday.isoformat())
    carlos = Q(assignee_id=team["Carlos Rivera"], date_from=yesterday.isoformat())
    his = expected(running_app, symphony, carlos)
    assert len(his) >= 2
    expect(range_label).to_have_text(f"1–{len(his)} of {len(his)}", timeout=30_000)
    assert shown(page) == his
    assert set(page.get_by_test_id("ticket-csr").all_inner_texts()) == {"Carlos Rivera"}
    shot(page, "tickets-filtered")

    choose(page, "filter-status", "Resolved")
    exported_refs = expected(running_app, symphony, replace(carlos, status="resolved"))
    n = len(exported_refs)
    assert 0 < n < len(his)
    expect(range_label).to_have_text(f"1–{n} of {n}", timeout=30_000)
    with page.expect_download(timeout=30_000) as download_info:
        page.get_by_test_id("tickets-export").click()
    download = download_info.value
    assert download.suggested_filename.startswith("tickets-")
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig", newline="") as handle:
        text = handle.read()
    assert next(csv.reader(io.StringIO(text))) == list(ticket_export.COLUMNS)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["reference"] for r in rows] == exported_refs
    assert {(r["status"], r["csr"]) for r in rows} == {("resolved", "Carlos Rivera")}
    assert rows[0]["rating"] == "5" and rows[0]["rating_comment"] == "Quick and friendly."
    assert all(r["created_at"].endswith("Z") for r in rows)
    assert all(r["customer_phone"].startswith("'+1") for r in rows)
    expect(page.get_by_text(f"Exported {n} ticket")).to_be_visible(timeout=30_000)
    assert errors == []


def test_the_list_is_only_the_csrs_enterprises(running_app, desktop, symphony):
    page = desktop.new_page()
    log_in(page, running_app, "tina@ticket4me.demo")
    page.goto(running_app.at("/tickets"))
    with session_scope(running_app.database_url) as session:
        ticket4me = enterprises.find_enterprise_by_slug(session=session, slug="ticket4me")
        assert ticket4me is not None
        theirs = ticket_list.newest_tickets(
            session=session,
            enterprise_id=ticket4me.id,
            filters=ticket_list.TicketFilters(),
            limit=100,
        )
    n = len(theirs)
    expect(page.get_by_test_id("tickets-range")).to_have_text(f"1–{n} of {n}", timeout=30_000)
    assert shown(page) == [t.reference for t in theirs]
    assert all(ref.startswith("T4M-") for ref in shown(page))
    page.get_by_test_id("tickets-search").fill("Archie")  # Symphony's customers
    expect(page.get_by_text("No tickets match")).to_be_visible(timeout=30_000)
