"""Talk now: who may call, what the thread records, how the call ends (once), and the
exact request the real Twilio SDK sends for it."""

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import select
from twilio.http.response import Response
from twilio.rest import Client

from interplat.config import get_settings
from interplat.models import (
    CallLog,
    Customer,
    Message,
    Ticket,
    TicketStatus,
    User,
    utcnow,
)
from interplat.services import ivr, talk_now, telephony, tickets
from interplat.services.auth import Principal
from interplat.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from interplat.services.talk_now import CallFailed, PhoneMissing
from interplat.services.telephony import DevOutboxGateway, TwilioGateway
from tests.factories import make_customer, make_enterprise, make_ticket, make_user
from tests.twilio_http import RecordingHttpClient, twilio_json

BASE = "https://chat.example.com"
MAIN = "+12125550199"
PRIYA_PHONE = "+14155550111"
MAX_PHONE = "+14155550112"
CUSTOMER_PHONE = "+14155550142"
SID = "AC" + "0123456789abcdef" * 2
TOKEN = "twilio-test-token-0123456789"
CALLS_URL = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Calls.json"
T0 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


def principal_of(user: User) -> Principal:
    return Principal(user.id, user.enterprise_id, user.role, user.full_name, user.email, "")


def with_phone(session, user: User, phone: str | None) -> User:
    user.phone = phone
    session.add(user)
    session.flush()
    return user


@pytest.fixture
def enterprise(session):
    enterprise = make_enterprise(session, brand_name="Ticket4Me")
    ivr.add_phone_number(session=session, enterprise_id=enterprise.id, number=MAIN)
    return enterprise


@pytest.fixture
def priya(session, enterprise) -> User:
    return with_phone(session, make_user(session, enterprise, full_name="Priya Shah"), PRIYA_PHONE)


@pytest.fixture
def ticket(session, enterprise, priya) -> Ticket:
    customer = make_customer(session, enterprise, phone=CUSTOMER_PHONE, first_name="Leo")
    ticket = make_ticket(session, enterprise, customer)
    tickets.assign_ticket(session=session, ticket=ticket, user_id=priya.id)
    session.commit()
    return ticket


@pytest.fixture(autouse=True)
def dev_gateway() -> Iterator[None]:
    telephony.set_gateway(DevOutboxGateway())
    yield
    telephony.set_gateway(None)


def start(session, user: User, ticket: Ticket, **kw) -> talk_now.CallStarted:
    return talk_now.start_call(
        session=session, principal=principal_of(user), ticket_id=ticket.id, base_url=BASE, **kw
    )


def thread(session, ticket: Ticket) -> list[tuple[str, str, str]]:
    rows = session.exec(
        select(Message)
        .where(Message.ticket_id == ticket.id)
        .order_by(Message.created_at, Message.id)  # type: ignore[arg-type]
    ).all()
    return [(m.sender_kind, m.kind, m.body) for m in rows]


def call_row(session, call_id: uuid.UUID) -> CallLog:
    return session.get(CallLog, call_id, populate_existing=True)


# --- starting ----------------------------------------------------------------------------


def test_the_assigned_csr_starts_a_call_and_the_thread_records_it(
    session, enterprise, priya, ticket, bus
):
    started = start(session, priya, ticket, now=T0)
    assert (started.ticket_id, started.status) == (ticket.id, "ringing")
    assert (started.customer_phone, started.csr_phone, started.from_number) == (
        CUSTOMER_PHONE,
        PRIYA_PHONE,
        MAIN,
    )
    row = call_row(session, started.call_id)
    assert (row.direction, row.purpose, row.status) == ("outbound", "talk_now", "ringing")
    assert (row.from_number, row.to_number, row.ticket_id, row.user_id) == (
        MAIN,
        CUSTOMER_PHONE,
        ticket.id,
        priya.id,
    )
    assert row.call_sid.startswith("CADEV") and row.ended_at is None
    assert thread(session, ticket)[-1] == ("system", "system", "Call started by Priya")
    # Published once committed: the new message and the call's state, for the button.
    assert bus.kinds()[-2:] == ["message.created", "call.status"]
    live = talk_now.active_call(session=session, principal=principal_of(priya), ticket_id=ticket.id)
    assert live is not None and (live.call_id, live.status) == (started.call_id, "ringing")


