"""The platform-hosted IVR: what an enterprise's number says and does, as TwiML.

Twilio's voice webhooks (``api/twilio_webhooks.py``) and the dev phone page both call
these functions, so a developer's "call" runs exactly the production menu:

    incoming call ─► greeting + <Gather 1 digit> ─► no key: <Redirect> attempt+1 … agent
                                      │
                          1 ─► line type + opt-out check ─► ticket + SMS link, hang up
                          2, landline, opted out, failure ─► <Dial>/<Enqueue> the agent line
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlmodel import Session, select
from twilio.twiml.voice_response import VoiceResponse

from .. import routes
from ..models import CallLog, Channel, Enterprise, PhoneNumber, utcnow
from . import line_type, sms
from .call_to_chat import start_chat_from_call
from .customers import normalize_phone
from .errors import DomainError, InvalidPhoneNumber
from .ivr import IvrSettings, ivr_settings_of, number_owner
from .telephony import SmsGateway

log = logging.getLogger(__name__)

VOICE_PATH = routes.TWILIO_VOICE
MENU_PATH = routes.TWILIO_VOICE_MENU
NOT_IN_SERVICE = "Sorry, this number is not in service. Goodbye."
ENDED_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})


@dataclass(frozen=True)
class CallParams:
    """The fields of a Twilio voice webhook this IVR reads."""

    call_sid: str
    from_number: str  # the caller as Twilio posts it (E.164, or "anonymous")
    to_number: str  # the enterprise number called
    digits: str = ""
    call_status: str = ""

    @classmethod
    def from_form(cls, form: dict[str, str]) -> CallParams:
        return cls(
            call_sid=form.get("CallSid", "").strip()[:64],
            from_number=form.get("From", "").strip(),
            to_number=form.get("To", "").strip(),
            digits=form.get("Digits", "").strip(),
            call_status=form.get("CallStatus", "").strip().lower(),
        )


@dataclass(frozen=True)
class _Line:
    enterprise: Enterprise
    number: PhoneNumber
    settings: IvrSettings


def incoming_call(*, session: Session, call: CallParams, attempt: int, base_url: str) -> str:
    """The menu (or, past the retries, the agent line); a forwarded chat number goes
    straight to chat."""
    line = _line(session, call.to_number)
    if line is None:
        return _goodbye(NOT_IN_SERVICE, "en-US")
    _log(session, line, call)
    if line.number.purpose == "chat" and attempt == 0:
        return menu_choice(
            session=session,
            call=CallParams(call.call_sid, call.from_number, call.to_number, "1"),
            attempt=0,
            base_url=base_url,
        )
    if attempt > line.settings.max_retries:
        return _agent(session, line, call)
    return _menu(line, base_url, attempt)


def menu_choice(
    *,
    session: Session,
    call: CallParams,
    attempt: int,
    base_url: str,
    gateway: SmsGateway | None = None,
) -> str:
    """What a pressed key does: 1 chat (when the line can take an SMS), 2 the agent line,
    anything else a re-prompt."""
    line = _line(session, call.to_number)
    if line is None:
        return _goodbye(NOT_IN_SERVICE, "en-US")
    log_row = _log(session, line, call)
    log_row.digits = call.digits[:20]
    session.add(log_row)
    if call.digits == "2":
        return _agent(session, line, call)
    if call.digits != "1":
        if attempt >= line.settings.max_retries:
            return _agent(session, line, call)
        brand = line.enterprise.brand_name
        response = VoiceResponse()
        response.say(line.settings.prompt("invalid_choice", brand), language=line.settings.language)
        response.redirect(_url(base_url, VOICE_PATH, attempt + 1), method="POST")
        return str(response)
    return _chat(session, line, call, base_url, gateway)


def call_ended(*, session: Session, call: CallParams, now: dt.datetime | None = None) -> None:
    """A call status report: record how the call ended (idempotent)."""
    row = session.exec(select(CallLog).where(CallLog.call_sid == call.call_sid)).first()
    if row is None or not call.call_status:
        return
    row.status = call.call_status[:20]
    if call.call_status in ENDED_STATUSES and row.ended_at is None:
        row.ended_at = now or utcnow()
        row.outcome = row.outcome or "hangup"
    session.add(row)


def _chat(
    session: Session, line: _Line, call: CallParams, base_url: str, gateway: SmsGateway | None
) -> str:
    enterprise, settings = line.enterprise, line.settings
    try:
        caller = normalize_phone(call.from_number)
    except InvalidPhoneNumber:  # a withheld or foreign-format caller id: nothing to text
        return _agent(session, line, call)
    if sms.is_suppressed(session=session, enterprise_id=enterprise.id, phone=caller):
        return _agent(session, line, call)
    enterprise_id, policy = enterprise.id, settings.line_type_policy
    # The carrier lookup may take seconds: no transaction (no SQLite write lock) meanwhile.
    session.commit()
    kind = line_type.classify(caller, gateway=gateway)
    if not line_type.allows_chat(kind, policy):
        return _agent(session, _reload(session, line), call)
    line = _reload(session, line)
    try:
        with session.begin_nested():
            result = start_chat_from_call(
                session=session,
                enterprise_id=enterprise_id,
                caller=caller,
                dnis=line.number.number,
                source=Channel.IVR,
                call_sid=call.call_sid,
                base_url=base_url,
            )
    except DomainError as exc:
        log.warning("call to chat refused for a call: %s", exc.code)
        return _agent(session, line, call)
    if result.sms_blocked:
        return _agent(session, line, call)
    return _goodbye(settings.prompt("chat_confirmation", enterprise.brand_name), settings.language)


def _agent(session: Session, line: _Line, call: CallParams) -> str:
    """The live-agent line: dial the enterprise's number or enqueue; else an apology."""
    settings, brand = line.settings, line.enterprise.brand_name
    row = _log(session, line, call)
    if row.outcome != "chat":
        row.outcome = "agent"
    session.add(row)
    response = VoiceResponse()
    if settings.agent_mode == "enqueue":
        response.say(settings.prompt("agent_message", brand), language=settings.language)
        response.enqueue(settings.queue_name)
        return str(response)
    if not settings.agent_number:
        return _goodbye(settings.prompt("no_agent_message", brand), settings.language)
    response.say(settings.prompt("agent_message", brand), language=settings.language)
    response.dial(settings.agent_number)
    return str(response)


