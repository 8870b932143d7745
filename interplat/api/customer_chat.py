"""What the customer's chat page sends over plain HTTP: recordings (the link code is the key)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlmodel import Session

from ..config import get_settings
from ..models import OPEN_TICKET_STATUSES
from ..services import customer_chat, links, messages, voice_messages
from ..services.transcription import ModelUnavailable, worker
from .deps import SessionDep
from .messages import AUDIO_BODY, MessageOut, message_out, too_large
from .uploads import read_limited

router = APIRouter(prefix="/chat", tags=["customer chat"])

LinkCode = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
HandsFree = Annotated[
    bool,
    Query(
        description="A hands-free reply: transcribed now; nothing said, or no or stop, "
        "stores nothing and answers 200 {declined: true}"
    ),
]


@router.post(
    "/{code}/voice",
    response_model=MessageOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=AUDIO_BODY,
    responses={
        200: {"description": "Hands-free: the customer declined to reply; nothing stored"},
        410: {"description": "The chat link has expired"},
        413: {"description": "Larger or longer than the voice message limits"},
    },
)
async def post_customer_voice(
    code: LinkCode, request: Request, session: SessionDep, hands_free: HandsFree = False
) -> MessageOut | JSONResponse:
    """A voice message from the customer holding the chat link ``code``."""
    data = await read_limited(request, get_settings().voice_max_bytes, too_large())
    heard = await run_in_threadpool(_hear_if_open, session, code, data) if hands_free else None
    if heard is not None and heard.declined:
        return JSONResponse({"declined": True}, status_code=status.HTTP_200_OK)
    return message_out(await run_in_threadpool(_store, session, code, data, heard))


def _hear_if_open(session: Session, code: str, data: bytes) -> voice_messages.Heard | None:
    """A hands-free reply's words, heard now with the worker's model; ``None`` (the
    ordinary path, which gives its own errors) for a closed chat or no model."""
    target = links.open_short_link(session=session, code=code, count_visit=False)
    is_open = target.ticket is not None and target.ticket.status in OPEN_TICKET_STATUSES
    session.rollback()  # no transaction held while the model runs
    if not is_open:
        return None
    try:
        return voice_messages.hear(data, backend=worker.shared_backend())
    except ModelUnavailable:
        return None


def _store(
    session: Session, code: str, data: bytes, heard: voice_messages.Heard | None
) -> messages.MessagePublic:
    public = customer_chat.send_customer_voice(session=session, code=code, data=data)
    message_id = uuid.UUID(public.id)
    if heard is not None:
        message = voice_messages.keep_heard(session=session, message_id=message_id, heard=heard)
        session.commit()
        return messages.public_of(session, message, "You")
    session.commit()  # stored for good before the worker looks for it
    worker.submit(message_id)
    return public