def test_another_csr_of_the_enterprise_is_refused(session, enterprise, ticket):
    max_ = with_phone(session, make_user(session, enterprise, full_name="Max Weber"), MAX_PHONE)
    owner = with_phone(session, make_user(session, enterprise, role="owner"), "+14155550113")
    for user in (max_, owner):
        with pytest.raises(PermissionDenied) as error:
            start(session, user, ticket)
        assert error.value.message == (
            "Only the representative handling this ticket can call the customer."
        )
    assert session.exec(select(CallLog)).all() == []
    assert ("system", "system", "Call started by Max") not in thread(session, ticket)


def test_an_api_token_cannot_start_a_call(session, enterprise, ticket):
    back_office = Principal(None, enterprise.id, "api", "IVR", "", "")
    with pytest.raises(PermissionDenied) as error:
        talk_now.start_call(session=session, principal=back_office, ticket_id=ticket.id)
    assert "signed-in representative" in error.value.message


def test_an_unassigned_ticket_cannot_be_called(session, enterprise, priya):
    waiting = make_ticket(session, enterprise)
    with pytest.raises(Conflict) as error:
        start(session, priya, waiting)
    assert error.value.message == "Pick up this ticket before calling the customer."
    assert session.exec(select(CallLog)).all() == []


@pytest.mark.parametrize("outcome", [TicketStatus.RESOLVED, TicketStatus.ABANDONED])
def test_a_closed_ticket_cannot_be_called(session, priya, ticket, outcome):
    tickets.end_ticket(session=session, ticket=ticket, outcome=outcome, actor_user_id=priya.id)
    with pytest.raises(Conflict) as error:
        start(session, priya, ticket)
    assert "closed" in error.value.message
    assert session.exec(select(CallLog)).all() == []


def test_a_customer_without_a_phone_cannot_be_called(session, enterprise, priya):
    customer = Customer(enterprise_id=enterprise.id, email="web@example.com")
    session.add(customer)
    session.flush()
    web_only = make_ticket(session, enterprise, customer)
    tickets.assign_ticket(session=session, ticket=web_only, user_id=priya.id)
    with pytest.raises(PhoneMissing) as error:
        start(session, priya, web_only)
    assert (error.value.field, error.value.http_status) == ("customer", 409)


def test_a_csr_without_a_phone_is_told_to_add_one(session, priya, ticket):
    with_phone(session, priya, None)
    with pytest.raises(PhoneMissing) as error:
        start(session, priya, ticket)
    assert error.value.field == "phone" and "no phone number" in error.value.message


def test_an_enterprise_without_a_number_uses_the_deployment_sender_or_refuses(
    session, enterprise, priya, ticket, monkeypatch
):
    (number,) = ivr.list_phone_numbers(session=session, enterprise_id=enterprise.id)
    ivr.remove_phone_number(session=session, enterprise_id=enterprise.id, number_id=number.id)
    monkeypatch.delenv("INTERPLAT_TWILIO_FROM_NUMBER", raising=False)
    get_settings.cache_clear()
    try:
        with pytest.raises(PhoneMissing) as error:
            start(session, priya, ticket)
        assert error.value.field == "from"
        monkeypatch.setenv("INTERPLAT_TWILIO_FROM_NUMBER", "+14155550100")
        get_settings.cache_clear()
        assert start(session, priya, ticket).from_number == "+14155550100"
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_the_enterprise_ivr_line_is_the_caller_id(session, enterprise, priya, ticket):
    ivr.add_phone_number(
        session=session, enterprise_id=enterprise.id, number="+12125550100", purpose="chat"
    )
    assert start(session, priya, ticket).from_number == MAIN


def test_no_second_call_while_one_is_live(session, priya, ticket):
    first = start(session, priya, ticket)
    with pytest.raises(Conflict) as error:
        start(session, priya, ticket)
    assert error.value.message == "A call with this customer is already in progress."
    talk_now.end_call(session=session, call_id=first.call_id, status="no-answer")
    second = start(session, priya, ticket)  # once it ended, the CSR may call again
    assert second.call_id != first.call_id
    assert len(session.exec(select(CallLog)).all()) == 2


def test_the_database_itself_refuses_two_live_calls_on_a_ticket(session, enterprise, ticket):
    def live(sid: str) -> CallLog:
        return CallLog(
            enterprise_id=enterprise.id,
            call_sid=sid,
            direction="outbound",
            purpose="talk_now",
            from_number=MAIN,
            to_number=CUSTOMER_PHONE,
            ticket_id=ticket.id,
        )

    session.add(live("CA1"))
    session.commit()
    session.add(live("CA2"))
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()
    session.rollback()


