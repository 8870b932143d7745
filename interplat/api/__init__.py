"""REST API (FastAPI), mounted in front of Reflex under ``/api``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from ..routes import API_PREFIX
from ..services.b2p import RateLimited
from . import (
    b2p,
    call_to_chat,
    calls,
    content,
    customer_chat,
    errors,
    health,
    listings,
    me,
    media,
    messages,
    payments,
    qr,
    sandbox,
    telephony,
    tickets,
    twilio_webhooks,
)

# Reached without a bearer token: the link code or the URL's signature is the key.
PUBLIC_PATHS = (
    "/api/qr/",
    "/api/media/",
    "/api/chat/",
    "/api/payments/webhooks/",
    "/api/sandbox/",
)
# Every operation may answer with these, always as an ``ErrorResponse`` body.
ERROR_CODES = {
    "400": "Invalid input; `error.field` names the culprit",
    "401": "Missing or invalid bearer token",
    "403": "Not allowed for this principal",
    "404": "Not found in your enterprise",
    "409": "Conflicts with the current state",
}


def create_api() -> FastAPI:
    """A new FastAPI app per ``rx.App`` (Reflex adds middleware to it when it starts)."""
    api = FastAPI(
        title="Interplat API",
        version="1.0",
        description=(
            "REST API for enterprise IVRs and back offices. Authenticate with "
            "`Authorization: Bearer <token>`: an enterprise API token (`ipk_…`) or a CSR "
            "session token from `/api/auth/login`. Errors are JSON "
            '`{"error": {"code", "message", "field"}}` with a stable `code`.'
        ),
        docs_url=f"{API_PREFIX}/docs",
        openapi_url=f"{API_PREFIX}/openapi.json",
        redoc_url=None,
    )
    errors.install(api)
    api.add_exception_handler(RateLimited, b2p.too_many)
    for module in (
        health,
        me,
        tickets,
        messages,
        calls,
        listings,
        content,
        qr,
        media,
        customer_chat,
        call_to_chat,
        telephony,
        twilio_webhooks,
        b2p,
        payments,
        sandbox,
    ):
        api.include_router(module.router, prefix=API_PREFIX)
    api.openapi = lambda: _openapi(api)  # type: ignore[method-assign]
    return api


def _openapi(api: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, with our 400 in place of its 422 and the shared error answers."""
    if api.openapi_schema:
        return api.openapi_schema
    schema = get_openapi(
        title=api.title, version=api.version, description=api.description, routes=api.routes
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(errors.error_schemas())
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            for code, text in ERROR_CODES.items():
                if code == "401" and (path.endswith("/health") or path.startswith(PUBLIC_PATHS)):
                    continue
                responses.setdefault(
                    code,
                    {
                        "description": text,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ErrorResponse"}
                            }
                        },
                    },
                )
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    api.openapi_schema = schema
    return schema
