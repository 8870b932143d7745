"""Call → chat: the caller gets a ticket and an SMS with a chat link, once per window."""

import datetime as dt

import pytest
from sqlmodel import func, select

from interplat import routes
from interplat.models import (
    CallLog,
    Customer,
    OutboxMessage,
    ShortLink,
    Ticket,
    TicketStatus,
)
from interplat.services import call_to_chat, enterprises, sms, tickets
from interplat.services.errors import InvalidPhoneNumber, NotFound, ValidationFailed
from tests.factories import make_customer, make_enterprise, new_id

T0 = dt.datetime(2025, 3, 3, 15, 0, tzinfo=dt.UTC)
BASE = "https://chat.example.com"
CALLER = "14155550132"
PHONE = "+14155550132"
TABLES = (Customer, Ticket, ShortLink, OutboxMessage, CallLog)


def start(session, enterprise, caller=CALLER, now=T0, **kw):
    result = call_to_chat.start_chat_from_call(
        session=session, enterprise_id=enterprise.id, caller=caller, base_url=BASE, now=now, **kw
    )
    session.commit()
    return result


def later(**kw: float) -> dt.datetime:
    return T0 + dt.timedelta(**kw)


def count(session, table) -> int:
    return session.exec(select(func.count()).select_from(table)).one()


def outbox(session) -> list[OutboxMessage]:
    return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.created_at)).all())


def test_a_new_caller_gets_a_customer_a_ticket_a_link_and_an_sms(session):
    enterprise = make_enterprise(session, brand_name="Acme Bank")
    result = start(session, enterprise, first_name="Ann", last_name="Lee", email="Ann@Example.com")
    assert result.created and not result.sms_blocked
    customer = session.get(Customer, result.customer_id)
    assert (customer.phone, customer.first_name, customer.last_name, customer.email) == (
        PHONE,
        "Ann",
        "Lee",
        "Ann@example.com",
    )
    assert customer.last_contact_at == T0
    ticket = session.get(Ticket, result.ticket_id)
    assert (ticket.source, ticket.status, ticket.reference) == ("ivr", "waiting", result.reference)
    listing = enterprises.default_listing(session=session, enterprise_id=enterprise.id)
    assert ticket.listing_id == listing.id
    link = session.exec(select(ShortLink)).one()
    assert (link.code, link.channel, link.ticket_id) == (result.link_code, "sms", ticket.id)
    assert link.expires_at == later(hours=24)
    assert result.link_url == routes.chat_url(BASE, link.code)
    [message] = outbox(session)
    assert message.id == result.sms_id
    assert (message.to_address, message.ticket_id) == (PHONE, ticket.id)
    assert message.body == f"Acme Bank: continue your conversation here: {result.link_url}"


@pytest.mark.parametrize("caller", ["14155550132", "+14155550132", " +1 415 555 0132 "])
def test_caller_ids_with_or_without_plus_match_the_same_customer(session, caller):
    enterprise = make_enterprise(session)
    existing = make_customer(session, enterprise, phone=PHONE)
    assert start(session, enterprise, caller=caller).customer_id == existing.id
    assert count(session, Customer) == 1


def test_the_message_goes_on_its_own_line(session):
    enterprise = make_enterprise(session, brand_name="Acme Bank")
    result = start(session, enterprise, message="  Your card is ready.  ")
    assert outbox(session)[0].body == (
        f"Acme Bank: continue your conversation here: {result.link_url}\nYour card is ready."
    )


def test_link_lifetime_comes_from_the_ivr_settings(session):
    enterprise = make_enterprise(session)
    enterprise.ivr_settings = {"link_ttl_minutes": 30}
    session.add(enterprise)
    start(session, enterprise)
    assert session.exec(select(ShortLink)).one().expires_at == later(minutes=30)


@pytest.mark.parametrize("bad", [0, -5, "60", None, True])
def test_a_bad_link_lifetime_setting_falls_back_to_a_day(session, bad):
    enterprise = make_enterprise(session)
    enterprise.ivr_settings = {"link_ttl_minutes": bad}
    assert call_to_chat.link_ttl(enterprise) == dt.timedelta(hours=24)


