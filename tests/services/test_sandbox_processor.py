"""The sandbox processor behaves like a card processor: test cards, checks, idempotency,
refund caps and signed webhooks."""

import datetime as dt
import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from interplat.db import session_scope
from interplat.models import SandboxCharge, SandboxCheckout
from interplat.services.errors import Conflict
from interplat.services.payment_provider import InvalidWebhook, ProviderError
from interplat.services.sandbox_cards import CardRefused, check_card
from interplat.services.sandbox_webhooks import parse_event, sign_payload
from tests.factories import rows
from tests.sandbox_pay import sandbox_on

SUCCESS_CARDS = {
    "4242424242424242": "visa",
    "4000056655665556": "visa",
    "5555555555554444": "mastercard",
    "378282246310005": "amex",
    "6011111111111117": "discover",
    "3056930009020004": "diners",
    "3566002020360505": "jcb",
    "6200000000000005": "unionpay",
}
DECLINES = {
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
    "4000000000000069": "expired_card",
    "4000000000000127": "incorrect_cvc",
}
TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def sandbox(db_url):
    yield from sandbox_on(db_url)


def checkout(sandbox, key="k1", amount=4999, save_for=""):
    return sandbox.processor.start_checkout(
        amount_minor=amount, currency="USD", reference="ref-1", idempotency_key=key,
        return_url="https://shop.example/bill/t", description="Acme — Invoice 7",
        save_card_for=save_for,
    )  # fmt: skip


def query(url):
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def event_of(sandbox):
    (_, body, headers) = sandbox.sent[-1]
    return sandbox.processor.parse_webhook(payload=body, headers=headers)


@pytest.mark.parametrize("number,brand", SUCCESS_CARDS.items())
def test_each_success_card_pays_and_reports_by_webhook(sandbox, number, brand):
    page = checkout(sandbox)
    cvc = "1234" if brand == "amex" else "123"
    target = sandbox.pay_on_page(page.url, number[:4] + " " + number[4:], cvc=cvc)
    assert target.startswith("https://shop.example/bill/t?")
    assert query(target) == {"payment": "ref-1", "status": "succeeded"}
    event = event_of(sandbox)
    assert (event.kind, event.reference, event.card.brand, event.card.last4) == (
        "payment.succeeded",
        "ref-1",
        brand,
        number[-4:],
    )
    assert event.amount_minor == 4999 and event.provider_payment_id.startswith("ch_sb_")


@pytest.mark.parametrize("number,code", DECLINES.items())
def test_each_decline_card_fails_with_its_code(sandbox, number, code):
    page = checkout(sandbox)
    assert query(sandbox.pay_on_page(page.url, number))["status"] == "failed"
    event = event_of(sandbox)
    assert (event.kind, event.failure_code) == ("payment.failed", code)
    assert event.failure_message.startswith("Your card")
    with pytest.raises(Conflict):  # a finished checkout takes no second card
        sandbox.pay_on_page(page.url, "4242424242424242")


@pytest.mark.parametrize("number", ["4000002500003155", "4000000000003220"])
@pytest.mark.parametrize("approve", [True, False])
def test_3d_secure_cards_go_through_a_challenge(sandbox, number, approve):
    page = checkout(sandbox)
    challenge = sandbox.pay_on_page(page.url, number)
    assert "/api/sandbox/challenge/ch_sb_" in challenge and sandbox.sent == []
    target = sandbox.challenge(challenge, approve)
    assert query(target)["status"] == ("succeeded" if approve else "failed")
    event = event_of(sandbox)
    assert event.kind == ("payment.succeeded" if approve else "payment.failed")
    if not approve:
        assert event.failure_code == "authentication_failed"
    with pytest.raises(Conflict):
        sandbox.challenge(challenge, True)


