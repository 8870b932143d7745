"""RFP CSV benchmark against a floor measured in the same run.

Ours: ``rfp_bulk.check_file`` (read, check every row, preview, rejected report) and
``rfp_bulk_write.create_checked`` (payers added — all new here, the worst case — one
request per good row, and an SMS or email with the bill link queued per request) for a
generated 100,000-row CSV with ~1% bad rows. Floor: ``pandas.read_csv`` of the same file
plus one bulk insert of as many rows into a bare table shaped like ``paymentrequest``.

    python bench/rfp_bulk_bench.py [--rows 100000] [--pg URL]

SQLite always; PostgreSQL when --pg, INTERPLAT_BENCH_DATABASE_URL or
INTERPLAT_TEST_DATABASE_URL names one. Target: ≤ 10 s for 100k rows.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bench.loop_import_bench import setup  # noqa: E402
from bench.queue_bench import fresh_database  # noqa: E402
from interplat.services import rfp_bulk, rfp_bulk_write  # noqa: E402
from interplat.services.auth import Principal  # noqa: E402

TARGET_S = 10.0


def generate_csv(rows: int) -> bytes:
    """Payers by phone (every 10th by email only), amounts with cents, ~1% bad rows."""
    out = io.StringIO()
    out.write("phone,email,amount,currency,invoice_number,description,due_date\n")
    for n in range(rows):
        phone = f"(628) {200 + n // 10_000}-{n % 10_000:04d}"
        email = ""
        if n % 10 == 3:
            phone, email = "", f"payer{n}@example.com"
        amount = f"{n % 900 + 1}.{n % 100:02d}"
        if n % 100 == 42:
            amount = ["12.345", "-5", "abc", ""][n // 100 % 4]
        out.write(f"{phone},{email},{amount},USD,INV-{n:06d},Service {n},2099-12-31\n")
    return out.getvalue().encode()


def floor(engine: sa.Engine, data: bytes) -> float:
    """pandas read + one bulk insert of the same rows into a paymentrequest-like table."""
    table = sa.Table(
        "floor_paymentrequest",
        sa.MetaData(),
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("enterprise_id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(36), nullable=False),
        sa.Column("invoice_number", sa.String(64)),
        sa.Column("description", sa.Text),
        sa.Column("amount", sa.String(20)),
        sa.Column("currency", sa.String(3)),
        sa.Column("due_date", sa.String(10)),
        sa.Column("status", sa.String(20)),
        sa.Column("public_token_hash", sa.String(64), unique=True),
    )
    table.drop(engine, checkfirst=True)
    table.create(engine)
    start = time.perf_counter()
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    enterprise = uuid.uuid4().hex
    rows = [
        (uuid.uuid4().hex, enterprise, enterprise, i, d, a, c, due, "sent", uuid.uuid4().hex)
        for i, d, a, c, due in zip(
            frame["invoice_number"],
            frame["description"],
            frame["amount"],
            frame["currency"],
            frame["due_date"],
            strict=True,
        )
    ]
    marker = "%s" if engine.dialect.name == "postgresql" else "?"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            f"INSERT INTO floor_paymentrequest VALUES ({', '.join([marker] * 10)})", rows
        )
    return time.perf_counter() - start


def ours(engine: sa.Engine, principal: Principal, data: bytes) -> tuple[float, float, str]:
    start = time.perf_counter()
    with Session(engine, expire_on_commit=False) as s:
        checked = rfp_bulk.check_file(session=s, principal=principal, data=data, filename="b.csv")
        rfp_bulk.preview_rows(checked, only_problems=True)
        rfp_bulk.rejected_csv(checked)
        checked_at = time.perf_counter()
        summary = rfp_bulk_write.create_checked(session=s, principal=principal, checked=checked)
        s.commit()
    return checked_at - start, time.perf_counter() - start, summary.notice


def run(url: str, rows: int, data: bytes) -> None:
    engine = fresh_database(url)
    principal = setup(engine)
    base = floor(engine, data)
    check_s, total_s, notice = ours(engine, principal, data)
    name = engine.dialect.name
    verdict = "met" if total_s <= TARGET_S * rows / 100_000 else "NOT met"
    print(f"[{name}] {rows:,} rows: {notice}")
    print(
        f"[{name}] floor (read_csv + bulk insert) {base:.2f} s = {rows / base:,.0f} rows/s; "
        f"ours {total_s:.2f} s = {rows / total_s:,.0f} rows/s (check+preview {check_s:.2f} s); "
        f"ratio {total_s / base:.2f}; target ≤ {TARGET_S:.0f} s per 100k rows: {verdict}"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pg", default="")
    args, _ = parser.parse_known_args()
    data = generate_csv(args.rows)
    run(f"sqlite:///{tempfile.mkdtemp()}/rfp_bench.db", args.rows, data)
    pg = (
        args.pg
        or os.environ.get("INTERPLAT_BENCH_DATABASE_URL")
        or os.environ.get("INTERPLAT_TEST_DATABASE_URL", "")
    )
    if pg:
        target = sa.make_url(pg)  # a database of its own: the bench drops and recreates it
        target = target.set(database=f"{target.database}_rfp_bench")
        run(target.render_as_string(hide_password=False), args.rows, data)


if __name__ == "__main__":
    main()
