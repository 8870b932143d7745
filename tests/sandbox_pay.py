"""Helpers for payment tests: the sandbox processor on the test database, its webhooks
captured, and a payer typing a card on its hosted page."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from interplat.db import session_scope
from interplat.models import Customer, PaymentRequest, Ticket
from interplat.services import payments, sandbox_checkout
from interplat.services.sandbox_processor import SandboxProcessor


@dataclass
class Sandbox:
    processor: SandboxProcessor
    db_url: str
    sent: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    def pay_on_page(self, url: str, number: str, expiry: str = "12/34", cvc: str = "123") -> str:
        """Type a card on the hosted page behind ``url``; where the browser goes next."""
        checkout_id = url.rsplit("/", 1)[1]
        with session_scope(self.db_url) as session:
            return sandbox_checkout.submit_card(
                session=session, processor=self.processor, checkout_id=checkout_id,
                number=number, expiry=expiry, cvc=cvc,
            )  # fmt: skip

    def challenge(self, charge_url: str, approve: bool) -> str:
        with session_scope(self.db_url) as session:
            return sandbox_checkout.answer_challenge(
                session=session, processor=self.processor,
                charge_id=charge_url.rsplit("/", 1)[1], approve=approve,
            )  # fmt: skip

    def deliver(self) -> list[bool]:
        """Hand every captured webhook to ``payments.apply_webhook``, as our endpoint does."""
        changed = []
        for _, body, headers in self.sent:
            event = self.processor.parse_webhook(payload=body, headers=headers)
            with session_scope(self.db_url) as session:
                changed.append(payments.apply_webhook(session=session, event=event))
        self.sent.clear()
        return changed


def sandbox_on(db_url: str) -> Iterator[Sandbox]:
    """The ``sandbox`` fixture's body: the processor in use, its webhooks kept in ``sent``."""
    box = Sandbox(SandboxProcessor(database_url=db_url), db_url)
    box.processor = SandboxProcessor(
        database_url=db_url, deliver=lambda i, b, h: box.sent.append((i, b, h))
    )
    payments.set_provider(box.processor)
    yield box
    payments.set_provider(None)


def make_rfp(
    session, customer: Customer, ticket: Ticket | None, amount_minor: int = 4999, **kw
) -> PaymentRequest:
    """An RFP as a row (the way P2's service leaves one once sent)."""
    request = PaymentRequest(
        enterprise_id=customer.enterprise_id,
        customer_id=customer.id,
        ticket_id=ticket.id if ticket else None,
        amount_minor=amount_minor,
        currency=kw.pop("currency", "USD"),
        status=kw.pop("status", "sent"),
        invoice_number=kw.pop("invoice_number", "INV-1"),
        public_token_hash=hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
        **kw,
    )
    session.add(request)
    session.flush()
    return request
