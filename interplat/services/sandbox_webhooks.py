"""The sandbox processor's webhook signature: ``Sandbox-Signature: t=<unix>,v1=<hex>``, an
HMAC-SHA256 of ``"<t>.<raw body>"``, checked on the raw body and refused when more than
five minutes away from now (so a captured webhook cannot be replayed later).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

from ..config import get_settings
from . import signing
from .payment_provider import CardSummary, InvalidWebhook, ProviderWebhook

SIGNATURE_HEADER = "Sandbox-Signature"
WEBHOOK_TOLERANCE_SECONDS = 300


def webhook_secret() -> str:
    """``INTERPLAT_SANDBOX_WEBHOOK_SECRET``, or one derived from ``INTERPLAT_SECRET_KEY``."""
    configured = get_settings().sandbox_webhook_secret
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value()
    return "whsec_sb_" + signing.sign("sandbox-webhook", "secret")


def sign_payload(body: bytes, timestamp: int, secret: str | None = None) -> str:
    """The ``Sandbox-Signature`` header value for ``body`` sent at ``timestamp``."""
    key = (secret or webhook_secret()).encode()
    digest = hmac.new(key, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def parse_event(
    payload: bytes, headers: Mapping[str, str], now: float | None = None
) -> ProviderWebhook:
    """Verify and read a sandbox webhook (``InvalidWebhook`` when anything is off)."""
    header = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER.lower()), "")
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        raise InvalidWebhook("missing or malformed signature header") from None
    if abs((now or time.time()) - timestamp) > WEBHOOK_TOLERANCE_SECONDS:
        raise InvalidWebhook("timestamp outside the tolerance window")
    expected = sign_payload(payload, timestamp).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, parts.get("v1", "")):
        raise InvalidWebhook("signature does not match")
    try:
        event = json.loads(payload)
        return to_webhook(event)
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidWebhook("unreadable event body") from exc


def to_webhook(event: dict[str, Any]) -> ProviderWebhook:
    data = event["data"]
    card = data.get("card")
    kinds = ("payment.succeeded", "payment.failed", "setup.succeeded", "refund.succeeded")
    return ProviderWebhook(
        event_id=str(event["id"]),
        kind=event["type"] if event["type"] in kinds else "ignored",
        reference=str(data.get("reference", "")),
        provider_payment_id=str(data.get("payment_id", "")),
        card=CardSummary(
            str(card["brand"]), str(card["last4"]), int(card["exp_month"]), int(card["exp_year"])
        )
        if card
        else None,  # fmt: skip
        card_token=str(data.get("card_token", "")),
        failure_code=str(data.get("failure_code", "")),
        failure_message=str(data.get("failure_message", "")),
        provider_refund_id=str(data.get("refund_id", "")),
        amount_minor=int(data.get("amount_minor", 0)),
    )
