"""The built-in sandbox card processor: the ``PaymentProvider`` a deployment runs by default.

It behaves like a real processor so that everything around it is exercised honestly:
cards are typed only on its hosted page (``sandbox_checkout`` + ``api/sandbox.py``), it
keeps its own records (``models/sandbox.py``) with tokens and last four digits only,
answers repeated idempotency keys with the stored result, caps refunds at what was
captured, and reports outcomes by HMAC-signed webhooks (``sandbox_webhooks``) POSTed to our own endpoint in the
background, retried a few times.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..config import get_settings
from ..db import session_scope
from ..models import (
    SandboxCard,
    SandboxCharge,
    SandboxCheckout,
    SandboxEvent,
    SandboxRefund,
    utcnow,
)
from .payment_provider import (
    CardSummary,
    ChargeResult,
    Checkout,
    ProviderError,
    ProviderWebhook,
    RefundResult,
)
from .sandbox_cards import DECLINE_MESSAGES, SUCCESS, THREE_DS_ONCE
from .sandbox_webhooks import SIGNATURE_HEADER, parse_event, sign_payload

log = logging.getLogger(__name__)
CHECKOUT_LIFETIME = dt.timedelta(minutes=30)
RETRY_DELAYS = (0.0, 1.0, 3.0, 10.0)
WEBHOOK_PATH = "/api/payments/webhooks/sandbox"
# (event id, raw body, headers): how a signed webhook leaves the processor.
Deliver = Callable[[str, bytes, dict[str, str]], None]


def new_id(prefix: str) -> str:
    return f"{prefix}_sb_{secrets.token_hex(12)}"


def fingerprint(**request: Any) -> str:
    """What an idempotency key is bound to: the request's parameters."""
    return hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()


def api_base_url() -> str:
    settings = get_settings()
    return (settings.api_base_url or settings.public_base_url).rstrip("/")


def post_webhook(event_id: str, body: bytes, headers: dict[str, str]) -> bool:
    """One delivery attempt to our endpoint; True when it answered 2xx."""
    import httpx

    try:
        answer = httpx.post(
            api_base_url() + WEBHOOK_PATH, content=body, headers=headers, timeout=10
        )
    except httpx.HTTPError as exc:
        log.warning("sandbox webhook %s not delivered: %s", event_id, exc)
        return False
    return answer.is_success


