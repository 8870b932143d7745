"""Loop CSV import: read a spreadsheet's CSV, find each row's problems, import the good rows.

Checking goes column by column (pandas, and one list pass per text column) so a
100,000-row file is read, checked and previewed in about half a second; ``loop_bulk``
upserts customers and adds memberships with plain SQL per chunk of rows. Rules decided here:

* ``phone`` is the one required column; names, email, tags and opt_in are optional and
  columns nobody asked for are ignored with a note.
* A row is rejected for a missing or invalid phone number, or for repeating the phone of an
  earlier row. A number written another way is imported in E.164 with a note.
* A bad email is left out with a note (the phone still reaches the customer).
* A customer already in this CSR's loop is left as it was (so a re-import changes nothing).
* An existing customer keeps the names and email the enterprise knows; blanks are filled.
* ``opt_in`` = no/false/0 records "left the loop" through ``consent`` (source "import");
  yes never opts someone back in who chose to leave.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from sqlmodel import Session, col, select

from ..models import Customer, LoopMembership
from .auth import Principal
from .customers import normalize_phone
from .errors import InvalidPhoneNumber, ValidationFailed
from .loop import EMAIL, MAX_TAG_LENGTH, MAX_TAGS, TAG_SPLIT, loop_owner
from .loop_phones import fast_e164
from .ticket_export import csv_safe

MAX_BYTES = 20 * 1024 * 1024
PREVIEW_ROWS = 100
FIELDS = ("first_name", "last_name", "phone", "email", "tags", "opt_in")
ALIASES = {
    "first_name": {"firstname", "first", "givenname", "forename", "name"},
    "last_name": {"lastname", "last", "surname", "familyname"},
    "phone": {"phone", "mobile", "phonenumber", "mobilephone", "cell", "cellphone", "tel"},
    "email": {"email", "emailaddress", "mail"},
    "tags": {"tags", "tag", "labels"},
    "opt_in": {"optin", "optedin", "marketingoptin", "subscribed", "marketing"},
}
OPT_OUT = frozenset({"no", "n", "false", "f", "0", "off", "out", "unsubscribed", "optedout"})
OPT_IN = frozenset({"", "yes", "y", "true", "t", "1", "on", "in", "subscribed", "optedin"})
PHONE_LIKE = re.compile(r"^\+[\d\s().\-]*$")
_OPT_NOISE = re.compile(r"[\s_\-]")
READY, REJECTED, IN_LOOP = "ready", "rejected", "in_loop"
# Problem kinds, as the summary names them (singular, plural).
KIND_NAMES = {
    "bad_phone": ("bad phone number", "bad phone numbers"),
    "duplicate": ("duplicate", "duplicates"),
}


@dataclass(frozen=True)
class CheckedImport:
    """A read and checked file. ``frame`` keeps the file's own columns and adds ``_line``,
    ``_phone`` (E.164), ``_first``, ``_last``, ``_email``, ``_tags`` (lists), ``_opt_out``,
    ``_status`` (ready/rejected/in_loop), ``_kind`` and ``_problem``."""

    frame: pd.DataFrame
    source_columns: list[str]
    phone_column: str
    notes: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return int((self.frame["_status"] == status).sum())

    @property
    def ready(self) -> int:
        return self.count(READY)

    @property
    def rejected(self) -> int:
        return self.count(REJECTED)

    @property
    def in_loop(self) -> int:
        return self.count(IN_LOOP)

    def summary(self) -> str:
        """ "990 ready, 10 rejected: 6 bad phone numbers, 4 duplicates"."""
        kinds = Counter(self.frame.loc[self.frame["_status"] == REJECTED, "_kind"])
        text = f"{self.ready:,} ready"
        if self.in_loop:
            text += f", {self.in_loop:,} already in your loop"
        text += f", {self.rejected:,} rejected"
        if kinds:
            parts = [f"{n:,} {KIND_NAMES[k][n != 1]}" for k, n in sorted(kinds.items())]
            text += ": " + ", ".join(parts)
        return text


def read_csv(data: bytes, filename: str = "") -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """The file's rows as text, which of its columns feed which field, and notes.

    Raises:
        ValidationFailed: empty, too large, not a CSV, unreadable, or without a phone column.
    """
    if filename and not filename.lower().endswith((".csv", ".txt")):
        raise ValidationFailed("Only .csv files can be imported. Save the sheet as CSV first.")
    if len(data) > MAX_BYTES:
        raise ValidationFailed("The file is larger than 20 MB. Split it into smaller files.")
    if not data.strip():
        raise ValidationFailed("The file is empty.")
    if b"\x00" in data[:65536]:
        raise ValidationFailed("This is not a CSV file. Save the sheet as CSV and try again.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows
    frame = _parse(text, ",")
    if len(frame.columns) == 1 and (";" in text[:2000] or "\t" in text[:2000]):
        frame = _parse(text, ";" if ";" in text[:2000] else "\t")
    if frame.empty:
        raise ValidationFailed("The file has a header but no rows.")
    mapping, notes = map_columns([str(c) for c in frame.columns])
    return frame, mapping, notes


def _parse(text: str, sep: str) -> pd.DataFrame:
    try:
        return pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skipinitialspace=True
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else ""
        raise ValidationFailed(f"The file could not be read as CSV. {detail}".strip()) from exc


def map_columns(columns: list[str]) -> tuple[dict[str, str], list[str]]:
    """{field: file column}, recognising names whatever their case, spaces or underscores."""
    mapping: dict[str, str] = {}
    ignored: list[str] = []
    for column in columns:
        key = re.sub(r"[\s_\-.]", "", column.lower())
        target = next((f for f, names in ALIASES.items() if key in names), None)
        if target is None or target in mapping:
            ignored.append(column)
        else:
            mapping[target] = column
    if "phone" not in mapping:
        raise ValidationFailed(
            "The file has no phone column. Name one column phone (or mobile); "
            f"the columns found were: {', '.join(columns)[:200]}."
        )
    notes = [f"Ignored column{'s' if len(ignored) > 1 else ''}: {', '.join(ignored)}."]
    return mapping, notes if ignored else []


def check_rows(
    frame: pd.DataFrame, mapping: dict[str, str], in_loop_phones: set[str] | frozenset[str]
) -> CheckedImport:
    """Every row's fate and problems, computed column by column."""
    out = frame.copy()

    def text(name: str) -> list[str]:
        source = mapping.get(name)
        if source is None:
            return [""] * len(frame)
        # A leading apostrophe is how exports keep spreadsheets from running a cell.
        return [v.strip().removeprefix("'") for v in frame[source].astype(str).tolist()]

    def column(values: list) -> pd.Series:
        return pd.Series(values, index=frame.index, dtype=object)

    # Plain list comprehensions where pandas' Python-backed .str would walk a column twice.
    out["_line"] = range(2, len(frame) + 2)  # the header is line 1, as a spreadsheet counts
    raw_phone = column(text("phone"))
    out["_phone"] = _e164(raw_phone)
    out["_first"] = column([v[:100] for v in text("first_name")])
    out["_last"] = column([v[:100] for v in text("last_name")])
    email = text("email")
    bad = [v != "" and EMAIL.fullmatch(v) is None for v in email]
    bad_email = pd.Series(bad, index=frame.index, dtype=bool)
    out["_email"] = column(
        ["" if b or len(v) > 254 else v for v, b in zip(email, bad, strict=True)]
    )
    out["_tags"] = _tag_lists(text("tags"))
    opt_text = text("opt_in")
    keys = {v: _OPT_NOISE.sub("", v.lower()) for v in set(opt_text)}
    opt = column([keys[v] for v in opt_text])
    out["_opt_out"] = opt.isin(OPT_OUT)

    phone = out["_phone"]
    bad_phone = phone == ""
    duplicate = ~bad_phone & phone.duplicated(keep="first")
    first = ~phone.duplicated(keep="first")
    line_of = pd.Series(out.loc[first, "_line"].to_numpy(), index=phone[first].to_numpy())
    first_line = phone[duplicate].map(line_of)
    in_loop = ~bad_phone & ~duplicate & phone.isin(list(in_loop_phones))
    out["_status"] = READY
    out.loc[in_loop, "_status"] = IN_LOOP
    out.loc[bad_phone | duplicate, "_status"] = REJECTED
    out["_kind"] = ""
    out.loc[bad_phone, "_kind"] = "bad_phone"
    out.loc[duplicate, "_kind"] = "duplicate"

    problems: list[pd.Series] = [
        pd.Series("", index=frame.index).mask(
            bad_phone, "Not a valid phone number: " + raw_phone.str.slice(0, 30)
        ),
        pd.Series("", index=frame.index).mask(bad_phone & (raw_phone == ""), "No phone number"),
        pd.Series("", index=frame.index).mask(
            duplicate, "Same phone as line " + first_line.astype(str)
        ),
        pd.Series("", index=frame.index).mask(in_loop, "Already in your loop (left as it was)"),
        pd.Series("", index=frame.index).mask(
            ~bad_phone & ~duplicate & (raw_phone != phone), "Phone written as " + phone
        ),
        pd.Series("", index=frame.index).mask(bad_email, "Email left out: not valid"),
        pd.Series("", index=frame.index).mask(~opt.isin(OPT_IN | OPT_OUT), "opt_in not understood"),
    ]
    out["_problem"] = _join(problems)
    return CheckedImport(out, [str(c) for c in frame.columns], mapping["phone"])


