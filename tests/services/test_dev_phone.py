"""The dev phone acts out the production IVR's TwiML: menu, keys, timeouts, SMS inbox."""

import pytest
from sqlmodel import select

from interplat.config import get_settings
from interplat.models import CallLog, OutboxMessage, SmsSuppression, Ticket
from interplat.services import dev_phone, ivr, sms, telephony
from interplat.services.errors import PermissionDenied, ValidationFailed
from tests.factories import make_enterprise

BASE = "http://localhost:3000"
MAIN = "+14155550199"
AGENT = "+14155550100"
CALLER = "+447400123456"


@pytest.fixture
def enterprise(session):
    enterprise = make_enterprise(session, brand_name="Symphony Financial")
    ivr.add_phone_number(session=session, enterprise_id=enterprise.id, number=MAIN, label="Main")
    ivr.update_ivr_settings(
        session=session, enterprise_id=enterprise.id, changes={"agent_number": AGENT}
    )
    session.commit()
    return enterprise


def deliver(session) -> None:
    sms.deliver_due(session=session, gateway=telephony.DevOutboxGateway(), from_number="")


def test_the_phone_book_lists_every_enterprise_number(session, enterprise):
    (entry,) = dev_phone.dialable_numbers(session=session)
    assert (entry.number, entry.brand_name, entry.label) == (MAIN, "Symphony Financial", "Main")


def test_call_press_1_then_the_link_arrives_in_the_inbox(session, enterprise):
    screen = dev_phone.call(session=session, caller=CALLER, number=MAIN, base_url=BASE)
    assert "press 1" in screen.spoken[0] and "Symphony Financial" in screen.spoken[0]
    assert screen.gather_action.endswith("/api/twilio/voice/menu") and not screen.ended
    assert dev_phone.inbox(session=session, phone=CALLER) == []
    screen = dev_phone.press(session=session, screen=screen, digit="1", base_url=BASE)
    assert screen.ended and "sent you a text message" in screen.spoken[-1]
    session.commit()
    deliver(session)
    (text,) = dev_phone.inbox(session=session, phone=CALLER)
    assert text.from_number == MAIN and text.link_path.startswith("/c/")
    assert text.link_path in text.body
    ticket = session.exec(select(Ticket)).one()
    assert ticket.source == "ivr"
    log = session.exec(select(CallLog)).one()
    assert (log.outcome, log.status, log.ticket_id) == ("chat", "completed", ticket.id)


def test_pressing_nothing_re_prompts_then_transfers_and_records_the_call(session, enterprise):
    screen = dev_phone.call(session=session, caller=CALLER, number=MAIN, base_url=BASE)
    for _ in range(ivr.IvrSettings().max_retries):
        screen = dev_phone.wait(session=session, screen=screen, base_url=BASE)
        assert not screen.ended
    screen = dev_phone.wait(session=session, screen=screen, base_url=BASE)
    assert screen.transfer == f"agent {AGENT}" and screen.ended
    assert len([s for s in screen.spoken if "press 1" in s]) == ivr.IvrSettings().max_retries + 1
    transfer = session.exec(select(OutboxMessage).where(OutboxMessage.channel == "call")).one()
    assert (transfer.to_address, transfer.from_address) == (AGENT, CALLER)


def test_a_wrong_key_says_so_and_listens_again(session, enterprise):
    screen = dev_phone.call(session=session, caller=CALLER, number=MAIN, base_url=BASE)
    screen = dev_phone.press(session=session, screen=screen, digit="7", base_url=BASE)
    assert screen.spoken[-2] == "Sorry, that is not an option."
    assert "press 1" in screen.spoken[-1] and screen.gather_action


def test_texting_stop_replies_and_suppresses(session, enterprise):
    reply = dev_phone.send_text(session=session, caller=CALLER, number=MAIN, body="STOP")
    assert "unsubscribed" in reply
    assert session.exec(select(SmsSuppression)).one().phone == CALLER
    (text,) = dev_phone.inbox(session=session, phone=CALLER)
    assert text.body == reply


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"caller": "12", "number": MAIN}, "caller"),
        ({"caller": CALLER, "number": "nope"}, "number"),
    ],
)
def test_bad_numbers_are_refused_with_the_field_named(session, enterprise, kwargs, field):
    with pytest.raises(ValidationFailed) as error:
        dev_phone.call(session=session, base_url=BASE, **kwargs)
    assert error.value.field == field
    assert session.exec(select(CallLog)).all() == []


