"""Twilio's webhooks, posted exactly as Twilio posts them and signed with its algorithm:
the IVR menu's TwiML for every branch, inbound SMS, status reports, and 403s."""

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from interplat.config import get_settings
from interplat.db import session_scope
from interplat.models import (
    CallLog,
    Message,
    OutboxMessage,
    OutboxStatus,
    ShortLink,
    SmsSuppression,
    Ticket,
)
from interplat.services import ivr, sms, telephony
from interplat.services.telephony import SentSms, TwilioGateway
from tests.factories import make_enterprise, rows
from tests.twilio_http import RecordingHttpClient, twilio_json

TOKEN = "twilio-webhook-token-0123456789"
PUBLIC = "https://chat.example.com"
ACCOUNT = "AC" + "0123456789abcdef" * 2
MAIN = "+14155550199"
FORWARDED = "+14155550198"
AGENT = "+14155550100"
UK_MOBILE = "+447400123456"
UK_LANDLINE = "+442079460000"
US_CALLER = "+14155550132"


@pytest.fixture(autouse=True)
def twilio_settings(monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("INTERPLAT_TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("INTERPLAT_PUBLIC_BASE_URL", PUBLIC)
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()
    telephony.set_gateway(None)


@pytest.fixture
def enterprise_id(db_url: str) -> uuid.UUID:
    with session_scope(db_url) as session:
        enterprise = make_enterprise(session, brand_name="Symphony Financial")
        ivr.add_phone_number(session=session, enterprise_id=enterprise.id, number=MAIN)
        ivr.add_phone_number(
            session=session, enterprise_id=enterprise.id, number=FORWARDED, purpose="chat"
        )
        ivr.update_ivr_settings(
            session=session, enterprise_id=enterprise.id, changes={"agent_number": AGENT}
        )
        return enterprise.id


def sign(url: str, params: dict, token: str = TOKEN) -> dict:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params)}


def call_form(caller: str = UK_MOBILE, to: str = MAIN, sid: str = "", **extra: str) -> dict:
    """A voice webhook body with the fields Twilio sends."""
    return {
        "AccountSid": ACCOUNT,
        "ApiVersion": "2010-04-01",
        "CallSid": sid or "CA" + uuid.uuid4().hex,
        "CallStatus": "in-progress",
        "Called": to,
        "Caller": caller,
        "Direction": "inbound",
        "From": caller,
        "FromCountry": "GB",
        "To": to,
        "ToCountry": "US",
        **extra,
    }


def post(api: TestClient, path_and_query: str, form: dict, *, headers: dict | None = None):
    """POST as Twilio would: form-encoded, signed over the public URL."""
    signed = sign(PUBLIC + path_and_query, form) if headers is None else headers
    return api.post(path_and_query, data=form, headers=signed)


def twiml(response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.text)
    assert root.tag == "Response"
    return root


def verbs(root: ET.Element) -> list[str]:
    return [child.tag for child in root]


