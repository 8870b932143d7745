"""Passwords (argon2) and login sessions for CSRs, admins and owners."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select

from ..models import Enterprise, Presence, User, UserSession, utcnow
from . import events
from .errors import InvalidCredentials, NotAuthenticated, ValidationFailed

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both failures cost the same time.
_DUMMY_HASH = _hasher.hash("interplat-dummy-password")
MIN_PASSWORD_LENGTH = 10
BAD_LOGIN_MESSAGE = "Email or password is incorrect."


@dataclass(frozen=True)
class Principal:
    """Who is acting: a logged-in user, or an enterprise back office (``role="api"``,
    no ``user_id``), always within one tenant."""

    user_id: uuid.UUID | None
    enterprise_id: uuid.UUID
    role: str
    full_name: str
    email: str
    enterprise_name: str


@dataclass(frozen=True)
class LoginResult:
    token: str
    principal: Principal
    expires_at: dt.datetime


def hash_password(password: str) -> str:
    """An argon2id hash of a password that meets the minimum length."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.", field="password"
        )
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    """What is stored for a bearer token: its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def log_in(
    *, session: Session, email: str, password: str, ttl_hours: int, now: dt.datetime | None = None
) -> LoginResult:
    """Check credentials and open a session; one message for every kind of failure."""
    now = now or utcnow()
    if "\x00" in email or len(email) > 254:  # cannot be anyone's address (nor stored)
        verify_password(_DUMMY_HASH, password)
        raise InvalidCredentials(BAD_LOGIN_MESSAGE)
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        verify_password(_DUMMY_HASH, password)
        raise InvalidCredentials(BAD_LOGIN_MESSAGE)
    if not verify_password(user.password_hash, password) or not user.is_active:
        raise InvalidCredentials(BAD_LOGIN_MESSAGE)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    token = secrets.token_urlsafe(32)
    expires_at = now + dt.timedelta(hours=ttl_hours)
    session.add(
        UserSession(
            enterprise_id=user.enterprise_id,
            user_id=user.id,
            token_hash=token_digest(token),
            created_at=now,
            expires_at=expires_at,
            last_seen_at=now,
        )
    )
    user.last_login_at = now
    if user.presence == Presence.OFFLINE:
        _announce_presence(session, user, Presence.ONLINE)
    session.add(user)
    session.flush()
    return LoginResult(token=token, principal=_principal(session, user), expires_at=expires_at)


def resolve_session(*, session: Session, token: str, now: dt.datetime | None = None) -> Principal:
    """The principal behind a live session token, or ``NotAuthenticated``."""
    now = now or utcnow()
    if not token:
        raise NotAuthenticated("Please log in.")
    row = session.exec(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)  # type: ignore[arg-type]
        .where(UserSession.token_hash == token_digest(token))
    ).first()
    if row is None:
        raise NotAuthenticated("Your session has ended. Please log in again.")
    user_session, user = row
    expired = user_session.expires_at is not None and user_session.expires_at <= now
    if user_session.revoked_at is not None or expired or not user.is_active:
        raise NotAuthenticated("Your session has ended. Please log in again.")
    return _principal(session, user)


def log_out(*, session: Session, token: str, now: dt.datetime | None = None) -> None:
    """Revoke a session token (idempotent)."""
    row = session.exec(
        select(UserSession).where(UserSession.token_hash == token_digest(token))
    ).first()
    if row is None or row.revoked_at is not None:
        return
    now = now or utcnow()
    row.revoked_at = now
    session.add(row)
    session.flush()
    still_open = session.exec(
        select(UserSession.id).where(
            UserSession.user_id == row.user_id,
            col(UserSession.revoked_at).is_(None),
            sa.or_(col(UserSession.expires_at).is_(None), col(UserSession.expires_at) > now),
        )
    ).first()
    user = session.get(User, row.user_id)
    if user is not None and still_open is None:
        _announce_presence(session, user, Presence.OFFLINE)


def touch_session(*, session: Session, token: str, now: dt.datetime | None = None) -> bool:
    """Record that the browser holding ``token`` is still open; False if the session ended."""
    table = UserSession.__table__  # type: ignore[attr-defined]
    result = session.execute(
        sa.update(table)
        .where(table.c.token_hash == token_digest(token), table.c.revoked_at.is_(None))
        .values(last_seen_at=now or utcnow())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _announce_presence(session: Session, user: User, presence: Presence) -> None:
    user.presence = str(presence)
    session.add(user)
    events.publish(
        session,
        "user.presence_changed",
        user.enterprise_id,
        user_id=str(user.id),
        presence=str(presence),
    )


def _principal(session: Session, user: User) -> Principal:
    enterprise = session.get(Enterprise, user.enterprise_id)
    return Principal(
        user_id=user.id,
        enterprise_id=user.enterprise_id,
        role=user.role,
        full_name=user.full_name,
        email=user.email,
        enterprise_name=enterprise.brand_name if enterprise else "",
    )
