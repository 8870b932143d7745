import datetime as dt

import pytest

from interplat.db import session_scope
from interplat.models import utcnow
from interplat.services import api_tokens, auth, enterprises
from tests.factories import PASSWORD, make_enterprise, make_user


def _tenant(db_url, label):
    with session_scope(db_url) as s:
        enterprise = make_enterprise(s, brand_name=f"Brand {label}")
        make_user(s, enterprise, email=f"csr-{label}@example.com")
        listing = enterprises.default_listing(session=s, enterprise_id=enterprise.id)
        csr = auth.log_in(
            session=s, email=f"csr-{label}@example.com", password=PASSWORD, ttl_hours=1
        ).token
        api = api_tokens.create_api_token(session=s, enterprise_id=enterprise.id, name="x").secret
    return {
        "id": str(listing.id),
        "base": f"/api/v1/listings/{listing.id}",
        "csr": {"Authorization": f"Bearer {csr}"},
        "api": {"Authorization": f"Bearer {api}"},
    }


@pytest.fixture
def a(db_url):
    return _tenant(db_url, "a")


@pytest.fixture
def b(db_url):
    return _tenant(db_url, "b")


WEEK = {
    "timezone": "America/New_York",
    "intervals": [
        {"weekday": 0, "start": "09:00", "end": "12:00"},
        {"weekday": 0, "start": "13:00", "end": "17:30"},
        {"weekday": 4, "start": "10:00", "end": "24:00"},
    ],
}


def test_listings_and_schedule_round_trip(api, a):
    listings = api.get("/api/v1/listings", headers=a["csr"]).json()
    assert [item["id"] for item in listings] == [a["id"]]
    put = api.put(f"{a['base']}/schedule", headers=a["api"], json=WEEK)
    assert put.status_code == 200 and put.json() == WEEK
    assert api.get(f"{a['base']}/schedule", headers=a["csr"]).json() == WEEK


@pytest.mark.parametrize(
    "change,field",
    [
        ({"intervals": [{"weekday": 1, "start": "17:00", "end": "09:00"}]}, None),
        ({"intervals": [{"weekday": 1, "start": "9am", "end": "17:00"}]}, None),
        ({"intervals": [{"weekday": 7, "start": "09:00", "end": "17:00"}]}, "intervals.0.weekday"),
        ({"timezone": "Mars/Olympus"}, None),
    ],
)
def test_a_bad_schedule_changes_nothing(api, a, change, field):
    api.put(f"{a['base']}/schedule", headers=a["api"], json=WEEK)
    response = api.put(f"{a['base']}/schedule", headers=a["api"], json={**WEEK, **change})
    assert response.status_code == 400
    if field:
        assert response.json()["error"]["field"] == field
    assert api.get(f"{a['base']}/schedule", headers=a["api"]).json() == WEEK


def test_holidays(api, a):
    tomorrow = (utcnow() + dt.timedelta(days=2)).date().isoformat()
    made = api.post(
        f"{a['base']}/future-holidays",
        headers=a["api"],
        json={"day": tomorrow, "name": "Founders' day"},
    )
    assert made.status_code == 201 and set(made.json()) == {"id"}
    listed = api.get(f"{a['base']}/future-holidays", headers=a["csr"]).json()
    assert listed == [{"id": made.json()["id"], "day": tomorrow, "name": "Founders' day"}]
    assert (
        api.post(
            f"{a['base']}/future-holidays",
            headers=a["api"],
            json={"day": tomorrow, "name": "Again"},
        ).status_code
        == 409
    )
    past = api.post(
        f"{a['base']}/future-holidays", headers=a["api"], json={"day": "2020-01-01", "name": "Old"}
    )
    assert past.status_code == 400
    assert (
        api.delete(f"{a['base']}/future-holidays/{made.json()['id']}", headers=a["api"]).status_code
        == 204
    )
    assert api.get(f"{a['base']}/future-holidays", headers=a["csr"]).json() == []


AUTOMATED = {
    "messages": [
        {"kind": "welcome", "body": "Hi {first_name}!", "delay_seconds": 0, "enabled": True},
        {"kind": "inactivity", "body": "Still with you.", "delay_seconds": 120, "enabled": True},
        {"kind": "inactivity", "body": "Almost there.", "delay_seconds": 600, "enabled": True},
        {"kind": "after_hours", "body": "We are closed.", "delay_seconds": 0, "enabled": True},
    ]
}


