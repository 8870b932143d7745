"""Writing a checked loop import to the database fast, and reading the loop out as CSV.

Customers are upserted on ``uq_customer_enterprise_phone`` and memberships inserted on
``uq_loop_user_customer`` with plain SQL per chunk of rows (SQLite and PostgreSQL both
speak ``INSERT … ON CONFLICT``): no ORM objects and no per-value conversion, so 100,000
rows cost about as much as writing them twice (see README, Measured).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from typing import NamedTuple

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import Customer, utcnow
from . import consent
from .auth import Principal
from .loop import LoopQuery, every_member, loop_owner
from .loop_import import IN_LOOP, READY, REJECTED, CheckedImport
from .ticket_export import csv_safe

CHUNK_ROWS = 5000
EXPORT_LIMIT = 100_000
EXPORT_COLUMNS = ("first_name", "last_name", "phone", "email", "tags", "opt_in", "added", "csr")
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportSummary:
    imported: int  # new members of the loop
    already_in_loop: int
    rejected: int
    opted_out: int  # customers whose "no" from the file was recorded

    @property
    def notice(self) -> str:
        text = f"Imported {self.imported:,} customer{'' if self.imported == 1 else 's'}."
        if self.already_in_loop:
            text += f" {self.already_in_loop:,} were already in your loop."
        if self.rejected:
            text += f" {self.rejected:,} rejected rows were left out."
        return text


# Only the values vary per row; the rest of a new customer is written as literals. The
# enterprise's own record wins on a conflict: the file only fills what it left blank.
_KEEP = ("first_name", "last_name", "email")
_SET = ", ".join(
    f"{c} = CASE WHEN customer.{c} = '' THEN excluded.{c} ELSE customer.{c} END" for c in _KEEP
)
_UPSERT = f"ON CONFLICT (enterprise_id, phone) DO UPDATE SET {_SET}"
_CUSTOMER_COLUMNS = (
    "id, enterprise_id, phone, first_name, last_name, email, created_at, gender, city, region,"
    " postal_code, country, external_id, device_info, app_info, marketing_opt_in"
)
_MEMBER_COLUMNS = "id, enterprise_id, user_id, customer_id, tags, opted_in, added_at"
_NEW_MEMBER = "ON CONFLICT (user_id, customer_id) DO NOTHING"


class _Statements(NamedTuple):
    customers: str  # the upsert (PostgreSQL: with the memberships, in one statement)
    members: str = ""  # SQLite: the memberships not there yet
    found: str = ""  # SQLite: the chunk's customers by phone, after the upsert


@lru_cache(maxsize=4)
def _statements(dialect: str) -> _Statements:
    """The chunk's SQL, built once per dialect.

    PostgreSQL gets a chunk as a few arrays in one statement: the upsert returns every
    row's id and marketing choice (``DO UPDATE`` returns the rows it met, too) and the
    memberships are made from that, with no look-up. (Looking customers up by phone
    instead, the planner, without statistics mid-import, hashed the whole customer table
    per chunk.) SQLite, in process, runs a statement per row of tuples and reads the ids
    back in between: its ``INSERT … SELECT`` per row was twice as slow as that.
    """
    if dialect == "postgresql":
        return _Statements(
            f"WITH up AS (INSERT INTO customer ({_CUSTOMER_COLUMNS}) SELECT r.id,"
            " %(enterprise)s, r.phone, r.first, r.last, r.email, %(now)s, '', '', '', '', '',"
            " '', '{}'::json, '{}'::json, TRUE FROM unnest(%(ids)s::uuid[], %(phones)s::text[],"
            " %(firsts)s::text[], %(lasts)s::text[], %(emails)s::text[])"
            f" AS r(id, phone, first, last, email) {_UPSERT}"
            " RETURNING id, phone, marketing_opt_in)"
            f" INSERT INTO loopmembership ({_MEMBER_COLUMNS}) SELECT m.id, %(enterprise)s,"
            " %(user)s, up.id, m.tags::json, up.marketing_opt_in, %(now)s FROM up JOIN"
            " unnest(%(member_ids)s::uuid[], %(phones)s::text[], %(tags)s::text[])"
            f" AS m(id, phone, tags) ON m.phone = up.phone {_NEW_MEMBER}"
        )
    return _Statements(
        f"INSERT INTO customer ({_CUSTOMER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, '', '', '',"
        f" '', '', '', '{{}}', '{{}}', 1) {_UPSERT}",
        f"INSERT INTO loopmembership ({_MEMBER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
        f" {_NEW_MEMBER}",
        "SELECT phone, id, marketing_opt_in FROM customer"
        " WHERE enterprise_id = ? AND phone IN (SELECT value FROM json_each(?))",
    )


def _new_ids(n: int) -> list[str]:
    """n time-ordered UUIDs (version 7: a millisecond timestamp, then 74 random bits) as 32
    hex digits, ascending, made in bulk (uuid.uuid4() costs ~5 µs each).

    Ascending ids append to the primary keys and to the membership's customer indexes;
    random version-4 ids put every row on a different page, which made the membership
    insert 2.5x slower on SQLite. They stay unguessable and tell only the creation time,
    which created_at holds anyway.
    """
    raw = np.frombuffer(os.urandom(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    stamp = time.time_ns() // 1_000_000
    raw[:, :6] = np.frombuffer(stamp.to_bytes(6, "big"), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x70
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    text = raw.tobytes().hex()
    return sorted(text[i : i + 32] for i in range(0, 32 * n, 32))


def import_checked(
    *,
    session: Session,
    principal: Principal,
    checked: CheckedImport,
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
    now: dt.datetime | None = None,
) -> ImportSummary:
    """Add the file's ready rows to the principal's loop, chunk by chunk, in the session's
    transaction; ``progress(done, total)`` after each chunk."""
    session.flush()  # what the session holds is written before the rows that may join it
    connection = session.connection()
    write = _Chunks(connection, principal.enterprise_id, loop_owner(principal), now or utcnow())
    ready = checked.frame[checked.frame["_status"] == READY]
    imported = opted_out = 0
    for start in range(0, len(ready), chunk_rows):
        part = ready.iloc[start : start + chunk_rows]
        imported += write(part)
        opted_out += _record_opt_outs(session, principal.enterprise_id, part)
        if progress is not None:
            progress(min(start + chunk_rows, len(ready)), len(ready))
    session.flush()
    already = checked.count(IN_LOOP) + len(ready) - imported
    return ImportSummary(imported, already, checked.count(REJECTED), opted_out)


class _Chunks:
    """Writes one chunk of ready rows: customers upserted, then the memberships not there
    yet; returns how many memberships were added. Values go to the driver as the database
    stores them (SQLite: hex ids, naive UTC text), sparing SQLAlchemy's per-value work."""

    def __init__(
        self,
        connection: sa.Connection,
        enterprise_id: uuid.UUID,
        user_id: uuid.UUID,
        now: dt.datetime,
    ) -> None:
        self.connection = connection
        self.sql = _statements(connection.dialect.name)
        self.sqlite = connection.dialect.name == "sqlite"
        self.enterprise_id, self.user_id, self.now = enterprise_id, user_id, now.astimezone(dt.UTC)

    def __call__(self, part: pd.DataFrame) -> int:
        phones = part["_phone"].tolist()
        columns = [part[name].tolist() for name in ("_first", "_last", "_email")]
        tags = _tags_json(part["_tags"])
        if self.sqlite:
            return self._sqlite(phones, columns, tags)
        values = {
            "enterprise": self.enterprise_id,
            "user": self.user_id,
            "now": self.now,
            "ids": _new_ids(len(phones)),
            "member_ids": _new_ids(len(phones)),
            "phones": phones,
            "firsts": columns[0],
            "lasts": columns[1],
            "emails": columns[2],
            "tags": tags,
        }
        return self.connection.exec_driver_sql(self.sql.customers, values).rowcount

    def _sqlite(self, phones: list[str], columns: list[list[str]], tags: list[str]) -> int:
        n, e, user = len(phones), self.enterprise_id.hex, self.user_id.hex
        now = self.now.strftime("%Y-%m-%d %H:%M:%S.%f")  # naive UTC, as UTCDateTime writes it
        rows = zip(_new_ids(n), repeat(e), phones, *columns, repeat(now))
        self.connection.exec_driver_sql(self.sql.customers, list(rows))
        found = {
            phone: (cid, opted_in)
            for phone, cid, opted_in in self.connection.exec_driver_sql(
                self.sql.found, (e, json.dumps(phones))
            )
        }
        members = [
            (mid, e, user, found[phone][0], text, found[phone][1], now)
            for mid, phone, text in zip(_new_ids(n), phones, tags, strict=True)
        ]
        return self.connection.exec_driver_sql(self.sql.members, members).rowcount


