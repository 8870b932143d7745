"""HTTP Basic credentials for enterprise IVRs calling the call-to-chat API (secrets hashed).

Secrets are 256 random bits made here, not passwords a person chose, so a fast SHA-256
digest stores them safely (nothing to brute-force): a slow password hash (argon2 cost
~0.1–0.3 s of CPU per request here) would cap an IVR at a few calls per second.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import string
import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, select

from ..models import Enterprise, IvrClient, utcnow
from .errors import Conflict, NotAuthenticated, NotFound, ValidationFailed

USERNAME_PREFIX = "ivr_"
USERNAME_RANDOM_CHARS = 10
SECRET_BYTES = 32
BAD_CREDENTIALS_MESSAGE = "The IVR username or secret is incorrect."
_USERNAME_ALPHABET = string.ascii_letters + string.digits + "-_"
HASH_SCHEME = "sha256$"
# last_used_at is written at most this often: a write per call would serialize an IVR's
# calls on its client row.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
# Compared against when the username is unknown, so every failure costs the same time.
_DUMMY_HASH = HASH_SCHEME + "0" * 64


@dataclass(frozen=True)
class IssuedIvrCredentials:
    """New credentials: ``secret`` is shown once and only its hash is stored."""

    client_id: uuid.UUID
    username: str
    secret: str


@dataclass(frozen=True)
class IvrClientPublic:
    """An IVR client as the settings page lists it (never the secret or its hash)."""

    id: uuid.UUID
    name: str
    username: str
    created_at: dt.datetime
    rotated_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


def create_ivr_client(
    *, session: Session, enterprise_id: uuid.UUID, name: str, now: dt.datetime | None = None
) -> IssuedIvrCredentials:
    """Issue a username and secret for one of the enterprise's IVRs."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise ValidationFailed("Give the IVR a name of 1–100 characters.", field="name")
    if session.get(Enterprise, enterprise_id) is None:
        raise NotFound("Enterprise not found.")
    secret = _new_secret()
    client = IvrClient(
        enterprise_id=enterprise_id,
        name=name,
        username=_unused_username(session),
        secret_hash=_digest(secret),
        created_at=now or utcnow(),
    )
    session.add(client)
    session.flush()
    return IssuedIvrCredentials(client_id=client.id, username=client.username, secret=secret)


def rotate_ivr_client(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    client_id: uuid.UUID,
    now: dt.datetime | None = None,
) -> IssuedIvrCredentials:
    """A new secret for the same username; the old secret stops working at once."""
    client = _require_client(session, enterprise_id, client_id)
    if client.revoked_at is not None:
        raise Conflict("This IVR client is revoked; create a new one instead.")
    secret = _new_secret()
    client.secret_hash = _digest(secret)
    client.rotated_at = now or utcnow()
    session.add(client)
    session.flush()
    return IssuedIvrCredentials(client_id=client.id, username=client.username, secret=secret)


def revoke_ivr_client(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    client_id: uuid.UUID,
    now: dt.datetime | None = None,
) -> None:
    """Refuse the client's credentials from now on (idempotent)."""
    client = _require_client(session, enterprise_id, client_id)
    client.revoked_at = client.revoked_at or now or utcnow()
    session.add(client)
    session.flush()


def list_ivr_clients(*, session: Session, enterprise_id: uuid.UUID) -> list[IvrClientPublic]:
    """The enterprise's IVR clients, oldest first, without secrets."""
    rows = session.exec(
        select(IvrClient)
        .where(IvrClient.enterprise_id == enterprise_id)
        .order_by(col(IvrClient.created_at), col(IvrClient.username))
    ).all()
    return [
        IvrClientPublic(
            id=row.id,
            name=row.name,
            username=row.username,
            created_at=row.created_at,
            rotated_at=row.rotated_at,
            revoked_at=row.revoked_at,
            last_used_at=row.last_used_at,
        )
        for row in rows
    ]


def authenticate_ivr_client(
    *, session: Session, username: str, secret: str, now: dt.datetime | None = None
) -> IvrClient:
    """The live IVR client these credentials belong to, or ``NotAuthenticated``.

    Unknown usernames, wrong secrets and revoked clients fail alike, in about the same time.
    """
    client = session.exec(select(IvrClient).where(IvrClient.username == username[:64])).first()
    if client is None:
        _verify(_DUMMY_HASH, secret)
        raise NotAuthenticated(BAD_CREDENTIALS_MESSAGE)
    if not _verify(client.secret_hash, secret) or client.revoked_at is not None:
        raise NotAuthenticated(BAD_CREDENTIALS_MESSAGE)
    enterprise = session.get(Enterprise, client.enterprise_id)
    if enterprise is None or not enterprise.is_active:
        raise NotAuthenticated(BAD_CREDENTIALS_MESSAGE)
    now = now or utcnow()
    if client.last_used_at is None or now - client.last_used_at >= LAST_USED_RESOLUTION:
        client.last_used_at = now
        session.add(client)
    return client


def _require_client(session: Session, enterprise_id: uuid.UUID, client_id: uuid.UUID) -> IvrClient:
    client = session.get(IvrClient, client_id)
    if client is None or client.enterprise_id != enterprise_id:
        raise NotFound("IVR client not found.")
    return client


def _new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def _unused_username(session: Session) -> str:
    """A random username no client has yet (60 random bits: a clash is near impossible)."""
    for _ in range(5):
        random_part = "".join(
            secrets.choice(_USERNAME_ALPHABET) for _ in range(USERNAME_RANDOM_CHARS)
        )
        username = USERNAME_PREFIX + random_part
        taken = session.exec(select(IvrClient.id).where(IvrClient.username == username)).first()
        if taken is None:
            return username
    raise RuntimeError("could not find an unused IVR username")


def _digest(secret: str) -> str:
    return HASH_SCHEME + hashlib.sha256(secret.encode()).hexdigest()


def _verify(secret_hash: str, secret: str) -> bool:
    return hmac.compare_digest(secret_hash.encode(), _digest(secret).encode())
