"""What a payment request's fields may hold: limits, currencies, and the checks and
parsers that turn a CSR's input into exact minor units (or a clear ``ValidationFailed``).

Shared by the single request (``payment_requests.create_request``, the composer) and the
CSV import (``rfp_bulk``), so both refuse the same things with the same limits.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from decimal import Decimal, InvalidOperation

from sqlmodel import Session, select

from ..models import Attachment, Enterprise, PaymentRequest, PaymentRequestStatus
from .errors import Conflict, NotFound, ValidationFailed
from .money import EXPONENTS, format_money

CURRENCIES = ("USD", "CAD", "EUR", "GBP", "AUD", "JPY")
MAX_MAJOR_UNITS = 1_000_000  # per request, in the currency's major unit
MAX_DESCRIPTION = 2000
MAX_INVOICE = 64
MAX_LINE_ITEMS = 100
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
LineItem = tuple[str, int, int]  # description, quantity, unit amount (minor units)


def max_amount_minor(currency: str) -> int:
    return MAX_MAJOR_UNITS * 10 ** EXPONENTS.get(currency, 2)


def local_today(enterprise: Enterprise | None, now: dt.datetime) -> dt.date:
    """Today on the enterprise's clock (a due date is a local day)."""
    try:
        zone = zoneinfo.ZoneInfo((enterprise.timezone if enterprise else "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return now.astimezone(zone).date()


def check_amount(amount_minor: int, currency: str) -> str:
    """The currency, upper-cased, or ``ValidationFailed`` for a bad amount or currency."""
    code = (currency or "").strip().upper()
    if code not in CURRENCIES:
        raise ValidationFailed(
            f"Currency must be one of {', '.join(CURRENCIES)}.", field="currency"
        )
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        raise ValidationFailed("The amount must be more than zero.", field="amount")
    if amount_minor > max_amount_minor(code):
        cap = format_money(max_amount_minor(code), code)
        raise ValidationFailed(f"The amount cannot be more than {cap}.", field="amount")
    return code


def check_invoice(session: Session, enterprise_id: uuid.UUID, invoice_number: str) -> str:
    """Optional; when given, unique among the enterprise's requests that are not cancelled."""
    invoice = (invoice_number or "").strip()
    if len(invoice) > MAX_INVOICE:
        raise ValidationFailed(
            f"Invoice numbers have at most {MAX_INVOICE} characters.", field="invoice_number"
        )
    if (
        invoice
        and session.exec(
            select(PaymentRequest.id).where(
                PaymentRequest.enterprise_id == enterprise_id,
                PaymentRequest.invoice_number == invoice,
                PaymentRequest.status != PaymentRequestStatus.CANCELLED,
            )
        ).first()
    ):
        raise Conflict(f"Invoice {invoice} was already requested.", field="invoice_number")
    return invoice


def check_line_items(items: list[LineItem], amount_minor: int) -> list[LineItem]:
    """Clean lines whose total is the amount (an empty list is fine)."""
    if len(items) > MAX_LINE_ITEMS:
        raise ValidationFailed(f"At most {MAX_LINE_ITEMS} line items.", field="line_items")
    clean = []
    for number, (text, quantity, unit) in enumerate(items, start=1):
        text = (text or "").strip()
        if not text or len(text) > 300:
            raise ValidationFailed(f"Line {number} needs a description (1–300 characters).")
        if not isinstance(quantity, int) or not 1 <= quantity <= 10_000:
            raise ValidationFailed(f"Line {number}: the quantity must be 1–10,000.")
        if not isinstance(unit, int) or unit <= 0:
            raise ValidationFailed(f"Line {number}: the unit price must be more than zero.")
        clean.append((text, quantity, unit))
    if clean and sum(q * u for _, q, u in clean) != amount_minor:
        raise ValidationFailed("The line items must add up to the amount.", field="line_items")
    return clean


def check_due_date(due_date: dt.date | None, enterprise: Enterprise | None, now: dt.datetime):
    if due_date is not None and due_date < local_today(enterprise, now):
        raise ValidationFailed("The due date cannot be in the past.", field="due_date")


def check_attachment(session: Session, enterprise_id: uuid.UUID, attachment_id: uuid.UUID | None):
    if attachment_id is None:
        return
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.enterprise_id != enterprise_id:
        raise NotFound("Attachment not found.", field="attachment")
    if attachment.content_type != "application/pdf" or attachment.size_bytes > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed("Attach a PDF invoice of at most 10 MB.", field="attachment")


def parse_amount(text: str, currency: str, field: str = "amount") -> int:
    """ "49.99" → 4999 (exactly, in the currency's minor units), or ``ValidationFailed``."""
    exponent = EXPONENTS.get((currency or "USD").upper(), 2)
    cleaned = (text or "").strip().replace(",", "").removeprefix("$")
    try:
        value = Decimal(cleaned).scaleb(exponent)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value != value.to_integral_value():
        raise ValidationFailed(f"Write the amount like 49.99 (not “{text[:20]}”).", field=field)
    return int(value)


def parse_line_items(text: str, currency: str) -> list[LineItem]:
    """One item a line, "description; quantity; unit price" ("Labour; 2; 40.00")."""
    items = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(";")]
        if len(parts) != 3 or not parts[1].isdigit():
            raise ValidationFailed(
                f"Line item {number}: write “description; quantity; unit price”.",
                field="line_items",
            )
        items.append((parts[0], int(parts[1]), parse_amount(parts[2], currency, "line_items")))
    return items
