"""Telephony endpoints over real HTTP, each against a bare route in the same server and run.

The app (``interplat.api.create_api()`` plus two bare routes under ``/bench/bare``) runs in
a uvicorn subprocess on a migrated database; the load comes from this process (asyncio,
a keep-alive pool of hand-written HTTP/1.1 requests: see ``Pool``).

1. Call-to-chat throughput: ``POST /api/v1/sms`` (HTTP Basic of an IVR client, a distinct
   caller per request, so each opens a ticket and queues an SMS) in a closed loop of
   ``--concurrency`` requests, against a bare route that reads the same form and answers
   a similar JSON. Target: 300 req/s. Nothing delivers SMS during the run; the outbox is
   checked afterwards.
2. Voice webhook latency: ``POST /api/twilio/voice`` (Twilio's first webhook of a call,
   signed, to an enterprise number), offered open loop at ``--rate`` req/s, against a bare
   route answering constant TwiML. Latency runs from each request's scheduled send time,
   so a stalled server is not hidden (no coordinated omission). Target: p50 ≤ 10 ms,
   p99 ≤ 50 ms at 100 req/s.

    python bench/telephony_bench.py [--database-url URL ...] [--only sms|voice]
                                    [--seconds 5] [--concurrency 16]
                                    [--rate 100] [--voice-seconds 8]

The database is ``--database-url`` (repeatable), else ``INTERPLAT_BENCH_DATABASE_URL``,
else a temporary SQLite file, migrated with ``upgrade_to_head``. A PostgreSQL database or
SQLite file whose name contains "bench" is dropped and made anew, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/interplat_bench_helper``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import math
import multiprocessing
import os
import secrets
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlencode
from urllib.request import urlopen

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import phonenumbers  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from fastapi import Request, Response  # noqa: E402
from fastapi.responses import JSONResponse  # noqa: E402
from sqlmodel import Session, select  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from interplat.config import get_settings  # noqa: E402
from interplat.db import get_engine, session_scope, upgrade_to_head  # noqa: E402
from interplat.models import OutboxMessage, OutboxStatus  # noqa: E402
from interplat.services import enterprises, ivr, ivr_clients  # noqa: E402

SMS_PATH = "/api/v1/sms"
VOICE_PATH = "/api/twilio/voice"
BARE_SMS_PATH = "/bench/bare/sms"
BARE_VOICE_PATH = "/bench/bare/voice"
PUBLIC_BASE_URL = "https://bench.interplat.test"
SMS_TARGET_RPS = 300
VOICE_TARGET_P50_MS, VOICE_TARGET_P99_MS = 10, 50
REQUEST_TIMEOUT = 10.0
VOICE_CONNECTIONS = 64  # enough that a slow answer never holds back the next send
BARE_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="'
    + PUBLIC_BASE_URL
    + '/api/twilio/voice/menu?attempt=0" method="POST" numDigits="1" timeout="5">'
    '<Say language="en-US">Thank you for calling Bench. To continue by chat on your phone, '
    "press 1. To stay on the line for an agent, press 2.</Say></Gather>"
    '<Redirect method="POST">' + PUBLIC_BASE_URL + "/api/twilio/voice?attempt=1</Redirect>"
    "</Response>"
)


@dataclass(frozen=True)
class Tenant:
    enterprise_id: uuid.UUID
    ivr_username: str
    ivr_secret: str
    number: str  # the enterprise's own number (E.164), called by the voice bench


def callers() -> Iterator[str]:
    """Distinct valid US numbers, +1 212 2xx xxxx (checked, not assumed)."""
    for n in range(2_000_000, 3_000_000):
        e164 = f"+1212{n:07d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(e164)):
            yield e164


def pct(samples: list[float], q: float) -> float:
    """Nearest-rank percentile in ms (a failed request counts as infinitely slow)."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)] * 1e3


# --- database and server ---------------------------------------------------------------


