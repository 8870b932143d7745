"""Voice messages over HTTP: the customer's chat page and a CSR post recordings; they are
stored and shown at once, transcribed by the worker, readable in the thread, and their
files served only behind signed URLs."""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import func, select

from interplat.config import Settings, get_settings
from interplat.db import session_scope
from interplat.models import Attachment, Channel, Message, ShortLink, Ticket
from interplat.services import assist, auth, enterprises, links, media
from interplat.services.transcription import get_backend, worker
from tests.factories import PASSWORD, make_enterprise, make_ticket, make_user
from tests.services.transcription import speech
from tests.services.transcription.test_audio import jpeg_bytes

CLIP = speech.CLIPS[0]  # "Hello, I would like to check the balance on my credit card."


@pytest.fixture(scope="module")
def said() -> speech.Spoken:
    return speech.speak(CLIP)


@pytest.fixture(scope="module")
def balance_webm(said) -> bytes:
    return speech.encode(said.pcm, said.rate, "webm")


@pytest.fixture(scope="module")
def tiny():
    return get_backend(Settings(stt_model="tiny.en"))


@pytest.fixture
def stt_worker(db_url, tiny, monkeypatch):
    """This process's transcription worker, as the app starts it, on the test database."""
    running = worker.TranscriptionWorker(threads=1, url=db_url, backend=tiny)
    running.start()
    monkeypatch.setattr(worker, "_worker", running)
    yield running
    running.stop()


@pytest.fixture
def chat(db_url):
    """A customer's open ticket, its chat link, and a CSR of the same enterprise."""
    with session_scope(db_url) as s:
        enterprise = make_enterprise(s)
        make_user(s, enterprise, email="voice-csr@example.com")
        ticket = make_ticket(s, enterprise)
        link = links.create_short_link(
            session=s,
            enterprise_id=enterprise.id,
            channel=Channel.IVR,
            ticket_id=ticket.id,
            customer_id=ticket.customer_id,
        )
        login = auth.log_in(
            session=s, email="voice-csr@example.com", password=PASSWORD, ttl_hours=1
        )
    return {
        "enterprise_id": enterprise.id,
        "ticket_id": ticket.id,
        "code": link.code,
        "csr": {"Authorization": f"Bearer {login.token}"},
    }


def stored_counts(db_url) -> tuple[int, int]:
    with session_scope(db_url) as s:
        return (
            s.exec(select(func.count()).select_from(Message)).one(),
            s.exec(select(func.count()).select_from(Attachment)).one(),
        )


