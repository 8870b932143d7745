"""The carrier gateway, through the real Twilio SDK with a recording HTTP client."""

import re
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
import requests
from pydantic import SecretStr
from twilio.http.response import Response
from twilio.rest import Client

from interplat.config import ConfigError, Settings
from interplat.services import telephony
from interplat.services.telephony import (
    DevOutboxGateway,
    SentSms,
    SmsSendError,
    TwilioGateway,
)
from tests.twilio_http import RecordingHttpClient, twilio_json

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "twilio-test-token-0123456789"
SENDER = "+14155550100"
CUSTOMER = "+14155552671"
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
LOOKUP_URL = f"https://lookups.twilio.com/v2/PhoneNumbers/{CUSTOMER}"


def message_created(sid: str = "SM" + "f" * 32) -> Response:
    return twilio_json(
        201,
        {
            "account_sid": SID,
            "sid": sid,
            "status": "queued",
            "to": CUSTOMER,
            "from": SENDER,
            "body": "Your chat link",
            "num_segments": "1",
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "price": None,
            "uri": f"/2010-04-01/Accounts/{SID}/Messages/{sid}.json",
        },
    )


def twilio_error(status: int, code: int, message: str) -> Response:
    return twilio_json(
        status,
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
    )


def line_type_found(kind: str | None) -> Response:
    return twilio_json(
        200,
        {
            "calling_country_code": "1",
            "country_code": "US",
            "phone_number": CUSTOMER,
            "national_format": "(415) 555-2671",
            "valid": True,
            "validation_errors": [],
            "caller_name": None,
            "line_type_intelligence": {
                "carrier_name": "Example Wireless",
                "error_code": None,
                "mobile_country_code": "310",
                "mobile_network_code": "456",
                "type": kind,
            },
            "url": LOOKUP_URL,
        },
    )


def gateway_with(*answers: Response | Exception) -> tuple[TwilioGateway, RecordingHttpClient]:
    http = RecordingHttpClient(*answers)
    return TwilioGateway(Client(SID, TOKEN, http_client=http), SENDER), http


@pytest.fixture(autouse=True)
def fresh_gateway() -> Iterator[None]:
    telephony.set_gateway(None)
    yield
    telephony.set_gateway(None)


def test_send_posts_the_message_form_to_twilio_and_returns_its_sid():
    gateway, http = gateway_with(message_created("SM" + "a" * 32))
    sent = gateway.send_sms(
        to=CUSTOMER, from_=SENDER, body="Your chat link", status_callback="https://ip.example/sms"
    )
    assert sent == SentSms(provider_id="SM" + "a" * 32, status="queued")
    assert http.requests == [
        {
            "method": "POST",
            "url": MESSAGES_URL,
            "params": None,
            "data": {
                "To": CUSTOMER,
                "From": SENDER,
                "Body": "Your chat link",
                "StatusCallback": "https://ip.example/sms",
            },
            "auth": (SID, TOKEN),
        }
    ]


def test_send_without_a_callback_or_sender_omits_the_callback_and_uses_the_default_sender():
    gateway, http = gateway_with(message_created())
    gateway.send_sms(to=CUSTOMER, from_="", body="Hi", status_callback=None)
    assert http.requests[0]["data"] == {"To": CUSTOMER, "From": SENDER, "Body": "Hi"}


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (21211, "The 'To' number +1415555 is not a valid phone number."),
        (21610, "Attempt to send to unsubscribed recipient"),
        (21614, "'To' number is not a valid mobile number"),
    ],
)
def test_refusals_no_retry_can_fix_are_permanent(code, text):
    gateway, _ = gateway_with(twilio_error(400, code, text))
    with pytest.raises(SmsSendError) as caught:
        gateway.send_sms(to=CUSTOMER, from_=SENDER, body="Hi", status_callback=None)
    assert (caught.value.code, caught.value.permanent) == (str(code), True)
    assert text in caught.value.message


def test_throttling_is_transient():
    gateway, _ = gateway_with(twilio_error(429, 20429, "Too Many Requests"))
    with pytest.raises(SmsSendError) as caught:
        gateway.send_sms(to=CUSTOMER, from_=SENDER, body="Hi", status_callback=None)
    assert (caught.value.code, caught.value.permanent) == ("20429", False)


def test_twilio_outages_are_transient_even_without_a_json_body():
    gateway, _ = gateway_with(Response(500, "<html>Internal Server Error</html>"))
    with pytest.raises(SmsSendError) as caught:
        gateway.send_sms(to=CUSTOMER, from_=SENDER, body="Hi", status_callback=None)
    assert (caught.value.code, caught.value.permanent) == ("500", False)


