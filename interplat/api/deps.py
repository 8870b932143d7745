"""Dependencies shared by every route: a database session and the authenticated principal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from ..db import session_scope
from ..services import access, api_tokens, auth
from ..services.errors import NotAuthenticated

_bearer = HTTPBearer(
    auto_error=False,
    description="An enterprise API token (`ipk_…`) or a CSR session token from /api/auth/login",
)


def get_session() -> Iterator[Session]:
    with session_scope() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_principal(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> auth.Principal:
    """Who calls: a back office by API token or a staff member by session token."""
    if credentials is None:
        raise NotAuthenticated("A bearer token is required.")
    token = credentials.credentials
    if api_tokens.is_api_token(token):
        return api_tokens.resolve_api_token(session=session, secret=token)
    return auth.resolve_session(session=session, token=token)


PrincipalDep = Annotated[auth.Principal, Depends(get_principal)]


def workspace_principal(principal: PrincipalDep) -> auth.Principal:
    return access.require_workspace(principal)


def settings_principal(principal: PrincipalDep) -> auth.Principal:
    return access.require_edit_settings(principal)


WorkspaceDep = Annotated[auth.Principal, Depends(workspace_principal)]
SettingsDep = Annotated[auth.Principal, Depends(settings_principal)]