def _tags_json(tags: pd.Series) -> list[str]:
    """Each row's tag list as the JSON the column holds (files repeat a few tag sets)."""
    known: dict[tuple[str, ...], str] = {}
    out = []
    for row in tags:
        key = tuple(row)
        text = known.get(key)
        if text is None:
            text = known[key] = json.dumps(list(key))
        out.append(text)
    return out


def _record_opt_outs(session: Session, enterprise_id: uuid.UUID, part: pd.DataFrame) -> int:
    """The file says these customers do not want marketing: record it with its history."""
    phones = part.loc[part["_opt_out"], "_phone"].tolist()
    if not phones:
        return 0
    customers = session.exec(
        select(Customer).where(
            Customer.enterprise_id == enterprise_id, col(Customer.phone).in_(phones)
        )
    ).all()
    return sum(
        consent.set_marketing_choice(
            session=session, customer=customer, opted_in=False, source="import"
        )
        for customer in customers
    )


@dataclass(frozen=True)
class LoopExport:
    filename: str
    content: bytes
    rows: int
    total: int


def export_loop(
    *,
    session: Session,
    principal: Principal,
    query: LoopQuery,
    total: int,
    limit: int = EXPORT_LIMIT,
    now: dt.datetime | None = None,
) -> LoopExport:
    """The current view of the loop as CSV (re-importable: same column names)."""
    found = every_member(session=session, principal=principal, query=query, limit=limit)
    frame = pd.DataFrame(
        {
            "first_name": [m.first_name for m in found],
            "last_name": [m.last_name for m in found],
            "phone": [m.phone for m in found],
            "email": [m.email for m in found],
            "tags": ["; ".join(m.tags) for m in found],
            "opt_in": ["yes" if m.opted_in else "no" for m in found],
            "added": [m.added_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for m in found],
            "csr": [m.csr_name for m in found],
        },
        columns=list(EXPORT_COLUMNS),
    )
    for name in ("first_name", "last_name", "email", "tags", "csr"):
        frame[name] = frame[name].map(csv_safe)
    stamp = (now or utcnow()).astimezone(dt.UTC).strftime("%Y%m%d-%H%M")
    content = frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
    return LoopExport(f"loop-{stamp}.csv", content, len(found), max(total, len(found)))
