"""Liveness and readiness."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter
from pydantic import BaseModel

from .deps import SessionDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str


@router.get("/health", response_model=Health)
def health(session: SessionDep) -> Health:
    """Answers when the app is up and its database reachable."""
    session.execute(sa.text("SELECT 1"))
    return Health(status="ok", database=session.get_bind().dialect.name)