def follow(url: str) -> str:
    """The path and query Twilio will request next (TwiML URLs are absolute, public)."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC
    return parts.path + (f"?{parts.query}" if parts.query else "")


def press(api: TestClient, digits: str, **form) -> ET.Element:
    call = call_form(**form)
    menu = twiml(post(api, "/api/twilio/voice", call))
    action = follow(menu.find("Gather").get("action"))
    return twiml(post(api, action, {**call, "Digits": digits}))


# --- the menu -----------------------------------------------------------------------------


def test_a_call_hears_the_branded_menu_and_is_logged(api, db_url, enterprise_id):
    call = call_form()
    root = twiml(post(api, "/api/twilio/voice", call))
    assert verbs(root) == ["Gather", "Redirect"]
    gather = root.find("Gather")
    assert gather.get("numDigits") == "1"
    assert gather.get("action") == PUBLIC + "/api/twilio/voice/menu"
    assert "Symphony Financial" in gather.find("Say").text
    assert "press 1" in gather.find("Say").text
    assert root.find("Redirect").text == PUBLIC + "/api/twilio/voice?attempt=1"
    (log,) = rows(db_url, CallLog, call_sid=call["CallSid"])
    assert (log.enterprise_id, log.from_number, log.to_number) == (enterprise_id, UK_MOBILE, MAIN)


def test_no_key_re_prompts_then_goes_to_the_agent_line(api, enterprise_id):
    call = call_form()
    root = twiml(post(api, "/api/twilio/voice", call))
    attempts = 0
    while root.find("Redirect") is not None and root.find("Gather") is not None:
        root = twiml(post(api, follow(root.find("Redirect").text), call))
        attempts += 1
    assert attempts == ivr.IvrSettings().max_retries + 1
    assert verbs(root) == ["Say", "Dial"]
    assert root.find("Dial").text == AGENT


def test_pressing_1_on_a_mobile_opens_an_ivr_ticket_and_texts_a_link(api, db_url, enterprise_id):
    root = press(api, "1", caller=UK_MOBILE, sid="CA" + "1" * 32)
    assert verbs(root) == ["Say", "Hangup"]
    assert "sent you a text message" in root.find("Say").text
    (ticket,) = rows(db_url, Ticket, enterprise_id=enterprise_id)
    assert ticket.source == "ivr"
    (sms_row,) = rows(db_url, OutboxMessage, ticket_id=ticket.id)
    assert (sms_row.to_address, sms_row.from_address) == (UK_MOBILE, MAIN)
    (link,) = rows(db_url, ShortLink, ticket_id=ticket.id)
    assert f"{PUBLIC}/c/{link.code}" in sms_row.body
    (log,) = rows(db_url, CallLog, call_sid="CA" + "1" * 32)
    assert (log.outcome, log.ticket_id, log.digits) == ("chat", ticket.id, "1")


def test_pressing_2_dials_the_agent_number(api, db_url, enterprise_id):
    root = press(api, "2")
    assert verbs(root) == ["Say", "Dial"]
    assert root.find("Dial").text == AGENT
    assert rows(db_url, Ticket) == [] and rows(db_url, OutboxMessage) == []
    assert [log.outcome for log in rows(db_url, CallLog)] == ["agent"]


def test_enqueue_mode_puts_the_caller_in_the_queue(api, db_url, enterprise_id):
    with session_scope(db_url) as session:
        ivr.update_ivr_settings(
            session=session,
            enterprise_id=enterprise_id,
            changes={"agent_mode": "enqueue", "queue_name": "box-office"},
        )
    root = press(api, "2")
    assert verbs(root) == ["Say", "Enqueue"]
    assert root.find("Enqueue").text == "box-office"


def test_without_an_agent_number_the_caller_hears_an_apology(api, db_url, enterprise_id):
    with session_scope(db_url) as session:
        ivr.update_ivr_settings(
            session=session, enterprise_id=enterprise_id, changes={"agent_number": ""}
        )
    root = press(api, "2")
    assert verbs(root) == ["Say", "Hangup"]
    assert "call again later" in root.find("Say").text


def test_a_landline_goes_to_the_agent_line_without_a_ticket(api, db_url, enterprise_id):
    root = press(api, "1", caller=UK_LANDLINE)
    assert verbs(root) == ["Say", "Dial"]
    assert rows(db_url, Ticket) == [] and rows(db_url, OutboxMessage) == []


def test_an_opted_out_caller_goes_to_the_agent_line(api, db_url, enterprise_id):
    with session_scope(db_url) as session:
        sms.suppress(session=session, enterprise_id=enterprise_id, phone=UK_MOBILE)
    root = press(api, "1", caller=UK_MOBILE)
    assert verbs(root) == ["Say", "Dial"]
    assert rows(db_url, Ticket) == [] and rows(db_url, OutboxMessage) == []


def test_a_withheld_caller_id_goes_to_the_agent_line(api, db_url, enterprise_id):
    root = press(api, "1", caller="anonymous")
    assert verbs(root) == ["Say", "Dial"]
    assert rows(db_url, Ticket) == []


@pytest.mark.parametrize("policy,expected", [("allow_unknown", "Hangup"), ("deny_unknown", "Dial")])
def test_unknown_line_types_follow_the_enterprise_policy(
    api, db_url, enterprise_id, policy, expected
):
    with session_scope(db_url) as session:
        ivr.update_ivr_settings(
            session=session, enterprise_id=enterprise_id, changes={"line_type_policy": policy}
        )
    root = press(api, "1", caller=US_CALLER)  # US numbers: only the carrier can tell
    assert verbs(root)[-1] == expected


@pytest.mark.parametrize("line_type,expected", [("mobile", "Hangup"), ("landline", "Dial")])
def test_us_callers_are_looked_up_at_twilio(api, db_url, enterprise_id, line_type, expected):
    http = RecordingHttpClient(
        twilio_json(
            200,
            {
                "phone_number": US_CALLER,
                "line_type_intelligence": {"type": line_type, "error_code": None},
                "url": f"https://lookups.twilio.com/v2/PhoneNumbers/{US_CALLER}",
            },
        )
    )
    from twilio.rest import Client

    telephony.set_gateway(TwilioGateway(Client(ACCOUNT, TOKEN, http_client=http), MAIN))
    root = press(api, "1", caller=US_CALLER)
    assert verbs(root)[-1] == expected
    (request,) = http.requests
    assert request["method"] == "GET"
    assert request["url"] == f"https://lookups.twilio.com/v2/PhoneNumbers/{US_CALLER}"
    assert request["params"] == {"Fields": "line_type_intelligence"}


def test_another_key_re_prompts_with_the_attempt_counted(api, enterprise_id):
    root = press(api, "9")
    assert verbs(root) == ["Say", "Redirect"]
    assert "not an option" in root.find("Say").text
    assert root.find("Redirect").text == PUBLIC + "/api/twilio/voice?attempt=1"


def test_a_repeat_call_reuses_the_open_ticket_and_sends_no_second_sms(api, db_url, enterprise_id):
    press(api, "1", caller=UK_MOBILE)
    again = press(api, "1", caller=UK_MOBILE)
    assert verbs(again) == ["Say", "Hangup"]
    assert len(rows(db_url, Ticket)) == 1
    assert len(rows(db_url, OutboxMessage)) == 1
    assert len(rows(db_url, CallLog)) == 2


def test_a_forwarded_chat_number_skips_the_menu(api, db_url, enterprise_id):
    root = twiml(post(api, "/api/twilio/voice", call_form(caller=UK_MOBILE, to=FORWARDED)))
    assert verbs(root) == ["Say", "Hangup"]
    (sms_row,) = rows(db_url, OutboxMessage)
    assert (sms_row.to_address, sms_row.from_address) == (UK_MOBILE, FORWARDED)


def test_a_number_no_enterprise_answers_is_not_in_service(api, db_url, enterprise_id):
    root = twiml(post(api, "/api/twilio/voice", call_form(to="+14155550111")))
    assert verbs(root) == ["Say", "Hangup"]
    assert "not in service" in root.find("Say").text
    assert rows(db_url, CallLog) == []


def test_the_call_status_callback_records_the_end(api, db_url, enterprise_id):
    call = call_form()
    post(api, "/api/twilio/voice", call)
    done = {**call, "CallStatus": "completed", "CallDuration": "12"}
    assert post(api, "/api/twilio/voice/status", done).status_code == 204
    assert post(api, "/api/twilio/voice/status", done).status_code == 204  # a retry
    (log,) = rows(db_url, CallLog)
    assert (log.status, log.outcome) == ("completed", "hangup")
    assert log.ended_at is not None


def test_prompts_are_per_enterprise_settings(api, db_url, enterprise_id):
    with session_scope(db_url) as session:
        ivr.update_ivr_settings(
            session=session,
            enterprise_id=enterprise_id,
            changes={"greeting": "Hola {brand}. Pulse 1 para chatear.", "language": "es-ES"},
        )
    root = twiml(post(api, "/api/twilio/voice", call_form()))
    say = root.find("Gather").find("Say")
    assert say.text == "Hola Symphony Financial. Pulse 1 para chatear."
    assert say.get("language") == "es-ES"


# --- signatures ---------------------------------------------------------------------------


WEBHOOKS = [
    "/api/twilio/voice",
    "/api/twilio/voice/menu",
    "/api/twilio/voice/status",
    "/api/twilio/voice/talk-status",
    "/api/twilio/sms",
    "/api/twilio/sms/status",
]


@pytest.mark.parametrize("path", WEBHOOKS)
def test_unsigned_or_mis_signed_requests_get_403_and_change_nothing(
    api, db_url, enterprise_id, path
):
    form = {**call_form(), "Digits": "1", "Body": "STOP", "MessageSid": "SM" + "0" * 32}
    for headers in (
        {},
        sign(PUBLIC + path, form, token="not-the-token"),
        sign("http://testserver" + path, form),  # what the app sees behind a proxy
        sign(PUBLIC + path, {**form, "From": UK_LANDLINE}),  # the form was altered
    ):
        response = post(api, path, form, headers=headers)
        assert response.status_code == 403, (path, headers)
        assert response.json()["error"]["code"] == "forbidden"
    assert rows(db_url, CallLog) == [] and rows(db_url, SmsSuppression) == []


def test_webhooks_are_refused_when_no_auth_token_is_configured(api, monkeypatch, enterprise_id):
    monkeypatch.delenv("INTERPLAT_TWILIO_AUTH_TOKEN")
    get_settings.cache_clear()
    response = post(api, "/api/twilio/voice", call_form())
    assert response.status_code == 403


def test_the_signature_covers_the_query_string(api, enterprise_id):
    call = call_form()
    headers = sign(PUBLIC + "/api/twilio/voice?attempt=1", call)
    assert api.post("/api/twilio/voice?attempt=1", data=call, headers=headers).status_code == 200
    assert api.post("/api/twilio/voice?attempt=3", data=call, headers=headers).status_code == 403


# --- SMS ----------------------------------------------------------------------------------


def sms_form(body: str, caller: str = UK_MOBILE, to: str = MAIN, sid: str = "") -> dict:
    return {
        "AccountSid": ACCOUNT,
        "ApiVersion": "2010-04-01",
        "Body": body,
        "From": caller,
        "MessageSid": sid or "SM" + uuid.uuid4().hex,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsMessageSid": sid or "SM" + uuid.uuid4().hex,
        "SmsStatus": "received",
        "To": to,
    }


def test_stop_suppresses_and_replies(api, db_url, enterprise_id):
    root = twiml(post(api, "/api/twilio/sms", sms_form("STOP")))
    assert "unsubscribed" in root.find("Message").text
    (row,) = rows(db_url, SmsSuppression)
    assert (row.enterprise_id, row.phone) == (enterprise_id, UK_MOBILE)
    # ... and the IVR now sends this caller to the agent line.
    assert verbs(press(api, "1", caller=UK_MOBILE)) == ["Say", "Dial"]


def test_a_text_joins_the_callers_open_ticket(api, db_url, enterprise_id):
    press(api, "1", caller=UK_MOBILE)
    root = twiml(post(api, "/api/twilio/sms", sms_form("Is my card blocked?")))
    assert list(root) == []  # no auto-reply to a conversation message
    (ticket,) = rows(db_url, Ticket)
    bodies = [m.body for m in rows(db_url, Message, ticket_id=ticket.id)]
    assert "Is my card blocked?" in bodies


def test_a_text_to_an_unknown_number_is_ignored(api, db_url, enterprise_id):
    root = twiml(post(api, "/api/twilio/sms", sms_form("hello", to="+14155550111")))
    assert list(root) == []
    assert rows(db_url, Ticket) == []


def test_a_report_that_overtakes_the_send_result_is_kept(db_url, enterprise_id, api):
    """Twilio can post "delivered" before its create-message answer is recorded."""
    with session_scope(db_url) as session:
        queued = sms.queue_sms(
            session=session, enterprise_id=enterprise_id, to=UK_MOBILE, body="Hi"
        )
        outbox_id = queued.id
    sid = "SM" + "a" * 32

    class ReportsFirst:
        """Delivers the status callback while the send is still in flight."""

        def send_sms(self, *, to, from_, body, status_callback):
            path = follow(status_callback)
            assert parse_qs(urlsplit(path).query)["outbox"] == [str(outbox_id)]
            report = {"AccountSid": ACCOUNT, "MessageSid": sid, "MessageStatus": "delivered"}
            assert post(api, path, report).status_code == 204
            return SentSms(provider_id=sid, status="queued")

        def lookup_line_type(self, number):
            return None

    with session_scope(db_url) as session:
        sent = sms.deliver_due(
            session=session,
            gateway=ReportsFirst(),
            from_number=MAIN,
            status_callback=PUBLIC + "/api/twilio/sms/status",
        )
    assert sent == 1
    (row,) = rows(db_url, OutboxMessage)
    assert (row.status, row.provider_id) == (OutboxStatus.DELIVERED, sid)


def test_status_reports_move_the_message_forward_only(api, db_url, enterprise_id):
    with session_scope(db_url) as session:
        row = sms.queue_sms(session=session, enterprise_id=enterprise_id, to=UK_MOBILE, body="Hi")
        row.status, row.provider_id = OutboxStatus.SENT, "SM" + "b" * 32
        session.add(row)
        outbox_id = row.id
    path = f"/api/twilio/sms/status?outbox={outbox_id}"
    for status in ("delivered", "sent", "queued"):
        report = {"AccountSid": ACCOUNT, "MessageSid": "SM" + "b" * 32, "MessageStatus": status}
        assert post(api, path, report).status_code == 204
    (row,) = rows(db_url, OutboxMessage)
    assert row.status == OutboxStatus.DELIVERED
    # A report naming another message's sid changes nothing.
    report = {"AccountSid": ACCOUNT, "MessageSid": "SM" + "c" * 32, "MessageStatus": "failed"}
    assert post(api, path, report).status_code == 204
    assert rows(db_url, OutboxMessage)[0].status == OutboxStatus.DELIVERED


def test_the_csr_sees_whether_the_link_was_delivered(api, db_url, enterprise_id):
    from interplat.services import auth
    from tests.factories import PASSWORD, make_user

    press(api, "1", caller=UK_MOBILE)
    with session_scope(db_url) as session:
        from interplat.models import Enterprise

        make_user(session, session.get(Enterprise, enterprise_id), email="csr-sms@example.com")
        token = auth.log_in(
            session=session, email="csr-sms@example.com", password=PASSWORD, ttl_hours=1
        ).token
    headers = {"Authorization": f"Bearer {token}"}
    (ticket,) = rows(db_url, Ticket)
    (queued,) = api.get(f"/api/v1/tickets/{ticket.id}/sms", headers=headers).json()
    assert (queued["to"], queued["status"]) == (UK_MOBILE, "queued")

    sid = "SM" + "d" * 32

    class Twilio:
        def send_sms(self, *, to, from_, body, status_callback):
            return SentSms(provider_id=sid, status="queued")

        def lookup_line_type(self, number):
            return None

    with session_scope(db_url) as session:
        sms.deliver_due(
            session=session,
            gateway=Twilio(),
            from_number=MAIN,
            status_callback=PUBLIC + "/api/twilio/sms/status",
        )
    report = {"AccountSid": ACCOUNT, "MessageSid": sid, "MessageStatus": "undelivered"}
    report["ErrorCode"] = "30003"
    path = f"/api/twilio/sms/status?outbox={queued['id']}"
    assert post(api, path, report).status_code == 204
    (after,) = api.get(f"/api/v1/tickets/{ticket.id}/sms", headers=headers).json()
    assert (after["status"], after["error"].split(":")[0]) == ("undelivered", "30003")


# --- "talk now" calls ---------------------------------------------------------------------


def call_created(sid: str) -> object:
    return twilio_json(
        201,
        {
            "account_sid": ACCOUNT,
            "sid": sid,
            "status": "queued",
            "to": UK_MOBILE,
            "from": MAIN,
            "direction": "outbound-api",
            "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Calls/{sid}.json",
        },
    )


def talk_form(sid: str, status: str, sequence: int, **extra: str) -> dict:
    """A call progress report as Twilio posts it for an outbound API call."""
    return {
        "AccountSid": ACCOUNT,
        "ApiVersion": "2010-04-01",
        "CallSid": sid,
        "CallStatus": status,
        "CallbackSource": "call-progress-events",
        "Called": UK_MOBILE,
        "Caller": MAIN,
        "Direction": "outbound-api",
        "From": MAIN,
        "SequenceNumber": str(sequence),
        "Timestamp": "Mon, 02 Mar 2026 15:00:00 +0000",
        "To": UK_MOBILE,
        **extra,
    }


@pytest.fixture
def talk_call(db_url, enterprise_id):
    """Priya calls the customer of her ticket through Twilio; the callback URL it gave."""
    from twilio.rest import Client

    from interplat.models import Enterprise
    from interplat.services import talk_now, tickets
    from interplat.services.auth import Principal
    from tests.factories import make_customer, make_ticket, make_user

    sid = "CA" + "e" * 32
    http = RecordingHttpClient(call_created(sid))
    with session_scope(db_url) as session:
        enterprise = session.get(Enterprise, enterprise_id)
        priya = make_user(session, enterprise, full_name="Priya Shah")
        priya.phone = "+14155550126"
        ticket = make_ticket(
            session, enterprise, make_customer(session, enterprise, phone=UK_MOBILE)
        )
        tickets.assign_ticket(session=session, ticket=ticket, user_id=priya.id)
        started = talk_now.start_call(
            session=session,
            principal=Principal(priya.id, enterprise_id, "csr", priya.full_name, "", ""),
            ticket_id=ticket.id,
            gateway=TwilioGateway(Client(ACCOUNT, TOKEN, http_client=http), MAIN),
        )
    (request,) = http.requests
    return sid, follow(request["data"]["StatusCallback"]), started.call_id, ticket.id


def bodies(db_url, ticket_id) -> list[str]:
    found = rows(db_url, Message, ticket_id=ticket_id)
    return [m.body for m in sorted(found, key=lambda m: (m.created_at, str(m.id)))]


def test_talk_now_progress_and_end_are_recorded_once(api, db_url, talk_call):
    sid, callback, call_id, ticket_id = talk_call
    assert callback == f"/api/twilio/voice/talk-status?call={call_id}"
    for n, status in enumerate(("initiated", "ringing", "in-progress")):
        assert post(api, callback, talk_form(sid, status, n)).status_code == 204
    (log,) = rows(db_url, CallLog, id=call_id)
    assert (log.status, log.ended_at) == ("in-progress", None) and log.answered_at is not None
    done = talk_form(sid, "completed", 3, CallDuration="192", Duration="4")
    assert post(api, callback, done).status_code == 204
    assert post(api, callback, done).status_code == 204  # Twilio retries
    assert bodies(db_url, ticket_id)[-2:] == ["Call started by Priya", "Call ended (3m 12s)"]
    (log,) = rows(db_url, CallLog, id=call_id)
    assert (log.status, log.duration_seconds, log.outcome) == ("completed", 192, "talked")


def test_talk_now_no_answer_is_said_in_the_thread(api, db_url, talk_call):
    sid, callback, _, ticket_id = talk_call
    assert post(api, callback, talk_form(sid, "no-answer", 1)).status_code == 204
    assert bodies(db_url, ticket_id)[-1] == "Customer did not answer"


def test_talk_now_reports_are_signed_over_the_call_id(api, db_url, talk_call):
    sid, callback, _, ticket_id = talk_call
    form = talk_form(sid, "completed", 1, CallDuration="10")
    forged = callback.split("=")[0] + "=" + str(uuid.uuid4())
    response = api.post(forged, data=form, headers=sign(PUBLIC + callback, form))
    assert response.status_code == 403
    assert bodies(db_url, ticket_id)[-1] == "Call started by Priya"