def test_an_existing_customer_gets_empty_fields_filled_never_overwritten(session):
    enterprise = make_enterprise(session)
    existing = make_customer(session, enterprise, phone=PHONE, first_name="Ann", external_id="")
    result = start(
        session,
        enterprise,
        first_name="Annabel",
        last_name="Lee",
        email="ann@example.com",
        dob=dt.date(1990, 5, 17),
        external_id="CRM-7",
    )
    assert result.customer_id == existing.id
    session.refresh(existing)
    assert (existing.first_name, existing.last_name, existing.email) == (
        "Ann",
        "Lee",
        "ann@example.com",
    )
    assert (existing.dob, existing.external_id) == (dt.date(1990, 5, 17), "CRM-7")
    assert count(session, Customer) == 1


def test_the_same_number_is_a_different_customer_in_another_enterprise(session):
    a, b = make_enterprise(session), make_enterprise(session)
    first, second = start(session, a), start(session, b)
    assert first.customer_id != second.customer_id
    assert session.get(Ticket, second.ticket_id).enterprise_id == b.id
    assert len(outbox(session)) == 2


def test_a_repeat_call_within_the_window_reuses_ticket_and_link_without_a_second_sms(session):
    enterprise = make_enterprise(session)
    first = start(session, enterprise)
    again = start(session, enterprise, caller=PHONE, now=later(minutes=9))
    assert (again.ticket_id, again.link_code, again.link_url) == (
        first.ticket_id,
        first.link_code,
        first.link_url,
    )
    assert (again.created, again.sms_id, again.sms_blocked) == (False, None, False)
    assert len(outbox(session)) == 1
    assert count(session, ShortLink) == 1


def test_a_call_after_the_window_gets_a_new_link_and_sms_on_the_open_ticket(session):
    enterprise = make_enterprise(session)
    first = start(session, enterprise)
    again = start(session, enterprise, now=later(minutes=11), message="Second try")
    assert again.ticket_id == first.ticket_id and not again.created
    assert again.link_code != first.link_code
    assert again.sms_id is not None
    assert [m.id for m in outbox(session)] == [first.sms_id, again.sms_id]
    assert outbox(session)[1].body.endswith(f"{again.link_url}\nSecond try")


def test_the_reuse_window_is_adjustable(session):
    enterprise = make_enterprise(session)
    first = start(session, enterprise)
    again = start(session, enterprise, now=later(minutes=3), reuse_window=dt.timedelta(minutes=2))
    assert again.link_code != first.link_code and again.sms_id is not None


def test_a_revoked_link_is_not_reused(session):
    enterprise = make_enterprise(session)
    first = start(session, enterprise)
    link = session.exec(select(ShortLink)).one()
    link.revoked_at = later(minutes=1)
    session.add(link)
    again = start(session, enterprise, now=later(minutes=2))
    assert again.link_code != first.link_code and again.sms_id is not None


def test_a_call_after_the_ticket_ended_opens_a_new_one(session):
    enterprise = make_enterprise(session)
    first = start(session, enterprise)
    tickets.end_ticket(
        session=session,
        ticket=session.get(Ticket, first.ticket_id),
        outcome=TicketStatus.RESOLVED,
        now=later(minutes=1),
    )
    again = start(session, enterprise, now=later(minutes=2))
    assert again.created and again.ticket_id != first.ticket_id
    assert again.link_code != first.link_code and again.sms_id is not None


def test_an_opted_out_number_gets_a_ticket_but_no_sms(session):
    enterprise = make_enterprise(session)
    sms.suppress(session=session, enterprise_id=enterprise.id, phone=PHONE)
    result = start(session, enterprise)
    assert result.created and result.sms_blocked and result.sms_id is None
    assert session.get(Ticket, result.ticket_id) is not None
    assert outbox(session) == []


def test_an_api_call_is_logged_with_a_generated_sid(session):
    enterprise = make_enterprise(session)
    result = start(session, enterprise, dnis="18005550100")
    call = session.exec(select(CallLog)).one()
    assert call.call_sid.startswith("API-") and len(call.call_sid) == 4 + 32
    assert (call.from_number, call.to_number, call.outcome, call.ticket_id) == (
        PHONE,
        "+18005550100",
        "chat",
        result.ticket_id,
    )


def test_the_platform_ivr_updates_its_own_call_row(session):
    enterprise = make_enterprise(session)
    session.add(
        CallLog(
            enterprise_id=enterprise.id,
            call_sid="CA123",
            from_number=PHONE,
            to_number="+18005550100",
            digits="1",
        )
    )
    result = start(session, enterprise, call_sid="CA123")
    call = session.exec(select(CallLog)).one()
    assert (call.call_sid, call.digits, call.outcome, call.ticket_id) == (
        "CA123",
        "1",
        "chat",
        result.ticket_id,
    )


