"""Voice messages: stored and measured at once, transcribed once, announced on commit."""

from __future__ import annotations

import hashlib

import pytest
from sqlmodel import Session, func, select

from interplat.models import Attachment, Message, SenderKind
from interplat.services import attachments, voice_messages
from interplat.services.transcription.audio import AudioTooLong, InvalidAudio
from tests.factories import make_enterprise, make_ticket

from . import speech
from .test_audio import jpeg_bytes
from .voice import Counting, stored_voice


@pytest.fixture(scope="module")
def yes_webm() -> bytes:
    said = speech.speak(speech.Clip("yes", "Yes.", "en-us", 140))
    return speech.encode(said.pcm, said.rate, "webm")


def test_a_voice_message_is_stored_measured_and_shown_before_any_transcript(
    session, spoken, encoded, bus
):
    ticket = make_ticket(session, make_enterprise(session))
    data = encoded[("refund", "webm")]
    message = voice_messages.post_voice_message(
        session=session, ticket=ticket, sender_kind=SenderKind.CUSTOMER, data=data
    )
    session.commit()
    assert message.kind == "voice" and message.body == "" and message.transcript is None
    assert message.duration_ms == pytest.approx(spoken["refund"].seconds * 1000, abs=20)
    assert len(message.waveform) == 64 and max(message.waveform) == 1.0
    attachment = session.get(Attachment, message.attachment_id)
    assert attachment.content_type == "audio/webm" and attachment.size_bytes == len(data)
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachments.read_attachment(attachment) == data
    assert ticket.last_customer_activity_at == message.created_at
    created = [e for e in bus.delivered if e.kind == "message.created"]
    assert created[-1].data["message_id"] == str(message.id)
    assert voice_messages.TRANSCRIBED not in bus.kinds()


@pytest.mark.parametrize("bad", ["jpeg", "empty", "two-hours"])
def test_unplayable_or_overlong_clips_are_refused_and_nothing_is_stored(session, bad):
    ticket = make_ticket(session, make_enterprise(session))
    data = {"jpeg": jpeg_bytes(), "empty": b"", "two-hours": speech.silent_opus(7200)}[bad]
    with pytest.raises(AudioTooLong if bad == "two-hours" else InvalidAudio):
        voice_messages.post_voice_message(
            session=session, ticket=ticket, sender_kind=SenderKind.CUSTOMER, data=data
        )
    assert session.exec(select(func.count()).select_from(Message)).one() == 0
    assert session.exec(select(func.count()).select_from(Attachment)).one() == 0


def test_a_message_is_transcribed_once_however_often_it_is_asked(
    session, spoken, encoded, tiny_model
):
    ticket = make_ticket(session, make_enterprise(session))
    message = voice_messages.post_voice_message(
        session=session,
        ticket=ticket,
        sender_kind=SenderKind.CSR,
        data=encoded[("balance", "ogg")],
        filename="reply.ogg",
    )
    session.commit()
    backend = Counting(tiny_model)
    first = voice_messages.transcribe_message(
        session=session, message_id=message.id, backend=backend
    )
    session.commit()
    again = voice_messages.transcribe_message(
        session=session, message_id=message.id, backend=backend
    )
    assert backend.calls == 1
    assert first.stored_now and not again.stored_now
    assert first.transcript == again.transcript and first.language == "en"
    assert speech.wer(spoken["balance"].clip.text, first.transcript) <= 0.2
    with Session(session.get_bind()) as fresh:
        row = fresh.get(Message, message.id)
        assert (row.transcript, row.transcript_language, row.transcript_error) == (
            first.transcript,
            "en",
            "",
        )


def test_the_transcript_is_announced_on_commit_with_the_spoken_command(
    session, yes_webm, tiny_model, bus
):
    ticket = make_ticket(session, make_enterprise(session))
    message = voice_messages.post_voice_message(
        session=session, ticket=ticket, sender_kind=SenderKind.CUSTOMER, data=yes_webm
    )
    session.commit()
    voice_messages.transcribe_message(session=session, message_id=message.id, backend=tiny_model)
    voice_messages.announce_transcript(session=session, message_id=message.id)
    assert voice_messages.TRANSCRIBED not in bus.kinds()  # not before the commit
    session.commit()
    (event,) = [e for e in bus.delivered if e.kind == voice_messages.TRANSCRIBED]
    assert event.enterprise_id == str(ticket.enterprise_id)
    assert event.data["ticket_id"] == str(ticket.id)
    assert event.data["message_id"] == str(message.id)
    assert event.data["sender_kind"] == "customer" and event.data["error"] == ""
    assert event.data["language"] == "en"
    assert event.data["command"] == "yes", event.data["transcript"]


def test_an_unsettled_message_cannot_be_announced(session, encoded):
    ticket = make_ticket(session, make_enterprise(session))
    message = stored_voice(session, ticket, encoded[("bill", "mp4")])
    with pytest.raises(voice_messages.ValidationFailed):
        voice_messages.announce_transcript(session=session, message_id=message.id)


@pytest.mark.parametrize("stored", ["jpeg", "empty", "two-hours", "missing-file"])
def test_unreadable_stored_audio_settles_as_failed_without_running_the_model(
    session, tiny_model, stored
):
    ticket = make_ticket(session, make_enterprise(session))
    data = {"jpeg": jpeg_bytes(), "empty": b"", "two-hours": speech.silent_opus(7200)}.get(
        stored, b"OggS"
    )
    message = stored_voice(session, ticket, data)
    if stored == "missing-file":
        attachment = session.get(Attachment, message.attachment_id)
        attachments.path_of_key(attachment.storage_key).unlink()
    session.commit()
    backend = Counting(tiny_model)
    outcome = voice_messages.transcribe_message(
        session=session, message_id=message.id, backend=backend
    )
    assert backend.calls == 0
    assert outcome.stored_now and outcome.transcript is None
    expected = {
        "jpeg": "not a recording",
        "empty": "empty",
        "two-hours": "limited to 5 minutes",
        "missing-file": "missing",
    }[stored]
    assert expected in outcome.error
    session.commit()
    later = voice_messages.pending_voice_messages(
        session=session, created_before=message.created_at
    )
    assert message.id not in later


def test_only_voice_messages_are_transcribed(session):
    from interplat.services import messages

    ticket = make_ticket(session, make_enterprise(session))
    text = messages.post_message(
        session=session, ticket=ticket, sender_kind=SenderKind.CUSTOMER, body="hello"
    )
    with pytest.raises(voice_messages.ValidationFailed):
        voice_messages.transcribe_message(session=session, message_id=text.id)
    with pytest.raises(voice_messages.NotFound):
        voice_messages.transcribe_message(session=session, message_id=ticket.id)
