import uuid
from dataclasses import dataclass

import pytest

from interplat.db import session_scope
from interplat.services import api_tokens, auth, customers, tickets
from tests.factories import PASSWORD, make_enterprise, make_user

V1 = "/api/v1/tickets"


@dataclass
class Tenant:
    enterprise_id: uuid.UUID
    csr_id: uuid.UUID
    other_csr_id: uuid.UUID
    csr: dict
    admin: dict
    api: dict
    ticket_id: uuid.UUID
    customer_id: uuid.UUID


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def _tenant(db_url, label) -> Tenant:
    with session_scope(db_url) as s:
        enterprise = make_enterprise(s, brand_name=f"Brand {label}")
        csr = make_user(s, enterprise, email=f"csr-{label}@example.com")
        other = make_user(s, enterprise, email=f"csr2-{label}@example.com")
        make_user(s, enterprise, role="admin", email=f"admin-{label}@example.com")
        customer, _ = customers.find_or_create_customer(
            session=s, enterprise_id=enterprise.id, phone="+14155550132", first_name=label
        )
        ticket, _ = tickets.open_ticket(
            session=s, enterprise_id=enterprise.id, customer_id=customer.id, source="ivr"
        )
        tokens = {
            role: auth.log_in(
                session=s, email=f"{role}-{label}@example.com", password=PASSWORD, ttl_hours=1
            ).token
            for role in ("csr", "admin")
        }
        api = api_tokens.create_api_token(session=s, enterprise_id=enterprise.id, name="bo").secret
        return Tenant(
            enterprise.id,
            csr.id,
            other.id,
            _bearer(tokens["csr"]),
            _bearer(tokens["admin"]),
            _bearer(api),
            ticket.id,
            customer.id,
        )


@pytest.fixture
def a(db_url):
    return _tenant(db_url, "a")


@pytest.fixture
def b(db_url):
    return _tenant(db_url, "b")


ROUTES = [
    ("get", V1, None),
    ("get", f"{V1}/count", None),
    ("get", f"{V1}/counters", None),
    ("get", f"{V1}/in-thread?customer_id={uuid.UUID(int=1)}", None),
    ("get", f"{V1}/current?customer_id={uuid.UUID(int=1)}", None),
    ("get", f"{V1}/{uuid.UUID(int=1)}", None),
    ("post", V1, {"customer": {"phone": "4155550100"}}),
    ("post", f"{V1}/pull", {}),
    ("post", f"{V1}/{uuid.UUID(int=1)}/assign", {"csr_id": str(uuid.UUID(int=1))}),
    ("post", f"{V1}/{uuid.UUID(int=1)}/release", None),
    ("post", f"{V1}/{uuid.UUID(int=1)}/end", {"outcome": "resolved"}),
    ("post", f"{V1}/{uuid.UUID(int=1)}/rate", {"rating": 5}),
]


