"""Event delivery latency: Interplat's buses against the bare transport in the same run.

    python bench/events_bench.py [--redis redis://127.0.0.1:6379/0] [-n 2000]

Prints p50/p99 in microseconds and the ratio to the baseline (1.0 = no overhead).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from interplat.services.events import CHANNEL, DomainEvent, LocalBus, RedisBus  # noqa: E402


def pct(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100)[int(q) - 1] * 1e6


def measure(publish, n: int, wait) -> list[float]:
    samples = []
    for i in range(n):
        start = time.perf_counter()
        publish(i)
        wait(i)
        samples.append(time.perf_counter() - start)
    return samples


def local_bus(n: int) -> tuple[list[float], list[float]]:
    got: list[int] = []
    direct = measure(lambda i: got.append(i), n, lambda i: None)
    bus = LocalBus()
    seen: list[str] = []
    bus.subscribe(lambda e: seen.append(e.id))
    events = [DomainEvent(kind="bench", enterprise_id="e") for _ in range(n)]
    via_bus = measure(lambda i: bus.publish(events[i]), n, lambda i: None)
    assert len(seen) == n
    return direct, via_bus


def redis_round_trip(url: str, n: int) -> tuple[list[float], list[float]]:
    import redis

    client = redis.Redis.from_url(url)
    arrived = threading.Event()

    def raw_listener(ready: threading.Event) -> None:
        pubsub = redis.Redis.from_url(url).pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe("bench:raw")
        ready.set()
        for message in pubsub.listen():
            if message["type"] == "message":
                arrived.set()

    ready = threading.Event()
    threading.Thread(target=raw_listener, args=(ready,), daemon=True).start()
    ready.wait(5)

    def raw_wait(_: int) -> None:
        arrived.wait(5)
        arrived.clear()

    raw = measure(lambda i: client.publish("bench:raw", b"x" * 200), n, raw_wait)

    bus = RedisBus(url)
    bus.subscribe(lambda e: arrived.set())
    events = [DomainEvent(kind="bench", enterprise_id="e") for _ in range(n)]
    via_bus = measure(lambda i: bus.publish(events[i]), n, raw_wait)
    assert CHANNEL
    return raw, via_bus


def report(name: str, baseline: list[float], ours: list[float]) -> None:
    b50, o50 = pct(baseline, 50), pct(ours, 50)
    b99, o99 = pct(baseline, 99), pct(ours, 99)
    print(
        f"{name:<28} baseline p50 {b50:8.1f} µs p99 {b99:8.1f} µs | "
        f"interplat p50 {o50:8.1f} µs p99 {o99:8.1f} µs | ratio p50 {o50 / b50:5.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("-n", type=int, default=2000)
    args = parser.parse_args()
    report("in-process bus vs call", *local_bus(args.n))
    try:
        report("redis bus vs raw pub/sub", *redis_round_trip(args.redis, args.n))
    except Exception as exc:  # noqa: BLE001 - a bench without Redis still reports the rest
        print(f"redis bus: not measured ({exc.__class__.__name__}: {exc})")


if __name__ == "__main__":
    main()