def test_keys_other_than_the_keypad_are_refused(session, enterprise):
    screen = dev_phone.call(session=session, caller=CALLER, number=MAIN, base_url=BASE)
    with pytest.raises(ValidationFailed):
        dev_phone.press(session=session, screen=screen, digit="12", base_url=BASE)


def test_the_dev_phone_is_off_with_twilio(session, enterprise, monkeypatch):
    monkeypatch.setenv("INTERPLAT_TELEPHONY_BACKEND", "twilio")
    get_settings.cache_clear()
    try:
        assert not dev_phone.enabled()
        with pytest.raises(PermissionDenied):
            dev_phone.call(session=session, caller=CALLER, number=MAIN, base_url=BASE)
        with pytest.raises(PermissionDenied):
            dev_phone.inbox(session=session, phone=CALLER)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


# --- a CSR's "talk now" call rings the dev phone ---------------------------------------


@pytest.fixture
def talk_call(session, enterprise):
    """Priya, handling the caller's ticket, calls them (the dev backend places it)."""
    from interplat.services import talk_now, tickets
    from interplat.services.auth import Principal
    from tests.factories import make_customer, make_ticket, make_user

    priya = make_user(session, enterprise, full_name="Priya Shah")
    priya.phone = "+14155550126"
    customer = make_customer(session, enterprise, phone=CALLER)
    ticket = make_ticket(session, enterprise, customer)
    tickets.assign_ticket(session=session, ticket=ticket, user_id=priya.id)
    principal = Principal(priya.id, enterprise.id, "csr", priya.full_name, priya.email, "")
    started = talk_now.start_call(
        session=session,
        principal=principal,
        ticket_id=ticket.id,
        gateway=telephony.DevOutboxGateway(),
        base_url=BASE,
    )
    return started, ticket


def thread_bodies(session, ticket) -> list[str]:
    from interplat.models import Message

    rows = session.exec(select(Message).where(Message.ticket_id == ticket.id)).all()
    return [m.body for m in sorted(rows, key=lambda m: (m.created_at, str(m.id)))]


def test_a_talk_now_call_rings_answers_and_hangs_up(session, talk_call):
    started, ticket = talk_call
    assert dev_phone.incoming_call(session=session, phone="+14155550999") is None
    ringing = dev_phone.incoming_call(session=session, phone=CALLER)
    assert ringing is not None and not ringing.answered
    assert ringing.call_id == str(started.call_id) and ringing.from_number == MAIN
    assert ringing.title == "Symphony Financial is calling you (bridged to Priya)"
    dev_phone.answer_incoming(session=session, call_id=ringing.call_id)
    on_line = dev_phone.incoming_call(session=session, phone=CALLER)
    assert on_line is not None and on_line.answered
    dev_phone.hang_up_incoming(session=session, call_id=ringing.call_id)
    dev_phone.hang_up_incoming(session=session, call_id=ringing.call_id)  # a double tap
    assert dev_phone.incoming_call(session=session, phone=CALLER) is None
    bodies = thread_bodies(session, ticket)
    assert bodies[-2] == "Call started by Priya"
    assert bodies[-1].startswith("Call ended (") and bodies[-1].endswith("s)")
    log = session.get(CallLog, started.call_id)
    assert (log.status, log.outcome) == ("completed", "talked")


def test_declining_a_talk_now_call_tells_the_thread(session, talk_call):
    started, ticket = talk_call
    dev_phone.decline_incoming(session=session, call_id=str(started.call_id))
    assert dev_phone.incoming_call(session=session, phone=CALLER) is None
    assert thread_bodies(session, ticket)[-1] == "Customer did not answer"
    assert session.get(CallLog, started.call_id).status == "busy"


def test_talk_now_buttons_refuse_a_bad_call_id(session, talk_call):
    with pytest.raises(ValidationFailed):
        dev_phone.answer_incoming(session=session, call_id="not-a-call")
