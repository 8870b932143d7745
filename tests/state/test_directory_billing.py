"""Linking a billing account from the directory, driven without a browser: wrong tries
are counted per browser session and lock the form; a right one remembers the customer
in the signed cookie and lists their bills."""

from __future__ import annotations

import functools

import pytest

from interplat import db
from interplat.services import chat_sessions
from interplat.state import directory as directory_module
from interplat.state.customer import CustomerChatState
from interplat.state.directory import DirectoryState
from tests.aio import run_coroutine
from tests.bills_data import send_bill
from tests.factories import make_customer, make_enterprise
from tests.state.drive import drive


@pytest.fixture
def biller(session, db_url, monkeypatch):
    monkeypatch.setattr(
        directory_module, "session_scope", functools.partial(db.session_scope, db_url)
    )
    ent = make_enterprise(session, brand_name="Northwind Gas")
    kim = make_customer(session, ent, external_id="NW-991", phone="+14155550991")
    send_bill(session, ent, kim, invoice="INV-7")
    return ent, kim


def _try(slug: str, check: str):
    async def step(s):
        s.open_link(slug, "Northwind Gas")
        await s.link_account({"account": "NW-991", "check": check})
        cookie = (await s.get_state(CustomerChatState)).chat_session
        return s.link_error, [b["invoice"] for b in s.bills], cookie

    return step


def test_a_right_answer_links_the_account_and_lists_its_bills(biller):
    ent, kim = biller
    steps = [_try(ent.slug, "0000"), _try(ent.slug, "0991")]
    wrong, right = run_coroutine(drive(DirectoryState, "", "", steps))
    assert wrong[0].startswith("We could not find an account") and wrong[1:] == ([], "")
    error, bills, cookie = right
    assert (error, bills) == ("", ["INV-7"])
    assert chat_sessions.remembered_customers(cookie) == [kim.id]


def test_five_wrong_tries_lock_the_form_even_for_the_right_answer(biller):
    ent, _ = biller
    steps = [_try(ent.slug, f"{n:04d}") for n in range(5)] + [_try(ent.slug, "0991")]
    seen = run_coroutine(drive(DirectoryState, "", "", steps))
    assert all(error.startswith("We could not find") for error, _, _ in seen[:5])
    error, bills, cookie = seen[5]
    assert error.startswith("Too many tries.") and "minutes" in error
    assert (bills, cookie) == ([], "")