def test_a_csr_of_another_enterprise_sees_nothing(session, ticket):
    other = make_enterprise(session)
    stranger = with_phone(session, make_user(session, other), MAX_PHONE)
    with pytest.raises(NotFound):
        start(session, stranger, ticket)
    with pytest.raises(NotFound):
        talk_now.active_call(session=session, principal=principal_of(stranger), ticket_id=ticket.id)
    assert session.exec(select(CallLog)).all() == []


# --- ending ------------------------------------------------------------------------------


def test_an_answered_call_ends_with_its_duration_once(session, priya, ticket, bus):
    started = start(session, priya, ticket, now=T0)
    assert talk_now.answer_call(session=session, call_id=started.call_id, now=T0)
    assert not talk_now.answer_call(session=session, call_id=started.call_id)  # a repeat
    end = T0 + dt.timedelta(minutes=3, seconds=12)
    assert talk_now.end_call(session=session, call_id=started.call_id, status="completed", now=end)
    session.commit()
    assert thread(session, ticket)[-1] == ("system", "system", "Call ended (3m 12s)")
    before = len(thread(session, ticket))
    published = len(bus.delivered)
    assert not talk_now.end_call(session=session, call_id=started.call_id, status="completed")
    assert not talk_now.end_call(session=session, call_id=started.call_id, status="failed")
    session.commit()
    assert len(thread(session, ticket)) == before and len(bus.delivered) == published
    row = call_row(session, started.call_id)
    assert (row.status, row.outcome, row.duration_seconds) == ("completed", "talked", 192)
    assert (row.answered_at, row.ended_at) == (T0, end)
    assert (
        talk_now.active_call(session=session, principal=principal_of(priya), ticket_id=ticket.id)
        is None
    )


@pytest.mark.parametrize(
    "status,said",
    [
        ("busy", "Customer did not answer"),
        ("no-answer", "Customer did not answer"),
        ("canceled", "Customer did not answer"),
        ("completed", "Customer did not answer"),  # hung up before anyone answered
        ("failed", "The call could not be connected"),
    ],
)
def test_an_unanswered_call_says_so(session, priya, ticket, status, said):
    started = start(session, priya, ticket)
    assert talk_now.end_call(session=session, call_id=started.call_id, status=status)
    assert thread(session, ticket)[-2:] == [
        ("system", "system", "Call started by Priya"),
        ("system", "system", said),
    ]
    assert call_row(session, started.call_id).duration_seconds is None


def test_status_reports_apply_in_order_and_tolerate_repeats(session, priya, ticket):
    started = start(session, priya, ticket, now=T0)
    sid = call_row(session, started.call_id).call_sid

    def report(status: str, **kw) -> None:
        talk_now.call_status(
            session=session, call_id=started.call_id, call_sid=sid, status=status, **kw
        )

    report("initiated")
    report("ringing")
    assert call_row(session, started.call_id).status == "ringing"
    report("in-progress", now=T0 + dt.timedelta(seconds=5))
    report("ringing")  # a late report does not move the call backwards
    assert call_row(session, started.call_id).status == "in-progress"
    report("completed", duration_seconds=45)
    report("completed", duration_seconds=45)
    report("in-progress")
    bodies = [body for _, _, body in thread(session, ticket)]
    assert bodies[-2:] == ["Call started by Priya", "Call ended (45s)"]
    assert bodies.count("Call ended (45s)") == 1
    assert call_row(session, started.call_id).status == "completed"


def test_a_report_naming_another_calls_sid_changes_nothing(session, priya, ticket):
    started = start(session, priya, ticket)
    talk_now.call_status(
        session=session, call_id=started.call_id, call_sid="CA" + "9" * 32, status="completed"
    )
    assert call_row(session, started.call_id).ended_at is None
    talk_now.call_status(session=session, call_id=None, call_sid="CA" + "9" * 32, status="busy")
    talk_now.call_status(session=session, call_id=uuid.uuid4(), call_sid="", status="busy")
    assert call_row(session, started.call_id).ended_at is None


def test_ending_needs_a_final_status_and_a_talk_now_call(session, enterprise, priya, ticket):
    started = start(session, priya, ticket)
    with pytest.raises(ValidationFailed):
        talk_now.end_call(session=session, call_id=started.call_id, status="ringing")
    ivr_call = CallLog(
        enterprise_id=enterprise.id, call_sid="CA" + "1" * 32, from_number="x", to_number=MAIN
    )
    session.add(ivr_call)
    session.flush()
    with pytest.raises(NotFound):
        talk_now.end_call(session=session, call_id=ivr_call.id, status="completed")


@pytest.mark.parametrize(
    "seconds,text", [(0, "0s"), (45, "45s"), (192, "3m 12s"), (3725, "1h 2m 5s")]
)
def test_durations_read_naturally(seconds, text):
    assert talk_now.format_duration(seconds) == text


