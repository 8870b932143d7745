"""Who called: the caller-id and details an IVR passes, checked field by field (each
refusal names the API field)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email

from .customers import normalize_phone
from .errors import InvalidPhoneNumber, ValidationFailed

MAX_NAME_LENGTH = 100
MAX_EXTERNAL_ID_LENGTH = 100
MAX_MESSAGE_LENGTH = 300
MAX_EMAIL_LENGTH = 254  # email_validator enforces it
EARLIEST_DOB = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class CallerDetails:
    """Validated input of one call-to-chat request."""

    phone: str
    first_name: str
    last_name: str
    email: str
    dob: dt.date | None
    external_id: str
    dnis: str
    message: str

    def customer_fields(self) -> dict[str, Any]:
        """The customer fields the caller gave (empty ones left out)."""
        fields = {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "dob": self.dob,
            "external_id": self.external_id,
        }
        return {name: value for name, value in fields.items() if value}


def validate_caller(
    *,
    caller: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    dob: dt.date | None = None,
    external_id: str = "",
    dnis: str = "",
    message: str = "",
    today: dt.date,
) -> CallerDetails:
    """Check every input, naming the API field of the first refusal."""
    return CallerDetails(
        phone=_phone(caller, field="cid", required=True),
        first_name=_bounded(first_name, "first_name", "The first name", MAX_NAME_LENGTH),
        last_name=_bounded(last_name, "last_name", "The last name", MAX_NAME_LENGTH),
        email=_email(email),
        dob=_dob(dob, today),
        external_id=_bounded(external_id, "external_id", "The external id", MAX_EXTERNAL_ID_LENGTH),
        dnis=_phone(dnis, field="dnis", required=False),
        message=_bounded(message, "message", "The message", MAX_MESSAGE_LENGTH),
    )


def _phone(raw: str, *, field: str, required: bool) -> str:
    text = (raw or "").strip()
    if not text:
        if required:
            raise ValidationFailed("Give the caller's number.", field=field)
        return ""
    try:
        return normalize_phone(text)
    except InvalidPhoneNumber as exc:
        raise InvalidPhoneNumber(exc.message, field=field) from exc


def _bounded(raw: str, field: str, label: str, limit: int) -> str:
    text = (raw or "").strip()
    if len(text) > limit:
        raise ValidationFailed(f"{label} has at most {limit} characters.", field=field)
    return text


def _email(raw: str) -> str:
    text = (raw or "").strip()
    if not text:
        return ""
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValidationFailed("That email address is not valid.", field="email") from exc


def _dob(dob: dt.date | None, today: dt.date) -> dt.date | None:
    if dob is None:
        return None
    if dob > today:
        raise ValidationFailed("The date of birth cannot be in the future.", field="dob")
    if dob <= EARLIEST_DOB:
        raise ValidationFailed("The date of birth must be after 1900-01-01.", field="dob")
    return dob