def test_automated_messages_are_replaced_all_at_once_or_not_at_all(api, a):
    put = api.put(f"{a['base']}/automated", headers=a["api"], json=AUTOMATED)
    assert put.status_code == 200 and put.json() == AUTOMATED
    broken = {
        "messages": AUTOMATED["messages"][:2]
        + [{"kind": "offline", "body": "Hi {nickname}", "delay_seconds": 0, "enabled": True}]
    }
    response = api.put(f"{a['base']}/automated", headers=a["api"], json=broken)
    assert response.status_code == 400 and "nickname" in response.json()["error"]["message"]
    assert api.get(f"{a['base']}/automated", headers=a["csr"]).json() == AUTOMATED
    assert api.put(f"{a['base']}/automated", headers=a["csr"], json=AUTOMATED).status_code == 403


def test_availability_and_entry_links(api, a):
    got = api.get(f"{a['base']}/availability", headers=a["csr"]).json()
    assert got["available"] is False and got["reason"] in ("after_hours", "offline")
    first = api.get(f"{a['base']}/chat-sessions", headers=a["csr"]).json()
    again = api.get(f"{a['base']}/chat-sessions", headers=a["csr"]).json()
    assert first == again  # permanent, made once
    assert {e["channel"] for e in first} == {"website", "email", "qr", "social", "enterprise_app"}
    assert all(e["url"].endswith("/c/" + e["code"]) for e in first)


def test_another_enterprises_listing_is_not_found(api, a, b):
    for method, path, body in [
        ("get", "/schedule", None),
        ("put", "/schedule", WEEK),
        ("get", "/future-holidays", None),
        ("post", "/future-holidays", {"day": "2099-01-01", "name": "x"}),
        ("get", "/automated", None),
        ("put", "/automated", AUTOMATED),
        ("get", "/availability", None),
        ("get", "/chat-sessions", None),
    ]:
        response = api.request(method, b["base"] + path, json=body, headers=a["api"])
        assert response.status_code == 404, path
        assert "Brand b" not in response.text
    assert api.get(f"{b['base']}/automated", headers=b["api"]).json() == {"messages": []}


def test_abandonment_window_is_configurable(api, a):
    changed = api.patch(a["base"], headers=a["api"], json={"abandon_after_minutes": 90})
    assert changed.status_code == 200 and changed.json()["abandon_after_minutes"] == 90
    assert (
        api.patch(a["base"], headers=a["api"], json={"abandon_after_minutes": -1}).status_code
        == 400
    )
    assert api.patch(a["base"], headers=a["csr"], json={"name": "X"}).status_code == 403
    assert api.get("/api/v1/listings", headers=a["csr"]).json()[0]["abandon_after_minutes"] == 90


def test_the_automated_assistant_is_switched_on_named_and_checked(api, a, b):
    assert api.get("/api/v1/listings", headers=a["csr"]).json()[0]["assistant_enabled"] is False
    changed = api.patch(
        a["base"],
        headers=a["api"],
        json={"assistant_enabled": True, "assistant_name": "  Sunny   Bot "},
    )
    assert changed.status_code == 200
    assert (changed.json()["assistant_enabled"], changed.json()["assistant_name"]) == (
        True,
        "Sunny Bot",
    )
    for bad in (
        {"assistant_name": "   "},
        {"assistant_name": "x" * 61},
        {"assistant_name": "a\x00"},
    ):
        response = api.patch(a["base"], headers=a["api"], json={"assistant_enabled": False, **bad})
        assert response.status_code in (400, 422), bad
    # A refused change leaves everything as it was, the on/off switch included.
    listing = api.get("/api/v1/listings", headers=a["csr"]).json()[0]
    assert (listing["assistant_enabled"], listing["assistant_name"]) == (True, "Sunny Bot")
    assert (
        api.patch(a["base"], headers=a["csr"], json={"assistant_enabled": False}).status_code == 403
    )
    assert (
        api.patch(b["base"], headers=a["api"], json={"assistant_enabled": True}).status_code == 404
    )
    assert api.get("/api/v1/listings", headers=b["csr"]).json()[0]["assistant_enabled"] is False
