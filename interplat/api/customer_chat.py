"""What the customer's chat page sends over plain HTTP: recordings (the link code is the key)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request, status
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session

from ..config import get_settings
from ..services import customer_chat, messages
from ..services.transcription import worker
from .deps import SessionDep
from .messages import AUDIO_BODY, MessageOut, message_out, too_large
from .uploads import read_limited

router = APIRouter(prefix="/chat", tags=["customer chat"])

LinkCode = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


@router.post(
    "/{code}/voice",
    response_model=MessageOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=AUDIO_BODY,
    responses={
        410: {"description": "The chat link has expired"},
        413: {"description": "Larger or longer than the voice message limits"},
    },
)
async def post_customer_voice(code: LinkCode, request: Request, session: SessionDep) -> MessageOut:
    """A voice message from the customer holding the chat link ``code``."""
    data = await read_limited(request, get_settings().voice_max_bytes, too_large())
    return message_out(await run_in_threadpool(_store, session, code, data))


def _store(session: Session, code: str, data: bytes) -> messages.MessagePublic:
    public = customer_chat.send_customer_voice(session=session, code=code, data=data)
    session.commit()  # stored for good before the worker looks for it
    worker.submit(uuid.UUID(public.id))
    return public
