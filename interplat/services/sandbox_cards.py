"""The sandbox processor's card checks: format, Luhn, expiry, CVC, and the test cards.

The numbers and outcomes are Stripe's documented test cards, so a tester who knows them
gets what they expect; every other number (even a valid real one) is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .card_numbers import luhn_valid

SUCCESS = "success"
DECLINED = "card_declined"
INSUFFICIENT_FUNDS = "insufficient_funds"
EXPIRED = "expired_card"
INCORRECT_CVC = "incorrect_cvc"
# 3-D Secure on every payment, and on one-time payments only (a saved card skips it).
THREE_DS_ALWAYS = "3ds_always"
THREE_DS_ONCE = "3ds_once"

TEST_CARDS: dict[str, tuple[str, str]] = {
    "4242424242424242": ("visa", SUCCESS),
    "4000056655665556": ("visa", SUCCESS),  # Visa debit
    "5555555555554444": ("mastercard", SUCCESS),
    "378282246310005": ("amex", SUCCESS),
    "6011111111111117": ("discover", SUCCESS),
    "3056930009020004": ("diners", SUCCESS),
    "3566002020360505": ("jcb", SUCCESS),
    "6200000000000005": ("unionpay", SUCCESS),
    "4000000000000002": ("visa", DECLINED),
    "4000000000009995": ("visa", INSUFFICIENT_FUNDS),
    "4000000000000069": ("visa", EXPIRED),
    "4000000000000127": ("visa", INCORRECT_CVC),
    "4000002500003155": ("visa", THREE_DS_ONCE),
    "4000000000003220": ("visa", THREE_DS_ALWAYS),
}
# Shown on the hosted page: a few cards and what they do.
SHOWN_CARDS = (
    ("4242 4242 4242 4242", "Visa, succeeds"),
    ("5555 5555 5555 4444", "Mastercard, succeeds"),
    ("4000 0000 0000 0002", "declined"),
    ("4000 0000 0000 9995", "insufficient funds"),
    ("4000 0025 0000 3155", "asks for 3-D Secure"),
)
DECLINE_MESSAGES = {
    DECLINED: "Your card was declined.",
    INSUFFICIENT_FUNDS: "Your card has insufficient funds.",
    EXPIRED: "Your card has expired.",
    INCORRECT_CVC: "Your card's security code is incorrect.",
    "authentication_failed": "We are unable to authenticate your payment method.",
}


class CardRefused(Exception):
    """Card details the processor refuses before any charge (processor-style ``code``)."""

    def __init__(self, code: str, message: str, field: str) -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


@dataclass(frozen=True)
class CheckedCard:
    """What is left of a card once checked: never the number or the CVC."""

    brand: str
    last4: str
    exp_month: int
    exp_year: int
    outcome: str


def check_card(number: str, expiry: str, cvc: str, today: dt.date) -> CheckedCard:
    """Validate what a payer typed on the hosted page, in the order a processor would.

    Raises:
        CardRefused: incorrect_number, invalid_expiry_month/year, invalid_cvc, or
            test_mode_live_card for a valid number that is not a test card.
    """
    digits = re.sub(r"[\s-]", "", number or "")
    if not digits.isdigit() or not 13 <= len(digits) <= 19 or not luhn_valid(digits):
        raise CardRefused("incorrect_number", "Your card number is incorrect.", "number")
    month, year = _expiry(expiry, today)
    known = TEST_CARDS.get(digits)
    brand = known[0] if known else ""
    cvc = (cvc or "").strip()
    if not cvc.isdigit() or len(cvc) != (4 if brand == "amex" else 3):
        raise CardRefused("invalid_cvc", "Your card's security code is invalid.", "cvc")
    if known is None:
        raise CardRefused("test_mode_live_card", "This is a sandbox: use a test card.", "number")
    return CheckedCard(brand, digits[-4:], month, year, known[1])


def _expiry(text: str, today: dt.date) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*", text or "")
    if not match or not 1 <= int(match[1]) <= 12:
        raise CardRefused(
            "invalid_expiry_month", "Your card's expiration date is invalid.", "expiry"
        )
    month, year = int(match[1]), int(match[2])
    year = year + 2000 if year < 100 else year
    if (year, month) < (today.year, today.month):
        raise CardRefused(
            "invalid_expiry_year", "Your card's expiration date is in the past.", "expiry"
        )
    return month, year