def prepare_database(url: str) -> Tenant:
    """Migrate a fresh database; a new enterprise with an IVR client and a number.

    A database named ``*bench*`` (PostgreSQL database or SQLite file) is dropped and made
    anew (the initial migration is still rewritten in place, so "already at head" can
    mean an old schema); any other is only created if missing.
    """
    target = sa.make_url(url)
    if target.get_backend_name() == "sqlite" and "bench" in Path(target.database or "").name:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target.database}{suffix}").unlink(missing_ok=True)
    if target.get_backend_name() == "postgresql":
        name = target.database or ""
        admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if "bench" in name:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": name}
            ).first()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    upgrade_to_head(url)
    tag = secrets.token_hex(3).upper()
    with session_scope(url) as s:
        e = enterprises.create_enterprise(
            session=s,
            slug=f"bench-{tag.lower()}",
            name=f"Bench {tag}",
            brand_name="Bench",
            reference_prefix=f"B{tag[:5]}",
        )
        creds = ivr_clients.create_ivr_client(session=s, enterprise_id=e.id, name="Bench IVR")
        number = ivr.add_phone_number(session=s, enterprise_id=e.id, number=_free_number(s))
        tenant = Tenant(e.id, creds.username, creds.secret, number.number)
    return tenant


def _free_number(session: Session) -> str:
    while True:
        e164 = f"+1212{9_000_000 + secrets.randbelow(1_000_000):07d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(e164)) and not ivr.number_owner(
            session, e164
        ):
            return e164


def serve(sock: socket.socket) -> None:
    """A server subprocess: the real API plus the bare routes, one uvicorn worker on the
    listening socket all workers share (the kernel spreads connections among them)."""
    import uvicorn

    from interplat.api import create_api

    get_settings.cache_clear()
    app = create_api()

    @app.post(BARE_SMS_PATH)
    async def bare_sms(request: Request) -> JSONResponse:
        form = await request.form()
        values = {k: v.strip() for k, v in form.items() if isinstance(v, str) and v.strip()}
        await form.close()
        code = uuid.uuid4().hex[:10]
        return JSONResponse(
            {
                "ticket_id": str(uuid.uuid4()),
                "reference": "BN-000001",
                "link": f"{PUBLIC_BASE_URL}/c/{code}?cid={values.get('cid', '')}",
                "created": True,
                "sms_queued": True,
                "sms_blocked": False,
            }
        )

    @app.post(BARE_VOICE_PATH)
    async def bare_voice() -> Response:
        return Response(BARE_TWIML, media_type="application/xml")

    config = uvicorn.Config(app, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def start_server(
    url: str, auth_token: str, workers: int = 1
) -> tuple[list[multiprocessing.Process], str]:
    """Start ``workers`` processes of ``serve`` on one free port with the bench settings;
    ``(processes, base URL)``."""
    os.environ.update(
        INTERPLAT_DATABASE_URL=url,
        INTERPLAT_PUBLIC_BASE_URL=PUBLIC_BASE_URL,
        INTERPLAT_TWILIO_AUTH_TOKEN=auth_token,
        INTERPLAT_TELEPHONY_BACKEND="dev",
        INTERPLAT_SCHEDULER_INTERVAL_SECONDS="0",
    )
    get_settings.cache_clear()
    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY on accepted sockets only then (without it
    # Nagle and delayed ACKs add ~40 ms to a keep-alive exchange).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    port = sock.getsockname()[1]
    spawn = multiprocessing.get_context("spawn")
    processes = [spawn.Process(target=serve, args=(sock,), daemon=True) for _ in range(workers)]
    for process in processes:
        process.start()
    sock.close()  # the workers hold their own copies
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urlopen(base + "/api/health", timeout=1) as answer:
                if answer.status == 200:
                    time.sleep(1.0 if workers > 1 else 0)  # let the other workers start too
                    return processes, base
        except (URLError, OSError):
            pass
        if not all(p.is_alive() for p in processes):
            break
        time.sleep(0.2)
    stop_server(processes)
    raise RuntimeError("the bench server did not start")


def stop_server(processes: list[multiprocessing.Process]) -> None:
    """Stop the server subprocesses (SIGTERM: uvicorn finishes what is in flight)."""
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(10)
        if process.is_alive():
            process.kill()
            process.join()


# --- load -------------------------------------------------------------------------------


class Pool:
    """Keep-alive HTTP/1.1 connections to the bench server.

    Requests are written by hand because httpx costs ~1.5-3 ms of client CPU a request on
    this 2-core machine and capped the bare route at ~230 req/s: the baseline measured the
    client. This needs ~0.15 ms and only reads ``Content-Length`` bodies (all the app sends).
    """

    def __init__(self, base: str, size: int) -> None:
        host, _, port = base.removeprefix("http://").partition(":")
        self.host, self.port = host, int(port)
        self.idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter] | None]
        self.idle = asyncio.Queue()
        for _ in range(size):
            self.idle.put_nowait(None)  # connected on first use

    async def post(self, path: str, body: bytes, headers: bytes = b"") -> tuple[int, bytes]:
        """``(status, body)`` of one form post."""
        request = (
            b"POST %s HTTP/1.1\r\nhost: %s\r\ncontent-type: application/x-www-form-urlencoded"
            b"\r\n%scontent-length: %d\r\n\r\n%s"
            % (path.encode(), self.host.encode(), headers, len(body), body)
        )
        conn = await self.idle.get()
        try:
            if conn is not None:
                try:
                    answer = await self._exchange(conn, request)
                except (ConnectionError, asyncio.IncompleteReadError) as exc:
                    if getattr(exc, "partial", b""):
                        raise
                    # uvicorn closes connections idle for 5 s; it never saw this request.
                    conn[1].close()
                    conn = None
            if conn is None:
                conn = await asyncio.open_connection(self.host, self.port)
                answer = await self._exchange(conn, request)
        except BaseException:
            if conn is not None:
                conn[1].close()
            self.idle.put_nowait(None)
            raise
        self.idle.put_nowait(conn)
        return answer

    @staticmethod
    async def _exchange(
        conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], request: bytes
    ) -> tuple[int, bytes]:
        reader, writer = conn
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        return int(head[9:12]), await reader.readexactly(_content_length(head))

    async def close(self) -> None:
        """Close the open connections (call once no request is in flight)."""
        while not self.idle.empty():
            conn = self.idle.get_nowait()
            if conn is not None:
                conn[1].close()


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            return int(line[15:])
    raise ValueError(f"no Content-Length in {head[:200]!r}")


