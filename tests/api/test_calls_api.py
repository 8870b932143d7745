"""Talk now over REST: only the assigned CSR's session starts a call; the rest are
refused with the right code and nothing is recorded."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from interplat.db import session_scope
from interplat.models import CallLog, Message
from interplat.services import api_tokens, auth, ivr, telephony, tickets
from tests.factories import PASSWORD, make_customer, make_enterprise, make_ticket, make_user, rows

MAIN = "+12125550199"
CUSTOMER = "+14155550142"


@dataclass(frozen=True)
class Setup:
    ticket_id: uuid.UUID
    waiting_id: uuid.UUID
    priya: dict[str, str]
    max_: dict[str, str]
    api_token: dict[str, str]
    stranger: dict[str, str]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(session, email: str) -> dict[str, str]:
    return bearer(auth.log_in(session=session, email=email, password=PASSWORD, ttl_hours=1).token)


@pytest.fixture(autouse=True)
def dev_gateway() -> Iterator[None]:
    telephony.set_gateway(telephony.DevOutboxGateway())
    yield
    telephony.set_gateway(None)


@pytest.fixture
def setup(db_url) -> Setup:
    with session_scope(db_url) as s:
        enterprise = make_enterprise(s, brand_name="Ticket4Me")
        ivr.add_phone_number(session=s, enterprise_id=enterprise.id, number=MAIN)
        priya = make_user(s, enterprise, email="priya-call@example.com", full_name="Priya Shah")
        max_ = make_user(s, enterprise, email="max-call@example.com", full_name="Max Weber")
        priya.phone, max_.phone = "+14155550126", "+14155550127"
        ticket = make_ticket(s, enterprise, make_customer(s, enterprise, phone=CUSTOMER))
        tickets.assign_ticket(session=s, ticket=ticket, user_id=priya.id)
        waiting = make_ticket(s, enterprise)
        token = api_tokens.create_api_token(session=s, enterprise_id=enterprise.id, name="BO")
        other = make_enterprise(s)
        stranger = make_user(s, other, email="stranger-call@example.com")
        stranger.phone = "+14155550128"
        s.flush()
        return Setup(
            ticket_id=ticket.id,
            waiting_id=waiting.id,
            priya=login(s, "priya-call@example.com"),
            max_=login(s, "max-call@example.com"),
            api_token=bearer(token.secret),
            stranger=login(s, "stranger-call@example.com"),
        )


def test_the_assigned_csr_starts_a_call(api, db_url, setup):
    response = api.post(f"/api/v1/tickets/{setup.ticket_id}/call", headers=setup.priya)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["ticket_id"], body["status"]) == (str(setup.ticket_id), "ringing")
    assert (body["customer_phone"], body["csr_phone"], body["from_number"]) == (
        CUSTOMER,
        "+14155550126",
        MAIN,
    )
    (log,) = rows(db_url, CallLog)
    assert (str(log.id), log.purpose) == (body["id"], "talk_now")
    assert "Call started by Priya" in [m.body for m in rows(db_url, Message)]
    again = api.post(f"/api/v1/tickets/{setup.ticket_id}/call", headers=setup.priya)
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "A call with this customer is already in progress."


@pytest.mark.parametrize(
    "who,path,status,code",
    [
        ("api_token", "ticket", 403, "forbidden"),
        ("max_", "ticket", 403, "forbidden"),
        ("stranger", "ticket", 404, "not_found"),
        ("priya", "waiting", 409, "conflict"),
        ("priya", "unknown", 404, "not_found"),
    ],
)
def test_everyone_else_is_refused_and_nothing_is_recorded(
    api, db_url, setup, who, path, status, code
):
    ticket_id = {"ticket": setup.ticket_id, "waiting": setup.waiting_id}.get(path, uuid.uuid4())
    response = api.post(f"/api/v1/tickets/{ticket_id}/call", headers=getattr(setup, who))
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert rows(db_url, CallLog) == []


def test_the_route_is_described_with_the_carriers_refusal(api):
    operation = api.get("/api/openapi.json").json()["paths"]["/api/v1/tickets/{ticket_id}/call"]
    assert set(operation["post"]["responses"]) >= {"201", "401", "403", "404", "409", "502"}
