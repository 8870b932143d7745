"""The in-app scheduler: automated messages and abandonment, on a timer in every worker.

Each tick is safe to run in several workers at once: every automated message is recorded
under a unique (ticket, message) key before it is sent, and a ticket ends only once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from .config import get_settings
from .db import session_scope
from .services import automation

log = logging.getLogger(__name__)


def tick(url: str | None = None) -> tuple[int, int]:
    """One pass: send what is due, then end silent tickets. Returns (sent, abandoned)."""
    with session_scope(url) as session:
        sent = automation.run_due(session=session)
    with session_scope(url) as session:
        abandoned = automation.abandon_silent_tickets(session=session)
    return sent, abandoned


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """Run ``tick`` every ``INTERPLAT_SCHEDULER_INTERVAL_SECONDS`` while the app runs."""
    interval = get_settings().scheduler_interval_seconds

    async def loop() -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await asyncio.to_thread(tick)
            except Exception:  # a bad tick must not stop the next one
                log.exception("scheduler tick failed")

    task = asyncio.create_task(loop(), name="interplat-scheduler") if interval > 0 else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
