"""The dashboard's state driven without a browser: a CSR's figures are always their own
enterprise's, whatever the tab claims; and the figures read as a person would say them."""

from __future__ import annotations

import datetime as dt
import functools

import pytest

from interplat import db
from interplat.models import TicketStatus
from interplat.services import auth, tickets
from interplat.state import auth as auth_state_module
from interplat.state import dashboard as dashboard_state_module
from interplat.state.auth import AuthState
from interplat.state.dashboard import (
    DashboardState,
    format_duration,
    format_percent,
    period_label,
)
from tests.aio import run_coroutine
from tests.factories import PASSWORD, make_customer, make_enterprise, make_user
from tests.state.drive import drive


@pytest.fixture
def tenants(session, db_url, monkeypatch):
    """Enterprise A: 2 website tickets, one picked up by Ana. Enterprise B: 5 resolved
    SMS tickets rated 5. The states' database sessions open on the test database."""
    scope = functools.partial(db.session_scope, db_url)
    monkeypatch.setattr(auth_state_module, "session_scope", scope)
    monkeypatch.setattr(dashboard_state_module, "session_scope", scope)
    a, b = make_enterprise(session), make_enterprise(session)
    ana = make_user(session, a, email="ana@a.example")
    bo = make_user(session, b, email="bo@b.example")
    for n in range(2):
        customer = make_customer(session, a)
        ticket, _ = tickets.open_ticket(
            session=session, enterprise_id=a.id, customer_id=customer.id, source="website"
        )
        if n == 0:
            tickets.assign_ticket(session=session, ticket=ticket, user_id=ana.id)
    for _ in range(5):
        customer = make_customer(session, b)
        ticket, _ = tickets.open_ticket(
            session=session, enterprise_id=b.id, customer_id=customer.id, source="sms"
        )
        tickets.assign_ticket(session=session, ticket=ticket, user_id=bo.id)
        tickets.end_ticket(session=session, ticket=ticket, outcome=TicketStatus.RESOLVED)
        tickets.rate_ticket(session=session, ticket=ticket, rating=5)
    session.commit()
    tokens = {
        email: auth.log_in(session=session, email=email, password=PASSWORD, ttl_hours=1).token
        for email in ("ana@a.example", "bo@b.example")
    }
    session.commit()
    return {"a": a, "b": b, "ana": ana, "bo": bo, "tokens": tokens}


def snapshot(state: DashboardState) -> dict:
    return {
        "total": state.summary.get("total"),
        "resolved": state.summary.get("resolved"),
        "satisfaction": state.summary.get("satisfaction"),
        "sources": [(s["key"], s["count"]) for s in state.sources],
        "chart_sources": [s["key"] for s in state.chart_sources],
        "activity": [a["kind"] for a in state.activity],
        "loaded": state.loaded,
        "viewer": state.viewer_id,
    }


async def load(state):
    await state.load()
    return snapshot(state)


async def year(state):
    follow_up = await state.set_period("year")
    assert follow_up == DashboardState.load
    await state.load()
    return snapshot(state) | {"granularity": state.granularity, "bars": len(state.chart)}


def test_a_csr_only_ever_sees_their_own_enterprises_figures(tenants):
    # Ana's tab claims to belong to enterprise B: the handlers go by the session alone.
    week, this_year = run_coroutine(
        drive(
            DashboardState, tenants["tokens"]["ana@a.example"], str(tenants["b"].id), [load, year]
        )
    )
    assert week == {
        "total": "2",
        "resolved": "0",
        "satisfaction": "—",
        "sources": [("website", "2")],
        "chart_sources": ["website"],
        "activity": ["assigned"],
        "loaded": True,
        "viewer": str(tenants["ana"].id),
    }
    assert this_year == week | {"granularity": "month", "bars": 12}

    (theirs,) = run_coroutine(
        drive(DashboardState, tenants["tokens"]["bo@b.example"], str(tenants["a"].id), [load])
    )
    assert (theirs["total"], theirs["resolved"], theirs["satisfaction"]) == ("5", "5", "100%")
    assert theirs["sources"] == [("sms", "5")]
    assert theirs["activity"] == ["assigned"] * 5  # the ends had no actor


def test_a_tab_without_a_live_session_gets_no_figures(tenants):
    (seen,) = run_coroutine(drive(DashboardState, "not-a-session", str(tenants["a"].id), [load]))
    assert seen["loaded"] is False and seen["total"] is None and seen["sources"] == []


def test_a_tab_whose_session_ends_drops_the_figures_it_held(tenants):
    async def session_ends(state):
        (await state.get_state(AuthState)).session_token = "revoked"
        return await load(state)

    held, dropped = run_coroutine(
        drive(DashboardState, tenants["tokens"]["ana@a.example"], "", [load, session_ends])
    )
    assert held["total"] == "2" and held["viewer"] == str(tenants["ana"].id)
    assert dropped == {
        "total": None,
        "resolved": None,
        "satisfaction": None,
        "sources": [],
        "chart_sources": [],
        "activity": [],
        "loaded": False,
        "viewer": "",
    }


def test_a_custom_period_without_dates_is_refused_with_a_message(tenants):
    async def custom(state):
        await state.set_period("custom")
        state.set_custom_start("")
        await state.load()
        return state.error

    (error,) = run_coroutine(
        drive(DashboardState, tenants["tokens"]["ana@a.example"], "", [custom])
    )
    assert error == "A custom period needs a start and an end date."


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "—"),
        (0, "0s"),
        (42.4, "42s"),
        (252, "4m 12s"),
        (3599.6, "1h 00m"),
        (3900, "1h 05m"),
        (86400 + 3 * 3600 + 59, "1d 03h"),
    ],
)
def test_durations_read_as_a_person_says_them(seconds, text):
    assert format_duration(seconds) == text


def test_percentages_and_period_labels():
    assert [format_percent(v) for v in (None, 50.0, 66.7, 100.0)] == ["—", "50%", "66.7%", "100%"]
    d = dt.date
    assert period_label(d(2026, 11, 16), d(2026, 11, 22), "week") == "Nov 16 – 22, 2026"
    assert period_label(d(2026, 11, 30), d(2026, 12, 6), "week") == "Nov 30 – Dec 6, 2026"
    assert period_label(d(2026, 12, 28), d(2027, 1, 3), "week") == "Dec 28, 2026 – Jan 3, 2027"
    assert period_label(d(2026, 11, 1), d(2026, 11, 30), "month") == "November 2026"
    assert period_label(d(2026, 1, 1), d(2026, 12, 31), "year") == "2026"
    assert period_label(d(2026, 3, 1), d(2026, 3, 1), "custom") == "Mar 1, 2026"
