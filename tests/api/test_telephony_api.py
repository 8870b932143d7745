"""IVR settings and phone numbers over REST: admins and API tokens only, per tenant."""

import pytest
from sqlmodel import select

from interplat.db import session_scope
from interplat.models import Enterprise, PhoneNumber
from interplat.services import api_tokens, auth
from tests.factories import PASSWORD, make_enterprise, make_user


def _tenant(db_url, label):
    with session_scope(db_url) as s:
        enterprise = make_enterprise(s, brand_name=f"Brand {label}")
        make_user(s, enterprise, email=f"csr-{label}@example.com")
        make_user(s, enterprise, role="admin", email=f"admin-{label}@example.com")
        tokens = {
            who: auth.log_in(
                session=s, email=f"{who}-{label}@example.com", password=PASSWORD, ttl_hours=1
            ).token
            for who in ("csr", "admin")
        }
        key = api_tokens.create_api_token(session=s, enterprise_id=enterprise.id, name="x").secret
    return {
        "id": enterprise.id,
        "csr": {"Authorization": f"Bearer {tokens['csr']}"},
        "admin": {"Authorization": f"Bearer {tokens['admin']}"},
        "api": {"Authorization": f"Bearer {key}"},
    }


@pytest.fixture
def a(db_url):
    return _tenant(db_url, "a")


@pytest.fixture
def b(db_url):
    return _tenant(db_url, "b")


def test_settings_start_from_the_defaults_and_patch_merges(api, a):
    got = api.get("/api/v1/ivr-settings", headers=a["admin"]).json()
    assert got["agent_mode"] == "dial" and "press 1" in got["greeting"]
    patched = api.patch(
        "/api/v1/ivr-settings",
        headers=a["api"],
        json={"agent_number": "+1 (415) 555-0100", "max_retries": 1},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["agent_number"] == "+14155550100"  # stored in E.164
    again = api.get("/api/v1/ivr-settings", headers=a["admin"]).json()
    assert (again["max_retries"], again["greeting"]) == (1, got["greeting"])


@pytest.mark.parametrize(
    "body,field",
    [
        ({"agent_number": "not a number"}, "agent_number"),
        ({"agent_mode": "shout"}, "agent_mode"),
        ({"max_retries": 9}, "max_retries"),
        ({"greeting": ""}, "greeting"),
        ({"greeting": "x" * 501}, "greeting"),
        ({"greeting": "hi\x00"}, "greeting"),
        ({"queue_name": "no spaces!"}, "queue_name"),
        ({"greeting": None}, "greeting"),
    ],
)
def test_bad_settings_are_refused_whole(api, db_url, a, body, field):
    response = api.patch(
        "/api/v1/ivr-settings", headers=a["admin"], json={"max_retries": 1, **body}
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["field"] == field
    with session_scope(db_url) as s:
        assert s.get(Enterprise, a["id"]).ivr_settings == {}


def test_csrs_cannot_read_or_change_telephony(api, a):
    assert api.get("/api/v1/ivr-settings", headers=a["csr"]).status_code == 403
    assert api.patch("/api/v1/ivr-settings", headers=a["csr"], json={}).status_code == 403
    assert api.get("/api/v1/phone-numbers", headers=a["csr"]).status_code == 403


def test_numbers_are_added_listed_and_removed_per_tenant(api, db_url, a, b):
    added = api.post(
        "/api/v1/phone-numbers",
        headers=a["admin"],
        json={"number": "+1 415 555 0199", "label": "Main", "purpose": "ivr"},
    )
    assert added.status_code == 201, added.text
    assert added.json()["number"] == "+14155550199"
    taken = api.post("/api/v1/phone-numbers", headers=b["admin"], json={"number": "+14155550199"})
    assert taken.status_code == 409  # a number answers for one enterprise only
    assert api.get("/api/v1/phone-numbers", headers=b["admin"]).json() == []
    number_id = added.json()["id"]
    assert api.delete(f"/api/v1/phone-numbers/{number_id}", headers=b["admin"]).status_code == 404
    assert [n["id"] for n in api.get("/api/v1/phone-numbers", headers=a["api"]).json()] == [
        number_id
    ]
    assert api.delete(f"/api/v1/phone-numbers/{number_id}", headers=a["admin"]).status_code == 204
    with session_scope(db_url) as s:
        assert s.exec(select(PhoneNumber)).all() == []


def test_a_bad_number_names_the_field(api, a):
    response = api.post("/api/v1/phone-numbers", headers=a["admin"], json={"number": "12"})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "number"