def test_no_call_is_logged_for_another_source_without_dnis(session):
    enterprise = make_enterprise(session)
    result = start(session, enterprise, source="enterprise_app")
    assert session.get(Ticket, result.ticket_id).source == "enterprise_app"
    assert count(session, CallLog) == 0
    start(session, make_enterprise(session), source="enterprise_app", dnis="18005550100")
    assert count(session, CallLog) == 1


@pytest.mark.parametrize(
    "kw,field",
    [
        ({"caller": ""}, "cid"),
        ({"caller": "   "}, "cid"),
        ({"caller": "123"}, "cid"),
        ({"caller": "not a number"}, "cid"),
        ({"first_name": "x" * 101}, "first_name"),
        ({"last_name": "x" * 101}, "last_name"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "ann@"}, "email"),
        ({"email": "a" * 250 + "@example.com"}, "email"),
        ({"dob": dt.date(2025, 3, 4)}, "dob"),
        ({"dob": dt.date(1900, 1, 1)}, "dob"),
        ({"dob": dt.date(1850, 6, 1)}, "dob"),
        ({"external_id": "x" * 101}, "external_id"),
        ({"message": "x" * 301}, "message"),
        ({"dnis": "12"}, "dnis"),
        ({"source": "fax"}, "source"),
    ],
)
def test_every_refusal_names_its_field_and_changes_nothing(session, kw, field):
    enterprise = make_enterprise(session)
    make_customer(session, enterprise, phone=PHONE, first_name="")
    session.commit()
    before = {table.__name__: count(session, table) for table in TABLES}
    kw = {"caller": CALLER, **kw}
    with pytest.raises(ValidationFailed) as err:
        call_to_chat.start_chat_from_call(
            session=session, enterprise_id=enterprise.id, base_url=BASE, now=T0, **kw
        )
    assert err.value.field == field
    assert err.value.message
    assert {table.__name__: count(session, table) for table in TABLES} == before
    assert not session.new and not session.dirty
    assert session.exec(select(Customer)).one().first_name == ""


def test_a_bad_caller_id_is_an_invalid_phone_number(session):
    with pytest.raises(InvalidPhoneNumber) as err:
        start(session, make_enterprise(session), caller="999")
    assert err.value.field == "cid"


def test_the_limits_themselves_are_accepted(session):
    enterprise = make_enterprise(session)
    result = start(
        session,
        enterprise,
        first_name="f" * 100,
        last_name="l" * 100,
        external_id="e" * 100,
        message="m" * 300,
        dob=dt.date(1900, 1, 2),
    )
    customer = session.get(Customer, result.customer_id)
    assert (len(customer.first_name), customer.dob) == (100, dt.date(1900, 1, 2))
    assert outbox(session)[0].body.endswith("\n" + "m" * 300)


def test_today_is_a_valid_date_of_birth(session):
    result = start(session, make_enterprise(session), dob=T0.date())
    assert session.get(Customer, result.customer_id).dob == T0.date()


def test_an_unknown_enterprise_is_not_found(session):
    with pytest.raises(NotFound):
        call_to_chat.start_chat_from_call(
            session=session, enterprise_id=new_id(), caller=CALLER, base_url=BASE
        )
    assert count(session, Customer) == 0


def test_two_simultaneous_calls_from_one_number_send_one_sms(session, engine):
    """The IVR and a retry (or two lines) post the same caller in the same instant, while
    the caller already has an open ticket: the second must find the first's link."""
    import threading

    from sqlmodel import Session

    enterprise = make_enterprise(session)
    customer = make_customer(session, enterprise, phone=PHONE)
    tickets.open_ticket(
        session=session, enterprise_id=enterprise.id, customer_id=customer.id, source="website"
    )
    session.commit()
    start_together = threading.Barrier(2, timeout=20)
    results, errors = [], []

    def call():
        try:
            with Session(engine, expire_on_commit=False) as s:
                start_together.wait()
                results.append(start(s, enterprise))
                s.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert len({r.ticket_id for r in results}) == 1
    assert len({r.link_code for r in results}) == 1
    assert sorted(r.sms_id is None for r in results) == [False, True]
    assert count(session, OutboxMessage) == 1
