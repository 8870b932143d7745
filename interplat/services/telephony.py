"""The one gateway to the carrier: Twilio in production, the dev outbox everywhere else.

Only this module imports the Twilio SDK. Services talk to an ``SmsGateway`` (texts,
line types) or a ``CallGateway`` (outbound calls) and see ``SentSms``/``PlacedCall`` or
``SmsSendError``/``CallPlaceError``, never a Twilio type.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from ..config import ConfigError, Settings, TelephonyBackend, get_settings

log = logging.getLogger(__name__)

# Twilio error codes that no retry can fix: invalid 'To', recipient sent STOP, not a mobile.
PERMANENT_CODES = frozenset({21211, 21610, 21614})
CARRIER_TIMEOUT_SECONDS = 15.0
DEV_CALL_SID_PREFIX = "CADEV"  # calls only the dev phone sees
LINE_TYPES = {
    "mobile": "mobile",
    "landline": "landline",
    "fixedVoip": "voip",
    "nonFixedVoip": "voip",
}


@dataclass(frozen=True)
class SentSms:
    """The carrier accepted a message: its id there and the status it reported."""

    provider_id: str
    status: str


class SmsSendError(Exception):
    """The carrier refused a message; ``permanent`` says whether a retry could succeed."""

    def __init__(self, message: str, *, code: str, permanent: bool) -> None:
        super().__init__(f"{code}: {message}")
        self.message = message
        self.code = code
        self.permanent = permanent


@dataclass(frozen=True)
class PlacedCall:
    """The carrier accepted an outbound call: its id there and the status it reported."""

    provider_id: str
    status: str


class CallPlaceError(Exception):
    """The carrier refused to place a call."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(f"{code}: {message}")
        self.message = message
        self.code = code


class SmsGateway(Protocol):
    def send_sms(
        self, *, to: str, from_: str, body: str, status_callback: str | None
    ) -> SentSms: ...

    def lookup_line_type(self, number: str) -> str | None: ...


class CallGateway(Protocol):
    def place_call(
        self, *, to: str, from_: str, twiml: str, status_callback: str, events: list[str]
    ) -> PlacedCall: ...


class Gateway(SmsGateway, CallGateway, Protocol):
    """Everything the platform asks of a carrier."""


def bridge_twiml(*, greeting: str, dial: str, caller_id: str) -> str:
    """What an outbound call plays once answered: a line of speech, then ``dial`` joins."""
    response = VoiceResponse()
    response.say(greeting)
    response.dial(dial, caller_id=caller_id)
    return str(response)


class DevOutboxGateway:
    """No carrier: the outbox row is the delivered message, read by the dev phone page."""

    def send_sms(self, *, to: str, from_: str, body: str, status_callback: str | None) -> SentSms:
        """Accept the message as delivered to the dev outbox."""
        return SentSms(provider_id="DEV" + uuid.uuid4().hex, status="delivered")

    def lookup_line_type(self, number: str) -> str | None:
        """Unknown: without a carrier there is nothing to ask."""
        return None

    def place_call(
        self, *, to: str, from_: str, twiml: str, status_callback: str, events: list[str]
    ) -> PlacedCall:
        """Ring the dev phone: the call log row is the call, which the dev phone page shows."""
        return PlacedCall(provider_id=DEV_CALL_SID_PREFIX + uuid.uuid4().hex, status="ringing")


