"""The transcription worker: a few threads fed by a queue, sharing one loaded model.

Requests never wait for Whisper. A voice message is committed first, then handed here by
``submit``; a thread transcribes it (``voice_messages.transcribe_message``) and, in a
separate step that it retries on its own, announces it (``announce_transcript``). A clip
that fails never stops the threads. Messages that missed the queue (the process died,
or another worker process took the upload) are found by ``sweep`` on the scheduler tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import queue
import threading
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from ...config import get_settings
from ...db import session_scope
from ...models import utcnow
from ..errors import NotFound, ValidationFailed
from ..voice_messages import (
    announce_transcript,
    mark_failed,
    pending_voice_messages,
    transcribe_message,
)
from . import get_backend
from .base import Backend, ModelUnavailable
from .faster_backend import cores

log = logging.getLogger(__name__)

# A message younger than this is still in this or another worker's queue.
SWEEP_GRACE = dt.timedelta(minutes=2)
MAX_ATTEMPTS = 3
ANNOUNCE_TRIES = 3


class TranscriptionWorker:
    """Threads that transcribe submitted voice messages, one model shared by all."""

    def __init__(
        self,
        *,
        threads: int = 1,
        url: str | None = None,
        backend: Backend | None = None,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.url = url
        self.threads = max(1, threads)
        self.max_attempts = max_attempts
        self._backend = backend
        self._queue: queue.Queue[uuid.UUID | None] = queue.Queue()
        self._pending: set[uuid.UUID] = set()
        self._attempts: dict[uuid.UUID, int] = {}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._running: list[threading.Thread] = []
        self._model_problem = ""

    def start(self) -> None:
        """Start the threads (once)."""
        with self._lock:
            if self._running:
                return
            self._running = [
                threading.Thread(target=self._serve, name=f"interplat-stt-{i}", daemon=True)
                for i in range(self.threads)
            ]
        for thread in self._running:
            thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Let the threads finish the clip in hand and end; queued messages wait for the sweep."""
        with self._lock:
            threads, self._running = self._running, []
        for _ in threads:
            self._queue.put(None)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def submit(self, message_id: uuid.UUID) -> bool:
        """Queue a voice message; ``False`` if it is already queued or being transcribed."""
        with self._lock:
            if message_id in self._pending:
                return False
            self._pending.add(message_id)
        self._queue.put(message_id)
        return True

    def backend(self) -> Backend:
        """The model the threads run: the one given, or the process's shared one.

        Raises:
            ModelUnavailable: no model to load.
        """
        return self._backend or get_backend()

    def wait_idle(self, timeout: float) -> bool:
        """Block until nothing is queued or running; ``False`` on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._pending, timeout)

    def process(self, message_id: uuid.UUID) -> None:
        """Transcribe one voice message, then announce it if this attempt settled it."""
        try:
            with session_scope(self.url) as session:
                # The model loads on the first clip that needs it, not for unreadable ones.
                outcome = transcribe_message(
                    session=session, message_id=message_id, backend=self._backend
                )
        except ModelUnavailable as exc:
            # A deployment problem, not the clip's: it stays pending for the sweep.
            if exc.message != self._model_problem:
                log.error("voice messages wait for a model: %s", exc.message)
            self._model_problem = exc.message
            return
        except (NotFound, ValidationFailed) as exc:
            log.info("not transcribing %s: %s", message_id, exc)
            return
        except Exception:
            attempts = self._attempts.get(message_id, 0) + 1
            self._attempts[message_id] = attempts
            if attempts < self.max_attempts:
                raise
            log.exception("giving up on voice message %s after %d attempts", message_id, attempts)
            with session_scope(self.url) as session:
                outcome = mark_failed(session=session, message_id=message_id)
        self._model_problem = ""
        self._attempts.pop(message_id, None)
        if outcome.stored_now:
            self._announce(message_id)

    def _announce(self, message_id: uuid.UUID) -> None:
        for attempt in range(ANNOUNCE_TRIES):
            try:
                with session_scope(self.url) as session:
                    announce_transcript(session=session, message_id=message_id)
                return
            except Exception:
                log.warning("announcing voice message %s failed", message_id, exc_info=True)
                time.sleep(0.2 * 2**attempt)
        log.error("voice message %s was transcribed but never announced", message_id)

    def _serve(self) -> None:
        while True:
            message_id = self._queue.get()
            if message_id is None:
                return
            try:
                self.process(message_id)
            except Exception:  # one bad clip must not stop the worker
                log.exception("transcribing voice message %s failed", message_id)
            finally:
                with self._idle:
                    self._pending.discard(message_id)
                    if not self._pending:
                        self._idle.notify_all()


_worker: TranscriptionWorker | None = None


def current() -> TranscriptionWorker | None:
    """This process's running worker, if the app started one."""
    return _worker


def submit(message_id: uuid.UUID) -> None:
    """Hand a committed voice message to this process's worker (the sweep catches misses)."""
    worker = _worker
    if worker is not None:
        worker.submit(message_id)


def shared_backend() -> Backend:
    """The model this process's worker uses, for a caller that must hear a clip now
    (a hands-free reply) without loading a second copy.

    Raises:
        ModelUnavailable: no model to load.
    """
    worker = _worker
    return worker.backend() if worker is not None else get_backend()


def sweep(url: str | None = None, *, now: dt.datetime | None = None) -> int:
    """Queue voice messages left without a transcript; returns how many were queued."""
    worker = _worker
    if worker is None:
        return 0
    with session_scope(url) as session:
        found = pending_voice_messages(
            session=session, created_before=(now or utcnow()) - SWEEP_GRACE
        )
    return sum(worker.submit(message_id) for message_id in found)


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """Run this process's transcription worker while the app runs."""
    global _worker
    settings = get_settings()
    worker = TranscriptionWorker(threads=settings.stt_worker_threads or cores())
    worker.start()
    _worker = worker
    try:
        yield
    finally:
        _worker = None
        await asyncio.to_thread(worker.stop)
