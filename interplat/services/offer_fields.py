"""The offer wizard's fields as people type them, and the rules of each of its three steps.

The wizard holds strings ("12.50", "2026-12-31"); this module turns them into the Offer's
columns (integer minor units, a UTC instant) or says, field by field, what is wrong. The
UI shows the messages next to the fields; ``offers.create_offer`` refuses the same things.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session, func, select

from ..models import Attachment, Offer
from .money import EXPONENTS

MAX_TITLE = 200
MAX_TEXT = 2_000
MAX_TERMS = 4_000
MAX_URL = 500
MAX_CODE = 40
MAX_AMOUNT_MINOR = 100_000_000  # a million in two-decimal currencies; fits a 32-bit column
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread at a till
CODE_LENGTH = 8
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,39}$")
CURRENCIES = ("USD", "CAD", "EUR", "GBP", "AUD")
REDEMPTIONS = ("coupon", "online")
DISCOUNT_KINDS = ("percent", "amount")
VISIBILITIES = ("draft", "blast", "loop", "all")
STEP_FIELDS = {
    1: ("title", "body", "expires_on", "terms", "image"),
    2: ("redemption_kind", "discount", "original_price", "currency", "coupon_code", "url"),
    3: ("visibility",),
}

Errors = dict[str, str]


@dataclass
class OfferDraft:
    """The wizard's fields, as typed. ``expires_on`` is a date on the enterprise's calendar."""

    title: str = ""
    body: str = ""
    terms: str = ""
    expires_on: str = ""
    image_attachment_id: str = ""
    redemption_kind: str = "coupon"
    discount_kind: str = "percent"
    discount: str = ""
    original_price: str = ""
    currency: str = "USD"
    coupon_code: str = ""
    redemption_url: str = ""
    visibility: str = "draft"


def step_of(field: str) -> int:
    """Which wizard step shows ``field`` (so a refused save can go back to it)."""
    return next((step for step, fields in STEP_FIELDS.items() if field in fields), 1)


def expiry_instant(expires_on: str, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    """The last second of that local day, in UTC ("" is no expiry). Raises ValueError."""
    if not expires_on.strip():
        return None
    day = dt.date.fromisoformat(expires_on.strip())
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=zone).astimezone(dt.UTC)


def parse_money(text: str, currency: str) -> int:
    """``"12.50"`` → ``1250`` exactly (Decimal, never float). Raises ValueError with a message."""
    cleaned = text.strip().replace(",", "").lstrip("$€£").strip()
    exponent = EXPONENTS.get(currency.upper(), 2)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError("Enter an amount like 12.50.") from None
    if not value.is_finite():
        raise ValueError("Enter an amount like 12.50.")
    minor = value.scaleb(exponent)
    if minor != minor.to_integral_value():
        raise ValueError(f"Use at most {exponent} decimals.")
    return int(minor)


def parse_percent(text: str) -> int:
    """A whole percent 1–100. Raises ValueError with a message."""
    try:
        value = Decimal(text.strip().rstrip("%").strip())
    except InvalidOperation:
        raise ValueError("Enter the percent off as a whole number, like 15.") from None
    if not value.is_finite() or value != value.to_integral_value():
        raise ValueError("Enter the percent off as a whole number, like 15.")
    if value > 100:
        raise ValueError("A percent discount is at most 100%.")
    if value < 1:
        raise ValueError("A percent discount is at least 1%.")
    return int(value)


def normal_code(code: str) -> str:
    return code.strip().upper()


def generate_code(session: Session, enterprise_id: uuid.UUID) -> str:
    """A readable 8-character code no other offer of the enterprise uses."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not code_taken(session, enterprise_id, code, exclude_id=None):
            return code


def code_taken(
    session: Session, enterprise_id: uuid.UUID, code: str, *, exclude_id: uuid.UUID | None
) -> bool:
    query = select(Offer.id).where(
        Offer.enterprise_id == enterprise_id, func.upper(Offer.coupon_code) == normal_code(code)
    )
    if exclude_id is not None:
        query = query.where(Offer.id != exclude_id)
    return session.exec(query).first() is not None


def url_problem(url: str) -> str:
    """Why ``url`` cannot be an offer's link ("" when it can): http(s) with a real host only."""
    message = "Enter a web address starting with https://, like https://shop.example.com/deal."
    if not url.strip():
        return "Enter the web address where customers redeem the offer."
    if len(url) > MAX_URL:
        return f"Web addresses are at most {MAX_URL} characters."
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:
        return message
    if parts.scheme not in ("http", "https") or any(c.isspace() for c in url.strip()):
        return message
    if not host or ("." not in host and host != "localhost") or host.startswith("."):
        return message
    return ""


def details_errors(
    session: Session,
    enterprise_id: uuid.UUID,
    draft: OfferDraft,
    zone: zoneinfo.ZoneInfo,
    now: dt.datetime,
) -> Errors:
    """Step 1: title, text, expiry, terms and the image."""
    errors: Errors = {}
    title = draft.title.strip()
    if not title:
        errors["title"] = "Give the offer a title."
    elif len(title) > MAX_TITLE:
        errors["title"] = f"Titles are at most {MAX_TITLE} characters."
    if len(draft.body) > MAX_TEXT:
        errors["body"] = f"The text is at most {MAX_TEXT:,} characters."
    if len(draft.terms) > MAX_TERMS:
        errors["terms"] = f"Terms are at most {MAX_TERMS:,} characters."
    try:
        ends = expiry_instant(draft.expires_on, zone)
    except ValueError:
        errors["expires_on"] = "Enter the expiry as a date, like 2026-12-31."
    else:
        if ends is not None and ends <= now:
            errors["expires_on"] = "The expiry date is in the past; choose today or a later day."
    if draft.image_attachment_id and not _own_image(session, enterprise_id, draft):
        errors["image"] = "Upload the image again."
    return errors


