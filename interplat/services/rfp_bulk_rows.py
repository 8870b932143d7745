"""The rows of a bulk RFP import, written as the database stores them.

PostgreSQL gets one statement per chunk with each column as an array (``INSERT … SELECT
FROM unnest(…)``, the technique of ``loop_bulk``): a 5,000-row ``executemany`` costs the
driver a round of work per row, which made the PostgreSQL import 1.7x slower than SQLite.
The arrays go in binary (``%(name)b``): the text form quotes each element by regex, which
took a third of the time.
New payers are upserted on ``uq_customer_enterprise_phone`` and the statement returns
every phone's customer id, so nobody is looked up first. SQLite, in process, runs plain
``executemany`` of tuples (faster there than one ``INSERT … SELECT`` per chunk). Values
go to the driver as stored (hex ids; SQLite: naive UTC text), sparing SQLAlchemy's
per-value work; new rows get time-ordered ids, which append to the primary keys.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from collections.abc import Sequence
from itertools import repeat

import numpy as np
import sqlalchemy as sa

from ..models import OutboxStatus

CHUNK = 5000
RequestRows = tuple[Sequence, ...]  # ids, customers, invoices, descriptions, amounts,
# currencies, dues (ISO day or ""), statuses, token hashes: one sequence per column
OutboxRows = list[tuple[str, str, str, str, str]]  # channel, to, subject, body, request id

_CUSTOMER_COLUMNS = (
    "id, enterprise_id, phone, email, created_at, first_name, last_name, gender, city,"
    " region, postal_code, country, external_id, device_info, app_info, marketing_opt_in"
)
_REQUEST_COLUMNS = (
    "id, enterprise_id, customer_id, invoice_number, description, amount_minor, currency,"
    " due_date, status, public_token_hash, created_by_id, created_at, sent_at"
)
_OUTBOX_COLUMNS = (
    "id, enterprise_id, channel, to_address, subject, body, meta, status, attempts,"
    " next_attempt_at, created_at, from_address, last_error, provider_id"
)
# The meta column's JSON text, as the ORM writes it: {"payment_request_id": str(UUID)}.
_META_PG = """('{"payment_request_id": "' || r.request::text || '"}')::json"""
_PG = {
    "customers": f"INSERT INTO customer ({_CUSTOMER_COLUMNS}) SELECT r.id,"
    " %(enterprise)s::uuid, r.phone, r.email, %(now)s, '', '', '', '', '', '', '', '',"
    " '{}'::json, '{}'::json, TRUE"
    " FROM unnest(%(ids)b::uuid[], %(phones)b::text[], %(emails)b::text[])"
    " AS r(id, phone, email)",
    # An existing customer is left as it is (the no-op update only makes RETURNING
    # report it, and locks it until the requests that point to it are in).
    "upsert": " ON CONFLICT (enterprise_id, phone) DO UPDATE SET phone = excluded.phone"
    " RETURNING phone, id",
    "requests": f"INSERT INTO paymentrequest ({_REQUEST_COLUMNS}) SELECT r.id,"
    " %(enterprise)s::uuid, r.customer, r.invoice, r.description, r.amount, r.currency, r.due,"
    " r.status, r.hash, %(author)s::uuid, %(now)s,"
    " CASE WHEN r.status = 'sent' THEN %(now)s::timestamptz END FROM unnest("
    "%(c0)b::uuid[], %(c1)b::uuid[], %(c2)b::text[], %(c3)b::text[], %(c4)b::int[],"
    " %(c5)b::text[], %(c6)b::date[], %(c7)b::text[], %(c8)b::text[])"
    " AS r(id, customer, invoice, description, amount, currency, due, status, hash)",
    "outbox": f"INSERT INTO outboxmessage ({_OUTBOX_COLUMNS}) SELECT r.id,"
    " %(enterprise)s::uuid, r.channel, r.to_address, r.subject, r.body,"
    f" {_META_PG}, '{OutboxStatus.QUEUED.value}',"
    " 0, %(now)s, %(now)s, '', '', '' FROM unnest(%(ids)b::uuid[], %(channels)b::text[],"
    " %(tos)b::text[], %(subjects)b::text[], %(bodies)b::text[], %(requests)b::uuid[])"
    " AS r(id, channel, to_address, subject, body, request)",
}
_BLANK_CUSTOMER = ("", "", "", "", "", "", "", "", "{}", "{}", True)


def new_ids(n: int) -> list[str]:
    """n time-ordered UUIDs (version 7: a millisecond timestamp, then 74 random bits) as 32
    hex digits, ascending, made in bulk (uuid4() costs ~5 µs each): they append to the
    primary keys instead of landing on a random page each; both databases take the form."""
    raw = np.frombuffer(os.urandom(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    stamp = time.time_ns() // 1_000_000
    raw[:, :6] = np.frombuffer(stamp.to_bytes(6, "big"), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x70
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    text = raw.tobytes().hex()
    return sorted(text[i : i + 32] for i in range(0, 32 * n, 32))


class RowWriter:
    """Inserts in the session's transaction (``session.connection()``)."""

    def __init__(
        self,
        connection: sa.Connection,
        enterprise_id: uuid.UUID,
        author_id: uuid.UUID | None,
        now: dt.datetime,
    ) -> None:
        self.connection = connection
        self.sqlite = connection.dialect.name == "sqlite"
        now = now.astimezone(dt.UTC)
        # SQLite: naive UTC text, as UTCDateTime writes it; PostgreSQL: timestamptz.
        self.now: object = now.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else now
        self.enterprise = enterprise_id.hex
        self.author = author_id.hex if author_id else None

    def _many(self, table: str, columns: str, rows: list[tuple]) -> None:
        """SQLite: ``executemany`` of tuples, a chunk at a time."""
        marks = ", ".join(["?"] * len(columns.split(",")))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
        for start in range(0, len(rows), CHUNK):
            self.connection.exec_driver_sql(sql, rows[start : start + CHUNK])

    def _arrays(self, sql: str, columns: dict[str, Sequence], returning: bool = False) -> list:
        """PostgreSQL: one statement per chunk, each column an array."""
        out: list = []
        total = len(next(iter(columns.values()))) if columns else 0
        for start in range(0, total, CHUNK):
            values: dict[str, object] = {
                name: list(c[start : start + CHUNK]) for name, c in columns.items()
            }
            values.update(enterprise=self.enterprise, now=self.now, author=self.author)
            result = self.connection.exec_driver_sql(sql, values)
            if returning:
                out.extend(result.all())
        return out

    def customers(self, rows: list[tuple[str, str | None, str]]) -> None:
        """New customers: (hex id, phone or None, email)."""
        if self.sqlite:
            values = [(i, self.enterprise, p, e, self.now, *_BLANK_CUSTOMER) for i, p, e in rows]
            self._many("customer", _CUSTOMER_COLUMNS, values)
            return
        ids, phones, emails = (list(c) for c in zip(*rows, strict=True)) if rows else ([],) * 3
        self._arrays(_PG["customers"], {"ids": ids, "phones": phones, "emails": emails})

    def upsert_by_phone(self, phones: list[str], emails: list[str]) -> dict[str, str]:
        """PostgreSQL: every phone's customer id (hex), new ones added with the email."""
        ids = new_ids(len(phones))
        sql = _PG["customers"] + _PG["upsert"]
        found = self._arrays(sql, {"ids": ids, "phones": phones, "emails": emails}, True)
        return {phone: cid.hex for phone, cid in found}

    def requests(self, columns: RequestRows) -> None:
        """Payment requests; rows for a chat are drafts, sent by ``send_in_chat``."""
        *head, dues, statuses, hashes = columns
        arrays = [*head, [d or None for d in dues], statuses, hashes]
        if not self.sqlite:
            self._arrays(_PG["requests"], {f"c{n}": c for n, c in enumerate(arrays)})
            return
        ids, *rest = arrays
        sent_at = (None if s == "draft" else self.now for s in statuses)
        rows = zip(ids, repeat(self.enterprise), *rest, repeat(self.author), repeat(self.now),
                   sent_at, strict=False)  # fmt: skip
        self._many("paymentrequest", _REQUEST_COLUMNS, list(rows))

    def outbox(self, rows: OutboxRows) -> None:
        """Queued SMS and email with the bill link; meta names the request."""
        ids = new_ids(len(rows))
        if not self.sqlite:
            names = ("channels", "tos", "subjects", "bodies", "requests")
            columns = dict(zip(names, zip(*rows, strict=True), strict=True)) if rows else {}
            self._arrays(_PG["outbox"], {"ids": ids, **columns} if rows else {})
            return
        queued = OutboxStatus.QUEUED.value
        values = [
            (oid, self.enterprise, channel, to, subject, body, _meta(rid), queued, 0, self.now,
             self.now, "", "", "")
            for oid, (channel, to, subject, body, rid) in zip(ids, rows, strict=True)
        ]  # fmt: skip
        self._many("outboxmessage", _OUTBOX_COLUMNS, values)


def _meta(hex_id: str) -> str:
    """The outbox row's meta as JSON text, the id in its dashed form (as str(UUID))."""
    h = hex_id
    return f'{{"payment_request_id": "{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"}}'