class TwilioGateway:
    """Twilio's Messages API and Lookup v2, through a ``twilio.rest.Client``."""

    def __init__(self, client: Client, from_number: str) -> None:
        self.client = client
        self.from_number = from_number

    def send_sms(self, *, to: str, from_: str, body: str, status_callback: str | None) -> SentSms:
        """Create the message at Twilio, or raise ``SmsSendError`` saying if a retry may help."""
        try:
            message = self.client.messages.create(
                to=to, from_=from_ or self.from_number, body=body, status_callback=status_callback
            )
        except (TwilioRestException, TwilioServiceException) as exc:
            raise _send_error(exc) from exc
        except (TwilioException, OSError) as exc:  # requests' errors are OSErrors
            raise SmsSendError(
                str(exc) or type(exc).__name__, code="network", permanent=False
            ) from exc
        return SentSms(provider_id=str(message.sid), status=str(message.status or "queued"))

    def lookup_line_type(self, number: str) -> str | None:
        """mobile, landline or voip per Twilio's line type intelligence; ``None`` if unknown."""
        try:
            found = self.client.lookups.v2.phone_numbers(number).fetch(
                fields="line_type_intelligence"
            )
        except (TwilioException, OSError) as exc:
            log.warning("line type lookup failed for a number: %s", type(exc).__name__)
            return None
        intelligence: Any = found.line_type_intelligence  # a dict, despite the SDK's hint
        if not isinstance(intelligence, dict):
            return None
        return LINE_TYPES.get(str(intelligence.get("type") or ""))

    def place_call(
        self, *, to: str, from_: str, twiml: str, status_callback: str, events: list[str]
    ) -> PlacedCall:
        """Create the call at Twilio with inline TwiML; status reports go to the callback."""
        try:
            created = self.client.calls.create(
                to=to,
                from_=from_ or self.from_number,
                twiml=twiml,
                status_callback=status_callback,
                status_callback_event=events,
                status_callback_method="POST",
            )
        except (TwilioRestException, TwilioServiceException) as exc:
            error = _send_error(exc)
            raise CallPlaceError(error.message, code=error.code) from exc
        except (TwilioException, OSError) as exc:  # requests' errors are OSErrors
            raise CallPlaceError(str(exc) or type(exc).__name__, code="network") from exc
        return PlacedCall(provider_id=str(created.sid), status=str(created.status or "queued"))


def _send_error(exc: TwilioRestException | TwilioServiceException) -> SmsSendError:
    status = int(exc.status or 0)
    code = int(exc.code or status)
    message = exc.msg if isinstance(exc, TwilioRestException) else exc.detail or exc.title
    # Throttling and Twilio's own outages pass; any other refusal would repeat itself.
    transient = code not in PERMANENT_CODES and (status == 429 or status >= 500 or status == 0)
    return SmsSendError(str(message or "refused"), code=str(code), permanent=not transient)


_gateway: Gateway | None = None
_gateway_lock = threading.Lock()


def get_gateway(settings: Settings | None = None, http_client: HttpClient | None = None) -> Gateway:
    """The gateway the settings choose; without arguments, the process's (replaceable) one."""
    global _gateway
    if settings is not None or http_client is not None:
        return _build(settings or get_settings(), http_client)
    with _gateway_lock:
        if _gateway is None:
            _gateway = _build(get_settings(), None)
        return _gateway


def set_gateway(gateway: Gateway | None) -> None:
    """Replace the process's gateway (tests; or ``None`` to choose again from settings)."""
    global _gateway
    with _gateway_lock:
        _gateway = gateway


def _build(settings: Settings, http_client: HttpClient | None) -> Gateway:
    if settings.telephony_backend == TelephonyBackend.DEV:
        return DevOutboxGateway()
    token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token else ""
    missing = [
        name
        for name, value in (
            ("INTERPLAT_TWILIO_ACCOUNT_SID", settings.twilio_account_sid),
            ("INTERPLAT_TWILIO_AUTH_TOKEN", token),
            ("INTERPLAT_TWILIO_FROM_NUMBER", settings.twilio_from_number),
        )
        if not value
    ]
    if missing:
        raise ConfigError("The Twilio backend needs " + ", ".join(missing))
    http = http_client or TwilioHttpClient(timeout=CARRIER_TIMEOUT_SECONDS)
    client = Client(settings.twilio_account_sid, token, http_client=http)
    return TwilioGateway(client, str(settings.twilio_from_number))