# --- Twilio ------------------------------------------------------------------------------


def call_created(sid: str) -> Response:
    return twilio_json(
        201,
        {
            "account_sid": SID,
            "sid": sid,
            "status": "queued",
            "to": CUSTOMER_PHONE,
            "from": MAIN,
            "direction": "outbound-api",
            "uri": f"/2010-04-01/Accounts/{SID}/Calls/{sid}.json",
        },
    )


def twilio_gateway(*answers) -> tuple[TwilioGateway, RecordingHttpClient]:
    http = RecordingHttpClient(*answers)
    return TwilioGateway(Client(SID, TOKEN, http_client=http), "+14155550100"), http


def test_twilio_calls_the_customer_and_dials_the_csr(session, priya, ticket):
    gateway, http = twilio_gateway(call_created("CA" + "a" * 32))
    started = start(session, priya, ticket, gateway=gateway)
    assert started.status == "queued"
    callback = f"{BASE}/api/twilio/voice/talk-status?call={started.call_id}"
    assert http.requests == [
        {
            "method": "POST",
            "url": CALLS_URL,
            "params": None,
            "data": {
                "To": CUSTOMER_PHONE,
                "From": MAIN,
                "Twiml": '<?xml version="1.0" encoding="UTF-8"?><Response>'
                "<Say>Hello from Ticket4Me. Connecting you to Priya now.</Say>"
                f'<Dial callerId="{MAIN}">{PRIYA_PHONE}</Dial></Response>',
                "StatusCallback": callback,
                "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"],
                "StatusCallbackMethod": "POST",
            },
            "auth": (SID, TOKEN),
        }
    ]
    row = call_row(session, started.call_id)
    assert (row.call_sid, row.status) == ("CA" + "a" * 32, "queued")


def test_a_call_twilio_refuses_fails_clearly_and_frees_the_ticket(session, priya, ticket, bus):
    gateway, _ = twilio_gateway(
        twilio_json(
            400,
            {
                "code": 21217,
                "message": "Phone number does not appear to be valid",
                "more_info": "https://www.twilio.com/docs/errors/21217",
                "status": 400,
            },
        )
    )
    with pytest.raises(CallFailed) as error:
        start(session, priya, ticket, gateway=gateway)
    assert error.value.http_status == 502
    assert "does not appear to be valid" in error.value.message
    (row,) = session.exec(select(CallLog)).all()
    assert (row.status, row.outcome) == ("failed", "failed") and row.ended_at is not None
    assert [body for _, _, body in thread(session, ticket)][-2:] == [
        "Call started by Priya",
        "The call could not be connected",
    ]
    assert bus.kinds().count("message.created") >= 2  # both committed and published
    gateway, _ = twilio_gateway(call_created("CA" + "b" * 32))
    assert start(session, priya, ticket, gateway=gateway).status == "queued"


def test_a_network_error_fails_the_call_too(session, priya, ticket):
    gateway, _ = twilio_gateway(ConnectionError("connection reset"))
    with pytest.raises(CallFailed):
        start(session, priya, ticket, gateway=gateway)
    assert session.exec(select(CallLog)).one().status == "failed"


def test_a_report_that_overtakes_the_carriers_answer_is_kept(session, priya, ticket):
    """Twilio may post "initiated" (or even the end) before calls.create returns."""

    class ReportsFirst:
        def place_call(self, *, to, from_, twiml, status_callback, events):
            call_id = uuid.UUID(status_callback.split("call=")[1])
            talk_now.call_status(
                session=session, call_id=call_id, call_sid="CA" + "c" * 32, status="no-answer"
            )
            session.commit()
            return telephony.PlacedCall(provider_id="CA" + "c" * 32, status="queued")

    started = start(session, priya, ticket, gateway=ReportsFirst())
    row = call_row(session, started.call_id)
    assert (row.call_sid, row.status) == ("CA" + "c" * 32, "no-answer")
    assert row.ended_at is not None and started.status == "no-answer"
    assert thread(session, ticket)[-1][2] == "Customer did not answer"


def test_the_demo_csrs_have_phones_to_be_bridged_to(session):
    from interplat.services import demo

    demo.seed_demo(session=session, now=utcnow())
    csrs = session.exec(select(User).where(User.role == "csr")).all()
    assert csrs and all(u.phone and u.phone.startswith("+1") and "555" in u.phone for u in csrs)
    assert len({u.phone for u in csrs}) == len(csrs)
