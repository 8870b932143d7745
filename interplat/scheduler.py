"""The in-app scheduler: automated messages, abandonment, SMS delivery and the sweep for
untranscribed voice messages, on a timer in every worker.

Each tick is safe to run in several workers at once: every automated message is recorded
under a unique (ticket, message) key before it is sent, and a ticket ends only once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from . import routes
from .config import TelephonyBackend, get_settings
from .db import session_scope
from .services import automation, blast_job, email, payment_requests, sms, telephony
from .services.transcription import worker as transcription_worker

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
    settings = get_settings()
    callback = None
    if settings.telephony_backend == TelephonyBackend.TWILIO:
        callback = settings.public_base_url.rstrip("/") + routes.TWILIO_SMS_STATUS
    with session_scope(url) as session:
        return sms.deliver_due(
            session=session,
            gateway=telephony.get_gateway(),
            from_number=settings.twilio_from_number or "",
            status_callback=callback,
        )


def deliver_email(url: str | None = None) -> int:
    """Hand the queued email to the email gateway (dev outbox or SMTP), with retries."""
    with session_scope(url) as session:
        return email.deliver_due(
            session=session, gateway=email.get_gateway(), from_address=get_settings().smtp_from
        )


def deliver_outbox() -> int:
    """SMS then email, each on its own: one channel failing must not hold up the other."""
    sent = 0
    for job in (deliver_sms, deliver_email):
        try:
            sent += job()
        except Exception:
            log.exception("outbox delivery %s failed", job.__name__)
    return sent


def expire_payment_requests(url: str | None = None) -> int:
    """Requests past their due date (on the enterprise's clock) become "expired"."""
    with session_scope(url) as session:
        return payment_requests.expire_due(session=session)


def send_blasts(url: str | None = None) -> int:
    """Send queued chat blasts (resuming any a stopped worker left half done)."""
    with session_scope(url) as session:
        sent = blast_job.run_blasts(session=session)
    if sent:
        nudge_sms_delivery()  # customers without an open chat get the link by SMS
    return sent


# Set from any thread when a blast is started, so it goes out now rather than next tick.
_blast_wakeup: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None


def nudge_blasts() -> None:
    """Wake this worker's blast sender (a no-op when the scheduler is not running)."""
    target = _blast_wakeup
    if target is not None:
        loop, event = target
        loop.call_soon_threadsafe(event.set)


# Set from any thread when an SMS is queued, so it leaves now rather than at the next tick.
_sms_wakeup: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None


def nudge_sms_delivery() -> None:
    """Wake this worker's SMS deliverer (a no-op when the scheduler is not running)."""
    target = _sms_wakeup
    if target is not None:
        loop, event = target
        loop.call_soon_threadsafe(event.set)


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """Run ``tick`` every ``INTERPLAT_SCHEDULER_INTERVAL_SECONDS`` while the app runs, and
    deliver SMS at the same pace or as soon as one is queued."""
    global _sms_wakeup, _blast_wakeup
    interval = get_settings().scheduler_interval_seconds

    async def run(job: Any) -> None:
        try:
            await asyncio.to_thread(job)
        except Exception:  # a bad job must not stop the next one
            log.exception("scheduler job %s failed", job.__name__)

    async def ticks() -> None:
        while True:
            await asyncio.sleep(interval)
            await run(tick)
            await run(transcription_worker.sweep)
            await run(expire_payment_requests)

    async def deliveries(event: asyncio.Event, job: Any = deliver_outbox) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout=interval)
            event.clear()
            await run(job)

    tasks: list[asyncio.Task[None]] = []
    if interval > 0:
        event = asyncio.Event()
        blast_event = asyncio.Event()
        _sms_wakeup = (asyncio.get_running_loop(), event)
        _blast_wakeup = (asyncio.get_running_loop(), blast_event)
        tasks = [
            asyncio.create_task(ticks(), name="interplat-scheduler"),
            asyncio.create_task(deliveries(event), name="interplat-sms"),
            asyncio.create_task(deliveries(blast_event, send_blasts), name="interplat-blasts"),
        ]
    try:
        yield
    finally:
        _sms_wakeup = _blast_wakeup = None
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
