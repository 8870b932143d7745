"""Builders for voice-message tests: stored clips of any bytes, and a backend that counts."""

from __future__ import annotations

import datetime as dt
import threading

import numpy as np
from sqlmodel import Session

from interplat.models import Message, MessageKind, SenderKind, Ticket
from interplat.services import attachments, messages
from interplat.services.transcription import Backend, Transcript


def stored_voice(
    session: Session, ticket: Ticket, data: bytes, *, created_at: dt.datetime | None = None
) -> Message:
    """A voice message whose file holds ``data`` as is (no checks: what a broken upload
    path, a disk error or an older version might have left)."""
    attachment = attachments.store_attachment(
        session=session,
        enterprise_id=ticket.enterprise_id,
        data=data,
        filename="voice.webm",
        content_type="audio/webm",
    )
    message = messages.post_message(
        session=session,
        ticket=ticket,
        sender_kind=SenderKind.CUSTOMER,
        body="",
        kind=MessageKind.VOICE,
        now=created_at,
    )
    message.attachment_id = attachment.id
    session.add(message)
    session.flush()
    return message


class Counting:
    """A real backend, counting calls; raises for clips shorter than ``crash_below`` seconds."""

    name = "counting"

    def __init__(self, inner: Backend, *, crash_below: float = 0.0) -> None:
        self.inner = inner
        self.crash_below = crash_below
        self.calls = 0
        self._lock = threading.Lock()

    def transcribe(self, audio: np.ndarray, *, language: str | None = None) -> Transcript:
        with self._lock:
            self.calls += 1
        if audio.size < self.crash_below * 16000:
            raise RuntimeError("the model fell over")
        return self.inner.transcribe(audio, language=language)
