"""The payment webhook endpoint and the sandbox's hosted pages, over HTTP."""

import json
import time

import pytest

from interplat.db import session_scope
from interplat.models import Payment, PaymentRequest, Receipt
from interplat.services import payments
from interplat.services.sandbox_webhooks import sign_payload
from tests.factories import make_customer, make_enterprise, make_ticket, rows
from tests.sandbox_pay import make_rfp, sandbox_on

HOOK = "/api/payments/webhooks/sandbox"


@pytest.fixture
def sandbox(db_url):
    yield from sandbox_on(db_url)


@pytest.fixture
def rfp(db_url):
    with session_scope(db_url) as s:
        enterprise = make_enterprise(s)
        customer = make_customer(s, enterprise)
        return make_rfp(s, customer, make_ticket(s, enterprise, customer))


def checkout_url(db_url, rfp):
    with session_scope(db_url) as s:
        begun = payments.pay_with_new_card(session=s, request=rfp, return_url="https://x/bill/t")
    return begun, begun.url.split("/api/", 1)[1]


def test_a_signed_webhook_applies_once_and_a_bad_one_is_400(api, sandbox, db_url, rfp):
    begun, path = checkout_url(db_url, rfp)
    answer = api.post(f"/api/{path}", data={"number": "4242 4242 4242 4242", "expiry": "12/34",
                                            "cvc": "123"}, follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303 and "status=succeeded" in answer.headers["location"]
    (_, body, headers) = sandbox.sent[0]
    tampered = body.replace(b"4242", b"4243")
    bad = api.post(HOOK, content=tampered, headers=headers)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"
    stale = {"Sandbox-Signature": sign_payload(body, int(time.time()) - 600)}
    assert api.post(HOOK, content=body, headers=stale).status_code == 400
    assert api.post(HOOK, content=body).status_code == 400
    assert rows(db_url, Payment)[0].status == "pending"
    good = api.post(HOOK, content=body, headers=headers)
    assert good.status_code == 200 and good.json() == {"received": True, "changed": True}
    again = api.post(HOOK, content=body, headers=headers)
    assert again.status_code == 200 and again.json() == {"received": True, "changed": False}
    assert rows(db_url, Payment)[0].status == "succeeded" and len(rows(db_url, Receipt)) == 1
    assert rows(db_url, PaymentRequest)[0].status == "paid"


def test_webhooks_of_another_provider_are_404(api, sandbox):
    body = json.dumps({"id": "evt_1", "type": "payment.succeeded", "data": {}}).encode()
    headers = {"Sandbox-Signature": sign_payload(body, int(time.time()))}
    assert (
        api.post("/api/payments/webhooks/stripe", content=body, headers=headers).status_code == 404
    )


def test_an_event_for_no_payment_of_ours_is_taken_and_ignored(api, sandbox):
    body = json.dumps({"id": "evt_2", "type": "payment.succeeded",
                       "data": {"reference": "not-a-payment"}}).encode()  # fmt: skip
    headers = {"Sandbox-Signature": sign_payload(body, int(time.time()))}
    answer = api.post(HOOK, content=body, headers=headers)
    assert answer.status_code == 200 and answer.json()["changed"] is False


def test_the_hosted_page_shows_the_bill_and_refuses_bad_cards(api, sandbox, db_url, rfp):
    _, path = checkout_url(db_url, rfp)
    page = api.get(f"/api/{path}")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    text = page.text
    assert (
        "Pay $49.99" in text
        and "Sandbox: use a test card" in text
        and "4242 4242 4242 4242" in text
    )
    assert "Acme" in text and "Invoice INV-1" in text and "width=device-width" in text
    for number, message in [("4111 1111 1111 1111", "This is a sandbox: use a test card."),
                            ("4242 4242 4242 4241", "Your card number is incorrect.")]:  # fmt: skip
        answer = api.post(f"/api/{path}", data={"number": number, "expiry": "12/34", "cvc": "123"})
        assert answer.status_code == 400 and message in answer.text
        assert number.replace(" ", "") not in answer.text.replace(" ", "")  # never echoed
    late = api.post(f"/api/{path}", data={"number": "4242424242424242", "expiry": "01/20",
                                          "cvc": "123"})  # fmt: skip
    assert late.status_code == 400 and "expiration date is in the past" in late.text
    assert sandbox.sent == [] and rows(db_url, Payment)[0].status == "pending"


def test_3d_secure_goes_through_the_challenge_page(api, sandbox, db_url, rfp):
    _, path = checkout_url(db_url, rfp)
    answer = api.post(f"/api/{path}", data={"number": "4000002500003155", "expiry": "12/34",
                                            "cvc": "123"}, follow_redirects=False)  # fmt: skip
    challenge = answer.headers["location"].split("/api/", 1)[1]
    assert answer.status_code == 303 and challenge.startswith("sandbox/challenge/")
    assert "Approve" in api.get(f"/api/{challenge}").text
    done = api.post(f"/api/{challenge}", data={"action": "approve"}, follow_redirects=False)
    assert done.status_code == 303 and "status=succeeded" in done.headers["location"]
    assert api.get(f"/api/{path}").status_code == 409  # the checkout is finished


def test_unknown_checkouts_are_404_pages(api, sandbox):
    assert api.get("/api/sandbox/checkout/cs_sb_nope").status_code == 404
