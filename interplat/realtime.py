"""The one place that pushes domain events into open browsers.

Services publish on the event bus (see ``services/events.py``). Here each backend worker
subscribes once, and for every event refreshes the live state of the browsers connected
to *this* worker that belong to the event's enterprise. With Redis, every worker hears
every event, and each updates only its own clients, so nothing is pushed twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from .db import session_scope
from .services import workspace
from .services.events import DomainEvent, get_bus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Client:
    enterprise_id: str
    audience: str  # "staff" or "customer"
    ticket_id: str = ""


_clients: dict[str, Client] = {}
_lock = threading.Lock()


def register(client_token: str, client: Client) -> None:
    """Remember that a browser tab on this worker wants an enterprise's events."""
    with _lock:
        _clients[client_token] = client


def forget(client_token: str) -> None:
    with _lock:
        _clients.pop(client_token, None)


def clients_for(event: DomainEvent) -> list[tuple[str, Client]]:
    with _lock:
        return [(t, c) for t, c in _clients.items() if c.enterprise_id == event.enterprise_id]


def staff_snapshot(enterprise_id: str) -> dict[str, Any]:
    """The figures a staff header shows, as plain values for state vars."""
    with session_scope() as session:
        snap = workspace.workspace_snapshot(session=session, enterprise_id=uuid.UUID(enterprise_id))
    return {"counts": snap.counts, "team": snap.team, "waiting": snap.waiting}


async def _dispatch(app: Any, event: DomainEvent) -> None:
    from reflex.istate.manager.token import BaseStateToken

    from .state.live import LiveState

    targets = clients_for(event)
    if not targets:
        return
    snapshot = await asyncio.to_thread(staff_snapshot, event.enterprise_id)
    token_manager = app.event_namespace._token_manager
    for token, client in targets:
        if not await token_manager.is_token_connected(token):
            forget(token)
            continue
        async with app.modify_state(BaseStateToken(ident=token, cls=LiveState)) as root:
            live = await root.get_state(LiveState)
            live.apply_event(event.kind, event.data, snapshot if client.audience == "staff" else {})


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """Subscribe this worker to the bus for as long as the app runs."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[DomainEvent] = asyncio.Queue()
    unsubscribe = get_bus().subscribe(lambda ev: loop.call_soon_threadsafe(queue.put_nowait, ev))

    async def consume() -> None:
        while True:
            event = await queue.get()
            try:
                await _dispatch(app, event)
            except Exception:
                log.exception("could not push %s to browsers", event.kind)

    task = asyncio.create_task(consume(), name="interplat-realtime")
    try:
        yield
    finally:
        unsubscribe()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