async def closed_loop(send: Callable[[], Awaitable[None]], seconds: float, workers: int) -> float:
    """Requests per second with ``workers`` requests always in flight."""
    deadline = time.perf_counter() + seconds
    done = 0

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await send()
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return done / (time.perf_counter() - start)


async def open_loop(
    send: Callable[[int], Awaitable[bool]], rate: float, seconds: float
) -> tuple[list[float], int]:
    """Latency of each request from its scheduled send time; ``(latencies, failures)``."""
    loop = asyncio.get_running_loop()
    n = int(rate * seconds)
    start = loop.time() + 0.05
    latencies = [math.inf] * n

    async def one(i: int) -> None:
        at = start + i / rate
        await asyncio.sleep(at - loop.time())
        try:
            ok = await asyncio.wait_for(send(i), REQUEST_TIMEOUT)
        except (OSError, ValueError, asyncio.IncompleteReadError, TimeoutError):
            ok = False
        if ok:
            latencies[i] = loop.time() - at

    await asyncio.gather(*(one(i) for i in range(n)))
    return latencies, sum(1 for x in latencies if x == math.inf)


async def bench_sms(
    base: str, tenant: Tenant, numbers: Iterator[str], seconds: float, workers: int
) -> tuple[float, float, float]:
    """(bare req/s before, bare req/s after, interplat req/s)."""
    basic = base64.b64encode(f"{tenant.ivr_username}:{tenant.ivr_secret}".encode())
    auth = b"authorization: Basic %s\r\n" % basic
    pool = Pool(base, workers)

    def body() -> bytes:
        params = {"cid": next(numbers)[1:], "dnis": tenant.number[1:], "first_name": "Bench"}
        return urlencode(params).encode()

    async def bare() -> None:
        code, answer = await pool.post(BARE_SMS_PATH, body())
        if code != 200:
            raise RuntimeError(f"the bare route answered {code}: {answer[:200]!r}")

    async def interplat() -> None:
        code, answer = await pool.post(SMS_PATH, body(), auth)
        if code != 200 or b'"created":true' not in answer or b'"sms_queued":true' not in answer:
            raise RuntimeError(f"{SMS_PATH} answered {code}: {answer[:300]!r}")

    try:
        for send in (bare, interplat):  # warm-up: connections, caches, first queries
            await closed_loop(send, min(1.0, seconds), workers)
        # The baseline on both sides of the measured phase, to see drift (a shared machine).
        before = await closed_loop(bare, seconds / 2, workers)
        ours = await closed_loop(interplat, seconds, workers)
        return before, await closed_loop(bare, seconds / 2, workers), ours
    finally:
        await pool.close()