def test_a_customer_recording_shows_at_once_then_its_transcript(
    api, chat, said, balance_webm, stt_worker, bus
):
    response = api.post(
        f"/api/chat/{chat['code']}/voice",
        content=balance_webm,
        headers={"content-type": "audio/webm;codecs=opus"},
    )
    assert response.status_code == 201, response.text
    posted = response.json()
    assert posted["kind"] == "voice" and posted["sender_kind"] == "customer"
    assert posted["transcribing"] is True and posted["transcript"] == ""
    assert len(posted["waveform"]) == 64 and max(posted["waveform"]) == 1.0
    assert posted["duration_ms"] == pytest.approx(said.seconds * 1000, abs=40)
    assert posted["content_type"] == "audio/webm"

    assert stt_worker.wait_idle(60)
    thread = api.get(f"/api/v1/tickets/{chat['ticket_id']}/messages", headers=chat["csr"])
    assert thread.status_code == 200
    (voice,) = [m for m in thread.json() if m["id"] == posted["id"]]
    assert voice["transcribing"] is False and voice["language"] == "en"
    assert speech.wer(CLIP.text, voice["transcript"]) <= 0.2, voice["transcript"]
    announced = [e for e in bus.delivered if e.kind == "message.transcribed"]
    assert announced and announced[-1].data["message_id"] == posted["id"]

    played = api.get(posted["media_url"])
    assert played.status_code == 200 and played.content == balance_webm
    assert played.headers["content-type"] == "audio/webm"
    assert played.headers["content-disposition"].startswith("inline")
    assert played.headers["x-content-type-options"] == "nosniff"
    ranged = api.get(posted["media_url"], headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and ranged.content == balance_webm[:100]


def test_the_transcript_feeds_the_suggested_replies_like_typed_text(
    api, chat, balance_webm, stt_worker, db_url
):
    with session_scope(db_url) as s:
        listing = enterprises.default_listing(session=s, enterprise_id=chat["enterprise_id"])
        assist.create_rule(
            session=s,
            enterprise_id=chat["enterprise_id"],
            listing_id=listing.id,
            keywords=["credit card"],
            replies=["Your card's balance is in the app under Cards."],
        )
    posted = api.post(f"/api/chat/{chat['code']}/voice", content=balance_webm).json()
    assert stt_worker.wait_idle(60)
    found = api.post(
        f"/api/v1/listings/{listing.id}/suggestions",
        json={"message_id": posted["id"]},
        headers=chat["csr"],
    )
    assert found.status_code == 200, found.text
    assert [s["text"] for s in found.json()] == ["Your card's balance is in the app under Cards."]


@pytest.mark.parametrize(
    "body,status,code",
    [
        (b"", 400, "invalid_audio"),
        (jpeg_bytes(), 400, "invalid_audio"),
        (b"OggS" + bytes(4000), 400, "invalid_audio"),
    ],
    ids=["empty", "jpeg-renamed", "corrupt-ogg"],
)
def test_unplayable_uploads_are_refused_and_nothing_is_stored(
    api, chat, db_url, stt_worker, body, status, code
):
    before = stored_counts(db_url)
    response = api.post(
        f"/api/chat/{chat['code']}/voice", content=body, headers={"content-type": "audio/webm"}
    )
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert "Traceback" not in response.text
    assert stored_counts(db_url) == before


def test_an_oversize_upload_is_refused_before_it_is_read(api, chat, db_url, monkeypatch):
    monkeypatch.setenv("INTERPLAT_VOICE_MAX_BYTES", "1000")
    get_settings.cache_clear()
    try:
        before = stored_counts(db_url)
        response = api.post(f"/api/chat/{chat['code']}/voice", content=bytes(5000))
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "audio_too_large"
        assert stored_counts(db_url) == before
    finally:
        monkeypatch.delenv("INTERPLAT_VOICE_MAX_BYTES")
        get_settings.cache_clear()


def test_a_two_hour_recording_is_refused_by_its_length(api, chat, db_url):
    before = stored_counts(db_url)
    response = api.post(f"/api/chat/{chat['code']}/voice", content=speech.silent_opus(7200))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "audio_too_long"
    assert stored_counts(db_url) == before


def test_dead_links_and_ended_chats_take_no_recordings(api, chat, db_url, balance_webm):
    assert api.post("/api/chat/nosuchcode/voice", content=balance_webm).status_code == 404
    with session_scope(db_url) as s:
        link = s.exec(select(ShortLink).where(ShortLink.code == chat["code"])).one()
        link.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        s.add(link)
    expired = api.post(f"/api/chat/{chat['code']}/voice", content=balance_webm)
    assert expired.status_code == 410 and expired.json()["error"]["code"] == "link_expired"
    with session_scope(db_url) as s:
        link = s.exec(select(ShortLink).where(ShortLink.code == chat["code"])).one()
        link.expires_at = None
        ticket = s.get(Ticket, chat["ticket_id"])
        ticket.status = "resolved"
        s.add_all([link, ticket])
    ended = api.post(f"/api/chat/{chat['code']}/voice", content=balance_webm)
    assert ended.status_code == 400 and "ended" in ended.json()["error"]["message"]
    assert stored_counts(db_url) == (0, 0)


def test_a_csr_records_a_reply_into_their_own_enterprise_only(
    api, chat, db_url, balance_webm, stt_worker
):
    url = f"/api/v1/tickets/{chat['ticket_id']}/voice-messages"
    reply = api.post(url, content=balance_webm, headers=chat["csr"])
    assert reply.status_code == 201, reply.text
    assert reply.json()["sender_kind"] == "csr" and reply.json()["transcribing"] is True

    with session_scope(db_url) as s:
        other = make_enterprise(s, brand_name="Elsewhere")
        make_user(s, other, email="elsewhere@example.com")
        stranger = auth.log_in(
            session=s, email="elsewhere@example.com", password=PASSWORD, ttl_hours=1
        )
    foreign = api.post(
        url, content=balance_webm, headers={"Authorization": f"Bearer {stranger.token}"}
    )
    assert foreign.status_code == 404
    foreign_read = api.get(
        f"/api/v1/tickets/{chat['ticket_id']}/messages",
        headers={"Authorization": f"Bearer {stranger.token}"},
    )
    assert foreign_read.status_code == 404
    assert api.post(url, content=balance_webm).status_code == 401
    assert stored_counts(db_url)[0] == 1


def test_media_urls_open_one_file_until_they_expire(api, chat, balance_webm, db_url):
    posted = api.post(f"/api/chat/{chat['code']}/voice", content=balance_webm).json()
    url = urlsplit(posted["media_url"])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    attachment_id = uuid.UUID(url.path.rsplit("/", 1)[-1])
    assert api.get(posted["media_url"]).status_code == 200

    tampered = api.get(url.path, params={**query, "sig": "0" * 64})
    assert tampered.status_code == 403
    later = api.get(url.path, params={**query, "exp": int(query["exp"]) + 3600})
    assert later.status_code == 403
    elsewhere = api.get(f"/api/media/{uuid.uuid4()}", params=query)
    assert elsewhere.status_code == 403
    assert api.get(url.path).status_code == 400  # no signature at all

    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    stale = media.media_path(attachment_id, now=past)
    expired = api.get(stale)
    assert expired.status_code == 403 and "expired" in expired.json()["error"]["message"]
