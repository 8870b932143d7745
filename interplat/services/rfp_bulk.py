"""Requests for payment from a CSV: read and check every row (preview, rejected-rows report),
then create one request per good row (``rfp_bulk_write``).

Columns (any case, spaces or underscores): ``phone`` and/or ``email`` (the payer),
``amount`` ("49.99", converted exactly to minor units), ``currency`` (default USD),
``invoice_number``, ``description``, ``due_date`` (YYYY-MM-DD). Other columns are ignored
with a note. A payer not yet a customer is added (by phone, else by email): a bill is
often the first contact.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pandas as pd
from sqlmodel import Session, col, select

from ..models import (
    OPEN_TICKET_STATUSES,
    Customer,
    Enterprise,
    PaymentRequest,
    PaymentRequestStatus,
    SmsSuppression,
    Ticket,
    utcnow,
)
from .access import require_workspace
from .auth import Principal
from .customers import normalize_phone
from .errors import InvalidPhoneNumber, ValidationFailed
from .loop_phones import fast_e164
from .money import EXPONENTS, format_money
from .payment_fields import (
    CURRENCIES,
    MAX_DESCRIPTION,
    MAX_INVOICE,
    local_today,
    max_amount_minor,
)
from .ticket_export import csv_safe

MAX_BYTES = 30 * 1024 * 1024
MAX_ROWS = 200_000
PREVIEW_ROWS = 50
FIELDS = ("phone", "email", "amount", "currency", "invoice_number", "description", "due_date")
ALIASES = {
    "mobile": "phone",
    "phone_number": "phone",
    "email_address": "email",
    "invoice": "invoice_number",
    "invoice_no": "invoice_number",
    "due": "due_date",
}
_EMAIL = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+")
_PHONE_LIKE = re.compile(r"\+?[\d\s().-]+")
_AMOUNT = re.compile(r"\d{1,12}(\.\d*)?|\.\d+")


@dataclass
class CheckedRfps:
    """Every row with ``_line``, ``_phone``, ``_email``, ``_amount``, ``_currency``,
    ``_invoice``, ``_description``, ``_due`` (ISO day or ""), ``_problem`` ("" = good)."""

    frame: pd.DataFrame
    source_columns: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def good(self) -> pd.DataFrame:
        return self.frame[self.frame["_problem"] == ""]

    @property
    def rejected(self) -> int:
        return int((self.frame["_problem"] != "").sum())

    @property
    def summary(self) -> str:
        good = len(self.frame) - self.rejected
        return f"{good:,} ready, {self.rejected:,} rejected."


def read_csv(data: bytes, filename: str = "") -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """The rows as text, {field: file column} and notes; ``ValidationFailed`` for a bad file."""
    if filename and not filename.lower().endswith((".csv", ".txt")):
        raise ValidationFailed("Only .csv files can be uploaded. Save the sheet as CSV first.")
    if len(data) > MAX_BYTES:
        raise ValidationFailed("The file is larger than 30 MB. Split it into smaller files.")
    if not data.strip() or b"\x00" in data[:65536]:
        raise ValidationFailed("This is not a CSV file with rows in it.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise ValidationFailed("The file could not be read as CSV.") from exc
    if frame.empty:
        raise ValidationFailed("The file has a header but no rows.")
    if len(frame) > MAX_ROWS:
        raise ValidationFailed(f"At most {MAX_ROWS:,} rows per file.")
    mapping: dict[str, str] = {}
    ignored = []
    for column in frame.columns:
        key = re.sub(r"[\s\-]+", "_", str(column).strip().lower())
        key = ALIASES.get(key, key)
        if key in FIELDS and key not in mapping:
            mapping[key] = str(column)
        else:
            ignored.append(str(column))
    missing = [f for f in ("amount",) if f not in mapping]
    if "phone" not in mapping and "email" not in mapping:
        missing.insert(0, "phone or email")
    if missing:
        raise ValidationFailed(f"The file has no {' and no '.join(missing)} column.")
    notes = [f"Ignored column{'s' if len(ignored) > 1 else ''}: {', '.join(ignored)}."] * bool(
        ignored
    )
    return frame, mapping, notes


def check_file(
    *, session: Session, principal: Principal, data: bytes, filename: str = "", now=None
) -> CheckedRfps:
    """Read and check an uploaded file for the principal's enterprise (nothing is written)."""
    require_workspace(principal)
    frame, mapping, notes = read_csv(data, filename)
    enterprise = session.get(Enterprise, principal.enterprise_id)
    today = local_today(enterprise, now or utcnow())
    checked = check_rows(frame, mapping, today)
    _check_against_database(session, principal.enterprise_id, checked.frame)
    checked.notes = notes
    return checked