def test_network_errors_are_transient():
    gateway, _ = gateway_with(requests.ConnectionError("connection refused"))
    with pytest.raises(SmsSendError) as caught:
        gateway.send_sms(to=CUSTOMER, from_=SENDER, body="Hi", status_callback=None)
    assert (caught.value.code, caught.value.permanent) == ("network", False)
    assert "connection refused" in caught.value.message


def test_other_client_errors_are_permanent():
    gateway, _ = gateway_with(twilio_error(400, 21606, "The 'From' number is not valid"))
    with pytest.raises(SmsSendError) as caught:
        gateway.send_sms(to=CUSTOMER, from_=SENDER, body="Hi", status_callback=None)
    assert (caught.value.code, caught.value.permanent) == ("21606", True)


@pytest.mark.parametrize(
    ("twilio_type", "expected"),
    [
        ("mobile", "mobile"),
        ("landline", "landline"),
        ("fixedVoip", "voip"),
        ("nonFixedVoip", "voip"),
        ("tollFree", None),
        ("pager", None),
        (None, None),
    ],
)
def test_lookup_maps_line_type_intelligence(twilio_type, expected):
    gateway, http = gateway_with(line_type_found(twilio_type))
    assert gateway.lookup_line_type(CUSTOMER) == expected
    assert http.requests == [
        {
            "method": "GET",
            "url": LOOKUP_URL,
            "params": {"Fields": "line_type_intelligence"},
            "data": None,
            "auth": (SID, TOKEN),
        }
    ]
    sent = http.requests[0]
    assert f"{sent['url']}?{urlencode(sent['params'])}" == (
        "https://lookups.twilio.com/v2/PhoneNumbers/+14155552671?Fields=line_type_intelligence"
    )


@pytest.mark.parametrize(
    "answer",
    [
        twilio_error(404, 20404, "The requested resource was not found"),
        twilio_error(429, 20429, "Too Many Requests"),
        requests.Timeout("read timed out"),
    ],
)
def test_lookup_errors_mean_unknown(answer):
    gateway, http = gateway_with(answer)
    assert gateway.lookup_line_type(CUSTOMER) is None
    assert len(http.requests) == 1


def test_dev_outbox_delivers_at_once_with_a_fresh_id_and_knows_no_line_types():
    gateway = DevOutboxGateway()
    first = gateway.send_sms(to=CUSTOMER, from_=SENDER, body="Hi", status_callback=None)
    second = gateway.send_sms(to=CUSTOMER, from_=SENDER, body="Hi", status_callback=None)
    assert re.fullmatch(r"DEV[0-9a-f]{32}", first.provider_id)
    assert first.status == "delivered" and first.provider_id != second.provider_id
    assert gateway.lookup_line_type(CUSTOMER) is None


def twilio_settings(**overrides) -> Settings:
    values = {
        "telephony_backend": "twilio",
        "twilio_account_sid": SID,
        "twilio_auth_token": SecretStr(TOKEN),
        "twilio_from_number": SENDER,
    }
    values.update(overrides)
    return Settings(**values)


def test_settings_choose_the_dev_outbox():
    assert isinstance(telephony.get_gateway(Settings(telephony_backend="dev")), DevOutboxGateway)


def test_settings_choose_twilio_with_their_credentials_and_sender():
    http = RecordingHttpClient(message_created())
    gateway = telephony.get_gateway(twilio_settings(), http_client=http)
    assert isinstance(gateway, TwilioGateway)
    gateway.send_sms(to=CUSTOMER, from_="", body="Hi", status_callback=None)
    request = http.requests[0]
    assert (request["url"], request["auth"], request["data"]["From"]) == (
        MESSAGES_URL,
        (SID, TOKEN),
        SENDER,
    )


def test_twilio_without_credentials_names_the_missing_variables():
    with pytest.raises(ConfigError) as caught:
        telephony.get_gateway(twilio_settings(twilio_auth_token=None, twilio_from_number=None))
    assert "INTERPLAT_TWILIO_AUTH_TOKEN" in str(caught.value)
    assert "INTERPLAT_TWILIO_FROM_NUMBER" in str(caught.value)
    assert "INTERPLAT_TWILIO_ACCOUNT_SID" not in str(caught.value)


def test_set_gateway_replaces_the_process_gateway_until_reset():
    default = telephony.get_gateway()
    assert isinstance(default, DevOutboxGateway)  # tests run with the dev backend
    assert telephony.get_gateway() is default
    replacement, _ = gateway_with()
    telephony.set_gateway(replacement)
    assert telephony.get_gateway() is replacement
    telephony.set_gateway(None)
    assert telephony.get_gateway() is not replacement