@pytest.mark.parametrize("method,url,body", ROUTES)
@pytest.mark.parametrize(
    "headers",
    [{}, _bearer("garbage"), _bearer("ipk_garbage"), {"Authorization": "Basic Zm9vOmJhcg=="}],
)
def test_every_route_needs_a_valid_token_before_anything_else(api, method, url, body, headers):
    response = api.request(method, url, json=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_create_then_the_same_customer_gets_the_open_ticket_back(api, a):
    body = {"customer": {"phone": "+1 (415) 555-0199", "first_name": "Nia"}, "source": "ivr"}
    first = api.post(V1, json=body, headers=a.api)
    again = api.post(V1, json=body, headers=a.csr)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["customer_name"] == "Nia" and first.json()["status"] == "waiting"
    assert first.json()["customer_phone"] == "+14155550199"
    by_id = api.post(V1, json={"customer_id": str(a.customer_id)}, headers=a.csr)
    assert by_id.status_code == 200 and by_id.json()["id"] == str(a.ticket_id)


@pytest.mark.parametrize(
    "body,field",
    [
        ({}, "customer"),
        ({"customer": {"phone": "12"}}, "phone"),
        ({"customer": {"phone": "4155550100"}, "source": "pigeon"}, "source"),
        ({"customer_id": "not-a-uuid"}, "customer_id"),
        ({"customer": {"phone": "4155550100"}, "client_app": "x" * 101}, "client_app"),
    ],
)
def test_create_refuses_bad_bodies_naming_the_field(api, a, body, field):
    response = api.post(V1, json=body, headers=a.api)
    assert response.status_code == 400
    assert field in response.json()["error"]["field"]
    assert api.get(f"{V1}/count", headers=a.api).json() == {"count": 1}


def test_another_enterprises_ids_are_not_found_and_leak_nothing(api, a, b):
    for method, url, body in [
        ("get", f"{V1}/{b.ticket_id}", None),
        ("post", f"{V1}/{b.ticket_id}/assign", {"csr_id": str(a.csr_id)}),
        ("post", f"{V1}/{b.ticket_id}/release", None),
        ("post", f"{V1}/{b.ticket_id}/end", {"outcome": "resolved"}),
        ("post", f"{V1}/{b.ticket_id}/rate", {"rating": 4}),
        ("get", f"{V1}/current?customer_id={b.customer_id}", None),
        ("get", f"{V1}/in-thread?customer_id={b.customer_id}", None),
        ("post", V1, {"customer_id": str(b.customer_id)}),
    ]:
        response = api.request(method, url, json=body, headers=a.api)
        assert response.status_code == 404, url
        assert "Brand b" not in response.text and str(b.ticket_id) not in response.text
    # and nothing of B's changed
    assert api.get(f"{V1}/{b.ticket_id}", headers=b.api).json()["status"] == "waiting"
    assign_b_csr = api.post(
        f"{V1}/{a.ticket_id}/assign", json={"csr_id": str(b.csr_id)}, headers=a.api
    )
    assert assign_b_csr.status_code == 400
    assert api.get(V1, headers=a.api).json()["total"] == 1


def test_pull_assign_release_end_rate_journey(api, a):
    assert api.post(f"{V1}/pull", json={}, headers=a.api).status_code == 400  # whose pull?
    pulled = api.post(f"{V1}/pull", headers=a.csr)
    assert pulled.status_code == 200
    assert pulled.json()["id"] == str(a.ticket_id)
    assert pulled.json()["assignee_id"] == str(a.csr_id)
    assert api.post(f"{V1}/pull", headers=a.csr).status_code == 204

    forwarded = api.post(
        f"{V1}/{a.ticket_id}/assign", json={"csr_id": str(a.other_csr_id)}, headers=a.csr
    )
    assert forwarded.json()["assignee_id"] == str(a.other_csr_id)
    released = api.post(f"{V1}/{a.ticket_id}/release", headers=a.csr)
    assert released.json()["status"] == "waiting" and released.json()["assignee_id"] is None
    assert api.post(f"{V1}/{a.ticket_id}/release", headers=a.csr).status_code == 409

    by_api = api.post(f"{V1}/pull", json={"csr_id": str(a.other_csr_id)}, headers=a.api)
    assert by_api.json()["assignee_id"] == str(a.other_csr_id)
    assert (
        api.post(f"{V1}/{a.ticket_id}/rate", json={"rating": 5}, headers=a.api).status_code == 409
    )
    ended = api.post(f"{V1}/{a.ticket_id}/end", json={"outcome": "resolved"}, headers=a.csr)
    assert ended.json()["status"] == "resolved" and ended.json()["resolved_at"]
    assert (
        api.post(f"{V1}/{a.ticket_id}/end", json={"outcome": "resolved"}, headers=a.csr).status_code
        == 409
    )
    assert (
        api.post(f"{V1}/{a.ticket_id}/rate", json={"rating": 5}, headers=a.csr).status_code == 403
    )
    assert (
        api.post(f"{V1}/{a.ticket_id}/rate", json={"rating": 9}, headers=a.api).status_code == 400
    )
    rated = api.post(f"{V1}/{a.ticket_id}/rate", json={"rating": 4, "comment": "ok"}, headers=a.api)
    assert (rated.json()["rating"], rated.json()["rating_comment"]) == (4, "ok")
    assert (
        api.post(f"{V1}/{a.ticket_id}/rate", json={"rating": 1}, headers=a.api).status_code == 409
    )

    counters = api.get(f"{V1}/counters?period=week", headers=a.csr).json()
    assert (counters["total"], counters["resolved"], counters["rated"]) == (1, 1, 1)
    assert counters["average_rating"] == 4.0


def test_a_csr_cannot_pull_for_a_colleague_but_an_admin_can(api, a):
    body = {"csr_id": str(a.other_csr_id)}
    assert api.post(f"{V1}/pull", json=body, headers=a.csr).status_code == 403
    assert (
        api.post(f"{V1}/pull", json=body, headers=a.admin).json()["assignee_id"] == body["csr_id"]
    )


def test_lists_counts_and_thread_queries(api, a):
    api.post(V1, json={"customer": {"phone": "+14155550155"}}, headers=a.api)
    page = api.get(f"{V1}?status=waiting&limit=1", headers=a.csr).json()
    assert page["total"] == 2 and len(page["items"]) == 1
    assert api.get(f"{V1}/count?status=waiting&status=assigned", headers=a.csr).json() == {
        "count": 2
    }
    assert api.get(f"{V1}?q=0001", headers=a.csr).json()["total"] == 1
    thread = api.get(f"{V1}/in-thread?customer_id={a.customer_id}", headers=a.csr).json()
    assert [t["id"] for t in thread["items"]] == [str(a.ticket_id)]
    current = api.get(f"{V1}/current?customer_id={a.customer_id}", headers=a.csr)
    assert current.json()["id"] == str(a.ticket_id)
    assert api.get(f"{V1}?status=lost", headers=a.csr).status_code == 400
    assert api.get(f"{V1}?limit=0", headers=a.csr).status_code == 400
    assert api.get(f"{V1}?created_from=2026-01-01T00:00:00", headers=a.csr).status_code == 400
    custom = api.get(f"{V1}/counters?period=custom&start=2026-02-02&end=2026-02-01", headers=a.csr)
    assert custom.status_code == 400 and custom.json()["error"]["field"] == "end"
