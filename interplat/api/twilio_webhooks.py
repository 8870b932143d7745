"""Twilio's webhooks: voice (the platform IVR), inbound SMS and status reports.

Each request must carry a valid ``X-Twilio-Signature``, checked with Twilio's
``RequestValidator`` against the deployment's public URL (``INTERPLAT_PUBLIC_BASE_URL``)
rather than the URL this process sees, so a TLS-terminating proxy does not break it.
Anything else is a 403 before the form is acted on.

Point a Twilio number at: Voice ``POST {base}/api/twilio/voice`` with status callback
``{base}/api/twilio/voice/status``; Messaging ``POST {base}/api/twilio/sms``. "Talk now"
calls carry their own status callback, ``{base}/api/twilio/voice/talk-status?call=<id>``.
"""

from __future__ import annotations

import logging
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from starlette.exceptions import HTTPException as StarletteHTTPException
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from .. import scheduler
from ..config import get_settings
from ..services import sms_inbound, sms_status, talk_now, telephony, voice
from ..services.errors import DomainError, PermissionDenied, ValidationFailed
from ..services.ivr import number_owner
from .deps import SessionDep

log = logging.getLogger(__name__)

router = APIRouter(prefix="/twilio", tags=["Twilio webhooks"])
XML = "application/xml"
_TWIML: dict[int | str, dict[str, Any]] = {
    200: {"content": {XML: {"schema": {"type": "string"}}}, "description": "TwiML"}
}
_SIGNED = "Refused: this endpoint only answers requests signed by Twilio."


async def signed_form(request: Request) -> dict[str, str]:
    """The posted form, once its ``X-Twilio-Signature`` proves it comes from Twilio."""
    token = get_settings().twilio_auth_token
    signature = request.headers.get("x-twilio-signature", "")
    if token is None or not token.get_secret_value() or not signature:
        raise PermissionDenied(_SIGNED)
    try:
        form = await request.form()
    except StarletteHTTPException as exc:
        raise PermissionDenied(_SIGNED) from exc
    try:
        params = {k: v for k, v in form.items() if isinstance(v, str)}
    finally:
        await form.close()
    url = get_settings().public_base_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    if not RequestValidator(token.get_secret_value()).validate(url, params, signature):
        raise PermissionDenied(_SIGNED)
    if any("\x00" in value for value in params.values()):
        raise ValidationFailed("The form holds a NUL byte.")
    return params


FormDep = Annotated[dict[str, str], Depends(signed_form)]
AttemptQuery = Annotated[int, Query(ge=0, le=20, description="Menu attempts so far")]


def _twiml(body: str) -> Response:
    return Response(body, media_type=XML)


@router.post("/voice", responses=_TWIML, response_class=Response)
def incoming_call(form: FormDep, session: SessionDep, attempt: AttemptQuery = 0) -> Response:
    """A call to an enterprise number (or a re-prompt): the menu, as TwiML."""
    base = get_settings().public_base_url
    call = voice.CallParams.from_form(form)
    return _twiml(voice.incoming_call(session=session, call=call, attempt=attempt, base_url=base))


@router.post("/voice/menu", responses=_TWIML, response_class=Response)
def menu_choice(form: FormDep, session: SessionDep, attempt: AttemptQuery = 0) -> Response:
    """The key the caller pressed: chat by SMS link, the agent line, or a re-prompt."""
    call = voice.CallParams.from_form(form)
    twiml = voice.menu_choice(
        session=session,
        call=call,
        attempt=attempt,
        base_url=get_settings().public_base_url,
        gateway=telephony.get_gateway(),
    )
    session.commit()  # the SMS is queued for good before the deliverer is woken
    scheduler.nudge_sms_delivery()
    return _twiml(twiml)


@router.post("/voice/status", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def call_status(form: FormDep, session: SessionDep) -> Response:
    """How a call ended (Twilio's call status callback)."""
    voice.call_ended(session=session, call=voice.CallParams.from_form(form))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/voice/talk-status", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def talk_now_status(
    form: FormDep,
    session: SessionDep,
    call: Annotated[uuid.UUID | None, Query(description="Our call id")] = None,
) -> Response:
    """Progress of a "talk now" call: answered, then how it ended (posted to the thread once)."""
    talk_now.call_status(
        session=session,
        call_id=call,
        call_sid=form.get("CallSid", "").strip()[:64],
        status=form.get("CallStatus", "").strip().lower(),
        duration_seconds=_seconds(form.get("CallDuration", "")),
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _seconds(raw: str) -> int | None:
    raw = raw.strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 9 else None


@router.post("/sms", responses=_TWIML, response_class=Response)
def inbound_sms(form: FormDep, session: SessionDep) -> Response:
    """A text to an enterprise number: STOP/START/HELP, or a message into the customer's chat."""
    reply = MessagingResponse()
    owner = number_owner(session, form.get("To", ""))
    if owner is None:
        log.info("inbound SMS to a number no enterprise answers")
        return _twiml(str(reply))
    try:
        with session.begin_nested():
            result = sms_inbound.handle_inbound_sms(
                session=session,
                enterprise_id=owner[0].id,
                from_number=form.get("From", ""),
                to_number=form.get("To", ""),
                body=form.get("Body", ""),
                message_sid=form.get("MessageSid", "")[:64],
            )
    except DomainError as exc:  # e.g. a short code or alphanumeric sender: nothing to do
        log.info("inbound SMS ignored: %s", exc.code)
        return _twiml(str(reply))
    if result.reply:
        reply.message(result.reply)
    return _twiml(str(reply))


@router.post("/sms/status", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def sms_status_report(
    form: FormDep,
    session: SessionDep,
    outbox: Annotated[uuid.UUID | None, Query(description="Our message id")] = None,
) -> Response:
    """A delivery report for an SMS we sent (queued → sent → delivered/undelivered/failed)."""
    sms_status.apply_status_callback(
        session=session,
        provider_id=form.get("MessageSid", "")[:64],
        status=form.get("MessageStatus", "") or form.get("SmsStatus", ""),
        error_code=form.get("ErrorCode", "")[:10],
        outbox_id=outbox,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
