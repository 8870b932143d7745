"""HMAC-SHA256 signatures with ``INTERPLAT_SECRET_KEY``, one helper for every signed value.

Each use names its ``purpose``, so a signature made for one thing (a media URL, a chat
session cookie) never verifies as another.
"""

from __future__ import annotations

import hashlib
import hmac

from ..config import get_settings


def sign(purpose: str, payload: str) -> str:
    """The hex HMAC of ``purpose:payload`` under the deployment's secret key."""
    key = get_settings().secret_key.get_secret_value().encode()
    return hmac.new(key, f"{purpose}:{payload}".encode(), hashlib.sha256).hexdigest()


def is_signed(purpose: str, payload: str, signature: str) -> bool:
    """Whether ``signature`` is ``sign(purpose, payload)`` (constant-time comparison)."""
    return signature.isascii() and hmac.compare_digest(sign(purpose, payload), signature)
