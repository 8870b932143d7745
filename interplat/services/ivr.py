"""Per-enterprise IVR settings (prompts, agent line, line-type policy, link lifetime) and
the phone numbers the platform answers for each enterprise."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..models import Enterprise, PhoneNumber, utcnow
from .customers import normalize_phone
from .errors import Conflict, InvalidPhoneNumber, NotFound, ValidationFailed
from .line_type import POLICIES

AGENT_MODES = frozenset({"dial", "enqueue"})
NUMBER_PURPOSES = frozenset({"ivr", "chat"})  # chat: forwarded calls skip the menu
MAX_PROMPT_LENGTH = 500
PROMPTS = ("greeting", "chat_confirmation", "agent_message", "no_agent_message", "invalid_choice")


@dataclass(frozen=True)
class IvrSettings:
    """How an enterprise's numbers answer. ``{brand}`` in a prompt becomes the brand name."""

    greeting: str = (
        "Thank you for calling {brand}. To continue by chat on your phone, press 1. "
        "To stay on the line for an agent, press 2."
    )
    chat_confirmation: str = (
        "We've sent you a text message with a link to chat with us. "
        "Please check your messages. Goodbye."
    )
    agent_message: str = "Please hold while we connect you to an agent."
    no_agent_message: str = (
        "Sorry, no one can take your call right now. Please call again later. Goodbye."
    )
    invalid_choice: str = "Sorry, that is not an option."
    agent_number: str = ""  # E.164 of the live-agent line ("" = none)
    agent_mode: str = "dial"  # dial the agent number, or enqueue in a Twilio queue
    queue_name: str = "support"
    line_type_policy: str = "allow_unknown"  # what an unknown line type gets
    link_ttl_minutes: int = 1440
    max_retries: int = 2  # re-prompts when no key is pressed, then the agent line
    gather_timeout_seconds: int = 5
    language: str = "en-US"

    def prompt(self, name: str, brand: str) -> str:
        """A prompt with the brand filled in."""
        text: str = getattr(self, name)
        return text.replace("{brand}", brand)

    def public(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


_BOUNDS = {
    "link_ttl_minutes": (5, 30 * 24 * 60),
    "max_retries": (0, 5),
    "gather_timeout_seconds": (3, 15),
}
_FIELDS = {f.name for f in dataclasses.fields(IvrSettings)}


def ivr_settings_of(enterprise: Enterprise) -> IvrSettings:
    """The enterprise's settings over the defaults; a stored value that no longer validates
    falls back to its default rather than breaking calls."""
    stored = enterprise.ivr_settings or {}
    values: dict[str, Any] = {}
    for name, value in stored.items():
        if name not in _FIELDS:
            continue
        try:
            values[name] = _clean(name, value)
        except ValidationFailed:
            continue
    return IvrSettings(**values)


def current_ivr_settings(*, session: Session, enterprise_id: uuid.UUID) -> IvrSettings:
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound("Enterprise not found.")
    return ivr_settings_of(enterprise)


def update_ivr_settings(
    *, session: Session, enterprise_id: uuid.UUID, changes: dict[str, Any]
) -> IvrSettings:
    """Validate and store some settings (all or nothing); returns the settings in force."""
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound("Enterprise not found.")
    unknown = sorted(set(changes) - _FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown IVR setting: {unknown[0]}.", field=unknown[0])
    if any(value is None for value in changes.values()):
        name = next(name for name, value in changes.items() if value is None)
        raise ValidationFailed(f"{name} cannot be null.", field=name)
    cleaned = {name: _clean(name, value) for name, value in changes.items()}
    merged = {**(enterprise.ivr_settings or {}), **cleaned}
    enterprise.ivr_settings = merged
    session.add(enterprise)
    session.flush()
    return ivr_settings_of(enterprise)


def _clean(name: str, value: Any) -> Any:
    if name in PROMPTS:
        return _prompt(name, value)
    if name in _BOUNDS:
        low, high = _BOUNDS[name]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValidationFailed(f"{name} is a whole number from {low} to {high}.", field=name)
        return value
    if name == "agent_number":
        if value in ("", None):
            return ""
        try:
            return normalize_phone(str(value))
        except InvalidPhoneNumber as exc:
            raise InvalidPhoneNumber(exc.message, field=name) from exc
    choices = {"agent_mode": AGENT_MODES, "line_type_policy": POLICIES}.get(name)
    if choices is not None:
        if value not in choices:
            raise ValidationFailed(f"{name} is one of {', '.join(sorted(choices))}.", field=name)
        return value
    if name == "queue_name":
        text = _text(name, value, 64)
        if not text.replace("-", "").replace("_", "").isalnum():
            raise ValidationFailed("queue_name uses letters, digits, - and _.", field=name)
        return text
    return _text(name, value, 10)  # language, e.g. en-US


def _prompt(name: str, value: Any) -> str:
    return _text(name, value, MAX_PROMPT_LENGTH)


def _text(name: str, value: Any, limit: int) -> str:
    if not isinstance(value, str) or "\x00" in value:
        raise ValidationFailed(f"{name} must be text.", field=name)
    text = " ".join(value.split())
    if not text or len(text) > limit:
        raise ValidationFailed(f"{name} has 1–{limit} characters.", field=name)
    return text


# --- numbers ---------------------------------------------------------------------------


def add_phone_number(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    number: str,
    label: str = "",
    purpose: str = "ivr",
    now: dt.datetime | None = None,
) -> PhoneNumber:
    """Answer ``number`` for the enterprise (a number belongs to one enterprise only)."""
    try:
        e164 = normalize_phone(number)
    except InvalidPhoneNumber as exc:
        raise InvalidPhoneNumber(exc.message, field="number") from exc
    if purpose not in NUMBER_PURPOSES:
        raise ValidationFailed("purpose is ivr or chat.", field="purpose")
    label = _text("label", label, 100) if label.strip() else ""
    if session.exec(select(PhoneNumber.id).where(PhoneNumber.number == e164)).first():
        raise Conflict("That number is already in use.", field="number")
    row = PhoneNumber(
        enterprise_id=enterprise_id,
        number=e164,
        label=label,
        purpose=purpose,
        created_at=now or utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except sa.exc.IntegrityError as exc:  # a concurrent add of the same number
        raise Conflict("That number is already in use.", field="number") from exc
    return row


def list_phone_numbers(*, session: Session, enterprise_id: uuid.UUID) -> list[PhoneNumber]:
    return list(
        session.exec(
            select(PhoneNumber)
            .where(PhoneNumber.enterprise_id == enterprise_id)
            .order_by(col(PhoneNumber.number))
        ).all()
    )


def remove_phone_number(
    *, session: Session, enterprise_id: uuid.UUID, number_id: uuid.UUID
) -> None:
    row = session.get(PhoneNumber, number_id)
    if row is None or row.enterprise_id != enterprise_id:
        raise NotFound("Phone number not found.")
    session.delete(row)
    session.flush()


def number_owner(session: Session, number: str) -> tuple[Enterprise, PhoneNumber] | None:
    """The enterprise that answers ``number`` (as Twilio posts it: E.164), if any."""
    try:
        e164 = normalize_phone(number)
    except InvalidPhoneNumber:
        return None
    row = session.exec(select(PhoneNumber).where(PhoneNumber.number == e164)).first()
    if row is None:
        return None
    enterprise = session.get(Enterprise, row.enterprise_id)
    return (enterprise, row) if enterprise is not None else None
