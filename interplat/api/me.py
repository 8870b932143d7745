"""Login sessions over REST, for back-office scripts and the API docs' "Authorize" button."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ..config import get_settings
from ..services import access, auth, users
from .deps import PrincipalDep, SessionDep

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginBody(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class SessionPublic(BaseModel):
    token: str
    expires_at: dt.datetime


class PhoneBody(BaseModel):
    phone: str = Field(max_length=32, description='E.164, or "" to clear')


class PrincipalPublic(BaseModel):
    user_id: str | None
    enterprise_id: str
    enterprise_name: str
    full_name: str
    email: str
    role: str


@router.post("/login", response_model=SessionPublic)
def login(body: LoginBody, session: SessionDep) -> SessionPublic:
    """Exchange email and password for a bearer token."""
    result = auth.log_in(
        session=session,
        email=body.email,
        password=body.password,
        ttl_hours=get_settings().session_ttl_hours,
    )
    return SessionPublic(token=result.token, expires_at=result.expires_at)


@router.get("/me", response_model=PrincipalPublic)
def me(principal: PrincipalDep) -> PrincipalPublic:
    """Who the bearer token belongs to."""
    access.require_workspace(principal)
    return PrincipalPublic(
        user_id=str(principal.user_id) if principal.user_id else None,
        enterprise_id=str(principal.enterprise_id),
        enterprise_name=principal.enterprise_name,
        full_name=principal.full_name,
        email=principal.email,
        role=principal.role,
    )


@router.put("/me/phone", response_model=PhoneBody)
def set_my_phone(body: PhoneBody, session: SessionDep, principal: PrincipalDep) -> PhoneBody:
    """The phone "talk now" calls to bridge you to the customer."""
    user = users.set_own_phone(
        session=session, principal=access.require_workspace(principal), phone=body.phone
    )
    return PhoneBody(phone=user.phone or "")