async def bench_voice(
    base: str, tenant: Tenant, numbers: Iterator[str], auth_token: str, rate: float, seconds: float
) -> tuple[tuple[list[float], int], tuple[list[float], int]]:
    """((bare latencies, failures), (interplat latencies, failures))."""
    validator = RequestValidator(auth_token)
    account = "AC" + secrets.token_hex(16)

    def signed_posts(n: int) -> list[tuple[bytes, bytes]]:
        """Twilio-shaped signed posts ``(body, headers)``, built before the clock starts."""
        out = []
        for _ in range(n):
            caller = next(numbers)
            params = {
                "CallSid": "CA" + secrets.token_hex(16),
                "AccountSid": account,
                "From": caller,
                "To": tenant.number,
                "CallStatus": "ringing",
                "Direction": "inbound",
                "ApiVersion": "2010-04-01",
                "Caller": caller,
                "Called": tenant.number,
            }
            signature = validator.compute_signature(PUBLIC_BASE_URL + VOICE_PATH, params)
            out.append(
                (urlencode(params).encode(), b"x-twilio-signature: %s\r\n" % signature.encode())
            )
        return out

    reported: set[tuple[str, int]] = set()

    def sender(pool: Pool, path: str, posts: list[tuple[bytes, bytes]]):
        async def send(i: int) -> bool:
            code, answer = await pool.post(path, *posts[i])
            if code != 200 or b"<Gather" not in answer:  # the menu, not "not in service"
                if (path, code) not in reported:
                    reported.add((path, code))
                    print(f"  {path} answered {code}: {answer[:200]!r}", file=sys.stderr)
                return False
            return True

        return send

    async def phase(path: str, seconds: float) -> tuple[list[float], int]:
        warm_up, posts = signed_posts(int(rate)), signed_posts(int(rate * seconds))
        pool = Pool(base, VOICE_CONNECTIONS)
        try:
            await open_loop(sender(pool, path, warm_up), rate, 1.0)
            return await open_loop(sender(pool, path, posts), rate, seconds)
        finally:
            await pool.close()

    # The baseline's samples come from both sides of the measured phase (see bench_sms).
    bare_before = await phase(BARE_VOICE_PATH, seconds / 2)
    ours = await phase(VOICE_PATH, seconds)
    bare_after = await phase(BARE_VOICE_PATH, seconds / 2)
    bare = (bare_before[0] + bare_after[0], bare_before[1] + bare_after[1])
    return bare, ours


# --- reports ----------------------------------------------------------------------------


def report_sms(
    dialect: str, workers: int, seconds: float, bare: tuple[float, float], ours: float
) -> None:
    base = sum(bare) / 2
    verdict = "met" if ours >= SMS_TARGET_RPS else "MISSED"
    print(
        f"call-to-chat POST {SMS_PATH} [{dialect}, {workers} concurrent, {seconds:g} s]: "
        f"bare route {base:7.1f} req/s (before {bare[0]:.0f}, after {bare[1]:.0f})  "
        f"interplat {ours:7.1f} req/s  ratio {ours / base:5.3f}  "
        f"(target ≥ {SMS_TARGET_RPS} req/s: {verdict})"
    )


