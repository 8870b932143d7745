"""The B2P API: token auth, validation, the opt-out rules, and the rate limit."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from interplat.api import b2p as b2p_api
from interplat.db import session_scope
from interplat.models import Message, Offer, OutboxMessage
from interplat.services import api_tokens, b2p, consent, enterprises, sms
from tests.factories import make_customer, make_enterprise, make_ticket

URL = "/api/v1/b2p/messages"


@pytest.fixture
def world(db_url, monkeypatch):
    monkeypatch.setattr(b2p_api, "_limiter", b2p.TokenBucket(capacity=3, per_second=0.001))
    with session_scope(db_url) as s:
        enterprise = make_enterprise(s)
        chatting = make_customer(s, enterprise, phone="+14155550101")
        make_ticket(s, enterprise, chatting)
        make_customer(s, enterprise, phone="+14155550102")  # no open chat: SMS
        left = make_customer(s, enterprise, phone="+14155550103")
        consent.set_marketing_choice(session=s, customer=left, opted_in=False, source="api")
        stopped = make_customer(s, enterprise, phone="+14155550104")
        sms.suppress(session=s, enterprise_id=enterprise.id, phone=stopped.phone)
        stranger = make_customer(s, make_enterprise(s), phone="+14155550105")
        offer = Offer(enterprise_id=enterprise.id, title="Deal", status="published")
        s.add(offer)
        listing = enterprises.default_listing(session=s, enterprise_id=enterprise.id)
        token = api_tokens.create_api_token(session=s, enterprise_id=enterprise.id, name="bo")
        ids = {
            "chatting": str(chatting.id),
            "stranger": str(stranger.id),
            "listing": str(listing.id),
            "offer": str(offer.id),
        }
    return {"Authorization": f"Bearer {token.secret}"}, ids


def test_needs_a_token(api, world):
    _, ids = world
    answer = api.post(URL, json={"listing": ids["listing"], "recipients": ["x"], "message": "hi"})
    assert answer.status_code == 401


def test_sends_under_the_opt_out_rules(api, world, db_url):
    headers, ids = world
    answer = api.post(
        URL,
        headers=headers,
        json={
            "listing": ids["listing"],
            "recipients": [
                ids["chatting"],
                "(415) 555-0102",
                "+14155550103",
                "+14155550104",
                ids["stranger"],
                "+14155550199",
            ],
            "message": "Your table is ready.",
            "offer": ids["offer"],
        },
    )
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [(r["status"], r["reason"]) for r in results] == [
        ("sent", ""),
        ("sent", ""),
        ("excluded", "left the loop"),
        ("excluded", "SMS STOP"),
        ("excluded", "unknown customer"),
        ("excluded", "unknown customer"),
    ]
    with session_scope(db_url) as s:
        card = s.get(Message, uuid.UUID(results[0]["message_id"]))
        assert card.kind == "offer" and str(card.customer_id) == ids["chatting"]
        [text] = s.exec(select(OutboxMessage)).all()
        assert text.to_address == "+14155550102" and "Your table is ready." in text.body


def test_bad_input_is_refused(api, world):
    headers, ids = world
    base = {"listing": ids["listing"], "recipients": [ids["chatting"]]}
    nothing = api.post(URL, headers=headers, json=base)
    assert (nothing.status_code, nothing.json()["error"]["field"]) == (400, "message")
    too_many = api.post(URL, headers=headers, json={**base, "recipients": ["1"] * 101})
    assert too_many.status_code == 400
    foreign = api.post(
        URL, headers=headers, json={**base, "listing": ids["chatting"], "message": "x"}
    )
    assert foreign.status_code == 404


def test_rate_limited_per_token(api, world):
    headers, ids = world
    body = {"listing": ids["listing"], "recipients": ["+14155550199"], "message": "hi"}
    codes = [api.post(URL, headers=headers, json=body).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = api.post(URL, headers=headers, json=body)
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.json()["error"]["code"] == "rate_limited"


def test_token_bucket_refills():
    bucket = b2p.TokenBucket(capacity=2, per_second=1)
    bucket.take("k", now=0)
    bucket.take("k", now=0)
    with pytest.raises(b2p.RateLimited) as limited:
        bucket.take("k", now=0.2)
    assert limited.value.retry_after == 1
    bucket.take("k", now=1.5)
    bucket.take("other", now=0.2)
