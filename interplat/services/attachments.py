"""Stored files (voice clips, images, documents) under ``INTERPLAT_UPLOAD_DIR``."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import uuid
from pathlib import Path

from sqlmodel import Session

from ..config import get_settings
from ..models import Attachment, utcnow
from .errors import NotFound, ValidationFailed

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_FILENAME_LENGTH = 255


def store_attachment(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    data: bytes,
    filename: str,
    content_type: str,
    now: dt.datetime | None = None,
) -> Attachment:
    """Write ``data`` under the upload folder and record it; the caller checked the content."""
    if len(data) > get_settings().upload_max_bytes:
        raise ValidationFailed("The file is too large.", field="file")
    name = Path(filename or "file").name[:MAX_FILENAME_LENGTH] or "file"
    suffix = _UNSAFE.sub("", Path(name).suffix)[:16]
    key = f"{enterprise_id.hex}/{uuid.uuid4().hex}{suffix}"
    path = path_of_key(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside its final name and renamed, so a reader never sees half a file.
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)
    attachment = Attachment(
        enterprise_id=enterprise_id,
        filename=name,
        content_type=content_type[:100] or "application/octet-stream",
        size_bytes=len(data),
        storage_key=key,
        sha256=hashlib.sha256(data).hexdigest(),
        created_at=now or utcnow(),
    )
    session.add(attachment)
    session.flush()
    return attachment


def read_attachment(attachment: Attachment) -> bytes:
    """The stored file's bytes.

    Raises:
        NotFound: the file is gone from the upload folder.
    """
    try:
        return path_of_key(attachment.storage_key).read_bytes()
    except FileNotFoundError as exc:
        raise NotFound("The stored file is missing.") from exc


def path_of_key(key: str) -> Path:
    """Where a storage key lives on disk (never outside the upload folder)."""
    root = get_settings().upload_dir.resolve()
    path = (root / key).resolve()
    if not path.is_relative_to(root):
        raise NotFound("The stored file is missing.")
    return path
