"""Call-to-chat for enterprise IVRs: a form post with the caller id, answered in JSON or XML.

IVRs authenticate with HTTP Basic (an IVR client's username and secret). The form is read
only after the credentials pass, so a stranger learns nothing about the input rules.
"""

from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import scheduler
from ..config import get_settings
from ..models import Channel, IvrClient
from ..services import call_to_chat, caller_details, ivr_clients
from ..services.errors import NotAuthenticated, ValidationFailed
from .deps import SessionDep
from .errors import ErrorResponse, error_response

CHALLENGE = 'Basic realm="Interplat IVR"'
MISSING_CREDENTIALS = "Send the IVR client's username and secret (HTTP Basic)."
XML_TYPES = ("application/xml", "text/xml")


class _IvrRoute(APIRoute):
    """Failed Basic authentication answers 401 with a Basic challenge (the shared
    handler challenges for Bearer tokens, which IVR clients do not have)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except NotAuthenticated as exc:
                return _challenge(exc.code, exc.message)
            except StarletteHTTPException as exc:  # HTTPBasic refusing a malformed header
                if exc.status_code != status.HTTP_401_UNAUTHORIZED:
                    raise
                return _challenge(NotAuthenticated.code, ivr_clients.BAD_CREDENTIALS_MESSAGE)

        return route_handler


router = APIRouter(prefix="/v1", tags=["call to chat"], route_class=_IvrRoute)
_basic = HTTPBasic(auto_error=False, description="An IVR client's username and secret")


class CallToChatForm(BaseModel):
    """What an IVR posts (application/x-www-form-urlencoded); empty fields count as absent."""

    cid: str = Field(
        min_length=1, max_length=32, description="Caller id, E.164 with or without the +"
    )
    dnis: str = Field("", max_length=32, description="The number the caller dialled")
    first_name: str = Field("", max_length=caller_details.MAX_NAME_LENGTH)
    last_name: str = Field("", max_length=caller_details.MAX_NAME_LENGTH)
    email: str = Field("", max_length=caller_details.MAX_EMAIL_LENGTH)
    dob: dt.date | None = Field(None, description="Date of birth, YYYY-MM-DD")
    external_id: str = Field(
        "", max_length=caller_details.MAX_EXTERNAL_ID_LENGTH, description="Your id of the customer"
    )
    message: str = Field(
        "",
        max_length=caller_details.MAX_MESSAGE_LENGTH,
        description="Added to the SMS on a line of its own",
    )

    @field_validator("dob", mode="before")
    @classmethod
    def _iso_date_only(cls, value: Any) -> Any:
        if isinstance(value, str) and not _is_iso_date(value):
            raise ValueError("use YYYY-MM-DD")
        return value


class CallToChatOut(BaseModel):
    ticket_id: uuid.UUID
    reference: str
    link: str = Field(description="The chat link sent (or already sent) by SMS")
    created: bool = Field(description="A new ticket; false when the open one was reused")
    sms_queued: bool = Field(description="An SMS with the link is on its way")
    sms_blocked: bool = Field(description="No SMS: the number opted out (texted STOP)")
    pending_in_app: bool = Field(
        description="The caller has the customer app open: the chat waits there, and the SMS "
        "follows two minutes later only if it is not opened in the app first"
    )


def ivr_client(
    session: SessionDep,
    credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
) -> IvrClient:
    """The IVR client behind the Basic credentials, or 401."""
    if credentials is None:
        raise NotAuthenticated(MISSING_CREDENTIALS)
    return ivr_clients.authenticate_ivr_client(
        session=session, username=credentials.username, secret=credentials.password
    )


IvrClientDep = Annotated[IvrClient, Depends(ivr_client)]


async def call_form(request: Request, _client: IvrClientDep) -> CallToChatForm:
    """The posted form, read only once the caller is authenticated."""
    try:
        form = await request.form()
    except StarletteHTTPException as exc:  # a malformed multipart body
        raise ValidationFailed("The form could not be read.") from exc
    try:
        values = {k: v.strip() for k, v in form.items() if isinstance(v, str) and v.strip()}
    finally:
        await form.close()
    try:
        return CallToChatForm.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else None
        if error["type"] == "missing":
            raise ValidationFailed(f"{field} is required.", field=field) from exc
        raise ValidationFailed(f"{field}: {error['msg']}", field=field) from exc


CallFormDep = Annotated[CallToChatForm, Depends(call_form)]
_XML_EXAMPLE = (
    "<response><ticket_id>3f0c…</ticket_id><reference>AC1-000042</reference>"
    "<link>https://chat.example.com/c/abc</link><created>true</created>"
    "<sms_queued>true</sms_queued><sms_blocked>false</sms_blocked>"
    "<pending_in_app>false</pending_in_app></response>"
)


def _responses(*success: tuple[int, str]) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {
        code: {
            "model": CallToChatOut,
            "description": text,
            "content": {"application/xml": {"schema": {"type": "string"}, "example": _XML_EXAMPLE}},
        }
        for code, text in success
    }
    out[400] = {"model": ErrorResponse, "description": "Invalid input; `error.field` names it"}
    out[401] = {
        "model": ErrorResponse,
        "description": "Missing, wrong or revoked IVR credentials (checked before the input)",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "example": CHALLENGE}},
    }
    return out


_FORM_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {"schema": CallToChatForm.model_json_schema()}
        },
    }
}


@router.post(
    "/sms",
    response_model=CallToChatOut,
    responses=_responses(
        (200, "The chat link is texted (JSON, or XML on `Accept: application/xml`)")
    ),
    openapi_extra=_FORM_BODY,
)
def send_chat_link(
    request: Request, form: CallFormDep, client: IvrClientDep, session: SessionDep
) -> Response:
    """A caller chose to chat: open (or reuse) their ticket and text them a chat link."""
    out = _start(session, client, form)
    return _answer(out, request, status.HTTP_200_OK)


@router.post(
    "/tickets/sms",
    response_model=CallToChatOut,
    status_code=status.HTTP_201_CREATED,
    responses=_responses(
        (201, "A new ticket; the chat link is texted"),
        (200, "The caller's open ticket, reused"),
    ),
    openapi_extra=_FORM_BODY,
)
def open_ticket_by_sms(
    request: Request, form: CallFormDep, client: IvrClientDep, session: SessionDep
) -> Response:
    """Like `POST /v1/sms`, answering 201 for a new ticket and 200 for the open one."""
    out = _start(session, client, form)
    code = status.HTTP_201_CREATED if out.created else status.HTTP_200_OK
    return _answer(out, request, code)


def _start(session: Session, client: IvrClient, form: CallToChatForm) -> CallToChatOut:
    result = call_to_chat.start_chat_from_call(
        session=session,
        enterprise_id=client.enterprise_id,
        caller=form.cid,
        first_name=form.first_name,
        last_name=form.last_name,
        email=form.email,
        dob=form.dob,
        external_id=form.external_id,
        dnis=form.dnis,
        message=form.message,
        source=Channel.IVR,
        base_url=get_settings().public_base_url,
    )
    session.commit()  # the SMS is queued for good before the deliverer is woken
    scheduler.nudge_sms_delivery()
    return CallToChatOut(
        ticket_id=result.ticket_id,
        reference=result.reference,
        link=result.link_url,
        created=result.created,
        sms_queued=result.sms_id is not None,
        sms_blocked=result.sms_blocked,
        pending_in_app=result.in_app,
    )


def _answer(out: CallToChatOut, request: Request, code: int) -> Response:
    if _wants_xml(request.headers.get("accept", "")):
        return Response(_to_xml(out), status_code=code, media_type="application/xml")
    return JSONResponse(out.model_dump(mode="json"), status_code=code)


def _wants_xml(accept: str) -> bool:
    """Whether the Accept header prefers XML to JSON (JSON wins ties and ``*/*``)."""
    weights: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        weights[media.lower()] = q
    xml = max(weights.get(t, 0.0) for t in XML_TYPES)
    return xml > 0 and xml > weights.get("application/json", 0.0)


def _to_xml(out: CallToChatOut) -> bytes:
    root = ET.Element("response")
    for name, value in out.model_dump(mode="json").items():
        ET.SubElement(root, name).text = str(value).lower() if isinstance(value, bool) else value
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _challenge(code: str, message: str) -> JSONResponse:
    response = error_response(status.HTTP_401_UNAUTHORIZED, code, message)
    response.headers["WWW-Authenticate"] = CHALLENGE
    return response


def _is_iso_date(text: str) -> bool:
    return len(text) == 10 and text[4] == "-" and text[7] == "-" and text.replace("-", "").isdigit()
