"""Bills and wallet cards built through the real services, for the bill, wallet and
inbound-billing tests."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from interplat.models import Customer, Enterprise, PaymentRequest, SavedCard, Ticket
from interplat.services import payment_requests, payment_settlement
from interplat.services.payment_provider import CardSummary
from tests.factories import make_ticket, make_user
from tests.payments_data import principal_of


def send_bill(
    session: Session,
    enterprise: Enterprise,
    customer: Customer,
    *,
    amount_minor: int = 4999,
    invoice: str = "INV-100",
    lines: list[tuple[str, int, int]] | None = None,
    due_date: dt.date | None = None,
    ticket: Ticket | None = None,
) -> tuple[PaymentRequest, str]:
    """A request for payment sent in the customer's chat, and its bill link token."""
    csr = make_user(session, enterprise)
    principal = principal_of(csr)
    ticket = ticket or make_ticket(session, enterprise, customer)
    request = payment_requests.create_request(
        session=session,
        principal=principal,
        customer_id=customer.id,
        ticket_id=ticket.id,
        amount_minor=amount_minor,
        currency="USD",
        invoice_number=invoice,
        description="Boiler service",
        line_items=lines if lines is not None else _default_lines(amount_minor),
        due_date=due_date,
    )
    payment_requests.send_in_chat(session=session, principal=principal, request=request)
    session.commit()
    return request, payment_requests.bill_token(request.id)


def add_card(
    session: Session,
    customer: Customer,
    last4: str = "4242",
    *,
    brand: str = "visa",
    exp: tuple[int, int] = (12, 2034),
    token: str = "",
) -> SavedCard:
    """A wallet card as the provider's setup webhook saves it."""
    card = payment_settlement.save_card(
        session,
        customer.enterprise_id,
        customer.id,
        "sandbox",
        token or f"card_{customer.id.hex[:8]}_{last4}_{exp[1]}",
        CardSummary(brand=brand, last4=last4, exp_month=exp[0], exp_year=exp[1]),
    )
    session.commit()
    return card


def _default_lines(amount_minor: int) -> list[tuple[str, int, int]]:
    """A visit and two filters when they add up, else one line."""
    if amount_minor == 4999:
        return [("Visit", 1, 2999), ("Filter", 2, 1000)]
    return [("Service", 1, amount_minor)]
