"""Domain events: services publish, the realtime module delivers them to open browsers.

An event is queued on the database session and handed to the bus only after that
session commits, so no browser ever hears of a row that was rolled back. The bus is
in-process by default and Redis pub/sub when ``INTERPLAT_REDIS_URL`` is set, so that
several backend workers hear the same events.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession

from ..models import utcnow

log = logging.getLogger(__name__)
CHANNEL = "interplat:events"
_PENDING = "interplat_pending_events"


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened in one enterprise that open browsers may want to show."""

    kind: str
    enterprise_id: str
    data: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    occurred_at: str = field(default_factory=lambda: utcnow().isoformat())

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=str)

    @classmethod
    def from_json(cls, raw: str | bytes) -> DomainEvent:
        return cls(**json.loads(raw))


Subscriber = Callable[[DomainEvent], None]


class EventBus(Protocol):
    def publish(self, event: DomainEvent) -> None: ...

    def subscribe(self, callback: Subscriber) -> Callable[[], None]: ...


class LocalBus:
    """Delivers to subscribers of this process, synchronously. Subscribers must be quick."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    def publish(self, event: DomainEvent) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(event)
            except Exception:  # one broken subscriber must not starve the others
                log.exception("event subscriber failed for %s", event.kind)

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe


class RedisBus:
    """Redis pub/sub: every worker's subscribers hear every worker's events.

    If Redis cannot be reached when publishing, the event is delivered in this process
    only (degraded, like a single worker) rather than lost.
    """

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._url = url
        self._local = LocalBus()
        self._listener: threading.Thread | None = None
        self._ready = threading.Event()
        self._lock = threading.Lock()

    def publish(self, event: DomainEvent) -> None:
        import redis

        try:
            self._redis.publish(CHANNEL, event.to_json())
        except redis.RedisError:
            log.warning("redis unreachable; delivering %s in this worker only", event.kind)
            self._local.publish(event)

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        unsubscribe = self._local.subscribe(callback)
        with self._lock:
            if self._listener is None:
                self._listener = threading.Thread(
                    target=self._listen, name="interplat-events", daemon=True
                )
                self._listener.start()
        self._ready.wait(timeout=5)
        return unsubscribe

    def _listen(self) -> None:
        import redis

        backoff = 0.2
        while True:
            try:
                client = redis.Redis.from_url(self._url, socket_connect_timeout=2)
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL)
                self._ready.set()
                backoff = 0.2
                for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._local.publish(DomainEvent.from_json(message["data"]))
            except redis.RedisError:
                log.warning("event listener lost redis; retrying in %.1fs", backoff)
                self._ready.set()
                time.sleep(backoff)
                backoff = min(backoff * 2, 5.0)


_bus: EventBus | None = None
_bus_lock = threading.Lock()


def get_bus() -> EventBus:
    """The process's bus, chosen by settings on first use."""
    global _bus
    with _bus_lock:
        if _bus is None:
            from ..config import get_settings

            url = get_settings().redis_url
            _bus = RedisBus(url) if url else LocalBus()
        return _bus


def set_bus(bus: EventBus | None) -> None:
    """Replace the bus (tests; or ``None`` to choose again from settings)."""
    global _bus
    with _bus_lock:
        _bus = bus


def publish(session: OrmSession, kind: str, enterprise_id: uuid.UUID | str, **data: Any) -> None:
    """Announce an event once ``session`` commits (dropped if it rolls back)."""
    event = DomainEvent(kind=kind, enterprise_id=str(enterprise_id), data=data)
    session.info.setdefault(_PENDING, []).append(event)


@sa.event.listens_for(OrmSession, "after_commit")
def _deliver_after_commit(session: OrmSession) -> None:
    events = session.info.pop(_PENDING, None)
    if events:
        bus = get_bus()
        for event in events:
            bus.publish(event)


@sa.event.listens_for(OrmSession, "after_rollback")
def _drop_after_rollback(session: OrmSession) -> None:
    session.info.pop(_PENDING, None)
