"""The transcription worker: one model, a queue, bad clips that never stop it, the sweep."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlmodel import Session

from interplat.models import Message, utcnow
from interplat.services import events, voice_messages
from interplat.services.transcription import worker as stt_worker
from interplat.services.transcription.worker import TranscriptionWorker
from tests.aio import run_coroutine
from tests.factories import make_enterprise, make_ticket

from . import speech
from .test_audio import jpeg_bytes
from .voice import Counting, stored_voice


def settled(session: Session, message: Message) -> Message:
    with Session(session.get_bind()) as fresh:
        return fresh.get(Message, message.id)


def transcribed_events(bus) -> dict[str, dict]:
    return {
        e.data["message_id"]: e.data for e in bus.delivered if e.kind == voice_messages.TRANSCRIBED
    }


def test_the_worker_keeps_serving_after_bad_clips(
    session, db_url, spoken, encoded, tiny_model, bus
):
    ticket = make_ticket(session, make_enterprise(session))
    bad = {
        "jpeg": stored_voice(session, ticket, jpeg_bytes()),
        "empty": stored_voice(session, ticket, b""),
        "two-hours": stored_voice(session, ticket, speech.silent_opus(7200)),
    }
    good = stored_voice(session, ticket, encoded[("refund", "mp4")])
    session.commit()
    backend = Counting(tiny_model)
    worker = TranscriptionWorker(threads=2, url=db_url, backend=backend)
    worker.start()
    try:
        for message in [*bad.values(), good]:
            assert worker.submit(message.id)
        assert worker.wait_idle(timeout=60)
    finally:
        worker.stop()
    assert backend.calls == 1  # bad clips never reach the model
    for message in bad.values():
        row = settled(session, message)
        assert row.transcript is None and row.transcript_error
    row = settled(session, good)
    assert speech.wer(spoken["refund"].clip.text, row.transcript) <= 0.2
    assert row.transcript_language == "en" and row.transcript_error == ""
    announced = transcribed_events(bus)
    assert set(announced) == {str(m.id) for m in [*bad.values(), good]}
    assert announced[str(good.id)]["transcript"] == row.transcript
    assert "limited to 5 minutes" in announced[str(bad["two-hours"].id)]["error"]


def test_a_clip_that_crashes_the_model_is_retried_then_failed_and_the_next_is_served(
    session, db_url, encoded, tiny_model, bus
):
    ticket = make_ticket(session, make_enterprise(session))
    crashing = stored_voice(session, ticket, encoded[("bill", "ogg")])  # 4.3 s
    fine = stored_voice(session, ticket, encoded[("refund", "ogg")])  # 5.2 s
    session.commit()
    backend = Counting(tiny_model, crash_below=5.0)
    worker = TranscriptionWorker(threads=1, url=db_url, backend=backend, max_attempts=2)
    worker.start()
    try:
        worker.submit(crashing.id)
        assert worker.wait_idle(timeout=30)
        assert settled(session, crashing).transcript_error == ""  # still pending: retry later
        worker.submit(crashing.id)
        worker.submit(fine.id)
        assert worker.wait_idle(timeout=60)
    finally:
        worker.stop()
    assert settled(session, crashing).transcript_error == voice_messages.FAILED
    assert settled(session, fine).transcript
    assert set(transcribed_events(bus)) == {str(crashing.id), str(fine.id)}
    assert backend.calls == 3


class FlakyBus(events.LocalBus):
    """Loses the connection the first time a transcript is announced."""

    def __init__(self, inner: events.EventBus) -> None:
        super().__init__()
        self.inner = inner
        self.failures = 0

    def publish(self, event: events.DomainEvent) -> None:
        if event.kind == voice_messages.TRANSCRIBED and not self.failures:
            self.failures += 1
            raise ConnectionError("event bus unreachable")
        self.inner.publish(event)


def test_a_failed_announcement_is_retried_without_transcribing_again(
    session, db_url, encoded, tiny_model, bus
):
    ticket = make_ticket(session, make_enterprise(session))
    message = stored_voice(session, ticket, encoded[("balance", "webm")])
    session.commit()
    flaky = FlakyBus(bus)
    events.set_bus(flaky)
    backend = Counting(tiny_model)
    worker = TranscriptionWorker(threads=1, url=db_url, backend=backend)
    worker.start()
    try:
        worker.submit(message.id)
        assert worker.wait_idle(timeout=30)
    finally:
        worker.stop()
    assert flaky.failures == 1 and backend.calls == 1
    assert list(transcribed_events(bus)) == [str(message.id)]


def test_the_sweep_queues_voice_messages_left_without_a_transcript(
    session, db_url, encoded, tiny_model, bus, monkeypatch
):
    ticket = make_ticket(session, make_enterprise(session))
    long_ago = utcnow() - dt.timedelta(minutes=10)
    orphan = stored_voice(session, ticket, encoded[("noisy", "webm")], created_at=long_ago)
    fresh = stored_voice(session, ticket, encoded[("bill", "webm")])  # still in a queue
    session.commit()
    assert stt_worker.sweep(db_url) == 0  # no worker in this process: nothing to feed
    worker = TranscriptionWorker(threads=1, url=db_url, backend=tiny_model)
    monkeypatch.setattr(stt_worker, "_worker", worker)
    worker.start()
    try:
        assert stt_worker.sweep(db_url) == 1
        assert worker.wait_idle(timeout=30)
        assert stt_worker.sweep(db_url) == 0  # settled: not swept again
    finally:
        worker.stop()
    assert settled(session, orphan).transcript
    assert settled(session, fresh).transcript is None
    assert list(transcribed_events(bus)) == [str(orphan.id)]


def test_the_app_lifespan_runs_a_worker_and_submit_feeds_it(session, db_url, encoded, bus):
    ticket = make_ticket(session, make_enterprise(session))
    message = stored_voice(session, ticket, jpeg_bytes())  # settles without loading a model
    session.commit()

    async def run() -> None:
        async with stt_worker.lifespan(None):
            running = stt_worker.current()
            assert running is not None and running.threads >= 1
            running.url = db_url
            stt_worker.submit(message.id)
            assert await asyncio.to_thread(running.wait_idle, 30)
        assert stt_worker.current() is None

    run_coroutine(run())
    assert "not a recording" in settled(session, message).transcript_error
    stt_worker.submit(message.id)  # no worker: a no-op, the sweep will find real misses
