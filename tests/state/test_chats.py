"""The chat workspace's state driven without a browser: a CSR never reads or writes another
enterprise's chats, whatever ticket id the page sends."""

from __future__ import annotations

import functools

import pytest
from sqlmodel import func, select

from interplat import db, realtime
from interplat.models import Message, SenderKind, Ticket
from interplat.services import auth, messages, tickets
from interplat.state import auth as auth_state_module
from interplat.state import chats as chats_state_module
from interplat.state import live as live_state_module
from interplat.state.auth import AuthState
from interplat.state.chats import ChatsState
from tests.aio import run_coroutine
from tests.factories import PASSWORD, make_enterprise, make_ticket, make_user
from tests.state.drive import drive


@pytest.fixture
def tenants(session, db_url, monkeypatch):
    scope = functools.partial(db.session_scope, db_url)
    for module in (auth_state_module, chats_state_module, live_state_module):
        monkeypatch.setattr(module, "session_scope", scope)
    a, b = make_enterprise(session), make_enterprise(session)
    ana = make_user(session, a, email="ana@a.example")
    bo = make_user(session, b, email="bo@b.example")
    mine, theirs = make_ticket(session, a), make_ticket(session, b)
    tickets.assign_ticket(session=session, ticket=mine, user_id=ana.id)
    tickets.assign_ticket(session=session, ticket=theirs, user_id=bo.id)
    messages.post_message(
        session=session, ticket=theirs, sender_kind=SenderKind.CUSTOMER, body="B's secret"
    )
    session.commit()
    login = auth.log_in(session=session, email="ana@a.example", password=PASSWORD, ttl_hours=1)
    session.commit()
    yield {"a": a, "b": b, "token": login.token, "mine": mine, "theirs": theirs}
    realtime.forget("")


def visible(state: ChatsState) -> str:
    return repr([state.chats, state.thread, state.customer, state.ticket, state.past])


def test_a_csr_never_sees_or_touches_another_enterprises_chat(tenants, db_url):
    theirs = str(tenants["theirs"].id)

    async def load(s):
        (await s.get_state(AuthState)).user_id = "set by the guard"
        await s.load()
        return [c["ticket_id"] for c in s.chats]

    async def open_theirs(s):
        await s.select(theirs)
        return s.selected, s.error, visible(s)

    async def reply_in_theirs(s):
        s.selected = theirs
        outcome = await s.send({"body": "hello from A"})
        return outcome

    async def close_theirs(s):
        s.selected = theirs
        return await s.end("resolved")

    async def their_event(s):
        s.selected = ""
        await s.apply_event("message.created", {"ticket_id": theirs})
        return visible(s)

    listed, opened, replied, closed, after_event = run_coroutine(
        drive(
            ChatsState,
            tenants["token"],
            str(tenants["b"].id),  # a forged enterprise id changes nothing
            [load, open_theirs, reply_in_theirs, close_theirs, their_event],
        )
    )
    assert listed == [str(tenants["mine"].id)]
    selected, error, shown = opened
    assert (selected, error) == ("", "Ticket not found.")
    assert "B's secret" not in shown and theirs not in shown
    for outcome in (replied, closed):
        assert "Ticket not found." in repr(outcome)
    assert "B's secret" not in after_event
    with db.session_scope(db_url) as s:
        bodies = s.exec(select(Message.body).where(Message.ticket_id == tenants["theirs"].id)).all()
        assert list(bodies) == ["B's secret"]
        assert (
            s.exec(
                select(func.count()).select_from(Message).where(Message.body == "hello from A")
            ).one()
            == 0
        )
        assert s.get(Ticket, tenants["theirs"].id).status == "assigned"  # still open
