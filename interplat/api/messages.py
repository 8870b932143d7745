"""A ticket's thread over REST: read it (with transcripts), and send a recorded reply."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlmodel import Session

from ..config import get_settings
from ..services import messages, tickets, voice_messages
from ..services.auth import Principal
from ..services.transcription import worker
from ..services.transcription.audio import ACCEPTED, AudioTooLarge
from .deps import SessionDep, WorkspaceDep
from .uploads import read_limited

router = APIRouter(prefix="/v1/tickets", tags=["messages"])

# The request body of a voice upload: the clip's bytes as recorded.
AUDIO_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": f"The recording as the browser made it ({ACCEPTED}); the type is "
        "read from the bytes.",
        "content": {
            kind: {"schema": {"type": "string", "format": "binary"}}
            for kind in ("audio/webm", "audio/mp4", "audio/ogg", "audio/wav", "audio/mpeg")
        },
    }
}


class MessageOut(BaseModel):
    id: uuid.UUID
    sender_kind: str
    sender_name: str
    kind: str
    body: str
    created_at: str
    transcribing: bool
    transcript: str
    transcript_error: str
    language: str
    duration_ms: int
    waveform: list[float]
    media_url: str
    content_type: str
    filename: str


def message_out(public: messages.MessagePublic) -> MessageOut:
    return MessageOut.model_validate(public, from_attributes=True)


def too_large() -> AudioTooLarge:
    limit = get_settings().voice_max_bytes // (1024 * 1024)
    return AudioTooLarge(f"Voice messages are limited to {limit} MB.", field="audio")


@router.get("/{ticket_id}/messages", response_model=list[MessageOut])
def list_messages(
    ticket_id: uuid.UUID, session: SessionDep, principal: WorkspaceDep
) -> list[MessageOut]:
    """The thread, oldest first; voice messages carry their transcript once it is ready."""
    ticket = tickets.get_ticket(
        session=session, enterprise_id=principal.enterprise_id, ticket_id=ticket_id
    )
    thread = messages.list_thread(
        session=session, enterprise_id=ticket.enterprise_id, ticket_id=ticket.id
    )
    return [message_out(m) for m in thread]


@router.post(
    "/{ticket_id}/voice-messages",
    response_model=MessageOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=AUDIO_BODY,
    responses={413: {"description": "Larger or longer than the voice message limits"}},
)
async def post_voice_message(
    ticket_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: WorkspaceDep,
    filename: Annotated[str, Query(max_length=200)] = "",
) -> MessageOut:
    """Send a representative's recording into an open ticket.

    It is stored and shown at once with `transcribing: true`; the transcript follows in a
    `message.transcribed` event and in this thread.
    """
    data = await read_limited(request, get_settings().voice_max_bytes, too_large())
    public = await run_in_threadpool(
        _store_staff_voice, session, principal, ticket_id, data, filename
    )
    return message_out(public)


def _store_staff_voice(
    session: Session, principal: Principal, ticket_id: uuid.UUID, data: bytes, filename: str
) -> messages.MessagePublic:
    message = voice_messages.post_staff_voice(
        session=session, principal=principal, ticket_id=ticket_id, data=data, filename=filename
    )
    public = messages.public_of(session, message, principal.full_name)
    session.commit()  # stored for good before the worker looks for it
    worker.submit(message.id)
    return public
