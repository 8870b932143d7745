"""The dev phone: a customer's handset for a machine with no Twilio account.

It calls the same IVR functions Twilio's webhooks call and then does what Twilio would do
with the TwiML they answer — speak the ``<Say>`` text, wait for a key at ``<Gather>``,
follow ``<Redirect>``, hang up — so a developer hears the production menu. Texts come
from the SMS outbox (the dev gateway's "delivered" messages); texts the phone sends go
through the inbound SMS handler. A transfer to the agent line is recorded in the outbox
as a call, since there is nobody to ring. A CSR's "talk now" call rings here (its call
log row is the state), and Answer / Decline / Hang up report what Twilio's status
callback would.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from sqlmodel import Session, col, select

from .. import routes
from ..config import Settings, TelephonyBackend, get_settings
from ..models import (
    CallLog,
    Enterprise,
    OutboxMessage,
    OutboxStatus,
    PhoneNumber,
    User,
    utcnow,
)
from . import sms_inbound, talk_now, voice
from .customers import normalize_phone
from .errors import InvalidPhoneNumber, PermissionDenied, ValidationFailed
from .ivr import number_owner
from .telephony import DEV_CALL_SID_PREFIX

MAX_REDIRECTS = 10  # a TwiML loop would otherwise spin forever
CALL_SID_PREFIX = DEV_CALL_SID_PREFIX
_LINK = re.compile(r"https?://\S+?/c/([A-Za-z0-9_-]+)")


@dataclass(frozen=True)
class DialableNumber:
    number: str
    brand_name: str
    label: str
    purpose: str


@dataclass
class CallScreen:
    """What the handset shows after each step of a call."""

    call_sid: str
    caller: str
    number: str
    spoken: list[str] = field(default_factory=list)  # every <Say>, in order
    gather_action: str = ""  # where a key press goes ("" = not listening)
    no_key_action: str = ""  # where Twilio goes if no key is pressed
    transfer: str = ""  # "agent +1…" or "queue …" once transferred
    ended: bool = False


@dataclass(frozen=True)
class IncomingCall:
    """A "talk now" call ringing on the handset, or answered and in progress."""

    call_id: str
    title: str  # "Ticket4Me is calling you (bridged to Priya)"
    from_number: str
    answered: bool


@dataclass(frozen=True)
class InboxText:
    id: str
    from_number: str
    body: str
    status: str
    sent_at: str
    link_path: str  # the chat link in the text, as a path of this app ("" if none)


def enabled(settings: Settings | None = None) -> bool:
    """The dev phone exists only with the dev telephony backend, outside production."""
    settings = settings or get_settings()
    return settings.telephony_backend == TelephonyBackend.DEV and not settings.is_production


def dialable_numbers(*, session: Session) -> list[DialableNumber]:
    """Every enterprise number the platform answers (a developer's phone book)."""
    rows = session.exec(
        select(PhoneNumber, Enterprise)
        .join(Enterprise, col(Enterprise.id) == col(PhoneNumber.enterprise_id))
        .order_by(col(Enterprise.brand_name), col(PhoneNumber.number))
    ).all()
    return [DialableNumber(p.number, e.brand_name, p.label, p.purpose) for p, e in rows]


def call(*, session: Session, caller: str, number: str, base_url: str) -> CallScreen:
    """Ring an enterprise number from ``caller``; the IVR answers."""
    _require_enabled()
    screen = CallScreen(
        call_sid=CALL_SID_PREFIX + uuid.uuid4().hex,
        caller=_phone(caller, "caller"),
        number=_phone(number, "number"),
    )
    return _request(session, screen, base_url + routes.TWILIO_VOICE, "", base_url)


def press(*, session: Session, screen: CallScreen, digit: str, base_url: str) -> CallScreen:
    """Press a key while the IVR listens (ignored when it is not listening)."""
    _require_enabled()
    if digit not in set("0123456789*#"):
        raise ValidationFailed("Press 0–9, * or #.", field="digit")
    if screen.ended or not screen.gather_action:
        return screen
    return _request(session, screen, screen.gather_action, digit, base_url)


def wait(*, session: Session, screen: CallScreen, base_url: str) -> CallScreen:
    """Press nothing: the IVR's timeout runs out and Twilio moves on."""
    _require_enabled()
    if screen.ended or not screen.no_key_action:
        return screen
    return _request(session, screen, screen.no_key_action, "", base_url)


def hang_up(*, session: Session, screen: CallScreen) -> CallScreen:
    """The caller hangs up: Twilio's status callback, "completed"."""
    if not screen.ended:
        _end(session, screen)
    return screen


def inbox(*, session: Session, phone: str, limit: int = 30) -> list[InboxText]:
    """Texts the platform delivered to ``phone`` (newest first)."""
    _require_enabled()
    number = _phone(phone, "caller")
    rows = session.exec(
        select(OutboxMessage)
        .where(
            OutboxMessage.channel == "sms",
            OutboxMessage.to_address == number,
            col(OutboxMessage.status).in_([OutboxStatus.SENT, OutboxStatus.DELIVERED]),
        )
        .order_by(col(OutboxMessage.sent_at).desc(), col(OutboxMessage.created_at).desc())
        .limit(limit)
    ).all()
    return [
        InboxText(
            id=str(row.id),
            from_number=row.from_address,
            body=row.body,
            status=row.status,
            sent_at=(row.sent_at or row.created_at).isoformat(timespec="seconds"),
            link_path=_link_path(row.body),
        )
        for row in rows
    ]


def send_text(*, session: Session, caller: str, number: str, body: str) -> str:
    """Text an enterprise number from the dev phone; returns the automatic reply ("" if none)."""
    _require_enabled()
    sender, to = _phone(caller, "caller"), _phone(number, "number")
    if not body.strip():
        raise ValidationFailed("Type a message.", field="body")
    owner = number_owner(session, to)
    if owner is None:
        raise ValidationFailed("No enterprise answers that number.", field="number")
    enterprise_id = owner[0].id
    result = sms_inbound.handle_inbound_sms(
        session=session,
        enterprise_id=enterprise_id,
        from_number=sender,
        to_number=to,
        body=body,
        message_sid="SMDEV" + uuid.uuid4().hex,
    )
    if result.reply:  # Twilio texts a <Message> reply back; here it lands in the outbox
        now = utcnow()
        session.add(
            OutboxMessage(
                enterprise_id=enterprise_id,
                channel="sms",
                to_address=sender,
                from_address=to,
                body=result.reply,
                status=OutboxStatus.DELIVERED,
                sent_at=now,
                created_at=now,
            )
        )
    return result.reply


def incoming_call(*, session: Session, phone: str) -> IncomingCall | None:
    """The newest live "talk now" call to ``phone``, if any."""
    _require_enabled()
    row = session.exec(
        select(CallLog)
        .where(
            CallLog.purpose == talk_now.PURPOSE,
            CallLog.to_number == _phone(phone, "caller"),
            col(CallLog.ended_at).is_(None),
            col(CallLog.call_sid).startswith(CALL_SID_PREFIX),
        )
        .order_by(col(CallLog.created_at).desc())
    ).first()
    if row is None:
        return None
    enterprise = session.get(Enterprise, row.enterprise_id)
    csr = session.get(User, row.user_id) if row.user_id else None
    brand = enterprise.brand_name if enterprise else row.from_number
    title = f"{brand} is calling you"
    if csr is not None:
        title += f" (bridged to {csr.full_name.split()[0]})"
    return IncomingCall(str(row.id), title, row.from_number, row.answered_at is not None)


def answer_incoming(*, session: Session, call_id: str) -> None:
    """Pick up: Twilio would report the call "in-progress"."""
    _require_enabled()
    talk_now.answer_call(session=session, call_id=_call_id(call_id))


def decline_incoming(*, session: Session, call_id: str) -> None:
    """Reject the ringing call: Twilio reports a declined call "busy"."""
    _require_enabled()
    talk_now.end_call(session=session, call_id=_call_id(call_id), status="busy")


def hang_up_incoming(*, session: Session, call_id: str) -> None:
    """End the call: "completed" after an answer, else it was never picked up."""
    _require_enabled()
    talk_now.end_call(session=session, call_id=_call_id(call_id), status="completed")


def _call_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise ValidationFailed("No such call.", field="call_id") from exc


def _request(
    session: Session, screen: CallScreen, url: str, digits: str, base_url: str
) -> CallScreen:
    """Post to an IVR URL as Twilio would and act out the TwiML, following redirects."""
    for _ in range(MAX_REDIRECTS):
        twiml = _fetch(session, screen, url, digits, base_url)
        next_url = _act(screen, twiml)
        if not next_url:
            break
        url, digits = next_url, ""
    if screen.transfer:
        _record_transfer(session, screen)
    if screen.ended or screen.transfer:
        _end(session, screen)
    return screen


def _fetch(session: Session, screen: CallScreen, url: str, digits: str, base_url: str) -> str:
    parts = urlsplit(url)
    attempt = int(parse_qs(parts.query).get("attempt", ["0"])[0])
    params = voice.CallParams(
        call_sid=screen.call_sid,
        from_number=screen.caller,
        to_number=screen.number,
        digits=digits,
        call_status="in-progress",
    )
    if parts.path == routes.TWILIO_VOICE_MENU:
        return voice.menu_choice(session=session, call=params, attempt=attempt, base_url=base_url)
    return voice.incoming_call(session=session, call=params, attempt=attempt, base_url=base_url)


def _act(screen: CallScreen, twiml: str) -> str:
    """Play one TwiML document onto the screen; the URL to fetch next, if any."""
    screen.gather_action = screen.no_key_action = ""
    for verb in ET.fromstring(twiml):
        if verb.tag == "Say":
            screen.spoken.append(verb.text or "")
        elif verb.tag == "Gather":
            screen.spoken.extend(say.text or "" for say in verb.iter("Say"))
            screen.gather_action = verb.get("action", "")
        elif verb.tag == "Redirect":
            if screen.gather_action:  # only reached when no key is pressed
                screen.no_key_action = verb.text or ""
                return ""
            return verb.text or ""
        elif verb.tag == "Dial":
            screen.transfer = f"agent {verb.text or ''}".strip()
            return ""
        elif verb.tag == "Enqueue":
            screen.transfer = f"queue {verb.text or ''}".strip()
            return ""
        elif verb.tag == "Hangup":
            screen.ended = True
            return ""
    if not screen.gather_action:
        screen.ended = True  # Twilio hangs up at the end of a document
    return ""


def _record_transfer(session: Session, screen: CallScreen) -> None:
    row = session.exec(select(CallLog).where(CallLog.call_sid == screen.call_sid)).first()
    if row is None:
        return
    target = screen.transfer.split(" ", 1)[-1]
    now = utcnow()
    session.add(
        OutboxMessage(
            enterprise_id=row.enterprise_id,
            channel="call",
            to_address=target,
            from_address=screen.caller,
            body=f"Call {screen.call_sid} from {screen.caller} transferred to {screen.transfer}",
            status=OutboxStatus.DELIVERED,
            sent_at=now,
            created_at=now,
        )
    )


def _end(session: Session, screen: CallScreen) -> None:
    screen.ended, screen.gather_action, screen.no_key_action = True, "", ""
    voice.call_ended(
        session=session,
        call=voice.CallParams(screen.call_sid, screen.caller, screen.number, "", "completed"),
    )


def _link_path(body: str) -> str:
    found = _LINK.search(body)
    return routes.chat_path(found.group(1)) if found else ""


def _phone(raw: str, name: str) -> str:
    try:
        return normalize_phone(raw)
    except InvalidPhoneNumber as exc:
        raise InvalidPhoneNumber(exc.message, field=name) from exc


def _require_enabled() -> None:
    if not enabled():
        raise PermissionDenied("The dev phone is off: this deployment uses a real carrier.")