def _own_image(session: Session, enterprise_id: uuid.UUID, draft: OfferDraft) -> bool:
    try:
        image = session.get(Attachment, uuid.UUID(draft.image_attachment_id))
    except ValueError:
        return False
    return (
        image is not None
        and image.enterprise_id == enterprise_id
        and image.content_type.startswith("image/")
    )


def redemption_errors(
    session: Session, enterprise_id: uuid.UUID, draft: OfferDraft, exclude_id: uuid.UUID | None
) -> Errors:
    """Step 2: the deal, and how it is redeemed (a coupon code in store, or a link online)."""
    errors: Errors = {}
    if draft.redemption_kind not in REDEMPTIONS:
        errors["redemption_kind"] = "Choose in-store coupon or online."
        return errors
    if draft.currency not in CURRENCIES:
        errors["currency"] = "Choose a currency."
        return errors
    coupon = draft.redemption_kind == "coupon"
    if coupon or draft.discount.strip():
        errors.update(_deal_errors(draft))
    if coupon:
        code = normal_code(draft.coupon_code)
        if not code:
            errors["coupon_code"] = "Give the coupon a code (or generate one)."
        elif not CODE_RE.match(code):
            errors["coupon_code"] = (
                f"Codes are 3 to {MAX_CODE} letters, digits or dashes, like SPRING-20."
            )
        elif code_taken(session, enterprise_id, code, exclude_id=exclude_id):
            errors["coupon_code"] = "Another of your offers already uses this code."
    elif problem := url_problem(draft.redemption_url):
        errors["url"] = problem
    return errors


def _deal_errors(draft: OfferDraft) -> Errors:
    errors: Errors = {}
    discount = 0
    try:
        if draft.discount_kind == "percent":
            discount = parse_percent(draft.discount)
        elif draft.discount_kind == "amount":
            discount = parse_money(draft.discount, draft.currency)
            if discount <= 0 or discount > MAX_AMOUNT_MINOR:
                raise ValueError("The amount off must be more than 0.")
        else:
            raise ValueError("Choose percent or amount off.")
    except ValueError as exc:
        errors["discount"] = str(exc)
    if draft.original_price.strip():
        try:
            price = parse_money(draft.original_price, draft.currency)
        except ValueError as exc:
            errors["original_price"] = str(exc)
            return errors
        if price <= 0 or price > MAX_AMOUNT_MINOR:
            errors["original_price"] = "The original price must be more than 0."
        elif draft.discount_kind == "amount" and discount and price < discount:
            errors["original_price"] = "The original price cannot be less than the amount off."
    return errors


def publish_errors(draft: OfferDraft) -> Errors:
    """Step 3: who may get the offer."""
    if draft.visibility not in VISIBILITIES:
        return {"visibility": "Choose how to publish the offer."}
    return {}


def column_values(draft: OfferDraft, zone: zoneinfo.ZoneInfo) -> dict[str, Any]:
    """Columns from a draft whose fields parse (the caller checked, or tolerates, the rest)."""
    coupon = draft.redemption_kind == "coupon"
    discount = 0
    if draft.discount.strip():
        discount = (
            parse_percent(draft.discount)
            if draft.discount_kind == "percent"
            else parse_money(draft.discount, draft.currency)
        )
    return {
        "title": draft.title.strip(),
        "body": draft.body.strip(),
        "terms": draft.terms.strip(),
        "expires_at": expiry_instant(draft.expires_on, zone),
        "image_attachment_id": uuid.UUID(draft.image_attachment_id)
        if draft.image_attachment_id
        else None,
        "redemption_kind": draft.redemption_kind,
        "discount_kind": draft.discount_kind,
        "discount_value": discount,
        "original_price_minor": parse_money(draft.original_price, draft.currency)
        if draft.original_price.strip()
        else None,
        "currency": draft.currency,
        "coupon_code": normal_code(draft.coupon_code) if coupon else "",
        "redemption_url": "" if coupon else draft.redemption_url.strip(),
        "visibility": draft.visibility,
    }


def draft_of(offer: Offer, zone: zoneinfo.ZoneInfo) -> OfferDraft:
    """The wizard's fields for editing a saved offer."""
    amount = offer.discount_kind == "amount"
    return OfferDraft(
        title=offer.title,
        body=offer.body,
        terms=offer.terms,
        expires_on=offer.expires_at.astimezone(zone).date().isoformat() if offer.expires_at else "",
        image_attachment_id=str(offer.image_attachment_id or ""),
        redemption_kind=offer.redemption_kind,
        discount_kind=offer.discount_kind,
        discount=_decimal_text(offer.discount_value, offer.currency)
        if amount
        else (str(offer.discount_value) if offer.discount_value else ""),
        original_price=_decimal_text(offer.original_price_minor, offer.currency)
        if offer.original_price_minor
        else "",
        currency=offer.currency,
        coupon_code=offer.coupon_code,
        redemption_url=offer.redemption_url,
        visibility=offer.visibility,
    )


def _decimal_text(minor: int | None, currency: str) -> str:
    if not minor:
        return ""
    exponent = EXPONENTS.get(currency.upper(), 2)
    units, cents = divmod(minor, 10**exponent)
    return f"{units}.{cents:0{exponent}d}" if exponent else str(units)
