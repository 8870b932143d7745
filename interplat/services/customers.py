"""Customers of an enterprise, matched by phone number (E.164)."""

from __future__ import annotations

import uuid
from typing import Any

import phonenumbers
from sqlmodel import Session, select

from ..models import Customer
from .errors import InvalidPhoneNumber

CUSTOMER_FIELDS = frozenset(
    {"email", "first_name", "last_name", "dob", "external_id", "city", "region", "country"}
)


def normalize_phone(raw: str, default_region: str = "US") -> str:
    """E.164 (``+15551234567``) from what a person or an IVR typed, or ``InvalidPhoneNumber``."""
    text = (raw or "").strip()
    if text.isdigit() and len(text) > 10:
        text = "+" + text  # IVRs send caller ids as E.164 without the plus
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber("That phone number is not valid.", field="phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber("That phone number is not valid.", field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def find_or_create_customer(
    *, session: Session, enterprise_id: uuid.UUID, phone: str, **fields: Any
) -> tuple[Customer, bool]:
    """The enterprise's customer with this phone, created with ``fields`` if new."""
    phone = normalize_phone(phone)
    customer = session.exec(
        select(Customer).where(Customer.enterprise_id == enterprise_id, Customer.phone == phone)
    ).first()
    if customer is not None:
        return customer, False
    unknown = set(fields) - CUSTOMER_FIELDS
    if unknown:
        raise ValueError(f"unknown customer fields: {sorted(unknown)}")
    customer = Customer(enterprise_id=enterprise_id, phone=phone, **fields)
    session.add(customer)
    session.flush()
    return customer, True