def check_rows(frame: pd.DataFrame, mapping: dict[str, str], today: dt.date) -> CheckedRfps:
    """Every row checked on its own and against the file's other rows."""
    empty = pd.Series("", index=frame.index, dtype=object)

    def text(name: str) -> pd.Series:
        return frame[mapping[name]].astype(str).str.strip() if name in mapping else empty

    out = pd.DataFrame({"_line": range(2, len(frame) + 2)}, index=frame.index)
    problems: list[pd.Series] = []
    raw_phone, raw_email = text("phone"), text("email")
    out["_phone"] = _e164(raw_phone)
    out["_email"] = raw_email.str.lower()
    good_email = raw_email.str.fullmatch(_EMAIL).fillna(False).astype(bool)
    problems.append(empty.mask((raw_phone == "") & (raw_email == ""), "No phone or email"))
    problems.append(empty.mask((raw_phone != "") & (out["_phone"] == ""), "Bad phone number"))
    problems.append(empty.mask((raw_email != "") & ~good_email, "Bad email address"))
    currency = text("currency").str.upper().replace("", "USD")
    out["_currency"] = currency
    problems.append(
        empty.mask(~currency.isin(CURRENCIES), "Currency must be " + "/".join(CURRENCIES))
    )
    amounts, amount_problems = _amounts(text("amount"), currency)
    out["_amount"] = amounts
    problems.append(amount_problems)
    invoice = text("invoice_number")
    out["_invoice"] = invoice
    problems.append(empty.mask(invoice.str.len() > MAX_INVOICE, "Invoice number too long"))
    repeated = (invoice != "") & invoice.duplicated(keep="first")
    first = out.groupby(invoice)["_line"].transform("first").astype(str)
    problems.append(empty.mask(repeated, "Same invoice number as line " + first))
    description = text("description")
    out["_description"] = description
    problems.append(empty.mask(description.str.len() > MAX_DESCRIPTION, "Description too long"))
    due = text("due_date")
    parsed = pd.to_datetime(due, format="%Y-%m-%d", errors="coerce")
    out["_due"] = due.where(parsed.notna() & (due != ""), "")
    problems.append(empty.mask((due != "") & parsed.isna(), "Due date is not YYYY-MM-DD"))
    problems.append(
        empty.mask((out["_due"] != "") & (out["_due"] < today.isoformat()), "Due date is past")
    )
    out["_problem"] = _join(problems)
    source = [str(c) for c in frame.columns]
    return CheckedRfps(pd.concat([frame, out], axis=1), source)


def _e164(raw: pd.Series) -> pd.Series:
    result = fast_e164(raw)
    rest = (result == "") & (raw != "")
    if rest.any():
        slow = {value: _slow_e164(value) for value in raw[rest].unique()}
        result = result.mask(rest, raw.map(slow))
    return result


def _slow_e164(value: str) -> str:
    try:
        return normalize_phone(value)
    except InvalidPhoneNumber:
        return ""


