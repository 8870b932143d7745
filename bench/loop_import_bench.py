"""Loop CSV import benchmark against a floor measured in the same run.

Ours: ``loop_import.check_file`` (read, check every row, preview, rejected report) and
``loop_bulk.import_checked`` (customers upserted, memberships added) for a generated
100,000-row CSV with a few % bad rows. Floor: ``pandas.read_csv`` of the same file plus one
bulk insert of as many rows into a bare table shaped like ``customer``.

    python bench/loop_import_bench.py [--rows 100000] [--pg URL]

SQLite always; PostgreSQL when --pg, INTERPLAT_BENCH_DATABASE_URL or
INTERPLAT_TEST_DATABASE_URL names one.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bench.queue_bench import fresh_database  # noqa: E402
from interplat.services import enterprises, loop_bulk, loop_import, users  # noqa: E402
from interplat.services.auth import Principal  # noqa: E402


def generate_csv(rows: int, seed: int = 8) -> bytes:
    """Customers in the forms people type, ~2% bad phones and ~1% repeated rows."""
    rng = random.Random(seed)
    forms = ["({a}) {b}-{c}", "+1 {a} {b} {c}", "{a}.{b}.{c}", "{a}{b}{c}", "1-{a}-{b}-{c}"]
    out = io.StringIO()
    out.write("First Name,Last Name,Mobile,Email,Tags,Notes\n")
    for n in range(rows):
        a, b, c = 628, 200 + n // 10_000, f"{n % 10_000:04d}"
        phone = rng.choice(forms).format(a=a, b=b, c=c)
        if n % 50 == 7:
            phone = rng.choice(["555-12", "", "n/a", "+1 (123) 456-7890"])
        elif n % 100 == 11:
            phone = f"(628) 200-{n // 100 % 10_000:04d}"
        out.write(f"First{n},Last{n},{phone},c{n}@example.com,vip;wave{n % 5},note {n}\n")
    return out.getvalue().encode()


def setup(engine: sa.Engine) -> Principal:
    with Session(engine, expire_on_commit=False) as s:
        e = enterprises.create_enterprise(
            session=s, slug="bench", name="Bench", brand_name="Bench", reference_prefix="BN"
        )
        u = users.create_user(
            session=s,
            enterprise_id=e.id,
            email="csr@bench.io",
            full_name="Bench CSR",
            role="csr",
            password="bench-password",
        )
        s.commit()
        return Principal(u.id, e.id, "csr", u.full_name, u.email, e.name)


def cpu_seconds(engine: sa.Engine) -> float:
    """CPU time of this process plus, on PostgreSQL, of the server processes serving this
    database when the server runs on this machine (its process titles name the database)."""
    total = time.process_time()
    database = engine.url.database
    if engine.dialect.name != "postgresql" or not database:
        return total
    ticks = 0
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if f" {database} ".encode() not in (proc / "cmdline").read_bytes():
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return total + ticks / os.sysconf("SC_CLK_TCK")


def floor(engine: sa.Engine, data: bytes) -> tuple[float, float]:
    """pandas read + one bulk insert of the same number of rows into a customer-like table;
    (wall seconds, CPU seconds)."""
    table = sa.Table(
        "floor_customer",
        sa.MetaData(),
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("enterprise_id", sa.String(36), nullable=False),
        sa.Column("phone", sa.String(20)),
        sa.Column("first_name", sa.String(100)),
        sa.Column("last_name", sa.String(100)),
        sa.Column("email", sa.String(254)),
        sa.UniqueConstraint("enterprise_id", "phone"),
    )
    table.drop(engine, checkfirst=True)
    table.create(engine)
    cpu = cpu_seconds(engine)  # before the clock starts: reading /proc takes a few ms
    start = time.perf_counter()
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    enterprise = uuid.uuid4().hex
    rows = [
        (uuid.uuid4().hex, enterprise, f"+{n}", f, la, e)
        for n, (f, la, e) in enumerate(
            zip(frame["First Name"], frame["Last Name"], frame["Email"], strict=True)
        )
    ]
    marker = "%s" if engine.dialect.name == "postgresql" else "?"
    with engine.begin() as conn:
        conn.exec_driver_sql(f"INSERT INTO floor_customer VALUES ({', '.join([marker] * 6)})", rows)
    return time.perf_counter() - start, cpu_seconds(engine) - cpu


def ours(engine: sa.Engine, principal: Principal, data: bytes) -> tuple[float, float, str, float]:
    cpu = cpu_seconds(engine)  # before the clock starts: reading /proc takes a few ms
    start = time.perf_counter()
    with Session(engine, expire_on_commit=False) as s:
        checked = loop_import.check_file(
            session=s, principal=principal, data=data, filename="b.csv"
        )
        loop_import.preview_rows(checked, only_problems=True)
        loop_import.rejected_csv(checked)
        checked_at = time.perf_counter()
        loop_bulk.import_checked(session=s, principal=principal, checked=checked)
        s.commit()
    return (
        checked_at - start,
        time.perf_counter() - start,
        checked.summary(),
        cpu_seconds(engine) - cpu,
    )


def run(url: str, rows: int, data: bytes) -> None:
    engine = fresh_database(url)
    principal = setup(engine)
    base, base_cpu = floor(engine, data)
    check_s, total_s, summary, cpu = ours(engine, principal, data)
    name = engine.dialect.name
    print(f"[{name}] {rows:,} rows: {summary}")
    print(
        f"[{name}] floor (read_csv + bulk insert) {base:.2f} s = {rows / base:,.0f} rows/s; "
        f"ours {total_s:.2f} s = {rows / total_s:,.0f} rows/s (check+preview {check_s:.2f} s); "
        f"ratio {total_s / base:.2f} (target ≤ 3)"
    )
    # Detail for a shared, noisy machine: CPU time (the server's too, when it is local) is
    # steadier than wall time.
    print(f"[{name}] CPU: floor {base_cpu:.2f} s, ours {cpu:.2f} s, ratio {cpu / base_cpu:.2f}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pg", default="")
    args, _ = parser.parse_known_args()
    data = generate_csv(args.rows)
    run(f"sqlite:///{tempfile.mkdtemp()}/loop_bench.db", args.rows, data)
    pg = (
        args.pg
        or os.environ.get("INTERPLAT_BENCH_DATABASE_URL")
        or os.environ.get("INTERPLAT_TEST_DATABASE_URL", "")
    )
    if pg:
        target = sa.make_url(pg)  # a database of its own: the bench drops and recreates it
        target = target.set(database=f"{target.database}_loop_bench")
        run(target.render_as_string(hide_password=False), args.rows, data)


if __name__ == "__main__":
    main()
