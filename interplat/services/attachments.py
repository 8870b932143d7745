"""Stored files (voice clips, images, documents) under ``INTERPLAT_UPLOAD_DIR``."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from ..config import get_settings
from ..models import Attachment, Message, MessageKind, SenderKind, Ticket, utcnow
from . import messages
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


@dataclass(frozen=True)
class UploadType:
    kind: MessageKind
    content_type: str
    suffix: str
    max_bytes: int


MB = 1024 * 1024
IMAGE = (MessageKind.IMAGE, 10 * MB)
VIDEO = (MessageKind.VIDEO, 25 * MB)
DOCUMENT = (MessageKind.FILE, 10 * MB)
# Office files are ZIP archives: told apart by the name's suffix once the bytes say ZIP.
ZIP_SUFFIXES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
TEXT_SUFFIXES = {".txt": "text/plain", ".csv": "text/csv"}
ACCEPTED_UPLOADS = (
    "images (JPEG, PNG, GIF, WebP), videos (MP4, WebM, MOV) and PDF, Office, text or CSV files"
)


def classify_upload(data: bytes, filename: str) -> UploadType:
    """What an uploaded file is, from its first bytes (the name only tells Office and text
    files apart); anything else is refused.

    Raises:
        ValidationFailed: empty, of a type not accepted, or over its kind's size limit.
    """
    if not data:
        raise ValidationFailed("The file is empty.", field="file")
    suffix = Path(filename or "").suffix.lower()
    found = _sniff(data, suffix)
    if found is None:
        raise ValidationFailed(
            f"This type of file cannot be sent; send {ACCEPTED_UPLOADS}.", field="file"
        )
    (kind, limit), content_type, stored_suffix = found
    if len(data) > limit:
        raise ValidationFailed(
            f"{kind.value.capitalize()}s are limited to {limit // MB} MB.", field="file"
        )
    return UploadType(kind, content_type, stored_suffix, limit)


def _sniff(data: bytes, suffix: str) -> tuple[tuple[MessageKind, int], str, str] | None:
    head = data[:16]
    if head.startswith(b"\xff\xd8\xff"):
        return IMAGE, "image/jpeg", ".jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return IMAGE, "image/png", ".png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return IMAGE, "image/gif", ".gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return IMAGE, "image/webp", ".webp"
    if head[4:8] == b"ftyp":
        if head[8:10] == b"qt":
            return VIDEO, "video/quicktime", ".mov"
        return VIDEO, "video/mp4", ".mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return VIDEO, "video/webm", ".webm"
    if head.startswith(b"%PDF-"):
        return DOCUMENT, "application/pdf", ".pdf"
    if head.startswith(b"PK\x03\x04") and suffix in ZIP_SUFFIXES:
        return DOCUMENT, ZIP_SUFFIXES[suffix], suffix
    if suffix in TEXT_SUFFIXES and b"\x00" not in data[:4096]:
        try:
            data[:4096].decode("utf-8")
        except UnicodeDecodeError:
            return None
        return DOCUMENT, TEXT_SUFFIXES[suffix], suffix
    return None


def post_attachment_message(
    *,
    session: Session,
    ticket: Ticket,
    sender_kind: SenderKind,
    data: bytes,
    filename: str,
    sender_user_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> Message:
    """Store an image, video or file and post it in the thread, or refuse it whole.

    Raises:
        ValidationFailed: as ``classify_upload``.
    """
    upload = classify_upload(data, filename)
    stem = Path(filename or "").stem[:100] or upload.kind.value
    return post_file_message(
        session=session,
        ticket=ticket,
        sender_kind=sender_kind,
        kind=upload.kind,
        data=data,
        filename=f"{stem}{upload.suffix}",
        content_type=upload.content_type,
        sender_user_id=sender_user_id,
        now=now,
    )


def post_file_message(
    *,
    session: Session,
    ticket: Ticket,
    sender_kind: SenderKind,
    kind: MessageKind,
    data: bytes,
    filename: str,
    content_type: str,
    sender_user_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> Message:
    """Store checked bytes and post the message that carries them, in one transaction."""
    now = now or utcnow()
    attachment = store_attachment(
        session=session,
        enterprise_id=ticket.enterprise_id,
        data=data,
        filename=filename,
        content_type=content_type,
        now=now,
    )
    message = messages.post_message(
        session=session,
        ticket=ticket,
        sender_kind=sender_kind,
        body="",
        kind=kind,
        sender_user_id=sender_user_id,
        now=now,
    )
    message.attachment_id = attachment.id
    session.add(message)
    session.flush()
    return message