@pytest.mark.parametrize(
    "number,expiry,cvc,code",
    [
        ("4242424242424241", "12/34", "123", "incorrect_number"),  # Luhn
        ("4242 4242 42", "12/34", "123", "incorrect_number"),  # too short
        ("4242x42424242424", "12/34", "123", "incorrect_number"),
        ("", "12/34", "123", "incorrect_number"),
        ("4242424242424242", "10/26", "123", "invalid_expiry_year"),  # last month
        ("4242424242424242", "13/30", "123", "invalid_expiry_month"),
        ("4242424242424242", "1230", "123", "invalid_expiry_month"),
        ("4242424242424242", "12/34", "12", "invalid_cvc"),
        ("4242424242424242", "12/34", "1234", "invalid_cvc"),
        ("378282246310005", "12/34", "123", "invalid_cvc"),  # Amex takes 4
        ("4111111111111111", "12/34", "123", "test_mode_live_card"),  # valid, not ours
        ("5105105105105100", "12/34", "123", "test_mode_live_card"),
    ],
)
def test_card_checks_answer_with_processor_codes(number, expiry, cvc, code):
    with pytest.raises(CardRefused) as refused:
        check_card(number, expiry, cvc, TODAY)
    assert refused.value.code == code
    if code == "test_mode_live_card":
        assert refused.value.message == "This is a sandbox: use a test card."


def test_this_month_is_still_valid_and_dashes_are_fine():
    card = check_card("4242-4242-4242-4242", "11/26", "123", TODAY)
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("visa", "4242", 11, 2026)


def test_a_refused_card_changes_nothing(sandbox):
    page = checkout(sandbox)
    with pytest.raises(CardRefused):
        sandbox.pay_on_page(page.url, "4111111111111111")
    assert rows(sandbox.db_url, SandboxCharge) == [] and sandbox.sent == []
    assert rows(sandbox.db_url, SandboxCheckout)[0].status == "open"
    assert query(sandbox.pay_on_page(page.url, "4242424242424242"))["status"] == "succeeded"


def test_an_expired_checkout_refuses_cards(sandbox):
    page = checkout(sandbox)
    with session_scope(sandbox.db_url) as s:
        s.get(SandboxCheckout, page.session_id).expires_at = dt.datetime.now(dt.UTC)
    with pytest.raises(Conflict, match="expired"):
        sandbox.pay_on_page(page.url, "4242424242424242")


def test_same_key_same_request_same_checkout_other_request_refused(sandbox):
    first = checkout(sandbox)
    assert checkout(sandbox) == first
    with pytest.raises(ProviderError, match="idempotency"):
        checkout(sandbox, amount=5000)
    assert checkout(sandbox, key="k2").session_id != first.session_id


def saved_card(sandbox, number="4242424242424242"):
    setup = sandbox.processor.start_card_setup(customer_ref="cust-1", return_url="https://x/w")
    target = sandbox.pay_on_page(setup.url, number)
    if "/challenge/" in target:
        target = sandbox.challenge(target, True)
    assert query(target)["status"] == "succeeded"
    event = event_of(sandbox)
    sandbox.sent.clear()
    assert (event.kind, event.reference) == ("setup.succeeded", "cust-1")
    assert event.card_token.startswith("pm_sb_")
    return event.card_token


def charge(sandbox, token, key="c1", amount=2500):
    return sandbox.processor.charge_saved_card(
        card_token=token, amount_minor=amount, currency="USD", reference="ref-2",
        idempotency_key=key, description="Acme",
    )  # fmt: skip


def test_saved_card_charges_once_per_key(sandbox):
    token = saved_card(sandbox)
    first = charge(sandbox, token)
    assert first.status == "succeeded" and first.card.last4 == "4242"
    assert charge(sandbox, token) == first
    assert len(rows(sandbox.db_url, SandboxCharge, idempotency_key="c1")) == 1
    assert len(sandbox.sent) == 1  # one webhook for one charge
    with pytest.raises(ProviderError, match="idempotency"):
        charge(sandbox, token, amount=2600)


def test_setup_refuses_a_declined_card_and_3ds_cards_follow_the_docs(sandbox):
    setup = sandbox.processor.start_card_setup(customer_ref="cust-1", return_url="https://x/w")
    with pytest.raises(CardRefused) as refused:
        sandbox.pay_on_page(setup.url, "4000000000000002")
    assert refused.value.code == "card_declined"
    once = saved_card(sandbox, "4000002500003155")  # authenticated once, then not again
    assert charge(sandbox, once, key="a").status == "succeeded"
    always = saved_card(sandbox, "4000000000003220")  # every payment
    result = charge(sandbox, always, key="b")
    assert result.status == "requires_action" and "/api/sandbox/challenge/" in result.action_url
    assert sandbox.challenge(result.action_url, True) == ""
    assert event_of(sandbox).kind == "payment.succeeded"


