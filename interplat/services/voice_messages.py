"""Voice messages: stored and shown at once, transcribed later, then announced.

Posting a clip checks and measures it (duration, waveform) and stores it; the thread
shows it with "transcribing…" straight away. The transcription worker then runs two
steps, each safe to repeat: ``transcribe_message`` stores the transcript once per
message, and ``announce_transcript`` publishes ``message.transcribed``. They are split
so a failed publish can be retried without running the model again.

A transcript is the voice message's text: the chat shows it, the assisted-response rules
read it as they read a typed message (``assist.suggest_replies`` on the text), and in
hands-free mode a short one is a spoken command (``reply``, ``yes``, ``no``, ``stop``).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..config import get_settings
from ..models import (
    OPEN_TICKET_STATUSES,
    Attachment,
    Message,
    MessageKind,
    SenderKind,
    Ticket,
)
from . import attachments, events, tickets
from .auth import Principal
from .card_numbers import redact_card_numbers
from .errors import NotFound, PermissionDenied, ValidationFailed
from .transcription import Backend, get_backend
from .transcription.audio import InvalidAudio, decode, duration_ms, media_type, waveform
from .transcription.commands import Command, parse_command

log = logging.getLogger(__name__)

TRANSCRIBED = "message.transcribed"
MISSING_AUDIO = "The recording is missing, so it cannot be transcribed."
FAILED = "This recording could not be transcribed."
MAX_ERROR_LENGTH = 200


@dataclass(frozen=True)
class TranscriptionOutcome:
    """Where a voice message's transcription stands after one attempt."""

    message_id: uuid.UUID
    transcript: str | None
    language: str
    error: str
    stored_now: bool  # False when an earlier attempt had already settled it


@dataclass(frozen=True)
class Heard:
    """What a hands-free reply said, heard before anything is stored."""

    text: str
    language: str
    command: Command | None

    @property
    def declined(self) -> bool:
        """Nothing said, or "no" / "stop": the customer does not want to reply."""
        return not self.text or self.command in ("no", "stop")