def _join(parts: list[pd.Series]) -> pd.Series:
    """Each row's messages joined by "; " (the more specific "No phone number" wins).

    Most rows have one message or none, taken as they are; only the rest are joined."""
    index = parts[0].index
    columns = [part.to_numpy(dtype=object) for part in parts]
    columns[0] = np.where(columns[1] != "", "", columns[0])
    stacked = np.stack(columns)
    present = stacked != ""
    joined = stacked[present.argmax(axis=0), np.arange(len(index))]
    for row in np.flatnonzero(present.sum(axis=0) > 1):
        joined[row] = "; ".join(m for m in stacked[:, row] if m)
    return pd.Series(joined, index=index, dtype=object)


def _e164(raw: pd.Series) -> pd.Series:
    """E.164 for every row ("" when missing or invalid): the common North American forms
    in one vectorised pass, anything else through ``normalize_phone`` once per value."""
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


def _tag_lists(texts: list[str]) -> list[list[str]]:
    """Each row's tags; a file repeats a few tag texts, so each is split once (rows with the
    same text share one list)."""
    lists = {text: _tags(text) for text in set(texts)}
    return [lists[text] for text in texts]


def _tags(text: str) -> list[str]:
    tags: list[str] = []
    for part in TAG_SPLIT.split(text) if text else ():
        tag = part.strip()[:MAX_TAG_LENGTH]
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:MAX_TAGS]


