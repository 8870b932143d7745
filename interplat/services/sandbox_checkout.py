"""The sandbox processor's hosted page: the only place a full card number is ever typed.

The number and CVC live only in the request being handled: they are checked, reduced to
brand, last four and expiry, and dropped. The payer then goes back to the merchant's
``return_url`` (``?payment=<reference>&status=…``) or to a 3-D Secure challenge, and the
outcome is reported to the merchant by a signed webhook.
"""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import urlencode

from sqlmodel import Session, select

from ..models import SandboxCard, SandboxCharge, SandboxCheckout, SandboxEvent, utcnow
from .errors import Conflict, NotFound
from .sandbox_cards import DECLINE_MESSAGES, SUCCESS, CardRefused, CheckedCard, check_card
from .sandbox_processor import (
    SandboxProcessor,
    challenge_url,
    charge_event,
    new_id,
    record_event,
)

__all__ = ["answer_challenge", "open_checkout", "submit_card"]


def open_checkout(
    *, session: Session, checkout_id: str, now: dt.datetime | None = None
) -> SandboxCheckout:
    """A checkout still waiting for a card.

    Raises:
        NotFound: no such checkout.
        Conflict: it was completed, failed or has expired.
    """
    checkout = session.exec(
        select(SandboxCheckout)
        .where(SandboxCheckout.id == checkout_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if checkout is None:
        raise NotFound("This checkout does not exist.")
    if checkout.status != "open":
        raise Conflict("This checkout is already finished.")
    if checkout.expires_at is not None and checkout.expires_at <= (now or utcnow()):
        raise Conflict("This checkout has expired. Go back and start again.")
    return checkout


def submit_card(
    *,
    session: Session,
    processor: SandboxProcessor,
    checkout_id: str,
    number: str,
    expiry: str,
    cvc: str,
    now: dt.datetime | None = None,
) -> str:
    """Check the typed card and act on it; returns where to send the payer's browser.

    Raises:
        CardRefused: the details are wrong, or (saving a card) the card is declined; the
            form is shown again and nothing changes.
        NotFound, Conflict: see ``open_checkout``.
    """
    now = now or utcnow()
    checkout = open_checkout(session=session, checkout_id=checkout_id, now=now)
    card = check_card(number, expiry, cvc, now.date())
    del number, cvc  # nothing below may keep them
    if checkout.mode == "setup" and card.outcome in DECLINE_MESSAGES:
        raise CardRefused(card.outcome, DECLINE_MESSAGES[card.outcome], "number")
    token = _vault(session, card, checkout.save_card_for) if checkout.save_card_for else ""
    charge = SandboxCharge(
        id=new_id("ch"), amount_minor=checkout.amount_minor, currency=checkout.currency,
        reference=checkout.reference, checkout_id=checkout.id, card_token=token,
        brand=card.brand, last4=card.last4, exp_month=card.exp_month, exp_year=card.exp_year,
        status="succeeded", created_at=now,
    )  # fmt: skip
    if card.outcome in DECLINE_MESSAGES:
        charge.status, charge.failure_code = "failed", card.outcome
        charge.failure_message = DECLINE_MESSAGES[card.outcome]
    elif card.outcome != SUCCESS:
        charge.status = "requires_action"
    session.add(charge)
    if charge.status == "requires_action":
        checkout.status, checkout.charge_id = "requires_action", charge.id
        session.add(checkout)
        session.commit()
        return challenge_url(charge.id)
    return _finish(session, processor, checkout, charge)


def answer_challenge(
    *, session: Session, processor: SandboxProcessor, charge_id: str, approve: bool
) -> str:
    """The payer approved or failed 3-D Secure; returns where to go next ("" for nowhere)."""
    charge = session.exec(
        select(SandboxCharge).where(SandboxCharge.id == charge_id).with_for_update()
    ).first()
    if charge is None:
        raise NotFound("This payment does not exist.")
    if charge.status != "requires_action":
        raise Conflict("This payment was already authenticated.")
    if not approve:
        charge.status, charge.failure_code = "failed", "authentication_failed"
        charge.failure_message = DECLINE_MESSAGES["authentication_failed"]
    else:
        charge.status = "succeeded"
    session.add(charge)
    checkout = session.get(SandboxCheckout, charge.checkout_id) if charge.checkout_id else None
    if checkout is None:  # a saved card charged at once, then challenged
        event = charge_event(session, charge)
        session.commit()
        processor.send(event)
        return ""
    return _finish(session, processor, checkout, charge)


def _finish(
    session: Session, processor: SandboxProcessor, checkout: SandboxCheckout, charge: SandboxCharge
) -> str:
    """Close the checkout, commit, report the outcome by webhook, and send the payer back."""
    checkout.status = "complete" if charge.status == "succeeded" else "failed"
    checkout.charge_id = charge.id
    session.add(checkout)
    event = _outcome_event(session, checkout, charge)
    session.commit()
    if event is not None:
        processor.send(event)
    status = "succeeded" if charge.status == "succeeded" else "failed"
    if checkout.mode == "setup":
        query = {"setup": checkout.id, "status": status}
    else:
        query = {"payment": checkout.reference, "status": status}
    separator = "&" if "?" in checkout.return_url else "?"
    return checkout.return_url + separator + urlencode(query)


def _outcome_event(
    session: Session, checkout: SandboxCheckout, charge: SandboxCharge
) -> SandboxEvent | None:
    if checkout.mode == "payment":
        token = charge.card_token if charge.status == "succeeded" else ""
        return charge_event(session, charge, card_token=token)
    if charge.status != "succeeded":
        return None  # a failed setup saves nothing and tells nobody
    card = {"brand": charge.brand, "last4": charge.last4,
            "exp_month": charge.exp_month, "exp_year": charge.exp_year}  # fmt: skip
    data = {"reference": checkout.save_card_for, "card": card, "card_token": charge.card_token}
    return record_event(session, "setup.succeeded", data)


def _vault(session: Session, card: CheckedCard, customer_ref: str) -> str:
    saved = SandboxCard(
        id=f"pm_sb_{uuid.uuid4().hex[:24]}", customer_ref=customer_ref, brand=card.brand,
        last4=card.last4, exp_month=card.exp_month, exp_year=card.exp_year, outcome=card.outcome,
    )  # fmt: skip
    session.add(saved)
    return saved.id
