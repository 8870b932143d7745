"""The in-app scheduler: automated messages, abandonment and SMS delivery, on a timer in
every worker.

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
from .services import automation, sms, telephony

log = logging.getLogger(__name__)


def tick(url: str | None = None) -> tuple[int, int]:
    """One pass: send what is due, then end silent tickets. Returns (sent, abandoned)."""
    with session_scope(url) as session:
        sent = automation.run_due(session=session)
    with session_scope(url) as session:
        abandoned = automation.abandon_silent_tickets(session=session)
    return sent, abandoned


def deliver_sms(url: str | None = None) -> int:
    """Hand the queued SMS to the telephony gateway (dev outbox or Twilio), with retries."""
    with session_scope(url) as session:
        return sms.deliver_due(
            session=session,
            gateway=telephony.get_gateway(),
            from_number=get_settings().twilio_from_number or "",
        )


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """Run ``tick`` every ``INTERPLAT_SCHEDULER_INTERVAL_SECONDS`` while the app runs."""
    interval = get_settings().scheduler_interval_seconds

    async def loop() -> None:
        while True:
            await asyncio.sleep(interval)
            for job in (tick, deliver_sms):
                try:
                    await asyncio.to_thread(job)
                except Exception:  # a bad job must not stop the next one
                    log.exception("scheduler job %s failed", job.__name__)

    task = asyncio.create_task(loop(), name="interplat-scheduler") if interval > 0 else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
