"""Inbound billing: a customer links their account with a biller from the directory and
sees the bills they owe.

The account reference is the one the enterprise issued (``Customer.external_id``); the
second factor is the last four digits of the phone number on file (or, for a customer
with no phone on file, the postal code). Both must match the same customer, and a wrong
pair says nothing about which half was wrong. Wrong tries are limited per browser
session (the caller keeps their times): five in fifteen minutes, then a wait.

A linked customer is remembered in the browser's signed chat cookie
(``chat_sessions``), which is also what later lists their bills.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import Customer, Enterprise, PaymentRequest, utcnow
from . import chat_sessions, payment_requests
from .bills import PAYABLE
from .errors import NotFound, ValidationFailed
from .money import format_money

MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)
MAX_REFERENCE = 100
NO_MATCH = "We could not find an account with that reference and those details."
EMPTY = "Enter your account number and the last 4 digits of your phone."


class TooManyAttempts(ValidationFailed):
    code = "too_many_attempts"


@dataclass(frozen=True)
class BillDue:
    """A bill the customer can pay, as the directory lists it."""

    brand_name: str
    primary_color: str
    invoice_number: str
    description: str
    amount: str
    due: str  # "Dec 25, 2026" or ""
    path: str  # the bill page


def recent_failures(failures: Sequence[dt.datetime], now: dt.datetime) -> list[dt.datetime]:
    """The wrong tries that still count (the last fifteen minutes)."""
    return [when for when in failures if now - when < FAILURE_WINDOW]


def check_attempts(failures: Sequence[dt.datetime], now: dt.datetime) -> None:
    """Refuse a sixth wrong try in fifteen minutes, saying how long to wait.

    Raises:
        TooManyAttempts: five wrong tries in the window.
    """
    counted = sorted(recent_failures(failures, now))
    if len(counted) >= MAX_FAILURES:
        wait = counted[-MAX_FAILURES] + FAILURE_WINDOW - now
        minutes = max(1, -(-int(wait.total_seconds()) // 60))
        raise TooManyAttempts(
            f"Too many tries. For your security, wait {minutes} minute"
            f"{'s' if minutes != 1 else ''} and try again."
        )


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _second_factor_matches(customer: Customer, answer: str) -> bool:
    if customer.phone:
        return len(_digits(answer)) == 4 and _digits(customer.phone)[-4:] == _digits(answer)
    postal = "".join(customer.postal_code.split()).upper()
    return bool(postal) and postal == "".join(answer.split()).upper()


def _listed_enterprise(session: Session, slug: str) -> Enterprise:
    enterprise = session.exec(
        select(Enterprise).where(
            Enterprise.slug == slug[:64],
            col(Enterprise.is_active).is_(True),
            col(Enterprise.listed_in_directory).is_(True),
        )
    ).first()
    if enterprise is None:
        raise NotFound("This business is not in the directory.")
    return enterprise


def link_account(
    *,
    session: Session,
    slug: str,
    account_reference: str,
    second_factor: str,
    failures: Sequence[dt.datetime] = (),
    now: dt.datetime | None = None,
) -> Customer:
    """The enterprise's customer whose account reference and second factor both match.

    Args:
        failures: this browser session's earlier wrong tries (for the limit).

    Raises:
        TooManyAttempts: too many wrong tries lately (checked before looking anything up).
        ValidationFailed: a field is empty, or nothing matches (one message for both halves).
        NotFound: no listed business has this slug.
    """
    now = now or utcnow()
    check_attempts(failures, now)
    reference = " ".join(account_reference.split())[:MAX_REFERENCE]
    if not reference or not second_factor.strip():
        raise ValidationFailed(EMPTY)
    enterprise = _listed_enterprise(session, slug)
    candidates = session.exec(
        select(Customer)
        .where(
            Customer.enterprise_id == enterprise.id,
            sa.func.lower(Customer.external_id) == reference.lower(),
        )
        .order_by(col(Customer.created_at))
    ).all()
    for customer in candidates:
        if _second_factor_matches(customer, second_factor):
            return customer
    raise ValidationFailed(NO_MATCH)


def bills_due(*, session: Session, cookie: str) -> list[BillDue]:
    """The payable bills of the customers this browser linked or chatted as, soonest due
    first (bills with no due date last)."""
    customer_ids = chat_sessions.remembered_customers(cookie)
    if not customer_ids:
        return []
    rows = session.exec(
        select(PaymentRequest, Enterprise)
        .join(Enterprise, col(Enterprise.id) == col(PaymentRequest.enterprise_id))
        .where(
            col(PaymentRequest.customer_id).in_(customer_ids),
            col(PaymentRequest.status).in_(sorted(PAYABLE)),
            col(Enterprise.is_active).is_(True),
        )
        .order_by(
            col(PaymentRequest.due_date).is_(None),
            col(PaymentRequest.due_date),
            col(PaymentRequest.created_at),
        )
    ).all()
    return [_bill_due(request, enterprise) for request, enterprise in rows]


def _bill_due(request: PaymentRequest, enterprise: Enterprise) -> BillDue:
    token = payment_requests.bill_token(request.id)
    return BillDue(
        brand_name=enterprise.brand_name,
        primary_color=enterprise.primary_color,
        invoice_number=request.invoice_number,
        description=request.description,
        amount=format_money(request.amount_minor, request.currency),
        due=request.due_date.strftime("%b %-d, %Y") if request.due_date else "",
        path=payment_requests.bill_path(token),
    )
