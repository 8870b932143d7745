"""REST API (FastAPI), mounted in front of Reflex under ``/api``."""

from __future__ import annotations

from fastapi import FastAPI

from ..routes import API_PREFIX
from . import errors, health, me


def create_api() -> FastAPI:
    """A new FastAPI app per ``rx.App`` (Reflex adds middleware to it when it starts)."""
    api = FastAPI(
        title="Interplat API",
        version="1.0",
        description="REST API for enterprise IVRs and back offices.",
        docs_url=f"{API_PREFIX}/docs",
        openapi_url=f"{API_PREFIX}/openapi.json",
        redoc_url=None,
    )
    errors.install(api)
    api.include_router(health.router, prefix=API_PREFIX)
    api.include_router(me.router, prefix=API_PREFIX)
    return api