class SandboxProcessor:
    """The sandbox as a ``PaymentProvider`` (its hosted page lives in ``sandbox_checkout``)."""

    name = "sandbox"

    def __init__(self, database_url: str | None = None, deliver: Deliver | None = None) -> None:
        self.database_url = database_url
        self._deliver = deliver

    @contextmanager
    def _records(self) -> Iterator[Session]:
        with session_scope(self.database_url) as session:
            yield session

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
        """A hosted payment page; the same key and request give the same page."""
        if amount_minor <= 0:
            raise ProviderError("amount must be a positive integer")
        values: dict[str, Any] = dict(
            amount_minor=amount_minor,
            currency=currency.upper(),
            reference=reference,
            return_url=return_url,
            description=description[:300],
            save_card_for=save_card_for,
        )
        digest = fingerprint(**values)
        with self._records() as session:
            found = session.exec(
                select(SandboxCheckout).where(SandboxCheckout.idempotency_key == idempotency_key)
            ).first()
            if found is None:
                found = SandboxCheckout(
                    id=new_id("cs"),
                    mode="payment",
                    idempotency_key=idempotency_key,
                    fingerprint=digest,
                    expires_at=utcnow() + CHECKOUT_LIFETIME,
                    **values,
                )
                session.add(found)
            elif found.fingerprint != digest:
                raise ProviderError("idempotency_error: this key was used with another request")
        return Checkout(session_id=found.id, url=checkout_url(found.id))

    def start_card_setup(self, *, customer_ref: str, return_url: str) -> Checkout:
        """A hosted page that vaults a card for ``customer_ref`` without charging it."""
        with self._records() as session:
            checkout = SandboxCheckout(
                id=new_id("cs"),
                mode="setup",
                return_url=return_url,
                save_card_for=customer_ref,
                expires_at=utcnow() + CHECKOUT_LIFETIME,
            )
            session.add(checkout)
        return Checkout(session_id=checkout.id, url=checkout_url(checkout.id))

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
        """Charge a vaulted card at once; the same key and request give the same charge."""
        digest = fingerprint(
            card_token=card_token, amount_minor=amount_minor, currency=currency.upper(),
            reference=reference,
        )  # fmt: skip
        with self._records() as session:
            charge = session.exec(
                select(SandboxCharge).where(SandboxCharge.idempotency_key == idempotency_key)
            ).first()
            if charge is not None:
                if charge.fingerprint != digest:
                    raise ProviderError("idempotency_error: this key was used with another request")
                return charge_result(charge)
            card = session.get(SandboxCard, card_token)
            if card is None:
                raise ProviderError(f"resource_missing: no such card {card_token}")
            charge = SandboxCharge(
                id=new_id("ch"), amount_minor=amount_minor, currency=currency.upper(),
                reference=reference, idempotency_key=idempotency_key, fingerprint=digest,
                card_token=card.id, brand=card.brand, last4=card.last4,
                exp_month=card.exp_month, exp_year=card.exp_year, status="succeeded",
            )  # fmt: skip
            if card.outcome in DECLINE_MESSAGES:
                charge.status, charge.failure_code = "failed", card.outcome
                charge.failure_message = DECLINE_MESSAGES[card.outcome]
            elif card.outcome not in (SUCCESS, THREE_DS_ONCE):
                charge.status = "requires_action"  # 3-D Secure on every payment
            session.add(charge)
            session.flush()
            event = charge_event(session, charge) if charge.status != "requires_action" else None
        if event is not None:
            self.send(event)
        return charge_result(charge)

    def refund(
        self, *, provider_payment_id: str, amount_minor: int, idempotency_key: str
    ) -> RefundResult:
        """Refund part of a charge; the refunds of a charge never add up above it."""
        digest = fingerprint(charge=provider_payment_id, amount_minor=amount_minor)
        with self._records() as session:
            done = session.exec(
                select(SandboxRefund).where(SandboxRefund.idempotency_key == idempotency_key)
            ).first()
            if done is not None:
                if done.fingerprint != digest:
                    raise ProviderError("idempotency_error: this key was used with another request")
                return RefundResult(provider_refund_id=done.id, status="succeeded")
            charge = session.exec(
                select(SandboxCharge)
                .where(SandboxCharge.id == provider_payment_id)
                .with_for_update()
            ).first()
            if charge is None or charge.status != "succeeded":
                raise ProviderError(f"resource_missing: no captured charge {provider_payment_id}")
            if amount_minor <= 0 or charge.refunded_minor + amount_minor > charge.amount_minor:
                return RefundResult(
                    provider_refund_id="",
                    status="failed",
                    failure_message="The refund is greater than what remains of the charge.",
                )
            charge.refunded_minor += amount_minor
            refund = SandboxRefund(
                id=new_id("re"), charge_id=charge.id, amount_minor=amount_minor,
                idempotency_key=idempotency_key, fingerprint=digest,
            )  # fmt: skip
            session.add_all([charge, refund])
            event = record_event(
                session, "refund.succeeded",
                {"reference": charge.reference, "payment_id": charge.id, "refund_id": refund.id,
                 "amount_minor": amount_minor},
            )  # fmt: skip
        self.send(event)
        return RefundResult(provider_refund_id=refund.id, status="succeeded")

    def parse_webhook(self, *, payload: bytes, headers: Mapping[str, str]) -> ProviderWebhook:
        """Verify ``Sandbox-Signature`` on the raw body and read the event."""
        return parse_event(payload, headers)

    def send(self, event: SandboxEvent, secret: str | None = None) -> None:
        """Sign and deliver an event: in the background unless a ``deliver`` was given."""
        body = json.dumps(event.payload, sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign_payload(body, int(time.time()), secret),
        }
        if self._deliver is not None:
            self._deliver(event.id, body, headers)
            return
        threading.Thread(
            target=self._deliver_with_retries, args=(event.id, body, headers), daemon=True
        ).start()

    def _deliver_with_retries(self, event_id: str, body: bytes, headers: dict[str, str]) -> None:
        for attempt, delay in enumerate(RETRY_DELAYS, start=1):
            time.sleep(delay)
            delivered = post_webhook(event_id, body, headers)
            with self._records() as session:
                session.execute(
                    sa.update(SandboxEvent)
                    .where(col(SandboxEvent.id) == event_id)
                    .values(attempts=attempt, delivered_at=utcnow() if delivered else None)
                )
            if delivered:
                return
        log.error("sandbox webhook %s gave up after %d attempts", event_id, len(RETRY_DELAYS))


def checkout_url(checkout_id: str) -> str:
    return f"{api_base_url()}/api/sandbox/checkout/{checkout_id}"


def challenge_url(charge_id: str) -> str:
    return f"{api_base_url()}/api/sandbox/challenge/{charge_id}"


def charge_result(charge: SandboxCharge) -> ChargeResult:
    return ChargeResult(
        status=charge.status,  # type: ignore[arg-type]
        provider_payment_id=charge.id,
        card=CardSummary(charge.brand, charge.last4, charge.exp_month, charge.exp_year),
        failure_code=charge.failure_code,
        failure_message=charge.failure_message,
        action_url=challenge_url(charge.id) if charge.status == "requires_action" else "",
    )


def record_event(session: Session, kind: str, data: dict[str, Any]) -> SandboxEvent:
    event_id = new_id("evt")
    payload = {"id": event_id, "type": kind, "created": int(time.time()), "data": data}
    event = SandboxEvent(id=event_id, type=kind, payload=payload)
    session.add(event)
    return event


def charge_event(session: Session, charge: SandboxCharge, card_token: str = "") -> SandboxEvent:
    """The webhook for a settled charge (``card_token`` when the payer saved the card)."""
    card = {"brand": charge.brand, "last4": charge.last4,
            "exp_month": charge.exp_month, "exp_year": charge.exp_year}  # fmt: skip
    data = {"reference": charge.reference, "payment_id": charge.id, "card": card,
            "card_token": card_token, "failure_code": charge.failure_code,
            "failure_message": charge.failure_message, "amount_minor": charge.amount_minor}  # fmt: skip
    kind = "payment.succeeded" if charge.status == "succeeded" else "payment.failed"
    return record_event(session, kind, data)
