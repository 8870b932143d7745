import uuid

import pytest

from interplat.db import session_scope
from interplat.services import api_tokens, auth, enterprises
from tests.factories import PASSWORD, make_enterprise, make_user


def _tenant(db_url, label):
    with session_scope(db_url) as s:
        enterprise = make_enterprise(s)
        make_user(s, enterprise, email=f"csr-{label}@example.com")
        listing = enterprises.default_listing(session=s, enterprise_id=enterprise.id)
        csr = auth.log_in(
            session=s, email=f"csr-{label}@example.com", password=PASSWORD, ttl_hours=1
        ).token
        api = api_tokens.create_api_token(session=s, enterprise_id=enterprise.id, name="x").secret
    return {
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


def test_canned_content_lifecycle(api, a):
    made = api.post(
        f"{a['base']}/canned-content",
        headers=a["api"],
        json={
            "title": "Opening hours",
            "shortcut": "/hours",
            "body": "We are open 9 to 5, Monday to Friday.",
        },
    )
    assert made.status_code == 201 and made.json()["shortcut"] == "hours"
    cid = made.json()["id"]
    listed = api.get(f"{a['base']}/canned-content?q=hours", headers=a["csr"]).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == cid
    replaced = api.put(
        f"{a['base']}/canned-content/{cid}",
        headers=a["api"],
        json={"title": "Hours", "body": "9–5"},
    )
    assert (replaced.json()["title"], replaced.json()["shortcut"]) == ("Hours", "")
    assert api.get(f"{a['base']}/canned-content/{cid}", headers=a["csr"]).json()["body"] == "9–5"
    assert api.delete(f"{a['base']}/canned-content/{cid}", headers=a["api"]).status_code == 204
    assert api.get(f"{a['base']}/canned-content/{cid}", headers=a["csr"]).status_code == 404


def test_csrs_read_content_but_cannot_change_it(api, a):
    response = api.post(
        f"{a['base']}/canned-content", headers=a["csr"], json={"title": "x", "body": "y"}
    )
    assert response.status_code == 403
    assert api.get(f"{a['base']}/canned-content", headers=a["csr"]).json()["total"] == 0


@pytest.mark.parametrize(
    "body,field",
    [
        ({"title": "", "body": "x"}, "title"),
        ({"title": "x", "body": ""}, "body"),
        ({"title": "x", "body": "y", "shortcut": "Bad Shortcut!"}, "shortcut"),
        ({"title": "x", "body": "y", "offer_id": str(uuid.uuid4())}, "offer_id"),
        ({"body": "y"}, "title"),
    ],
)
def test_bad_canned_bodies_are_refused(api, a, body, field):
    response = api.post(f"{a['base']}/canned-content", headers=a["api"], json=body)
    assert response.status_code == 400 and response.json()["error"]["field"] == field
    assert api.get(f"{a['base']}/canned-content", headers=a["api"]).json()["total"] == 0


def test_another_enterprises_listing_is_not_found(api, a, b):
    made = api.post(
        f"{b['base']}/canned-content", headers=b["api"], json={"title": "Secret", "body": "B only"}
    ).json()
    for method, url, body in [
        ("get", f"{b['base']}/canned-content", None),
        ("get", f"{b['base']}/canned-content/{made['id']}", None),
        ("get", f"{a['base']}/canned-content/{made['id']}", None),
        ("put", f"{b['base']}/canned-content/{made['id']}", {"title": "t", "body": "b"}),
        ("delete", f"{b['base']}/canned-content/{made['id']}", None),
        ("post", f"{b['base']}/assisted-rules", {"keywords": ["k"], "replies": ["r"]}),
        ("get", f"{b['base']}/assisted-rules", None),
        ("post", f"{b['base']}/suggestions", {"text": "secret"}),
    ]:
        response = api.request(method, url, json=body, headers=a["api"])
        assert response.status_code == 404, url
        assert "B only" not in response.text
    assert api.get(f"{b['base']}/canned-content/{made['id']}", headers=b["api"]).status_code == 200


def test_rules_order_and_suggestions(api, a):
    first = api.post(
        f"{a['base']}/assisted-rules",
        headers=a["api"],
        json={
            "name": "Refunds",
            "keywords": ["refund", "money back"],
            "replies": ["I can start a refund for you right away."],
        },
    ).json()
    second = api.post(
        f"{a['base']}/assisted-rules",
        headers=a["api"],
        json={"keywords": ["card"], "replies": ["Is the card lost or stolen?"]},
    ).json()
    api.post(
        f"{a['base']}/canned-content",
        headers=a["api"],
        json={"title": "Card replacement", "body": "A replacement card arrives in 5 days."},
    )
    got = api.post(
        f"{a['base']}/suggestions",
        headers=a["csr"],
        json={"text": "I want my money back for the card fee"},
    ).json()
    assert [s["source"] for s in got][:2] == ["rule", "rule"]
    assert got[0]["text"].startswith("I can start a refund")
    order = api.put(
        f"{a['base']}/assisted-rules/order",
        headers=a["api"],
        json={"rule_ids": [second["id"], first["id"]]},
    )
    assert [r["id"] for r in order.json()] == [second["id"], first["id"]]
    got = api.post(
        f"{a['base']}/suggestions",
        headers=a["csr"],
        json={"text": "I want my money back for the card fee"},
    ).json()
    assert got[0]["text"] == "Is the card lost or stolen?"
    assert any(s["source"] == "canned" for s in got)
    bad = api.put(
        f"{a['base']}/assisted-rules/{first['id']}",
        headers=a["api"],
        json={"keywords": [], "replies": ["x"]},
    )
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "keywords"
    assert (
        api.delete(f"{a['base']}/assisted-rules/{first['id']}", headers=a["api"]).status_code == 204
    )
    assert [r["id"] for r in api.get(f"{a['base']}/assisted-rules", headers=a["csr"]).json()] == [
        second["id"]
    ]
