"""Signed, short-lived URLs for stored media: voice clips, images, videos, files.

Browsers fetch media with plain ``<audio>``, ``<img>`` and ``<video>`` requests that carry
no bearer token, so a thread hands out URLs signed with ``INTERPLAT_SECRET_KEY``: the
attachment's id and an expiry time, HMAC-SHA256. Like an object store's presigned URL, it
works for whoever holds it until it expires and opens nothing but that one file. The
expiry is rounded up to the hour, so a thread reloaded within the hour gets the same URLs
and the browser's cache keeps working.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import Session

from ..models import Attachment, utcnow
from . import signing
from .errors import NotFound, PermissionDenied

MEDIA_PATH = "/api/media"
URL_TTL = dt.timedelta(hours=12)
_ROUND = 3600


class MediaLinkInvalid(PermissionDenied):
    code = "media_link_invalid"


def signature(attachment_id: uuid.UUID, expires: int) -> str:
    """The HMAC that proves a URL for ``attachment_id`` valid until ``expires`` (epoch s)."""
    return signing.sign("media", f"{attachment_id.hex}:{expires}")


def media_path(
    attachment_id: uuid.UUID, *, now: dt.datetime | None = None, ttl: dt.timedelta = URL_TTL
) -> str:
    """``/api/media/<id>?exp=…&sig=…``: the path a page puts in ``src`` or ``href``."""
    horizon = int(((now or utcnow()) + ttl).timestamp())
    expires = -(-horizon // _ROUND) * _ROUND
    return f"{MEDIA_PATH}/{attachment_id}?exp={expires}&sig={signature(attachment_id, expires)}"


def open_media(
    *,
    session: Session,
    attachment_id: uuid.UUID,
    expires: int,
    sig: str,
    now: dt.datetime | None = None,
) -> Attachment:
    """The attachment a signed URL names.

    Raises:
        MediaLinkInvalid: a wrong signature, or the URL has expired.
        NotFound: the attachment was deleted.
    """
    if not signing.is_signed("media", f"{attachment_id.hex}:{expires}", sig):
        raise MediaLinkInvalid("This media link is not valid.")
    if expires < (now or utcnow()).timestamp():
        raise MediaLinkInvalid("This media link has expired; reload the conversation.")
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("This file is no longer available.")
    return attachment
