"""Hands-free replies (``POST /api/chat/{code}/voice?hands_free=1``): heard at once with
the worker's model; "no", "stop" or nothing said stores nothing, anything else is kept
with its transcript and never transcribed a second time."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from interplat.config import Settings, get_settings
from interplat.db import session_scope
from interplat.models import Attachment, Channel, Message, Ticket
from interplat.services import links, voice_messages
from interplat.services.transcription import ModelUnavailable, get_backend, worker
from tests.factories import make_enterprise, make_ticket
from tests.services.transcription import speech
from tests.services.transcription.test_audio import jpeg_bytes

CLIP = speech.CLIPS[1]  # "My order arrived damaged yesterday and I need a refund."
NO = speech.Clip("no", "No, thank you.", "en-us", 140)


def webm(clip: speech.Clip) -> bytes:
    said = speech.speak(clip)
    return speech.encode(said.pcm, said.rate, "webm")


@pytest.fixture(scope="module")
def refund_webm() -> bytes:
    return webm(CLIP)


@pytest.fixture(scope="module")
def no_webm() -> bytes:
    return webm(NO)


@pytest.fixture(scope="module")
def tiny():
    return get_backend(Settings(stt_model="tiny.en"))


@pytest.fixture
def submitted(db_url, tiny, monkeypatch) -> list:
    """The app's worker (not started: nothing may reach it), and what was handed to it."""
    idle = worker.TranscriptionWorker(threads=1, url=db_url, backend=tiny)
    monkeypatch.setattr(worker, "_worker", idle)
    calls: list = []
    monkeypatch.setattr(idle, "submit", calls.append)
    return calls


@pytest.fixture
def code(db_url) -> str:
    with session_scope(db_url) as s:
        enterprise = make_enterprise(s)
        ticket = make_ticket(s, enterprise)
        link = links.create_short_link(
            session=s,
            enterprise_id=enterprise.id,
            channel=Channel.IVR,
            ticket_id=ticket.id,
            customer_id=ticket.customer_id,
        )
    return link.code


def stored(db_url) -> tuple[int, int]:
    with session_scope(db_url) as s:
        return (
            s.exec(select(func.count()).select_from(Message)).one(),
            s.exec(select(func.count()).select_from(Attachment)).one(),
        )


def reply(api, code: str, body: bytes):
    return api.post(f"/api/chat/{code}/voice", params={"hands_free": 1}, content=body)


def test_a_spoken_reply_is_kept_with_its_transcript_and_never_queued(
    api, code, db_url, refund_webm, submitted, bus
):
    response = reply(api, code, refund_webm)
    assert response.status_code == 201, response.text
    posted = response.json()
    assert posted["kind"] == "voice" and posted["sender_kind"] == "customer"
    assert posted["transcribing"] is False
    assert speech.wer(CLIP.text, posted["transcript"]) <= 0.25, posted["transcript"]
    assert submitted == []
    assert stored(db_url) == (1, 1)
    announced = [e for e in bus.delivered if e.kind == "message.transcribed"]
    assert [e.data["message_id"] for e in announced] == [posted["id"]]
    assert announced[0].data["transcript"] == posted["transcript"]


@pytest.mark.parametrize("clip", ["no", "silence"])
def test_saying_no_or_nothing_declines_and_stores_nothing(
    api, code, db_url, no_webm, tiny, submitted, bus, clip
):
    body = no_webm if clip == "no" else speech.silent_opus(3, "webm")
    heard = voice_messages.hear(body, backend=tiny)
    assert heard.command == "no" if clip == "no" else heard.text == "", heard
    response = reply(api, code, body)
    assert (response.status_code, response.json()) == (200, {"declined": True})
    assert stored(db_url) == (0, 0)
    assert submitted == [] and not [e for e in bus.delivered if e.kind.startswith("message.")]


def test_without_a_model_the_reply_takes_the_ordinary_path(
    api, code, db_url, refund_webm, submitted, monkeypatch
):
    def missing():
        raise ModelUnavailable("no model here")

    monkeypatch.setattr(worker, "shared_backend", missing)
    response = reply(api, code, refund_webm)
    assert response.status_code == 201, response.text
    assert response.json()["transcribing"] is True
    assert [str(m) for m in submitted] == [response.json()["id"]]


def test_bad_clips_and_ended_chats_are_refused_as_before_without_running_the_model(
    api, code, db_url, refund_webm, submitted, monkeypatch
):
    for body in (b"", jpeg_bytes(), b"OggS" + bytes(4000)):
        response = reply(api, code, body)
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "invalid_audio"
    monkeypatch.setenv("INTERPLAT_VOICE_MAX_BYTES", "1000")
    get_settings.cache_clear()
    try:
        assert reply(api, code, bytes(5000)).status_code == 413
    finally:
        monkeypatch.delenv("INTERPLAT_VOICE_MAX_BYTES")
        get_settings.cache_clear()
    assert reply(api, "nosuchcode", refund_webm).status_code == 404

    def must_not_run():
        raise AssertionError("the model ran for a closed chat")

    monkeypatch.setattr(worker, "shared_backend", must_not_run)
    with session_scope(db_url) as s:
        ticket = s.exec(select(Ticket)).one()
        ticket.status = "resolved"
        s.add(ticket)
    ended = reply(api, code, refund_webm)
    assert ended.status_code == 400 and "ended" in ended.json()["error"]["message"]
    assert stored(db_url) == (0, 0) and submitted == []
