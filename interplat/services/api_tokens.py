"""Bearer tokens for enterprise back offices calling the REST API (hashed at rest)."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

from sqlmodel import Session, select

from ..models import ApiToken, Enterprise, utcnow
from .auth import Principal, token_digest
from .errors import NotAuthenticated, NotFound, ValidationFailed

TOKEN_PREFIX = "ipk_"
API_ROLE = "api"


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``secret`` is shown once and never stored."""

    id: uuid.UUID
    name: str
    secret: str


def is_api_token(raw: str) -> bool:
    return raw.startswith(TOKEN_PREFIX)


def create_api_token(*, session: Session, enterprise_id: uuid.UUID, name: str) -> IssuedToken:
    """Issue a token for a back office of one enterprise."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise ValidationFailed("Give the token a name of 1–100 characters.", field="name")
    if session.get(Enterprise, enterprise_id) is None:
        raise NotFound("Enterprise not found.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        enterprise_id=enterprise_id,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=token_digest(secret),
    )
    session.add(row)
    session.flush()
    return IssuedToken(id=row.id, name=name, secret=secret)


def revoke_api_token(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    token_id: uuid.UUID,
    now: dt.datetime | None = None,
) -> None:
    row = session.get(ApiToken, token_id)
    if row is None or row.enterprise_id != enterprise_id:
        raise NotFound("API token not found.")
    row.revoked_at = row.revoked_at or now or utcnow()
    session.add(row)


def resolve_api_token(
    *, session: Session, secret: str, now: dt.datetime | None = None
) -> Principal:
    """The back-office principal behind a live token, or ``NotAuthenticated``."""
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == token_digest(secret))).first()
    if row is None or row.revoked_at is not None:
        raise NotAuthenticated("This API token is not valid.")
    enterprise = session.get(Enterprise, row.enterprise_id)
    if enterprise is None or not enterprise.is_active:
        raise NotAuthenticated("This API token is not valid.")
    row.last_used_at = now or utcnow()
    session.add(row)
    return Principal(
        user_id=None,
        enterprise_id=row.enterprise_id,
        role=API_ROLE,
        full_name=row.name,
        email="",
        enterprise_name=enterprise.brand_name,
    )