def _menu(line: _Line, base_url: str, attempt: int) -> str:
    settings = line.settings
    response = VoiceResponse()
    gather = response.gather(
        num_digits=1,
        action=_url(base_url, MENU_PATH, attempt),
        method="POST",
        timeout=settings.gather_timeout_seconds,
    )
    gather.say(settings.prompt("greeting", line.enterprise.brand_name), language=settings.language)
    # No key pressed: Twilio falls through the Gather to the next verb.
    response.redirect(_url(base_url, VOICE_PATH, attempt + 1), method="POST")
    return str(response)


def _goodbye(text: str, language: str) -> str:
    response = VoiceResponse()
    response.say(text, language=language)
    response.hangup()
    return str(response)


def _url(base_url: str, path: str, attempt: int) -> str:
    query = f"?{urlencode({'attempt': attempt})}" if attempt else ""
    return base_url.rstrip("/") + path + query


def _line(session: Session, number: str) -> _Line | None:
    owner = number_owner(session, number)
    if owner is None:
        return None
    enterprise, row = owner
    return _Line(enterprise, row, ivr_settings_of(enterprise))


def _reload(session: Session, line: _Line) -> _Line:
    found = _line(session, line.number.number)
    return found or line


def _log(session: Session, line: _Line, call: CallParams) -> CallLog:
    """The call's log row, made on its first webhook (Twilio may repeat one)."""
    row = session.exec(select(CallLog).where(CallLog.call_sid == call.call_sid)).first()
    if row is None:
        row = CallLog(
            enterprise_id=line.enterprise.id,
            call_sid=call.call_sid,
            from_number=call.from_number[:20],
            to_number=line.number.number,
            status="in-progress",
        )
        session.add(row)
        session.flush()
    return row
