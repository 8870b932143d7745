"""Stripe as the ``PaymentProvider``: Checkout for new cards and saving cards, PaymentIntents
for wallet charges, Refunds, and signed webhooks.

The only module that imports the Stripe SDK. Its HTTP client and API origin are
injectable (tests point them at a local capture server). Every call that moves money
carries an ``Idempotency-Key``. Saved cards are tokens ``<customer>/<payment method>``
(Stripe charges a saved card through the customer it is attached to).

Webhooks to subscribe: ``payment_intent.succeeded``, ``payment_intent.payment_failed``,
``checkout.session.expired``, ``setup_intent.succeeded``, ``refund.updated``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import stripe

from ..config import get_settings
from .payment_provider import (
    CardSummary,
    ChargeResult,
    Checkout,
    InvalidWebhook,
    ProviderError,
    ProviderWebhook,
    RefundResult,
)

# Stripe accepts 30 min to 24 h; ours closes a little after the 30 min our payments
# treat a checkout as in flight for (payments.CHECKOUT_TTL is longer still).
CHECKOUT_LIFETIME_SECONDS = 31 * 60


class StripeProvider:
    name = "stripe"

    def __init__(
        self,
        api_key: str,
        webhook_secret: str,
        *,
        api_base: str = "https://api.stripe.com",
        http_client: stripe.HTTPClient | None = None,
        clock: Any = time.time,
    ) -> None:
        self._client = stripe.StripeClient(
            api_key,
            http_client=http_client,
            base_addresses={"api": api_base},
            max_network_retries=2,
        )
        self._webhook_secret = webhook_secret
        self._clock = clock

    @classmethod
    def from_settings(cls) -> StripeProvider:
        settings = get_settings()
        key, secret = settings.stripe_secret_key, settings.stripe_webhook_secret
        if key is None or not key.get_secret_value():
            raise ProviderError("INTERPLAT_STRIPE_SECRET_KEY is not set")
        return cls(
            key.get_secret_value(),
            secret.get_secret_value() if secret is not None else "",
            api_base=settings.stripe_api_base,
        )

    def start_checkout(
        self,
        *,
        amount_minor: int,
        currency: str,
        reference: str,
        idempotency_key: str,
        return_url: str,
        description: str,
        save_card_for: str = "",
    ) -> Checkout:
        """A Checkout Session (``mode=payment``); ``save_card_for`` keeps the card too."""
        intent: dict[str, Any] = {
            "description": description,
            "metadata": {"reference": reference, "flow": "checkout"},
        }
        params: dict[str, Any] = {
            "mode": "payment",
            "client_reference_id": reference,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": amount_minor,
                        "product_data": {"name": description},
                    },
                }
            ],
            "payment_method_types": ["card"],
            "payment_intent_data": intent,
            "success_url": _with_query(return_url, f"payment={reference}&status=succeeded"),
            "cancel_url": _with_query(return_url, f"payment={reference}&status=cancelled"),
            "expires_at": int(self._clock()) + CHECKOUT_LIFETIME_SECONDS,
        }
        if save_card_for:
            intent["setup_future_usage"] = "on_session"
            intent["metadata"]["customer_ref"] = save_card_for
            params["customer_creation"] = "always"
        session = self._call(self._client.v1.checkout.sessions.create, params, idempotency_key)
        return Checkout(session_id=session.id, url=session.url or "")

    def start_card_setup(self, *, customer_ref: str, return_url: str) -> Checkout:
        """A Customer for the card, then a Checkout Session in ``mode=setup``."""
        key = f"setup-{customer_ref}-{int(self._clock())}"
        customer = self._call(
            self._client.v1.customers.create, {"metadata": {"reference": customer_ref}}, key + "-c"
        )
        params = {
            "mode": "setup",
            "customer": customer.id,
            "currency": "usd",
            "payment_method_types": ["card"],
            "setup_intent_data": {"metadata": {"reference": customer_ref}},
            "success_url": _with_query(return_url, "setup=done&status=succeeded"),
            "cancel_url": _with_query(return_url, "setup=done&status=cancelled"),
        }
        session = self._call(self._client.v1.checkout.sessions.create, params, key + "-s")
        return Checkout(session_id=session.id, url=session.url or "")

    def charge_saved_card(
        self,
        *,
        card_token: str,
        amount_minor: int,
        currency: str,
        reference: str,
        idempotency_key: str,
        description: str,
    ) -> ChargeResult:
        """A PaymentIntent confirmed at once with the saved card, the payer present."""
        customer, _, method = card_token.partition("/")
        params = {
            "amount": amount_minor,
            "currency": currency.lower(),
            "customer": customer,
            "payment_method": method,
            "payment_method_types": ["card"],
            "confirm": True,
            "off_session": False,
            "description": description,
            "metadata": {"reference": reference, "flow": "saved"},
            "expand": ["payment_method"],
        }
        try:
            intent = self._client.v1.payment_intents.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            )
        except stripe.CardError as exc:
            body: Any = exc.json_body or {}
            error = body.get("error") or {}
            return ChargeResult(
                status="failed",
                provider_payment_id=str((error.get("payment_intent") or {}).get("id", "")),
                card=_card((error.get("payment_method") or {}).get("card")),
                failure_code=str(error.get("decline_code") or exc.code or "card_declined"),
                failure_message=exc.user_message or "Your card was declined.",
            )
        except stripe.StripeError as exc:
            raise ProviderError(str(exc)) from exc
        return _intent_result(intent.to_dict())

    def refund(
        self, *, provider_payment_id: str, amount_minor: int, idempotency_key: str
    ) -> RefundResult:
        params = {"payment_intent": provider_payment_id, "amount": amount_minor}
        refund = self._call(self._client.v1.refunds.create, params, idempotency_key)
        status = refund.status if refund.status in ("succeeded", "failed") else "pending"
        return RefundResult(
            provider_refund_id=refund.id,
            status=status,  # type: ignore[arg-type]
            failure_message=str(getattr(refund, "failure_reason", "") or ""),
        )

    def parse_webhook(self, *, payload: bytes, headers: Mapping[str, str]) -> ProviderWebhook:
        """``stripe.Webhook.construct_event`` on the raw body, reduced to what we act on."""
        signature = next((v for k, v in headers.items() if k.lower() == "stripe-signature"), "")
        if not self._webhook_secret:
            raise InvalidWebhook("INTERPLAT_STRIPE_WEBHOOK_SECRET is not set")
        try:
            event = stripe.Webhook.construct_event(payload, signature, self._webhook_secret)
        except (ValueError, stripe.SignatureVerificationError) as exc:
            raise InvalidWebhook(str(exc)) from exc
        return self._reduce(event.to_dict())

    def _reduce(self, event: dict[str, Any]) -> ProviderWebhook:
        kind, obj = event["type"], event["data"]["object"]
        base = {"event_id": event["id"]}
        meta = obj.get("metadata") or {}
        if kind == "payment_intent.succeeded":
            method = self._method(obj.get("payment_method"))
            token = ""
            if obj.get("setup_future_usage") and obj.get("customer"):
                token = f"{obj['customer']}/{method.get('id', '')}"
            return ProviderWebhook(
                **base, kind="payment.succeeded", reference=meta.get("reference", ""),
                provider_payment_id=obj["id"], card=_card(method.get("card")), card_token=token,
                amount_minor=int(obj.get("amount_received") or obj.get("amount") or 0),
            )  # fmt: skip
        if kind == "payment_intent.payment_failed" and meta.get("flow") != "checkout":
            error = obj.get("last_payment_error") or {}
            return ProviderWebhook(
                **base, kind="payment.failed", reference=meta.get("reference", ""),
                provider_payment_id=obj["id"],
                card=_card((error.get("payment_method") or {}).get("card")),
                failure_code=str(error.get("decline_code") or error.get("code") or ""),
                failure_message=str(error.get("message") or ""),
            )  # fmt: skip
        if kind == "checkout.session.expired" and obj.get("mode") == "payment":
            return ProviderWebhook(
                **base, kind="payment.failed", reference=obj.get("client_reference_id") or "",
                failure_code="checkout_expired",
                failure_message="The payment page expired before the payment was made.",
            )  # fmt: skip
        if kind == "setup_intent.succeeded":
            method = self._method(obj.get("payment_method"))
            return ProviderWebhook(
                **base, kind="setup.succeeded", reference=meta.get("reference", ""),
                card=_card(method.get("card")),
                card_token=f"{obj.get('customer') or ''}/{method.get('id', '')}",
            )  # fmt: skip
        if kind == "refund.updated" and obj.get("status") == "succeeded":
            return ProviderWebhook(
                **base, kind="refund.succeeded", provider_refund_id=obj["id"],
                provider_payment_id=str(obj.get("payment_intent") or ""),
                amount_minor=int(obj.get("amount") or 0),
            )  # fmt: skip
        return ProviderWebhook(**base, kind="ignored")

    def _method(self, method: Any) -> dict[str, Any]:
        """The card behind a webhook: events carry only the PaymentMethod's id."""
        if isinstance(method, dict):
            return method
        if not method:
            return {}
        try:
            return self._client.v1.payment_methods.retrieve(str(method)).to_dict()
        except stripe.StripeError as exc:
            raise ProviderError(str(exc)) from exc

    def _call(self, method: Any, params: dict[str, Any], idempotency_key: str) -> Any:
        try:
            return method(params, {"idempotency_key": idempotency_key})
        except stripe.StripeError as exc:
            raise ProviderError(str(exc)) from exc