def post_voice_message(
    *,
    session: Session,
    ticket: Ticket,
    sender_kind: SenderKind,
    data: bytes,
    filename: str = "",
    sender_user_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> Message:
    """Store a recorded clip as a voice message with its duration and waveform.

    The stored type comes from the clip's own bytes (a browser's or uploader's claim is
    never served back). Call ``transcription.worker.submit(message.id)`` after
    committing; a message that misses the worker is picked up by the scheduler's sweep.

    Raises:
        InvalidAudio: empty, damaged, not audio, or past the size or duration limit.
    """
    samples = decode(data)
    content_type, suffix = media_type(data)
    stem = Path(filename).stem[:100] if filename else ""
    message = attachments.post_file_message(
        session=session,
        ticket=ticket,
        sender_kind=sender_kind,
        kind=MessageKind.VOICE,
        data=data,
        filename=f"{stem or 'voice-message'}{suffix}",
        content_type=content_type,
        sender_user_id=sender_user_id,
        now=now,
    )
    message.duration_ms = duration_ms(samples)
    message.waveform = waveform(samples)
    session.add(message)
    session.flush()
    return message


def post_staff_voice(
    *,
    session: Session,
    principal: Principal,
    ticket_id: uuid.UUID,
    data: bytes,
    filename: str = "",
    now: dt.datetime | None = None,
) -> Message:
    """A representative's recorded clip into one of their enterprise's open tickets.

    Raises:
        PermissionDenied: an API token (voice replies come from a person).
        NotFound: no such ticket in the principal's enterprise.
        ValidationFailed: the conversation has ended.
        InvalidAudio: as ``post_voice_message``.
    """
    if principal.user_id is None:
        raise PermissionDenied("Voice messages are sent by a signed-in representative.")
    ticket = tickets.get_ticket(
        session=session, enterprise_id=principal.enterprise_id, ticket_id=ticket_id
    )
    if ticket.status not in OPEN_TICKET_STATUSES:
        raise ValidationFailed("This conversation has ended.")
    return post_voice_message(
        session=session,
        ticket=ticket,
        sender_kind=SenderKind.CSR,
        data=data,
        filename=filename,
        sender_user_id=principal.user_id,
        now=now,
    )


def transcribe_message(
    *, session: Session, message_id: uuid.UUID, backend: Backend | None = None
) -> TranscriptionOutcome:
    """Transcribe a voice message once and store the text and detected language.

    A message that already holds a transcript (or a failure) is returned untouched.
    Unreadable audio settles the message as failed with a reason people can read.
    The session's transaction is committed before the model runs, so no database lock
    is held for the seconds that takes (SQLite takes its write lock at BEGIN).

    Raises:
        NotFound: no such message.
        ValidationFailed: the message is not a voice message.
        ModelUnavailable: no model to run; the message stays pending.
    """
    message = _voice_message(session, message_id)
    if _settled(message):
        return _outcome(message, stored_now=False)
    data = _stored_audio(session, message)
    session.commit()
    if data is None:
        return mark_failed(session=session, message_id=message_id, reason=MISSING_AUDIO)
    try:
        samples = decode(data)
    except InvalidAudio as exc:
        return mark_failed(session=session, message_id=message_id, reason=exc.message)
    language = get_settings().stt_language.strip() or None
    result = (backend or get_backend()).transcribe(samples, language=language)
    values = {
        "transcript": result.text,
        "transcript_language": result.language[:8],
        "duration_ms": duration_ms(samples),
        "waveform": waveform(samples),
    }
    return _settle(session, message_id, values)


def hear(data: bytes, *, backend: Backend) -> Heard:
    """Transcribe a clip without storing it: a hands-free reply is kept or dropped on
    what it says. Call it with no transaction open (the model takes seconds).

    Raises:
        InvalidAudio: empty, damaged, not audio, or past the size or duration limit.
    """
    samples = decode(data)
    language = get_settings().stt_language.strip() or None
    result = backend.transcribe(samples, language=language)
    text = result.text.strip()
    return Heard(text, result.language[:8], parse_command(text) if text else None)


def keep_heard(*, session: Session, message_id: uuid.UUID, heard: Heard) -> Message:
    """Store a heard reply's transcript on its new voice message and announce it, as the
    worker would (the clip is never transcribed twice)."""
    values: dict[str, object] = {"transcript": heard.text, "transcript_language": heard.language}
    _settle(session, message_id, values)
    announce_transcript(session=session, message_id=message_id)
    return _voice_message(session, message_id)


def mark_failed(
    *, session: Session, message_id: uuid.UUID, reason: str = FAILED
) -> TranscriptionOutcome:
    """Settle a voice message as never to be transcribed, with the reason shown to people."""
    return _settle(session, message_id, {"transcript_error": (reason or FAILED)[:MAX_ERROR_LENGTH]})


def announce_transcript(*, session: Session, message_id: uuid.UUID) -> None:
    """Publish ``message.transcribed`` for a settled voice message (on commit).

    The event carries the text for both sides of the chat, the detected language, the
    failure reason if any, and the spoken command a short utterance gives.
    """
    message = _voice_message(session, message_id)
    if not _settled(message):
        raise ValidationFailed("This voice message is still being transcribed.")
    text = message.transcript or ""
    events.publish(
        session,
        TRANSCRIBED,
        message.enterprise_id,
        ticket_id=str(message.ticket_id),
        message_id=str(message.id),
        sender_kind=message.sender_kind,
        transcript=text,
        language=message.transcript_language,
        error=message.transcript_error,
        command=parse_command(text) if text else None,
    )


def pending_voice_messages(
    *, session: Session, created_before: dt.datetime, limit: int = 100
) -> list[uuid.UUID]:
    """Voice messages still without a transcript or failure, oldest first (all tenants)."""
    return list(
        session.exec(
            select(Message.id)
            .where(
                Message.kind == MessageKind.VOICE,
                col(Message.transcript).is_(None),
                Message.transcript_error == "",
                Message.created_at <= created_before,
            )
            .order_by(col(Message.created_at))
            .limit(limit)
        ).all()
    )


def _voice_message(session: Session, message_id: uuid.UUID) -> Message:
    message = session.get(Message, message_id)
    if message is None:
        raise NotFound("Message not found.")
    if message.kind != MessageKind.VOICE:
        raise ValidationFailed("Only voice messages are transcribed.")
    return message


def _stored_audio(session: Session, message: Message) -> bytes | None:
    """The clip's bytes, or ``None`` when its file or attachment row is gone."""
    attachment = session.get(Attachment, message.attachment_id) if message.attachment_id else None
    if attachment is None:
        return None
    try:
        return attachments.read_attachment(attachment)
    except NotFound:
        return None


def _settled(message: Message) -> bool:
    return message.transcript is not None or bool(message.transcript_error)


def _settle(
    session: Session, message_id: uuid.UUID, values: dict[str, object]
) -> TranscriptionOutcome:
    """Write ``values`` unless another attempt settled the message first (a card number
    read aloud never reaches the stored transcript)."""
    if isinstance(values.get("transcript"), str):
        values = {**values, "transcript": redact_card_numbers(str(values["transcript"])).text}
    result = session.exec(
        sa.update(Message)
        .where(
            col(Message.id) == message_id,
            col(Message.transcript).is_(None),
            col(Message.transcript_error) == "",
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    stored = getattr(result, "rowcount", 0) == 1
    message = session.get(Message, message_id, populate_existing=True)
    if message is None:  # deleted while the model ran
        raise NotFound("Message not found.")
    return _outcome(message, stored_now=stored)


def _outcome(message: Message, *, stored_now: bool) -> TranscriptionOutcome:
    return TranscriptionOutcome(
        message_id=message.id,
        transcript=message.transcript,
        language=message.transcript_language,
        error=message.transcript_error,
        stored_now=stored_now,
    )
