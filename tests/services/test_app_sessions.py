"""A caller with the customer app open gets the chat there; the SMS is the fallback."""

import datetime as dt

import pytest
from sqlmodel import select

from interplat.models import AppSession, OutboxMessage, OutboxStatus, ShortLink
from interplat.services import app_sessions, call_to_chat, customer_chat, sms, telephony
from interplat.services.errors import NotAuthenticated
from tests.factories import make_enterprise

T0 = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
CALLER = "+14155550132"
BASE = "https://chat.example.com"


def start(session, enterprise, now=T0):
    result = call_to_chat.start_chat_from_call(
        session=session, enterprise_id=enterprise.id, caller=CALLER, base_url=BASE, now=now
    )
    session.commit()
    return result


def deliver(session, now):
    return sms.deliver_due(
        session=session, gateway=telephony.DevOutboxGateway(), from_number="", now=now
    )


def test_only_the_token_hash_is_stored_and_touch_returns_the_phone(session):
    opened = app_sessions.open_app_session(session=session, phone="(415) 555-0132", now=T0)
    row = session.exec(select(AppSession)).one()
    assert row.token_hash != opened.token and opened.token not in row.token_hash
    assert app_sessions.touch_app_session(session=session, token=opened.token, now=T0) == CALLER
    app_sessions.revoke_app_session(session=session, token=opened.token, now=T0)
    with pytest.raises(NotAuthenticated):
        app_sessions.touch_app_session(session=session, token=opened.token, now=T0)


def test_without_the_app_the_link_goes_by_sms_at_once(session):
    result = start(session, make_enterprise(session))
    assert not result.in_app
    assert deliver(session, T0) == 1


def test_an_open_app_gets_a_pending_chat_and_the_sms_waits(session):
    enterprise = make_enterprise(session, brand_name="Symphony Financial")
    token = app_sessions.open_app_session(session=session, phone=CALLER, now=T0).token
    result = start(session, enterprise, now=T0 + dt.timedelta(minutes=1))
    assert result.in_app and result.sms_id is not None
    (pending,) = app_sessions.pending_chats(session=session, token=token, now=T0)
    assert (pending.code, pending.brand_name, pending.reference) == (
        result.link_code,
        "Symphony Financial",
        result.reference,
    )
    assert deliver(session, T0 + dt.timedelta(minutes=2)) == 0  # held back
    # Never opened in the app: the SMS goes after the fallback delay.
    assert deliver(session, T0 + dt.timedelta(minutes=3, seconds=1)) == 1
    assert session.exec(select(OutboxMessage)).one().status == OutboxStatus.DELIVERED


def test_opening_the_pending_chat_cancels_the_fallback_sms(session):
    enterprise = make_enterprise(session)
    token = app_sessions.open_app_session(session=session, phone=CALLER, now=T0).token
    result = start(session, enterprise, now=T0)
    view = customer_chat.load_chat(session=session, code=result.link_code, now=T0)
    session.commit()
    assert view.state == "ok"
    assert app_sessions.pending_chats(session=session, token=token, now=T0) == []
    assert deliver(session, T0 + dt.timedelta(hours=1)) == 0
    row = session.exec(select(OutboxMessage)).one()
    assert row.status == OutboxStatus.CANCELED


def test_an_app_last_seen_long_ago_does_not_count(session):
    enterprise = make_enterprise(session)
    app_sessions.open_app_session(session=session, phone=CALLER, now=T0)
    result = start(session, enterprise, now=T0 + app_sessions.ACTIVE_WINDOW * 2)
    assert not result.in_app
    link = session.exec(select(ShortLink)).one()
    assert link.channel == "sms"


def test_pending_chats_are_the_callers_own(session):
    enterprise = make_enterprise(session)
    app_sessions.open_app_session(session=session, phone=CALLER, now=T0)
    other = app_sessions.open_app_session(session=session, phone="+14155550147", now=T0).token
    start(session, enterprise, now=T0)
    assert app_sessions.pending_chats(session=session, token=other, now=T0) == []
