"""Dependencies shared by every route: a database session and the authenticated principal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from ..db import session_scope
from ..services import auth
from ..services.errors import NotAuthenticated

_bearer = HTTPBearer(auto_error=False, description="A CSR session token")


def get_session() -> Iterator[Session]:
    with session_scope() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_principal(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> auth.Principal:
    if credentials is None:
        raise NotAuthenticated("A bearer token is required.")
    return auth.resolve_session(session=session, token=credentials.credentials)


PrincipalDep = Annotated[auth.Principal, Depends(get_principal)]
