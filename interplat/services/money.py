"""Money is held in integer minor units with an ISO 4217 currency; this shows it to people."""

from __future__ import annotations

# Minor-unit exponents that differ from 2, and the symbols worth showing.
EXPONENTS = {"JPY": 0, "KRW": 0, "CLP": 0, "VND": 0, "BHD": 3, "KWD": 3, "JOD": 3, "TND": 3}
SYMBOLS = {"USD": "$", "CAD": "CA$", "AUD": "A$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}


def format_money(minor: int, currency: str = "USD") -> str:
    """``1999, "USD"`` → ``"$19.99"``; ``-500, "EUR"`` → ``"-€5.00"``; unknown → ``"19.99 XYZ"``."""
    code = (currency or "USD").upper()
    exponent = EXPONENTS.get(code, 2)
    sign = "-" if minor < 0 else ""
    units, cents = divmod(abs(minor), 10**exponent)
    number = f"{units:,}" + (f".{cents:0{exponent}d}" if exponent else "")
    symbol = SYMBOLS.get(code)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {code}"
