"""Domain errors become JSON ``{"error": {"code", "message", "field"}}`` here and only here."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..services.errors import DomainError

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


def error_schemas() -> dict[str, Any]:
    """JSON schemas of the error body, for the OpenAPI description."""
    schema = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    return {"ErrorResponse": schema, **defs}


def error_response(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(code=code, message=message, field=field))
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def install(api: FastAPI) -> None:
    @api.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return error_response(exc.http_status, exc.code, exc.message, exc.field)

    @api.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        field = ".".join(loc) or None
        message = f"{field}: {first.get('msg', 'invalid')}" if field else "Invalid request."
        return error_response(400, "invalid", message, field)

    @api.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 401: "not_authenticated"}
        return error_response(exc.status_code, code.get(exc.status_code, "error"), str(exc.detail))

    @api.exception_handler(DataError)
    async def _data(_: Request, exc: DataError) -> JSONResponse:
        # e.g. a NUL byte, which PostgreSQL text cannot hold: bad input, not a server fault
        return error_response(
            400, "invalid", "The input contains characters that cannot be stored."
        )

    @api.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled API error")
        return error_response(500, "internal", "Something went wrong on our side.")
