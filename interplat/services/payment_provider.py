"""The payment provider seam: what Interplat asks of a card processor, whichever it is.

Two implementations, chosen by ``INTERPLAT_PAYMENT_PROVIDER``: the built-in sandbox
processor (``sandbox_processor``; the default a new deployment runs with no account) and
Stripe (``stripe_provider``; the real SDK, its HTTP client injectable). Card numbers never
pass through here: a person types them only on the provider's own hosted page, and we get
back a token with the brand, last four digits and expiry.

Amounts are integer minor units with an ISO 4217 currency. Every call that moves money
takes an idempotency key: the same key with the same request gives the same result and
never a second charge or refund.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

ChargeStatus = Literal["succeeded", "failed", "requires_action", "pending"]
WebhookKind = Literal[
    "payment.succeeded", "payment.failed", "setup.succeeded", "refund.succeeded", "ignored"
]


class InvalidWebhook(Exception):
    """A webhook whose signature does not verify, or that cannot be read."""


class ProviderError(Exception):
    """The provider could not be reached or refused the request itself (not a decline)."""


@dataclass(frozen=True)
class CardSummary:
    """All we ever keep of a card."""

    brand: str  # visa, mastercard, amex, discover, diners, jcb, unionpay
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True)
class Checkout:
    """A hosted page the payer is sent to (to pay with a new card, or to save one)."""

    session_id: str
    url: str


@dataclass(frozen=True)
class ChargeResult:
    status: ChargeStatus
    provider_payment_id: str
    card: CardSummary | None = None
    failure_code: str = ""  # processor-style: card_declined, insufficient_funds, …
    failure_message: str = ""
    action_url: str = ""  # requires_action: where the payer completes 3-D Secure


@dataclass(frozen=True)
class RefundResult:
    provider_refund_id: str
    status: Literal["succeeded", "failed", "pending"]
    failure_message: str = ""


@dataclass(frozen=True)
class ProviderWebhook:
    """A verified notification, reduced to what Interplat acts on."""

    event_id: str  # unique per event: a redelivery carries the same id
    kind: WebhookKind
    reference: str = ""  # our Payment id (payments), or our customer reference (setups)
    provider_payment_id: str = ""
    card: CardSummary | None = None
    card_token: str = ""  # setup.succeeded, or a payment whose card was saved
    failure_code: str = ""
    failure_message: str = ""
    provider_refund_id: str = ""
    amount_minor: int = 0


class PaymentProvider(Protocol):
    name: str

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
        """A hosted page where the payer enters a card and pays ``amount_minor``.

        ``reference`` (our Payment id) comes back in the webhook; ``save_card_for`` (our
        customer reference, "" for none) also saves the card for that customer.
        """
        ...

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
        """Charge a wallet card at once (the payer is present and chose it)."""
        ...

    def start_card_setup(self, *, customer_ref: str, return_url: str) -> Checkout:
        """A hosted page that saves a card for ``customer_ref`` without charging it."""
        ...

    def refund(
        self, *, provider_payment_id: str, amount_minor: int, idempotency_key: str
    ) -> RefundResult: ...

    def parse_webhook(self, *, payload: bytes, headers: Mapping[str, str]) -> ProviderWebhook:
        """Verify a webhook on its raw body and read it.

        Raises:
            InvalidWebhook: the signature is missing, wrong or too old, or the body is bad.
        """
        ...
