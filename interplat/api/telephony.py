"""The enterprise's telephony over REST: the numbers the platform answers and how the IVR
behind them speaks and routes."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from ..services import ivr
from .deps import SessionDep, SettingsDep

router = APIRouter(prefix="/v1", tags=["telephony"])


class IvrSettingsIO(BaseModel):
    """Every field; in a PATCH only the ones sent change. ``{brand}`` in a prompt becomes
    the brand name."""

    greeting: str = Field(max_length=ivr.MAX_PROMPT_LENGTH)
    chat_confirmation: str = Field(max_length=ivr.MAX_PROMPT_LENGTH)
    agent_message: str = Field(max_length=ivr.MAX_PROMPT_LENGTH)
    no_agent_message: str = Field(max_length=ivr.MAX_PROMPT_LENGTH)
    invalid_choice: str = Field(max_length=ivr.MAX_PROMPT_LENGTH)
    agent_number: str = Field(max_length=32, description="E.164 live-agent line, or empty")
    agent_mode: Literal["dial", "enqueue"]
    queue_name: str = Field(max_length=64)
    line_type_policy: Literal["allow_unknown", "deny_unknown"]
    link_ttl_minutes: int = Field(ge=5, le=30 * 24 * 60)
    max_retries: int = Field(ge=0, le=5)
    gather_timeout_seconds: int = Field(ge=3, le=15)
    language: str = Field(max_length=10, examples=["en-US"])


class IvrSettingsPatch(BaseModel):
    greeting: str | None = Field(None, max_length=ivr.MAX_PROMPT_LENGTH)
    chat_confirmation: str | None = Field(None, max_length=ivr.MAX_PROMPT_LENGTH)
    agent_message: str | None = Field(None, max_length=ivr.MAX_PROMPT_LENGTH)
    no_agent_message: str | None = Field(None, max_length=ivr.MAX_PROMPT_LENGTH)
    invalid_choice: str | None = Field(None, max_length=ivr.MAX_PROMPT_LENGTH)
    agent_number: str | None = Field(None, max_length=32)
    agent_mode: Literal["dial", "enqueue"] | None = None
    queue_name: str | None = Field(None, max_length=64)
    line_type_policy: Literal["allow_unknown", "deny_unknown"] | None = None
    link_ttl_minutes: int | None = Field(None, ge=5, le=30 * 24 * 60)
    max_retries: int | None = Field(None, ge=0, le=5)
    gather_timeout_seconds: int | None = Field(None, ge=3, le=15)
    language: str | None = Field(None, max_length=10)


class PhoneNumberIn(BaseModel):
    number: str = Field(max_length=32, examples=["+14155550199"])
    label: str = Field("", max_length=100)
    purpose: Literal["ivr", "chat"] = Field(
        "ivr", description="ivr: the press-1/2 menu; chat: forwarded calls go straight to chat"
    )


class PhoneNumberOut(BaseModel):
    id: uuid.UUID
    number: str
    label: str
    purpose: str


@router.get("/ivr-settings", response_model=IvrSettingsIO)
def get_ivr_settings(principal: SettingsDep, session: SessionDep) -> dict[str, Any]:
    """How the enterprise's numbers answer (defaults filled in)."""
    return ivr.current_ivr_settings(session=session, enterprise_id=principal.enterprise_id).public()


@router.patch("/ivr-settings", response_model=IvrSettingsIO)
def patch_ivr_settings(
    body: IvrSettingsPatch, principal: SettingsDep, session: SessionDep
) -> dict[str, Any]:
    """Change some IVR settings; all or nothing."""
    changes = body.model_dump(exclude_unset=True)
    return ivr.update_ivr_settings(
        session=session, enterprise_id=principal.enterprise_id, changes=changes
    ).public()


@router.get("/phone-numbers", response_model=list[PhoneNumberOut])
def list_numbers(principal: SettingsDep, session: SessionDep) -> list[Any]:
    """The numbers the platform answers for this enterprise."""
    return list(ivr.list_phone_numbers(session=session, enterprise_id=principal.enterprise_id))


@router.post("/phone-numbers", response_model=PhoneNumberOut, status_code=201)
def add_number(body: PhoneNumberIn, principal: SettingsDep, session: SessionDep) -> Any:
    """Answer one more number (point its Twilio voice and SMS webhooks at this deployment)."""
    return ivr.add_phone_number(
        session=session,
        enterprise_id=principal.enterprise_id,
        number=body.number,
        label=body.label,
        purpose=body.purpose,
    )


@router.delete("/phone-numbers/{number_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_number(number_id: uuid.UUID, principal: SettingsDep, session: SessionDep) -> Response:
    ivr.remove_phone_number(
        session=session, enterprise_id=principal.enterprise_id, number_id=number_id
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