def report_voice(
    dialect: str,
    rate: float,
    seconds: float,
    bare: tuple[list[float], int],
    ours: tuple[list[float], int],
) -> None:
    (b_lat, b_fail), (o_lat, o_fail) = bare, ours
    b50, b99, o50, o99 = pct(b_lat, 50), pct(b_lat, 99), pct(o_lat, 50), pct(o_lat, 99)
    met = o50 <= VOICE_TARGET_P50_MS and o99 <= VOICE_TARGET_P99_MS
    failures = f"  failures: bare {b_fail}, interplat {o_fail}" if b_fail or o_fail else ""
    print(
        f"voice POST {VOICE_PATH} [{dialect}, open loop {rate:g} req/s, {seconds:g} s, "
        f"{len(o_lat)} calls]: bare p50 {b50:6.2f} ms p99 {b99:6.2f} ms | "
        f"interplat p50 {o50:6.2f} ms p99 {o99:6.2f} ms | ratio p50 {o50 / b50:5.2f} "
        f"p99 {o99 / b99:5.2f}  (target p50 ≤ {VOICE_TARGET_P50_MS} ms, "
        f"p99 ≤ {VOICE_TARGET_P99_MS} ms: {'met' if met else 'MISSED'}){failures}"
    )


def report_outbox(url: str, tenant: Tenant) -> None:
    """The SMS stayed off the request path: every one queued, none sent during the run."""
    with session_scope(url) as s:
        rows = s.exec(
            select(OutboxMessage.status).where(OutboxMessage.enterprise_id == tenant.enterprise_id)
        ).all()
    queued = sum(1 for status in rows if status == OutboxStatus.QUEUED)
    print(f"  outbox after the run: {queued} SMS queued, {len(rows) - queued} past queued")


def auth_cost(url: str, tenant: Tenant) -> float:
    """Median ms of one in-process ``authenticate_ivr_client`` (context for the ratio)."""
    times = []
    for _ in range(5):
        with session_scope(url) as s:
            start = time.perf_counter()
            ivr_clients.authenticate_ivr_client(
                session=s, username=tenant.ivr_username, secret=tenant.ivr_secret
            )
            times.append(time.perf_counter() - start)
    return sorted(times)[2] * 1e3


def run(url: str, args: argparse.Namespace) -> None:
    """Both benches against one database, each with its baseline."""
    auth_token = secrets.token_hex(16)
    tenant = prepare_database(url)
    dialect = get_engine(url).dialect.name
    http = "httptools" if find_spec("httptools") else "h11"
    loop = "uvloop" if find_spec("uvloop") else "asyncio"
    print(
        f"server: {args.workers} uvicorn {version('uvicorn')} worker(s) ({http}, {loop})"
        f" on {dialect}"
    )
    numbers = callers()
    processes, base = start_server(url, auth_token, args.workers)
    try:
        if args.only in (None, "sms"):
            *bare, ours = asyncio.run(
                bench_sms(base, tenant, numbers, args.seconds, args.concurrency)
            )
            report_sms(dialect, args.concurrency, args.seconds, (bare[0], bare[1]), ours)
            report_outbox(url, tenant)
            print(f"  one in-process authenticate_ivr_client: {auth_cost(url, tenant):.1f} ms")
        if args.only in (None, "voice"):
            bare_v, ours_v = asyncio.run(
                bench_voice(base, tenant, numbers, auth_token, args.rate, args.voice_seconds)
            )
            report_voice(dialect, args.rate, args.voice_seconds, bare_v, ours_v)
    finally:
        stop_server(processes)
        get_engine(url).dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", action="append", help="repeat to measure several")
    parser.add_argument("--only", choices=("sms", "voice"))
    parser.add_argument(
        "--seconds",
        type=float,
        default=5,
        help="call-to-chat phase (baseline: half before, half after)",
    )
    parser.add_argument("--concurrency", type=int, default=16, help="call-to-chat in flight")
    parser.add_argument("--workers", type=int, default=1, help="server processes sharing the port")
    parser.add_argument("--rate", type=float, default=100, help="voice req/s offered")
    parser.add_argument(
        "--voice-seconds",
        type=float,
        default=8,
        help="voice phase (baseline: half before, half after)",
    )
    args, _ = parser.parse_known_args()  # bench/run_all.py passes every bench the same argv
    urls = args.database_url or [os.environ.get("INTERPLAT_BENCH_DATABASE_URL", "")]
    with tempfile.TemporaryDirectory() as tmp:
        for url in urls:
            run(url or f"sqlite:///{tmp}/bench.db", args)


if __name__ == "__main__":
    main()