def test_refunds_are_partial_and_capped(sandbox):
    token = saved_card(sandbox)
    paid = charge(sandbox, token, amount=5000)
    refund = sandbox.processor.refund
    one = refund(
        provider_payment_id=paid.provider_payment_id, amount_minor=1000, idempotency_key="r1"
    )
    assert one.status == "succeeded" and one.provider_refund_id.startswith("re_sb_")
    again = refund(
        provider_payment_id=paid.provider_payment_id, amount_minor=1000, idempotency_key="r1"
    )
    assert again == one  # the same key refunds once
    over = refund(
        provider_payment_id=paid.provider_payment_id, amount_minor=4001, idempotency_key="r2"
    )
    assert over.status == "failed" and "greater" in over.failure_message
    rest = refund(
        provider_payment_id=paid.provider_payment_id, amount_minor=4000, idempotency_key="r3"
    )
    assert rest.status == "succeeded"
    assert rows(sandbox.db_url, SandboxCharge, idempotency_key="c1")[0].refunded_minor == 5000
    kinds = [json.loads(body)["type"] for _, body, _ in sandbox.sent]
    assert kinds == ["payment.succeeded", "refund.succeeded", "refund.succeeded"]


def test_webhook_signatures_are_checked_on_the_raw_body(sandbox):
    body = json.dumps({"id": "evt_1", "type": "payment.succeeded", "data": {"reference": "r"}})
    raw, now = body.encode(), int(time.time())
    good = {"Sandbox-Signature": sign_payload(raw, now)}
    assert parse_event(raw, good).event_id == "evt_1"
    assert (
        parse_event(raw, {"sandbox-signature": good["Sandbox-Signature"]}).kind
        == "payment.succeeded"
    )
    for payload, headers in [
        (raw + b" ", good),  # body changed
        (raw, {"Sandbox-Signature": sign_payload(raw, now, "whsec_other")}),
        (raw, {"Sandbox-Signature": sign_payload(raw, now - 301)}),  # too old
        (raw, {"Sandbox-Signature": sign_payload(raw, now + 301)}),
        (raw, {}),
        (raw, {"Sandbox-Signature": "t=x,v1=00"}),
        (b"not json", {"Sandbox-Signature": sign_payload(b"not json", now)}),
    ]:
        with pytest.raises(InvalidWebhook):
            parse_event(payload, headers)
    assert parse_event(raw, {"Sandbox-Signature": sign_payload(raw, now - 299)}).event_id == "evt_1"


def test_unknown_event_types_are_ignored():
    raw = json.dumps({"id": "evt_2", "type": "charge.dispute", "data": {}}).encode()
    headers = {"Sandbox-Signature": sign_payload(raw, int(time.time()))}
    assert parse_event(raw, headers).kind == "ignored"


def test_webhooks_are_posted_in_the_background_and_retried(db_url, monkeypatch):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from interplat.config import get_settings
    from interplat.models import SandboxEvent
    from interplat.services import sandbox_processor

    got, answers = [], [500, 200]

    class Endpoint(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append((self.path, body, self.headers["Sandbox-Signature"]))
            self.send_response(answers.pop(0))
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("INTERPLAT_API_BASE_URL", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setattr(sandbox_processor, "RETRY_DELAYS", (0.0, 0.05, 0.05))
    get_settings.cache_clear()
    try:
        processor = sandbox_processor.SandboxProcessor(database_url=db_url)
        page = processor.start_checkout(
            amount_minor=100, currency="USD", reference="r", idempotency_key="k",
            return_url="https://x/b", description="d",
        )  # fmt: skip
        with session_scope(db_url) as s:
            from interplat.services import sandbox_checkout

            sandbox_checkout.submit_card(session=s, processor=processor,
                                         checkout_id=page.session_id, number="4242424242424242",
                                         expiry="12/34", cvc="123")  # fmt: skip
        for _ in range(100):
            event = rows(db_url, SandboxEvent)[0]
            if event.delivered_at is not None:
                break
            time.sleep(0.05)
        assert event.attempts == 2 and event.delivered_at is not None
        assert [p for p, _, _ in got] == ["/api/payments/webhooks/sandbox"] * 2
        _, body, signature = got[1]
        assert parse_event(body, {"Sandbox-Signature": signature}).kind == "payment.succeeded"
    finally:
        server.shutdown()
        get_settings.cache_clear()
