"""The one place that pushes domain events into open browsers.

Services publish on the event bus (see ``services/events.py``). Here each backend worker
subscribes once, and for every event refreshes the live state of the browsers connected
to *this* worker that belong to the event's enterprise. With Redis, every worker hears
every event, and each updates only its own clients, so nothing is pushed twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import threading
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from .db import session_scope
from .services import customer_chat, workspace
from .services.chat_actions import TYPING
from .services.events import DomainEvent, get_bus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Client:
    enterprise_id: str
    audience: str  # "staff" or "customer"
    ticket_id: str = ""  # a customer's tab follows one ticket...
    link_code: str = ""  # ...through the link it opened
    workspace: bool = False  # a staff tab on the chat workspace


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
    """Tabs that should hear an event: the enterprise's staff, and the customer whose
    ticket it concerns (a customer never hears about anyone else's)."""
    ticket_id = str(event.data.get("ticket_id") or "")
    only = str(event.data.get("audience") or "")  # e.g. a receipt concerns one side
    with _lock:
        return [
            (t, c)
            for t, c in _clients.items()
            if c.enterprise_id == event.enterprise_id
            and (c.audience == "staff" or (ticket_id and c.ticket_id == ticket_id))
            and only in ("", c.audience)
        ]


def customer_view(link_code: str) -> Any:
    """What a customer's open chat shows now (read without counting a visit)."""
    with session_scope() as session:
        return customer_chat.load_chat(session=session, code=link_code, count_visit=False)


def staff_snapshot(enterprise_id: str) -> dict[str, Any]:
    """The figures a staff header shows, as plain values for state vars."""
    with session_scope() as session:
        snap = workspace.workspace_snapshot(session=session, enterprise_id=uuid.UUID(enterprise_id))
    return {"counts": snap.counts, "team": snap.team, "waiting": snap.waiting}


async def _dispatch(app: Any, event: DomainEvent) -> None:
    from .state.chats import ChatsState
    from .state.customer import CustomerChatState
    from .state.live import LiveState

    targets = clients_for(event)
    if not targets:
        return
    snapshot: dict[str, Any] | None = None
    views: dict[str, Any] = {}  # one read per chat link, however many tabs show it
    token_manager = app.event_namespace._token_manager
    for token, client in targets:
        if not await token_manager.is_token_connected(token):
            forget(token)
            continue
        if event.kind == TYPING:  # a hint for the other side only, nothing to re-read
            if client.audience == "customer" and event.data.get("sender_kind") == "csr":
                await _push(app, token, CustomerChatState, "show_typing")
            elif client.workspace:
                await _push(app, token, ChatsState, "apply_event", event.kind, event.data)
            continue
        if client.audience == "customer":
            code = client.link_code
            if code not in views:
                views[code] = await asyncio.to_thread(customer_view, code)
            await _push(app, token, CustomerChatState, "apply_view", views[code])
        else:
            if snapshot is None:
                snapshot = await asyncio.to_thread(staff_snapshot, event.enterprise_id)
            await _push(app, token, LiveState, "apply_event", event.kind, event.data, snapshot)
            if client.workspace:
                await _push(app, token, ChatsState, "apply_event", event.kind, event.data)


async def _push(app: Any, token: str, state_cls: Any, method: str, *args: Any) -> None:
    """Call ``method`` on one tab's state; Reflex sends the difference to that browser."""
    from reflex.istate.manager.token import BaseStateToken

    async with app.modify_state(BaseStateToken(ident=token, cls=state_cls)) as root:
        outcome = getattr(await root.get_state(state_cls), method)(*args)
        if inspect.isawaitable(outcome):
            await outcome


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
