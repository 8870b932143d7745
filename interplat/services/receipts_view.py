"""The customer's receipt page: what was paid, with which card, when, and any refunds.

A receipt opens from its public link (P1's token scheme: ``payment_settlement`` makes
the token from the receipt's id and stores only its hash), the same link the receipt
message in the chat carries and the bill page sends the payer to once a payment settles.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, select

from ..models import Enterprise, Payment, PaymentRequest, Receipt, Refund
from . import payment_settlement
from .bills import BillLine, bill_lines, local_time
from .enterprises import BrandPublic, brand_of
from .errors import NotFound
from .money import format_money
from .wallet import card_label

_MISSING = "We could not find this receipt. Check the link."


@dataclass(frozen=True)
class RefundLine:
    amount: str
    when: str
    status: str


@dataclass(frozen=True)
class ReceiptView:
    brand: BrandPublic
    number: str
    amount: str
    card: str  # "Visa •••• 4242"
    paid_at: str
    invoice_number: str
    description: str
    lines: list[BillLine]
    total: str
    refunds: list[RefundLine]
    refunded: str  # the total refunded, "" for none


def receipt_path(receipt: Receipt) -> str:
    """The receipt page's path (its token is rebuilt from the id with the server's key)."""
    return f"/receipt/{payment_settlement.receipt_token(receipt)}"


def receipt_of(*, session: Session, payment_id: uuid.UUID) -> Receipt | None:
    return session.exec(select(Receipt).where(Receipt.payment_id == payment_id)).first()


def receipt_view(*, session: Session, token: str) -> ReceiptView:
    """The receipt behind a link.

    Raises:
        NotFound: the link opens no receipt.
    """
    try:
        receipt = payment_settlement.receipt_by_token(session=session, token=token[:200])
    except NotFound:
        raise NotFound(_MISSING) from None
    payment = session.get(Payment, receipt.payment_id)
    request = session.get(PaymentRequest, payment.payment_request_id) if payment else None
    enterprise = session.get(Enterprise, receipt.enterprise_id)
    if payment is None or request is None or enterprise is None:
        raise NotFound(_MISSING)
    refunds = session.exec(
        select(Refund)
        .where(Refund.enterprise_id == receipt.enterprise_id, Refund.payment_id == payment.id)
        .order_by(col(Refund.created_at))
    ).all()
    zone = enterprise.timezone
    return ReceiptView(
        brand=brand_of(enterprise),
        number=receipt.number,
        amount=format_money(payment.amount_minor, payment.currency),
        card=card_label(payment.card_brand, payment.card_last4) if payment.card_last4 else "",
        paid_at=local_time(payment.settled_at or receipt.issued_at, zone),
        invoice_number=request.invoice_number,
        description=request.description,
        lines=bill_lines(session, request),
        total=format_money(request.amount_minor, request.currency),
        refunds=[
            RefundLine(
                amount=format_money(refund.amount_minor, refund.currency),
                when=local_time(refund.created_at, zone),
                status=refund.status,
            )
            for refund in refunds
        ],
        refunded=format_money(payment.amount_refunded_minor, payment.currency)
        if payment.amount_refunded_minor
        else "",
    )
