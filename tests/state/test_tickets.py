"""The tickets page's state driven without a browser: a CSR only ever sees their own
enterprise's tickets, whatever the page sends."""

from __future__ import annotations

import base64
import csv
import functools
import io

import pytest

from interplat import db
from interplat.models import TicketStatus
from interplat.services import auth, tickets
from interplat.state import auth as auth_state_module
from interplat.state import tickets as tickets_state_module
from interplat.state.tickets import PAGE_SIZE, TicketsState
from tests.aio import run_coroutine
from tests.factories import PASSWORD, make_customer, make_enterprise, make_user
from tests.state.drive import drive


@pytest.fixture
def tenants(session, db_url, monkeypatch):
    """Enterprise A (3 tickets) and B (PAGE_SIZE + 2 tickets, a customer named like A's);
    the states' database sessions open on the test database."""
    scope = functools.partial(db.session_scope, db_url)
    monkeypatch.setattr(auth_state_module, "session_scope", scope)
    monkeypatch.setattr(tickets_state_module, "session_scope", scope)
    a, b = make_enterprise(session), make_enterprise(session)
    csr_a = make_user(session, a, email="ana@a.example", full_name="Ana Alder")
    csr_b = make_user(session, b, email="bo@b.example", full_name="Bo Birch")
    mine = []
    for first in ("Dana", "Eli", "Fay"):
        customer = make_customer(session, a, first_name=first, last_name="Able")
        mine.append(
            tickets.open_ticket(
                session=session, enterprise_id=a.id, customer_id=customer.id, source="ivr"
            )[0]
        )
    tickets.assign_ticket(session=session, ticket=mine[0], user_id=csr_a.id)
    theirs = []
    for n in range(PAGE_SIZE + 2):
        customer = make_customer(session, b, first_name="Dana", last_name=f"Bee{n}")
        ticket, _ = tickets.open_ticket(
            session=session, enterprise_id=b.id, customer_id=customer.id, source="ivr"
        )
        tickets.assign_ticket(session=session, ticket=ticket, user_id=csr_b.id)
        tickets.end_ticket(session=session, ticket=ticket, outcome=TicketStatus.RESOLVED)
        theirs.append(ticket)
    session.commit()
    login = auth.log_in(session=session, email="ana@a.example", password=PASSWORD, ttl_hours=1)
    session.commit()
    return {
        "a": a,
        "b": b,
        "csr_b": csr_b,
        "token": login.token,
        "mine": {t.reference for t in mine},
        "theirs": {t.reference for t in theirs},
    }


def snapshot(state: TicketsState) -> dict:
    return {
        "refs": {r["reference"] for r in state.rows},
        "total": state.total,
        "label": state.range_label,
        "error": state.error,
    }


async def export_csv(state: TicketsState) -> list[dict[str, str]]:
    events = [e async for e in state.export() if e is not None]
    url = next(
        value._var_value
        for e in events
        for name, value in e.args
        if name._js_expr == "url" and str(value._var_value).startswith("data:text/csv")
    )
    content = base64.b64decode(url.split(",", 1)[1]).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(content)))


def test_a_csr_only_ever_sees_their_own_enterprises_tickets(tenants):
    async def load(s):
        await s.load()
        return snapshot(s)

    async def search_dana(s):
        await s.set_search("dana")
        return snapshot(s)

    async def their_csr(s):
        await s.set_search("")
        await s.set_assignee(str(tenants["csr_b"].id))
        return snapshot(s)

    async def resolved(s):
        await s.clear_filters()
        await s.set_status("resolved")
        return snapshot(s)

    async def next_page(s):
        await s.clear_filters()
        await s.next_page()
        return snapshot(s) | {"offset": s.offset}

    async def export_all(s):
        await s.clear_filters()
        return {r["reference"] for r in await export_csv(s)}

    # The tab claims to belong to enterprise B: the handlers go by the session alone.
    loaded, dana, by_their_csr, only_resolved, paged, exported = run_coroutine(
        drive(
            TicketsState,
            tenants["token"],
            str(tenants["b"].id),
            [load, search_dana, their_csr, resolved, next_page, export_all],
        )
    )
    mine = tenants["mine"]
    assert loaded == {"refs": mine, "total": 3, "label": "1–3 of 3", "error": ""}
    assert dana["refs"] == {r for r in mine if r.endswith("000001")} and dana["total"] == 1
    assert by_their_csr["refs"] == set() and by_their_csr["total"] == 0
    assert only_resolved["refs"] == set() and only_resolved["total"] == 0
    assert paged["refs"] == mine and paged["offset"] == 0  # no second page of 3 tickets
    assert exported == mine


def test_the_other_enterprise_sees_its_own_and_pages_through_them(tenants, session):
    login = auth.log_in(session=session, email="bo@b.example", password=PASSWORD, ttl_hours=1)
    session.commit()

    async def load(s):
        await s.load()
        return snapshot(s)

    async def next_page(s):
        await s.next_page()
        return snapshot(s) | {"has_next": s.has_next, "has_previous": s.has_previous}

    async def filtered(s):
        await s.set_search("bee1")  # a filter change goes back to the first page
        return snapshot(s) | {"offset": s.offset}

    first, second, bee1 = run_coroutine(
        drive(TicketsState, login.token, str(tenants["a"].id), [load, next_page, filtered])
    )
    total = PAGE_SIZE + 2
    assert first["total"] == total and first["label"] == f"1–{PAGE_SIZE} of {total}"
    assert second["label"] == f"{PAGE_SIZE + 1}–{total} of {total}"
    assert (second["has_next"], second["has_previous"]) == (False, True)
    assert first["refs"] | second["refs"] == tenants["theirs"]
    assert bee1["offset"] == 0 and bee1["total"] == len(
        [n for n in range(total) if str(n).startswith("1")]
    )
    assert bee1["refs"] <= tenants["theirs"]


def test_a_tab_without_a_live_session_gets_nothing_and_goes_to_login(tenants):
    async def load(s):
        event = await s.load()
        return snapshot(s) | {"redirect": event}

    (seen,) = run_coroutine(drive(TicketsState, "not-a-session", str(tenants["a"].id), [load]))
    assert seen["refs"] == set() and seen["total"] == 0
    assert "/login?next=/tickets" in str(seen["redirect"])


def test_a_bad_date_range_shows_the_services_message(tenants):
    async def dates(s):
        await s.load()
        await s.set_date_from("2026-03-02")
        await s.set_date_to("2026-03-01")
        return snapshot(s)

    (seen,) = run_coroutine(drive(TicketsState, tenants["token"], "", [dates]))
    assert seen["error"] == "The period ends before it starts." and seen["refs"] == set()
