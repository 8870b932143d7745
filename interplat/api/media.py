"""Stored media behind signed URLs (``services/media.py``): what ``<audio>`` and ``<img>`` load."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse

from ..services import attachments, media
from ..services.errors import NotFound
from .deps import SessionDep

router = APIRouter(prefix="/media", tags=["media"])


@router.get(
    "/{attachment_id}",
    response_class=FileResponse,
    responses={200: {"content": {"audio/*": {}, "image/*": {}, "video/*": {}}}},
)
def get_media(
    session: SessionDep,
    attachment_id: uuid.UUID,
    exp: Annotated[int, Query(ge=0, le=2**40)],
    sig: Annotated[str, Query(max_length=64)],
) -> FileResponse:
    """A stored file, for whoever holds a URL the thread signed and until it expires.

    Served with the type checked at upload, never sniffed by the browser, inline, and
    with byte ranges so audio and video can seek.
    """
    attachment = media.open_media(
        session=session, attachment_id=attachment_id, expires=exp, sig=sig
    )
    path = attachments.path_of_key(attachment.storage_key)
    if not path.is_file():
        raise NotFound("This file is no longer available.")
    return FileResponse(
        path,
        media_type=attachment.content_type,
        content_disposition_type="inline",
        filename=attachment.filename,
        headers={
            "Cache-Control": "private, max-age=3600",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
