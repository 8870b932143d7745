"""QR codes (SVG for screens and print, PNG for messaging) of a chat entry link."""

from __future__ import annotations

import io
from typing import Literal

import segno
from sqlmodel import Session, select

from .. import routes
from ..models import ShortLink, utcnow
from .errors import NotFound

QrFormat = Literal["svg", "png"]
CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def qr_image(url: str, fmt: QrFormat, *, scale: int = 8, dark: str = "#000000") -> bytes:
    """The QR code of ``url`` (error correction M, a quiet zone of 4 modules)."""
    code = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind=fmt, scale=scale, border=4, dark=dark)
    return out.getvalue()


def link_qr(*, session: Session, code: str, fmt: QrFormat, base_url: str, scale: int = 8) -> bytes:
    """The QR code of a live short link (expired, revoked or unknown links have none)."""
    link = session.exec(select(ShortLink).where(ShortLink.code == code[:64])).first()
    expired = link is not None and link.expires_at is not None and link.expires_at <= utcnow()
    if link is None or link.revoked_at is not None or expired:
        raise NotFound("This link does not exist or has expired.")
    return qr_image(routes.chat_url(base_url, link.code), fmt, scale=scale)
