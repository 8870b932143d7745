"""The payments page's state driven without a browser: a tab only ever sees what its
session may see (its enterprise; a CSR their own requests), whatever the page sends."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

import pytest

from interplat import db
from interplat.services import auth
from interplat.services.messages import MessagePublic
from interplat.services.payment_detail import MarkerView
from interplat.state import auth as auth_state_module
from interplat.state import payment_detail as detail_state_module
from interplat.state import payments as payments_state_module
from interplat.state.payment_detail import PaymentDetailState, conversation_rows
from interplat.state.payments import PaymentsState
from tests.aio import run_coroutine
from tests.factories import PASSWORD, make_customer, make_enterprise, make_user
from tests.payments_data import make_payment, make_request
from tests.state.drive import drive


@pytest.fixture
def tenants(session, db_url, monkeypatch):
    scope = functools.partial(db.session_scope, db_url)
    for module in (auth_state_module, payments_state_module, detail_state_module):
        monkeypatch.setattr(module, "session_scope", scope)
    a, b = make_enterprise(session), make_enterprise(session)
    ana = make_user(session, a, email="ana@a.example", full_name="Ana Alder")
    al = make_user(session, a, full_name="Al Other")
    make_user(session, a, role="admin", email="adm@a.example")
    dana = make_customer(session, a, first_name="Dana")
    mine = make_request(session, dana, ana, 5000, status="paid", invoice="A-1")
    make_payment(session, mine)
    make_request(session, dana, al, 700, invoice="A-2")
    bee = make_customer(session, b, first_name="Dana")
    theirs = make_request(session, bee, make_user(session, b), 999, invoice="B-1")
    session.commit()
    tokens = {
        email: auth.log_in(session=session, email=email, password=PASSWORD, ttl_hours=1).token
        for email in ("ana@a.example", "adm@a.example")
    }
    session.commit()
    return {"a": a, "b": b, "mine": mine, "theirs": theirs, "tokens": tokens}


def test_a_csr_sees_their_own_requests_and_cannot_refund(tenants):
    async def load(s):
        await s.load()
        return [r["invoice"] for r in s.rows], s.totals, s.sees_everything

    async def other_tenant_detail(s):
        detail = await s.get_state(PaymentDetailState)
        await detail.show(str(tenants["theirs"].id))
        return detail.error, detail.head

    async def own_detail(s):
        detail = await s.get_state(PaymentDetailState)
        await detail.show(str(tenants["mine"].id))
        refused = [e async for e in detail.refund()]
        return detail.can_refund, detail.refund_error, len(refused)

    # The tab claims enterprise B: the handlers go by the session alone.
    loaded, theirs, own = run_coroutine(
        drive(PaymentsState, tenants["tokens"]["ana@a.example"], str(tenants["b"].id),
              [load, other_tenant_detail, own_detail])
    )  # fmt: skip
    rows, totals, everything = loaded
    assert rows == ["A-1"] and not everything
    assert totals == [{"currency": "USD", "requested": "$50.00", "paid": "$50.00",
                       "refunded": "$0.00", "outstanding": "$0.00"}]  # fmt: skip
    assert theirs == ("Payment request not found.", {})
    assert own[0] is False and own[1] == "Only owners and admins can refund payments."


def test_an_admin_sees_the_whole_enterprise_and_a_bad_filter_says_why(tenants):
    async def load(s):
        await s.load()
        return [r["invoice"] for r in s.rows], s.sees_everything

    async def bad_date(s):
        await s.set_date_from("yesterday")
        return s.error, s.rows

    loaded, bad = run_coroutine(
        drive(PaymentsState, tenants["tokens"]["adm@a.example"], str(tenants["a"].id),
              [load, bad_date])
    )  # fmt: skip
    assert loaded == (["A-2", "A-1"], True)
    assert bad == ("Give dates as YYYY-MM-DD.", [])


def _msg(n: int) -> MessagePublic:
    stamp = dt.datetime(2026, 5, 1, 12, n, tzinfo=dt.UTC).isoformat()
    return MessagePublic(id=f"m{n}", sender_kind="customer", sender_name="", kind="text",
                         body=f"line {n}", created_at=stamp)  # fmt: skip


def test_conversation_is_one_timeline_with_each_event_after_its_message():
    at = dt.datetime(2026, 5, 1, 12, 30, tzinfo=dt.UTC)
    sent = MarkerView("k1", "rfp_sent", at, [_msg(1), _msg(2)], [_msg(3), _msg(4)])
    paid = MarkerView("k2", "payment_succeeded", at, [_msg(3), _msg(4)], [_msg(5)])
    rows = conversation_rows([sent, paid], zoneinfo.ZoneInfo("UTC"))
    assert [r.get("body") or r["label"] for r in rows] == [
        "line 1", "line 2", "Request sent", "line 3", "line 4", "Payment received", "line 5",
    ]  # fmt: skip
    assert rows[0]["sender_name"] == "Customer"
