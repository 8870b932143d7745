"""Domain errors. The API maps them to HTTP codes, the UI to messages; both use ``code``."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose. ``message`` is safe to show."""

    code = "error"
    http_status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class PermissionDenied(DomainError):
    code = "forbidden"
    http_status = 403


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    http_status = 401


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"


class ValidationFailed(DomainError):
    code = "invalid"
    http_status = 400


class Conflict(DomainError):
    code = "conflict"
    http_status = 409


class InvalidPhoneNumber(ValidationFailed):
    code = "invalid_phone_number"