def _with_query(url: str, query: str) -> str:
    return url + ("&" if "?" in url else "?") + query


def _card(card: Mapping[str, Any] | None) -> CardSummary | None:
    if not card:
        return None
    return CardSummary(
        brand=str(card.get("brand", "")),
        last4=str(card.get("last4", "")),
        exp_month=int(card.get("exp_month") or 0),
        exp_year=int(card.get("exp_year") or 0),
    )


def _intent_result(intent: dict[str, Any]) -> ChargeResult:
    method = intent.get("payment_method")
    card = _card(method.get("card")) if isinstance(method, dict) else None
    status = intent.get("status")
    if status == "succeeded":
        return ChargeResult(status="succeeded", provider_payment_id=intent["id"], card=card)
    if status == "requires_action":
        redirect = ((intent.get("next_action") or {}).get("redirect_to_url") or {}).get("url", "")
        return ChargeResult(
            status="requires_action", provider_payment_id=intent["id"], card=card,
            action_url=str(redirect),
        )  # fmt: skip
    if status == "processing":
        return ChargeResult(status="pending", provider_payment_id=intent["id"], card=card)
    error = intent.get("last_payment_error") or {}
    return ChargeResult(
        status="failed", provider_payment_id=intent["id"], card=card,
        failure_code=str(error.get("decline_code") or error.get("code") or "card_declined"),
        failure_message=str(error.get("message") or "Your card was declined."),
    )  # fmt: skip
