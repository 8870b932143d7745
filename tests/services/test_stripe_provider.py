"""The Stripe adapter's exact HTTP requests, checked against a local capture server that
answers with Stripe-shaped JSON; its webhooks verified with Stripe's own scheme."""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest
import stripe

from interplat.services.payment_provider import InvalidWebhook
from interplat.services.stripe_provider import StripeProvider

SECRET = "whsec_test_capture"
NOW = 1_800_000_000
PM = {"id": "pm_1", "object": "payment_method", "type": "card",
      "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2034}}  # fmt: skip
CANNED = {
    ("POST", "/v1/checkout/sessions"): (200, {"id": "cs_test_1", "object": "checkout.session",
                                              "url": "https://checkout.stripe.com/c/pay/cs_test_1"}),
    ("POST", "/v1/customers"): (200, {"id": "cus_1", "object": "customer"}),
    ("POST", "/v1/payment_intents"): (200, {"id": "pi_1", "object": "payment_intent",
                                            "status": "succeeded", "payment_method": PM}),
    ("POST", "/v1/refunds"): (200, {"id": "re_1", "object": "refund", "status": "succeeded"}),
    ("GET", "/v1/payment_methods/pm_1"): (200, PM),
}  # fmt: skip


class Capture(BaseHTTPRequestHandler):
    requests: list[dict] = []
    override: dict = {}

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        path = self.path.split("?", 1)[0]
        self.requests.append({"method": self.command, "path": path, "form": dict(parse_qsl(body)),
                              "headers": dict(self.headers)})  # fmt: skip
        status, payload = self.override.get((self.command, path)) or CANNED[(self.command, path)]
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Request-Id", "req_1")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = _answer

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def stripe_api():
    Capture.requests, Capture.override = [], {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), Capture)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    provider = StripeProvider(
        "sk_test_123", SECRET, api_base=f"http://127.0.0.1:{server.server_port}",
        http_client=stripe.RequestsClient(), clock=lambda: NOW,
    )  # fmt: skip
    yield provider, Capture.requests
    server.shutdown()


def test_checkout_for_a_new_card(stripe_api):
    provider, seen = stripe_api
    checkout = provider.start_checkout(
        amount_minor=4999, currency="USD", reference="pay-1", idempotency_key="pay-1-new",
        return_url="https://app.example/bill/t", description="Acme — Invoice 7",
    )  # fmt: skip
    assert checkout.session_id == "cs_test_1" and checkout.url.startswith("https://checkout.stripe")
    (call,) = seen
    assert (call["method"], call["path"]) == ("POST", "/v1/checkout/sessions")
    assert call["headers"]["Idempotency-Key"] == "pay-1-new"
    assert call["headers"]["Authorization"] == "Bearer sk_test_123"
    assert call["form"] == {
        "mode": "payment",
        "client_reference_id": "pay-1",
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "usd",
        "line_items[0][price_data][unit_amount]": "4999",
        "line_items[0][price_data][product_data][name]": "Acme — Invoice 7",
        "payment_method_types[0]": "card",
        "payment_intent_data[description]": "Acme — Invoice 7",
        "payment_intent_data[metadata][reference]": "pay-1",
        "payment_intent_data[metadata][flow]": "checkout",
        "success_url": "https://app.example/bill/t?payment=pay-1&status=succeeded",
        "cancel_url": "https://app.example/bill/t?payment=pay-1&status=cancelled",
        "expires_at": str(NOW + 31 * 60),
    }


def test_checkout_that_saves_the_card(stripe_api):
    provider, seen = stripe_api
    provider.start_checkout(
        amount_minor=100, currency="EUR", reference="pay-2", idempotency_key="k",
        return_url="https://a/b?x=1", description="d", save_card_for="cust-9",
    )  # fmt: skip
    form = seen[0]["form"]
    assert form["payment_intent_data[setup_future_usage]"] == "on_session"
    assert form["payment_intent_data[metadata][customer_ref]"] == "cust-9"
    assert form["customer_creation"] == "always"
    assert form["success_url"] == "https://a/b?x=1&payment=pay-2&status=succeeded"


def test_card_setup_makes_a_customer_then_a_setup_checkout(stripe_api):
    provider, seen = stripe_api
    assert provider.start_card_setup(customer_ref="cust-9", return_url="https://a/w").url
    customer, setup = seen
    assert (customer["path"], customer["form"]) == (
        "/v1/customers",
        {"metadata[reference]": "cust-9"},
    )
    assert customer["headers"]["Idempotency-Key"] == f"setup-cust-9-{NOW}-c"
    assert setup["headers"]["Idempotency-Key"] == f"setup-cust-9-{NOW}-s"
    assert setup["form"]["mode"] == "setup" and setup["form"]["customer"] == "cus_1"
    assert setup["form"]["setup_intent_data[metadata][reference]"] == "cust-9"


def test_saved_card_charge_is_a_confirmed_payment_intent(stripe_api):
    provider, seen = stripe_api
    result = provider.charge_saved_card(
        card_token="cus_1/pm_1", amount_minor=2500, currency="USD", reference="pay-3",
        idempotency_key="pay-3-saved", description="Acme — Payment",
    )  # fmt: skip
    assert (result.status, result.provider_payment_id, result.card.last4) == (
        "succeeded",
        "pi_1",
        "4242",
    )
    (call,) = seen
    assert (call["method"], call["path"]) == ("POST", "/v1/payment_intents")
    assert call["headers"]["Idempotency-Key"] == "pay-3-saved"
    assert call["form"] == {
        "amount": "2500", "currency": "usd", "customer": "cus_1", "payment_method": "pm_1",
        "payment_method_types[0]": "card", "confirm": "true", "off_session": "false",
        "description": "Acme — Payment", "metadata[reference]": "pay-3",
        "metadata[flow]": "saved", "expand[0]": "payment_method",
    }  # fmt: skip


