"""POST /api/v1/sms and /api/v1/tickets/sms: enterprise IVRs start a chat from a call."""

import base64
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from interplat.api import call_to_chat, create_api
from interplat.api.deps import get_session
from interplat.config import get_settings
from interplat.db import session_scope
from interplat.models import CallLog, Customer, IvrClient, OutboxMessage, ShortLink, Ticket
from interplat.services import api_tokens, ivr_clients, sms
from tests.factories import make_enterprise, rows

SMS = "/api/v1/sms"
TICKETS_SMS = "/api/v1/tickets/sms"
CALLER = "14155550132"
PHONE = "+14155550132"


@dataclass
class Ivr:
    enterprise_id: uuid.UUID
    client_id: uuid.UUID
    username: str
    secret: str

    @property
    def auth(self) -> dict:
        return basic(self.username, self.secret)


def basic(username: str, secret: str) -> dict:
    token = base64.b64encode(f"{username}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    """The API app with this router included (registration in create_api comes separately)."""
    app = create_api()
    app.include_router(call_to_chat.router, prefix="/api")

    def _session() -> Iterator[Session]:
        with session_scope(db_url) as session:
            yield session

    app.dependency_overrides[get_session] = _session
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _ivr(db_url: str, label: str) -> Ivr:
    with session_scope(db_url) as s:
        enterprise = make_enterprise(s, brand_name=f"Brand {label}")
        issued = ivr_clients.create_ivr_client(
            session=s, enterprise_id=enterprise.id, name=f"IVR {label}"
        )
        return Ivr(enterprise.id, issued.client_id, issued.username, issued.secret)


@pytest.fixture
def ivr(db_url):
    return _ivr(db_url, "a")


def count_all(db_url) -> dict[str, int]:
    with session_scope(db_url) as s:
        return {
            t.__name__: s.exec(select(func.count()).select_from(t)).one()
            for t in (Customer, Ticket, ShortLink, OutboxMessage, CallLog)
        }


def assert_unauthenticated(response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response.headers["www-authenticate"].startswith("Basic")


@pytest.mark.parametrize("path", [SMS, TICKETS_SMS])
def test_no_credentials_is_401_with_a_basic_challenge(client, ivr, path):
    assert_unauthenticated(client.post(path, data={"cid": CALLER}))


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer nope"},
        {"Authorization": "Basic !!!not-base64"},
        {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
        basic("ivr_unknown123", "whatever"),
    ],
)
def test_bad_authorization_headers_are_401(client, ivr, headers):
    assert_unauthenticated(client.post(SMS, data={"cid": CALLER}, headers=headers))


def test_a_wrong_secret_is_401(client, ivr):
    response = client.post(SMS, data={"cid": CALLER}, headers=basic(ivr.username, "nope"))
    assert_unauthenticated(response)
    assert response.json()["error"]["message"] == ivr_clients.BAD_CREDENTIALS_MESSAGE


def test_an_enterprise_api_token_is_not_an_ivr_credential(client, ivr, db_url):
    with session_scope(db_url) as s:
        token = api_tokens.create_api_token(session=s, enterprise_id=ivr.enterprise_id, name="bo")
    response = client.post(
        SMS, data={"cid": CALLER}, headers={"Authorization": f"Bearer {token.secret}"}
    )
    assert_unauthenticated(response)


def test_a_revoked_client_is_401(client, ivr, db_url):
    with session_scope(db_url) as s:
        ivr_clients.revoke_ivr_client(
            session=s, enterprise_id=ivr.enterprise_id, client_id=ivr.client_id
        )
    assert_unauthenticated(client.post(SMS, data={"cid": CALLER}, headers=ivr.auth))
    assert count_all(db_url)["Ticket"] == 0


def test_a_rotated_away_secret_is_401_and_the_new_one_works(client, ivr, db_url):
    with session_scope(db_url) as s:
        rotated = ivr_clients.rotate_ivr_client(
            session=s, enterprise_id=ivr.enterprise_id, client_id=ivr.client_id
        )
    assert_unauthenticated(client.post(SMS, data={"cid": CALLER}, headers=ivr.auth))
    response = client.post(SMS, data={"cid": CALLER}, headers=basic(ivr.username, rotated.secret))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": {}},
        {"data": {"cid": "", "dob": "yesterday", "email": "nope"}},
        {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
        {
            "content": b"--x\r\nbroken",
            "headers": {"Content-Type": "multipart/form-data; boundary=x"},
        },
    ],
)
def test_401_wins_over_a_bad_body(client, ivr, kwargs):
    headers = {**kwargs.pop("headers", {}), **basic(ivr.username, "wrong")}
    assert_unauthenticated(client.post(SMS, headers=headers, **kwargs))
    headers.pop("Authorization")
    assert_unauthenticated(client.post(TICKETS_SMS, headers=headers, **kwargs))


@pytest.mark.parametrize(
    "data,field",
    [
        ({}, "cid"),
        ({"cid": ""}, "cid"),
        ({"cid": "   "}, "cid"),
        ({"cid": "123"}, "cid"),
        ({"cid": "1" * 33}, "cid"),
        ({"cid": CALLER, "dnis": "12"}, "dnis"),
        ({"cid": CALLER, "first_name": "x" * 101}, "first_name"),
        ({"cid": CALLER, "last_name": "x" * 101}, "last_name"),
        ({"cid": CALLER, "email": "not-an-email"}, "email"),
        ({"cid": CALLER, "dob": "17/05/1990"}, "dob"),
        ({"cid": CALLER, "dob": "1990-02-30"}, "dob"),
        ({"cid": CALLER, "dob": "946684800"}, "dob"),
        ({"cid": CALLER, "dob": "2999-01-01"}, "dob"),
        ({"cid": CALLER, "dob": "1899-12-31"}, "dob"),
        ({"cid": CALLER, "external_id": "x" * 101}, "external_id"),
        ({"cid": CALLER, "message": "x" * 301}, "message"),
    ],
)
@pytest.mark.parametrize("path", [SMS, TICKETS_SMS])
def test_bad_input_is_400_naming_the_field_and_changes_nothing(
    client, ivr, db_url, path, data, field
):
    before = count_all(db_url)
    response = client.post(path, data=data, headers=ivr.auth)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["field"] == field, error
    assert error["message"]
    assert count_all(db_url) == before


def test_a_call_answers_json_and_queues_the_sms(client, ivr, db_url):
    response = client.post(
        SMS,
        data={
            "cid": CALLER,
            "dnis": "18005550100",
            "first_name": "Ann",
            "last_name": "Lee",
            "email": "ann@example.com",
            "dob": "1990-05-17",
            "external_id": "CRM-7",
            "message": "Your card is ready.",
        },
        headers=ivr.auth,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {
        "ticket_id",
        "reference",
        "link",
        "created",
        "sms_queued",
        "sms_blocked",
        "pending_in_app",
    }
    assert (body["created"], body["sms_queued"], body["sms_blocked"]) == (True, True, False)
    assert body["pending_in_app"] is False
    [ticket] = rows(db_url, Ticket)
    assert (str(ticket.id), ticket.reference, ticket.source) == (
        body["ticket_id"],
        body["reference"],
        "ivr",
    )
    assert ticket.enterprise_id == ivr.enterprise_id
    [link] = rows(db_url, ShortLink)
    assert body["link"] == f"{get_settings().public_base_url.rstrip('/')}/c/{link.code}"
    [message] = rows(db_url, OutboxMessage)
    assert (message.to_address, message.ticket_id) == (PHONE, ticket.id)
    assert message.body == (
        f"Brand a: continue your conversation here: {body['link']}\nYour card is ready."
    )
    [customer] = rows(db_url, Customer)
    assert (customer.first_name, customer.external_id, str(customer.dob)) == (
        "Ann",
        "CRM-7",
        "1990-05-17",
    )
    [call] = rows(db_url, CallLog)
    assert call.call_sid.startswith("API-") and call.to_number == "+18005550100"
    assert rows(db_url, IvrClient)[0].last_used_at is not None


@pytest.mark.parametrize(
    "accept", ["application/xml", "text/xml", "application/json;q=0.5, application/xml"]
)
def test_a_call_answers_xml_when_asked(client, ivr, db_url, accept):
    response = client.post(SMS, data={"cid": CALLER}, headers={**ivr.auth, "Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "response"
    fields = {child.tag: child.text for child in root}
    [ticket] = rows(db_url, Ticket)
    [link] = rows(db_url, ShortLink)
    assert fields == {
        "ticket_id": str(ticket.id),
        "reference": ticket.reference,
        "link": f"{get_settings().public_base_url.rstrip('/')}/c/{link.code}",
        "created": "true",
        "sms_queued": "true",
        "sms_blocked": "false",
        "pending_in_app": "false",
    }


@pytest.mark.parametrize("accept", ["*/*", "application/json", "application/json, application/xml"])
def test_json_is_the_default_answer(client, ivr, accept):
    response = client.post(SMS, data={"cid": CALLER}, headers={**ivr.auth, "Accept": accept})
    assert response.status_code == 200
    assert response.json()["created"] is True


def test_the_ticket_variant_answers_201_then_200(client, ivr, db_url):
    first = client.post(TICKETS_SMS, data={"cid": CALLER}, headers=ivr.auth)
    assert first.status_code == 201, first.text
    assert first.json()["created"] is True
    again = client.post(TICKETS_SMS, data={"cid": "+" + CALLER}, headers=ivr.auth)
    assert again.status_code == 200, again.text
    assert again.json()["created"] is False
    assert again.json()["ticket_id"] == first.json()["ticket_id"]
    xml = client.post(
        TICKETS_SMS, data={"cid": CALLER}, headers={**ivr.auth, "Accept": "application/xml"}
    )
    assert xml.status_code == 200
    assert ET.fromstring(xml.content).findtext("created") == "false"


def test_duplicate_calls_reuse_the_ticket_and_queue_one_sms(client, ivr, db_url):
    answers = [
        client.post(path, data={"cid": CALLER}, headers=ivr.auth).json()
        for path in (SMS, SMS, TICKETS_SMS)
    ]
    assert len({a["ticket_id"] for a in answers}) == 1
    assert len({a["link"] for a in answers}) == 1
    assert [a["sms_queued"] for a in answers] == [True, False, False]
    assert [a["created"] for a in answers] == [True, False, False]
    assert len(rows(db_url, OutboxMessage)) == 1
    assert len(rows(db_url, Ticket)) == 1
    assert len(rows(db_url, CallLog)) == 3  # every call is logged, each with its own sid


def test_an_opted_out_caller_gets_a_ticket_and_no_sms(client, ivr, db_url):
    with session_scope(db_url) as s:
        sms.suppress(session=s, enterprise_id=ivr.enterprise_id, phone=PHONE)
    response = client.post(SMS, data={"cid": CALLER}, headers=ivr.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["sms_queued"], body["sms_blocked"]) == (True, False, True)
    assert rows(db_url, OutboxMessage) == []
    assert len(rows(db_url, Ticket)) == 1


def test_each_ivr_works_in_its_own_enterprise(client, ivr, db_url):
    other = _ivr(db_url, "b")
    mine = client.post(SMS, data={"cid": CALLER}, headers=ivr.auth).json()
    theirs = client.post(SMS, data={"cid": CALLER}, headers=other.auth).json()
    assert mine["ticket_id"] != theirs["ticket_id"]
    assert rows(db_url, Ticket, id=uuid.UUID(theirs["ticket_id"]))[0].enterprise_id == (
        other.enterprise_id
    )
    assert [c.enterprise_id for c in rows(db_url, Customer, phone=PHONE)].count(
        ivr.enterprise_id
    ) == 1
    assert len(rows(db_url, OutboxMessage)) == 2


def test_multipart_form_posts_are_read_too(client, ivr, db_url):
    response = client.post(SMS, files={"cid": (None, CALLER)}, headers=ivr.auth)
    assert response.status_code == 200, response.text
    assert len(rows(db_url, Ticket)) == 1


def test_both_operations_are_documented(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path, codes in ((SMS, {"200"}), (TICKETS_SMS, {"200", "201"})):
        operation = paths[path]["post"]
        assert "application/x-www-form-urlencoded" in operation["requestBody"]["content"]
        assert {"400", "401"} <= set(operation["responses"])
        assert "422" not in operation["responses"]
        for code in codes:
            content = operation["responses"][code]["content"]
            assert content["application/json"]["schema"]["$ref"].endswith("/CallToChatOut")
            assert "application/xml" in content
        assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]
        assert operation["security"] == [{"HTTPBasic": []}]


def test_an_unreadable_form_with_good_credentials_is_400(client, ivr, db_url):
    response = client.post(
        SMS,
        content=b"--x\r\nbroken",
        headers={**ivr.auth, "Content-Type": "multipart/form-data; boundary=x"},
    )
    assert response.status_code == 400, response.text
    assert count_all(db_url)["Ticket"] == 0