def _amounts(raw: pd.Series, currency: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Minor units (0 where bad) and the problem per row; exact: Decimal, never float."""
    cleaned = raw.str.replace(",", "", regex=False).str.removeprefix("$")
    exponent = currency.map(EXPONENTS).fillna(2).astype(int)
    keys = pd.Series(list(zip(cleaned, exponent, strict=True)), index=raw.index)
    results = {key: _minor(*key) for key in set(keys)}
    minor = keys.map(lambda key: results[key][0]).astype("int64")
    problem = keys.map(lambda key: results[key][1]).astype(object)
    cap = currency.map(lambda c: max_amount_minor(c) if c in CURRENCIES else 0)
    too_big = (problem == "") & (minor > cap) & currency.isin(CURRENCIES)
    problem = problem.mask(too_big, "Amount above " + currency.map(_cap_text))
    return minor, problem


def _minor(text: str, exponent: int) -> tuple[int, str]:
    if not text:
        return 0, "No amount"
    if not _AMOUNT.fullmatch(text):
        return 0, f"Not an amount: {text[:20]}"
    try:
        value = Decimal(text).scaleb(exponent)
    except InvalidOperation:
        return 0, f"Not an amount: {text[:20]}"
    if value != value.to_integral_value():
        return 0, f"Too many decimals: {text[:20]}"
    if value <= 0:
        return 0, "Amount must be more than zero"
    return int(value), ""


def _cap_text(currency: str) -> str:
    return format_money(max_amount_minor(currency), currency) if currency in CURRENCIES else ""


def _join(parts: list[pd.Series]) -> pd.Series:
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.where(part == "", joined.where(joined == "", joined + "; ") + part)
    return joined


def _check_against_database(session: Session, enterprise_id: uuid.UUID, frame: pd.DataFrame):
    """Invoice numbers already requested; payers who cannot be reached by any channel."""
    taken = set(
        session.exec(
            select(PaymentRequest.invoice_number).where(
                PaymentRequest.enterprise_id == enterprise_id,
                PaymentRequest.invoice_number != "",
                PaymentRequest.status != PaymentRequestStatus.CANCELLED,
            )
        ).all()
    )
    used = (frame["_invoice"] != "") & frame["_invoice"].isin(taken)
    stopped = set(
        session.exec(
            select(SmsSuppression.phone).where(SmsSuppression.enterprise_id == enterprise_id)
        ).all()
    )
    chatting = set(
        session.exec(
            select(Customer.phone)
            .join(Ticket, col(Ticket.customer_id) == col(Customer.id))
            .where(
                Ticket.enterprise_id == enterprise_id,
                col(Ticket.status).in_(OPEN_TICKET_STATUSES),
                col(Customer.phone).is_not(None),
            )
        ).all()
    )
    phone = frame["_phone"]
    unreachable = (
        (phone != "") & phone.isin(stopped) & ~phone.isin(chatting) & (frame["_email"] == "")
    )
    empty = pd.Series("", index=frame.index, dtype=object)
    extra = [
        empty.mask(used, "Invoice " + frame["_invoice"] + " was already requested"),
        empty.mask(unreachable, "Phone opted out of texts and no email"),
    ]
    frame["_problem"] = _join([frame["_problem"], *extra])


def preview_rows(checked: CheckedRfps, only_problems: bool = False, limit: int = PREVIEW_ROWS):
    """The first rows as the page shows them (all strings)."""
    frame = checked.frame
    if only_problems:
        frame = frame[frame["_problem"] != ""]
    head = frame.head(limit)
    return [
        {
            "line": str(line),
            "payer": phone or email,
            "amount": format_money(int(amount), currency) if amount else "",
            "invoice": invoice,
            "due": due,
            "problem": problem,
        }
        for line, phone, email, amount, currency, invoice, due, problem in zip(
            head["_line"],
            head["_phone"],
            head["_email"],
            head["_amount"],
            head["_currency"],
            head["_invoice"],
            head["_due"],
            head["_problem"],
            strict=True,
        )
    ]


def rejected_csv(checked: CheckedRfps) -> bytes:
    """The rejected rows with the file's own columns, their line and a ``problem`` column."""
    frame = checked.frame[checked.frame["_problem"] != ""]
    out = frame[checked.source_columns].copy()
    for name in checked.source_columns:
        out[name] = out[name].astype(str).map(_report_safe)
    out.insert(0, "line", frame["_line"])
    out["problem"] = frame["_problem"]
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _report_safe(value: str) -> str:
    """Inert for spreadsheets, but "+1 415…" stays a phone number the CSR can fix."""
    return value if _PHONE_LIKE.fullmatch(value) else csv_safe(value)
