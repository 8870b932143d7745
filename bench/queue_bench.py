"""Queue benchmarks, each against a baseline measured in the same run.

1. Pulls per second: 20 concurrent pullers through ``queue.pull_next_ticket`` (the service,
   with its checks, transition record and event) against a bare SQL loop of
   ``UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED) RETURNING id``.
2. Counters over 1,000,000 generated tickets: ``counters.ticket_counters`` against a bare
   ``SELECT count(*)`` over the same rows.

    python bench/queue_bench.py [--pg postgresql+psycopg://postgres@127.0.0.1:5432/interplat_bench]
                                [--sqlite] [--tickets 1000000] [--pulls 4000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

import interplat.models  # noqa: E402,F401
from interplat.db import get_engine  # noqa: E402
from interplat.services import counters, enterprises, events, queue, users  # noqa: E402

PULLERS = 20


def fresh_database(url: str) -> sa.Engine:
    target = sa.make_url(url)
    if target.get_backend_name() == "postgresql":
        admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
        admin.dispose()
    elif target.database:
        get_engine(url).dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(target.database + suffix).unlink(missing_ok=True)
    engine = get_engine(url)
    SQLModel.metadata.create_all(engine)
    return engine


def setup_enterprise(engine: sa.Engine) -> tuple[uuid.UUID, list[uuid.UUID]]:
    with Session(engine) as s:
        e = enterprises.create_enterprise(
            session=s, slug="bench", name="Bench", brand_name="Bench", reference_prefix="BN"
        )
        staff = [
            users.create_user(
                session=s,
                enterprise_id=e.id,
                email=f"c{i}@bench.io",
                full_name=f"CSR {i}",
                role="csr",
                password="bench-password",
            )
            for i in range(PULLERS)
        ]
        s.commit()
        return e.id, [u.id for u in staff]


def insert_tickets(engine: sa.Engine, enterprise_id: uuid.UUID, n: int, open_share: float) -> None:
    """n tickets over the past year; the first ``open_share`` of them waiting."""
    pg = engine.dialect.name == "postgresql"
    eid = str(enterprise_id) if pg else enterprise_id.hex
    n_open = int(n * open_share)
    with engine.begin() as conn:
        if pg:
            conn.execute(
                sa.text("""
                INSERT INTO customer (id, enterprise_id, phone, email, first_name, last_name,
                  gender, city, region, postal_code, country, external_id, device_info, app_info,
                  marketing_opt_in, created_at)
                SELECT gen_random_uuid(), CAST(:e AS uuid), '+1' || (2000000000 + g)::text,
                  '', '', '', '', '', '', '', '', '', '{}', '{}', true, now()
                FROM generate_series(1, :c) g"""),
                {"e": eid, "c": max(n_open, 1000)},
            )
            conn.execute(
                sa.text("""
                WITH c AS (SELECT id, row_number() OVER () AS rn FROM customer), k AS (SELECT count(*) AS k FROM c)
                INSERT INTO ticket (id, enterprise_id, customer_id, number, reference, source,
                  client_app, status, subject, created_at, queued_at, assigned_at, resolved_at,
                  ended_at, rating, rating_comment)
                SELECT gen_random_uuid(), CAST(:e AS uuid), c.id, g, 'BN-' || g, 'ivr', '',
                  CASE WHEN g <= :o THEN 'waiting' WHEN g % 10 = 0 THEN 'abandoned' ELSE 'resolved' END,
                  '', t, t, CASE WHEN g > :o THEN t + interval '90 seconds' END,
                  CASE WHEN g > :o AND g % 10 <> 0 THEN t + interval '15 minutes' END,
                  CASE WHEN g > :o THEN t + interval '15 minutes' END,
                  CASE WHEN g > :o AND g % 3 = 0 THEN 1 + g % 5 END, ''
                FROM generate_series(1, :n) g
                CROSS JOIN k
                JOIN c ON c.rn = 1 + (g - 1) % k.k
                CROSS JOIN LATERAL (SELECT now() - (g % 31536000) * interval '1 second' AS t) tt
                """),
                {"e": eid, "n": n, "o": n_open},
            )
            conn.execute(sa.text("ANALYZE"))
            return
        conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        conn.execute(
            sa.text("""
            WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < :c)
            INSERT INTO customer (id, enterprise_id, phone, email, first_name, last_name, gender,
              city, region, postal_code, country, external_id, device_info, app_info,
              marketing_opt_in, created_at)
            SELECT lower(hex(randomblob(16))), :e, '+1' || (2000000000 + i), '', '', '', '', '',
              '', '', '', '', '{}', '{}', 1, datetime('now') FROM g"""),
            {"e": eid, "c": max(n_open, 1000)},
        )
        conn.execute(
            sa.text("""
            WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < :n),
            c AS (SELECT id, row_number() OVER () AS rn FROM customer),
            k AS (SELECT count(*) AS k FROM customer)
            INSERT INTO ticket (id, enterprise_id, customer_id, number, reference, source,
              client_app, status, subject, created_at, queued_at, assigned_at, resolved_at,
              ended_at, rating, rating_comment)
            SELECT lower(hex(randomblob(16))), :e, c.id, i, 'BN-' || i, 'ivr', '',
              CASE WHEN i <= :o THEN 'waiting' WHEN i % 10 = 0 THEN 'abandoned' ELSE 'resolved' END,
              '', t, t,
              CASE WHEN i > :o THEN datetime(t, '+90 seconds') END,
              CASE WHEN i > :o AND i % 10 <> 0 THEN datetime(t, '+15 minutes') END,
              CASE WHEN i > :o THEN datetime(t, '+15 minutes') END,
              CASE WHEN i > :o AND i % 3 = 0 THEN 1 + i % 5 END, ''
            FROM (SELECT i, datetime('now', '-' || (i % 31536000) || ' seconds') AS t FROM g) g2
            CROSS JOIN k JOIN c ON c.rn = 1 + (g2.i - 1) % k.k"""),
            {"e": eid, "n": n, "o": n_open},
        )


def timed_pullers(worker) -> tuple[int, float]:
    done = [0] * PULLERS
    barrier = threading.Barrier(PULLERS + 1)

    def run(i: int) -> None:
        barrier.wait()
        done[i] = worker(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(PULLERS)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return sum(done), time.perf_counter() - start


def bench_pulls(url: str, pulls: int) -> None:
    engine = fresh_database(url)
    eid, staff = setup_enterprise(engine)
    insert_tickets(engine, eid, 2 * pulls, open_share=1.0)
    events.set_bus(events.LocalBus())
    pg = engine.dialect.name == "postgresql"
    lock = "FOR UPDATE SKIP LOCKED" if pg else ""
    eid_param = eid if pg else eid.hex
    raw_sql = sa.text(f"""
        UPDATE ticket SET status = 'assigned', assignee_id = :u, assigned_at = :now
        WHERE id = (SELECT id FROM ticket WHERE enterprise_id = :e AND status = 'waiting'
                    ORDER BY queued_at, number LIMIT 1 {lock}) AND status = 'waiting'
        RETURNING id""")
    per_worker = pulls // PULLERS

    def raw(i: int) -> int:
        uid = staff[i] if pg else staff[i].hex
        n = 0
        with engine.connect() as conn:
            for _ in range(per_worker):
                with conn.begin():
                    now = dt.datetime.now(dt.UTC)
                    if conn.execute(
                        raw_sql,
                        {"u": uid, "now": now if pg else now.replace(tzinfo=None), "e": eid_param},
                    ).first():
                        n += 1
        return n

    def service(i: int) -> int:
        n = 0
        for _ in range(per_worker):
            with Session(engine) as s:
                if queue.pull_next_ticket(session=s, enterprise_id=eid, user_id=staff[i]):
                    n += 1
                s.commit()
        return n

    raw_n, raw_t = timed_pullers(raw)
    svc_n, svc_t = timed_pullers(service)
    assert raw_n == svc_n == per_worker * PULLERS, (raw_n, svc_n)
    raw_rate, svc_rate = raw_n / raw_t, svc_n / svc_t
    print(
        f"pulls/s [{engine.dialect.name}, {PULLERS} pullers]: bare SQL {raw_rate:7.0f}  "
        f"service {svc_rate:7.0f}  ratio {svc_rate / raw_rate:4.2f}"
    )
    engine.dispose()


def bench_counters(url: str, n: int) -> None:
    engine = fresh_database(url)
    eid, _ = setup_enterprise(engine)
    start = time.perf_counter()
    insert_tickets(engine, eid, n, open_share=0.01)
    print(f"generated {n:,} tickets in {time.perf_counter() - start:.1f} s")
    period = counters.period_range("year", now=dt.datetime.now(dt.UTC) + dt.timedelta(days=400))
    period = counters.Period(period.start - dt.timedelta(days=800), period.end)
    with Session(engine) as s:
        baseline, ours = [], []
        for _ in range(3):
            t0 = time.perf_counter()
            s.execute(sa.text("SELECT count(*) FROM ticket")).one()
            baseline.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            got = counters.ticket_counters(session=s, enterprise_id=eid, period=period)
            ours.append(time.perf_counter() - t0)
    assert got.total == n, got
    print(
        f"counters over {n:,} tickets [{engine.dialect.name}]: bare count(*) {min(baseline):.3f} s  "
        f"ticket_counters {min(ours):.3f} s  ratio {min(ours) / min(baseline):4.2f}  "
        f"(avg wait {got.average_wait_seconds} s, avg rating {got.average_rating})"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/interplat_bench"
    )
    parser.add_argument("--sqlite", action="store_true", help="also measure SQLite")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--pulls", type=int, default=4000)
    args, _ = parser.parse_known_args()
    urls = [args.pg]
    if args.sqlite:
        urls.append(f"sqlite:///{tempfile.mkdtemp()}/bench.db")
    for url in urls:
        bench_pulls(url, args.pulls)
        bench_counters(url, args.tickets)


if __name__ == "__main__":
    main()