def test_a_declined_saved_card_is_a_failed_charge(stripe_api):
    provider, seen = stripe_api
    error = {"error": {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
                       "message": "Your card has insufficient funds.",
                       "payment_intent": {"id": "pi_2"}, "payment_method": PM}}  # fmt: skip
    Capture.override[("POST", "/v1/payment_intents")] = (402, error)
    result = provider.charge_saved_card(
        card_token="cus_1/pm_1", amount_minor=2500, currency="USD", reference="pay-4",
        idempotency_key="pay-4-saved", description="d",
    )  # fmt: skip
    assert (result.status, result.failure_code, result.provider_payment_id) == (
        "failed",
        "insufficient_funds",
        "pi_2",
    )
    assert result.failure_message == "Your card has insufficient funds." and len(seen) == 1


def test_refund(stripe_api):
    provider, seen = stripe_api
    result = provider.refund(
        provider_payment_id="pi_1", amount_minor=1000, idempotency_key="refund-1"
    )
    assert (result.provider_refund_id, result.status) == ("re_1", "succeeded")
    (call,) = seen
    assert (call["path"], call["form"]) == (
        "/v1/refunds",
        {"payment_intent": "pi_1", "amount": "1000"},
    )
    assert call["headers"]["Idempotency-Key"] == "refund-1"


def signed(event, secret=SECRET, at=None):
    body = json.dumps(event).encode()
    stamp = at or int(time.time())
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Stripe-Signature": f"t={stamp},v1={digest}"}


def event(kind, obj):
    return {"id": "evt_1", "object": "event", "type": kind, "data": {"object": obj}}


def test_payment_succeeded_webhook_reads_the_card(stripe_api):
    provider, seen = stripe_api
    obj = {"id": "pi_1", "object": "payment_intent", "amount": 4999, "amount_received": 4999,
           "payment_method": "pm_1", "customer": "cus_1", "setup_future_usage": "on_session",
           "metadata": {"reference": "pay-1", "flow": "checkout"}}  # fmt: skip
    body, headers = signed(event("payment_intent.succeeded", obj))
    hook = provider.parse_webhook(payload=body, headers=headers)
    assert (hook.kind, hook.reference, hook.provider_payment_id, hook.amount_minor) == (
        "payment.succeeded",
        "pay-1",
        "pi_1",
        4999,
    )
    assert hook.card.last4 == "4242" and hook.card_token == "cus_1/pm_1"
    assert [(c["method"], c["path"]) for c in seen] == [("GET", "/v1/payment_methods/pm_1")]


def test_other_webhooks_map_or_are_ignored(stripe_api):
    provider, _ = stripe_api
    failed = {"id": "pi_2", "object": "payment_intent", "metadata": {"reference": "p", "flow": "saved"},
              "last_payment_error": {"code": "card_declined", "message": "Your card was declined.",
                                     "payment_method": PM}}  # fmt: skip
    hook = provider.parse_webhook(payload=signed(event("payment_intent.payment_failed", failed))[0],
                                  headers=signed(event("payment_intent.payment_failed", failed))[1])  # fmt: skip
    assert (hook.kind, hook.failure_code) == ("payment.failed", "card_declined")
    retry_possible = {**failed, "metadata": {"reference": "p", "flow": "checkout"}}
    body, headers = signed(event("payment_intent.payment_failed", retry_possible))
    assert provider.parse_webhook(payload=body, headers=headers).kind == "ignored"
    expired = {
        "id": "cs_1",
        "object": "checkout.session",
        "mode": "payment",
        "client_reference_id": "p",
    }
    body, headers = signed(event("checkout.session.expired", expired))
    hook = provider.parse_webhook(payload=body, headers=headers)
    assert (hook.kind, hook.reference, hook.failure_code) == (
        "payment.failed",
        "p",
        "checkout_expired",
    )
    setup = {"id": "seti_1", "object": "setup_intent", "customer": "cus_1", "payment_method": PM,
             "metadata": {"reference": "cust-9"}}  # fmt: skip
    body, headers = signed(event("setup_intent.succeeded", setup))
    hook = provider.parse_webhook(payload=body, headers=headers)
    assert (hook.kind, hook.reference, hook.card_token) == (
        "setup.succeeded",
        "cust-9",
        "cus_1/pm_1",
    )
    body, headers = signed(event("customer.created", {"id": "cus_1", "object": "customer"}))
    assert provider.parse_webhook(payload=body, headers=headers).kind == "ignored"


def test_webhook_signatures_are_verified_on_the_raw_body(stripe_api):
    provider, _ = stripe_api
    body, headers = signed(event("customer.created", {"id": "cus_1", "object": "customer"}))
    for payload, head in [
        (body + b" ", headers),
        signed(event("customer.created", {"id": "cus_1"}), secret="whsec_other"),
        signed(event("customer.created", {"id": "cus_1"}), at=int(time.time()) - 400),
        (body, {}),
        (b"not json", signed(event("x", {}))[1]),
    ]:
        with pytest.raises(InvalidWebhook):
            provider.parse_webhook(payload=payload, headers=head)