def preview_rows(checked: CheckedImport, only_problems: bool, limit: int = PREVIEW_ROWS) -> list:
    """Rows for the preview table, as plain dicts of strings."""
    frame = checked.frame
    if only_problems:
        frame = frame[frame["_status"] != READY]
    head = frame.head(limit)
    return [
        {
            "line": str(line),
            "first_name": first,
            "last_name": last,
            "phone": phone,
            "email": email,
            "tags": ", ".join(tags),
            "status": status,
            "problem": problem,
        }
        for line, first, last, phone, email, tags, status, problem in zip(
            head["_line"],
            head["_first"],
            head["_last"],
            head["_phone"].where(head["_phone"] != "", head[checked.phone_column].astype(str)),
            head["_email"],
            head["_tags"],
            head["_status"],
            head["_problem"],
            strict=True,
        )
    ]


def rejected_csv(checked: CheckedImport) -> bytes:
    """The rejected rows with the file's own columns, its line and a ``problem`` column."""
    frame = checked.frame[checked.frame["_status"] == REJECTED]
    out = frame[checked.source_columns].copy()
    for name in checked.source_columns:
        out[name] = out[name].astype(str).map(_report_safe)
    out.insert(0, "line", frame["_line"])
    out["problem"] = frame["_problem"].map(_report_safe)
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _report_safe(value: str) -> str:
    """Inert for spreadsheets, but "+1 415…" stays a number the CSR can fix and re-import."""
    return value if PHONE_LIKE.match(value) else csv_safe(value)


def check_file(
    *, session: Session, principal: Principal, data: bytes, filename: str = ""
) -> CheckedImport:
    """Read and check an uploaded file against the principal's own loop."""
    owner_id = loop_owner(principal)
    frame, mapping, notes = read_csv(data, filename)
    checked = check_rows(frame, mapping, loop_phones(session=session, user_id=owner_id))
    if "opt_in" in mapping:
        notes.append(
            "opt_in: “no” records that the customer does not want offers; "
            "“yes” never re-subscribes someone who chose to leave."
        )
    return replace(checked, notes=notes)


def loop_phones(*, session: Session, user_id: object) -> frozenset[str]:
    """Phones of everyone already in this user's loop."""
    rows = session.exec(
        select(Customer.phone)
        .join(LoopMembership, col(LoopMembership.customer_id) == col(Customer.id))
        .where(LoopMembership.user_id == user_id)
    ).all()
    return frozenset(p for p in rows if p)
