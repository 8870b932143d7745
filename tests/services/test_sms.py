"""SMS outbox delivery, carrier status reports and texts from customers."""

import datetime as dt
import threading
import uuid
from collections import Counter

import pytest
from sqlmodel import Session, col, select

from interplat.models import Message, OutboxMessage, SmsLog, SmsSuppression, Ticket, TicketStatus
from interplat.services import sms, sms_inbound, sms_status, tickets
from interplat.services.errors import InvalidPhoneNumber, NotFound
from interplat.services.sms import SmsSuppressed
from interplat.services.telephony import DevOutboxGateway, SentSms, SmsSendError
from tests.factories import make_customer, make_enterprise, make_ticket, new_id

T0 = dt.datetime(2025, 3, 3, 15, 0, tzinfo=dt.UTC)
SENDER = "+14155550100"
CALLBACK = "https://interplat.example/api/twilio/sms-status"
CUSTOMER = "+14155552671"


def later(**kw: float) -> dt.datetime:
    return T0 + dt.timedelta(**kw)


class RecordingCarrier:
    """An ``SmsGateway`` that records each send and answers from a script (then accepts)."""

    def __init__(self, *script: SentSms | Exception) -> None:
        self.script = list(script)
        self.sent: list[dict] = []
        self._lock = threading.Lock()

    def send_sms(self, *, to: str, from_: str, body: str, status_callback: str | None) -> SentSms:
        with self._lock:
            self.sent.append({"to": to, "from_": from_, "body": body, "callback": status_callback})
            answer = self.script.pop(0) if self.script else None
            number = len(self.sent)
        if isinstance(answer, Exception):
            raise answer
        return answer or SentSms(provider_id=f"SM{number:032x}", status="queued")

    def lookup_line_type(self, number: str) -> str | None:
        return None


def queue(session, enterprise, to=CUSTOMER, body="Your chat link", now=T0, ticket=None):
    message = sms.queue_sms(
        session=session,
        enterprise_id=enterprise.id,
        to=to,
        body=body,
        ticket_id=ticket.id if ticket else None,
        now=now,
    )
    session.commit()
    return message


def deliver(session, carrier, now, **kw):
    return sms.deliver_due(
        session=session,
        gateway=carrier,
        from_number=SENDER,
        status_callback=CALLBACK,
        now=now,
        **kw,
    )


def reread(session, message) -> OutboxMessage:
    return session.get(OutboxMessage, message.id, populate_existing=True)


def sms_events(bus):
    return [e.data for e in bus.delivered if e.kind == "sms.status"]


def test_due_messages_go_out_oldest_first_and_are_recorded(session, bus):
    enterprise = make_enterprise(session)
    ticket = make_ticket(session, enterprise)
    newer = queue(session, enterprise, body="second", now=later(minutes=1), ticket=ticket)
    older = queue(session, enterprise, body="first", now=T0)
    not_due = queue(session, enterprise, body="later", now=later(minutes=10))
    email = OutboxMessage(
        enterprise_id=enterprise.id, channel="email", to_address="a@example.com", next_attempt_at=T0
    )
    session.add(email)
    session.commit()
    carrier = RecordingCarrier()
    assert deliver(session, carrier, later(minutes=5)) == 2
    assert carrier.sent == [
        {
            "to": CUSTOMER,
            "from_": SENDER,
            "body": "first",
            "callback": f"{CALLBACK}?outbox={older.id}",
        },
        {
            "to": CUSTOMER,
            "from_": SENDER,
            "body": "second",
            "callback": f"{CALLBACK}?outbox={newer.id}",
        },
    ]
    first, second = reread(session, older), reread(session, newer)
    assert (first.status, first.provider_id, first.attempts) == ("sent", f"SM{1:032x}", 1)
    assert (second.status, second.provider_id, second.from_address) == (
        "sent",
        f"SM{2:032x}",
        SENDER,
    )
    assert first.sent_at == later(minutes=5)
    assert (reread(session, not_due).status, reread(session, not_due).attempts) == ("queued", 0)
    assert reread(session, email).status == "queued"
    logs = session.exec(select(SmsLog).order_by(col(SmsLog.message_sid))).all()
    assert [(g.direction, g.message_sid, g.body, g.status) for g in logs] == [
        ("outbound", f"SM{1:032x}", "first", "sent"),
        ("outbound", f"SM{2:032x}", "second", "sent"),
    ]
    assert logs[1].ticket_id == ticket.id and logs[1].to_number == CUSTOMER
    assert {(e["outbox_id"], e["ticket_id"], e["status"]) for e in sms_events(bus)} == {
        (str(older.id), None, "sent"),
        (str(newer.id), str(ticket.id), "sent"),
    }


def test_limit_caps_one_run(session):
    enterprise = make_enterprise(session)
    for n in range(3):
        queue(session, enterprise, body=f"n{n}", now=later(seconds=n))
    carrier = RecordingCarrier()
    assert deliver(session, carrier, later(minutes=1), limit=2) == 2
    assert deliver(session, carrier, later(minutes=1), limit=2) == 1
    assert [s["body"] for s in carrier.sent] == ["n0", "n1", "n2"]
    assert deliver(session, carrier, later(minutes=1)) == 0


def test_the_dev_outbox_marks_messages_delivered(session):
    enterprise = make_enterprise(session)
    message = queue(session, enterprise)
    assert deliver(session, DevOutboxGateway(), T0) == 1
    row = reread(session, message)
    assert row.status == "delivered" and row.provider_id.startswith("DEV")


def test_transient_errors_back_off_then_fail_after_six_attempts(session, bus):
    enterprise = make_enterprise(session)
    ticket = make_ticket(session, enterprise)
    message = queue(session, enterprise, ticket=ticket)
    carrier = RecordingCarrier(
        *[SmsSendError("Too Many Requests", code="20429", permanent=False)] * 6
    )
    now = T0
    for attempt, wait in enumerate([30, 60, 120, 240, 480], start=1):
        assert deliver(session, carrier, now) == 0
        row = reread(session, message)
        assert (row.status, row.attempts) == ("queued", attempt)
        assert row.next_attempt_at == now + dt.timedelta(seconds=wait)
        assert row.last_error == "20429: Too Many Requests"
        assert deliver(session, carrier, now + dt.timedelta(seconds=wait - 1)) == 0
        assert len(carrier.sent) == attempt  # not due before its time
        now += dt.timedelta(seconds=wait)
    assert deliver(session, carrier, now) == 0
    row = reread(session, message)
    assert (row.status, row.attempts, len(carrier.sent)) == ("failed", 6, 6)
    assert deliver(session, carrier, now + dt.timedelta(days=1)) == 0
    assert len(carrier.sent) == 6
    assert sms_events(bus)[-1]["status"] == "failed"
    assert session.get(Ticket, ticket.id, populate_existing=True).status == TicketStatus.WAITING


def test_retry_delay_doubles_from_thirty_seconds_up_to_an_hour():
    delays = [sms.retry_delay(n).total_seconds() for n in range(1, 10)]
    assert delays == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert sms.retry_delay(500) == dt.timedelta(hours=1)


def test_a_retry_that_succeeds_clears_the_error(session):
    enterprise = make_enterprise(session)
    message = queue(session, enterprise)
    carrier = RecordingCarrier(SmsSendError("Service unavailable", code="503", permanent=False))
    assert deliver(session, carrier, T0) == 0
    assert deliver(session, carrier, later(seconds=30)) == 1
    row = reread(session, message)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")
    assert row.sent_at == later(seconds=30)


def test_an_unexpected_gateway_error_is_retried_not_stranded(session):
    enterprise = make_enterprise(session)
    message = queue(session, enterprise)
    assert deliver(session, RecordingCarrier(RuntimeError("bug")), T0) == 0
    row = reread(session, message)
    assert row.status == "queued" and row.next_attempt_at == later(seconds=30)
    assert row.last_error.startswith("error: RuntimeError")


def test_a_permanent_error_fails_at_once_and_leaves_the_ticket_alone(session, bus):
    enterprise = make_enterprise(session)
    ticket = make_ticket(session, enterprise)
    message = queue(session, enterprise, ticket=ticket)
    carrier = RecordingCarrier(
        SmsSendError("The 'To' number is not a valid phone number.", code="21211", permanent=True)
    )
    assert deliver(session, carrier, T0) == 0
    row = reread(session, message)
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error == "21211: The 'To' number is not a valid phone number."
    assert deliver(session, carrier, later(hours=2)) == 0 and len(carrier.sent) == 1
    assert session.exec(select(SmsSuppression)).all() == []
    assert sms_events(bus)[-1] == {
        "ticket_id": str(ticket.id),
        "outbox_id": str(message.id),
        "status": "failed",
    }
    assert session.get(Ticket, ticket.id, populate_existing=True).status == TicketStatus.WAITING


def test_21610_suppresses_the_number_for_that_enterprise_only(session):
    enterprise, other = make_enterprise(session), make_enterprise(session)
    first = queue(session, enterprise, body="one", now=T0)
    second = queue(session, enterprise, body="two", now=later(seconds=1))
    elsewhere = queue(session, other, body="other brand", now=later(seconds=2))
    carrier = RecordingCarrier(
        SmsSendError("Attempt to send to unsubscribed recipient", code="21610", permanent=True)
    )
    assert deliver(session, carrier, later(minutes=1)) == 1
    assert [s["body"] for s in carrier.sent] == ["one", "other brand"]
    assert reread(session, first).last_error == "21610: Attempt to send to unsubscribed recipient"
    assert reread(session, second).status == "failed"
    assert reread(session, second).last_error.startswith("suppressed")
    assert reread(session, elsewhere).status == "sent"
    rows = session.exec(select(SmsSuppression)).all()
    assert [(r.enterprise_id, r.phone) for r in rows] == [(enterprise.id, CUSTOMER)]
    with pytest.raises(SmsSuppressed):
        sms.queue_sms(session=session, enterprise_id=enterprise.id, to=CUSTOMER, body="again")


def test_a_number_that_texts_stop_after_queueing_is_not_sent_to(session, bus):
    enterprise = make_enterprise(session)
    message = queue(session, enterprise)
    sms_inbound.handle_inbound_sms(
        session=session,
        enterprise_id=enterprise.id,
        from_number=CUSTOMER,
        to_number=SENDER,
        body="STOP",
        message_sid="SM" + "5" * 32,
        now=T0,
    )
    session.commit()
    carrier = RecordingCarrier()
    assert deliver(session, carrier, later(seconds=1)) == 0
    assert carrier.sent == []
    assert reread(session, message).status == "failed"
    assert sms_events(bus)[-1]["status"] == "failed"


def test_a_worker_that_died_mid_send_is_retried_after_the_lease(session):
    enterprise = make_enterprise(session)
    message = queue(session, enterprise)
    row = reread(session, message)
    row.status, row.attempts, row.next_attempt_at = "sending", 1, T0 + sms.SENDING_LEASE
    session.add(row)
    session.commit()
    carrier = RecordingCarrier()
    assert deliver(session, carrier, later(minutes=9)) == 0
    assert deliver(session, carrier, T0 + sms.SENDING_LEASE) == 1
    assert (reread(session, message).status, reread(session, message).attempts) == ("sent", 2)


def test_two_workers_send_each_message_exactly_once(session, engine):
    enterprise = make_enterprise(session)
    messages = [queue(session, enterprise, body=f"m{n}", now=later(seconds=n)) for n in range(30)]
    both_claimed = threading.Barrier(2, timeout=20)
    first_send_of = threading.local()

    class RendezvousCarrier(RecordingCarrier):
        # Each worker's first send waits until the other worker holds a claim too, so the
        # two really overlap (and neither may hold a lock the other needs meanwhile).
        def send_sms(self, **kw) -> SentSms:
            if not getattr(first_send_of, "done", False):
                first_send_of.done = True
                both_claimed.wait()
            return super().send_sms(**kw)

    carrier = RendezvousCarrier()
    counts: list[int] = []
    errors: list[BaseException] = []

    def worker():
        try:
            total = 0
            with Session(engine, expire_on_commit=False) as s:
                while n := deliver(s, carrier, later(minutes=1), limit=4):
                    total += n
            counts.append(total)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(Counter(s["body"] for s in carrier.sent).items()) == sorted(
        (f"m{n}", 1) for n in range(30)
    )
    assert sum(counts) == 30 and min(counts) > 0
    rows = [reread(session, m) for m in messages]
    assert {(r.status, r.attempts) for r in rows} == {("sent", 1)}
    assert len({r.provider_id for r in rows}) == 30


def sent_message(session, enterprise, carrier=None):
    message = queue(session, enterprise)
    deliver(session, carrier or RecordingCarrier(), T0)
    return reread(session, message)


def callback(session, provider_id, status, error_code="", now=None):
    result = sms_status.apply_status_callback(
        session=session,
        provider_id=provider_id,
        status=status,
        error_code=error_code,
        now=now or later(minutes=1),
    )
    session.commit()
    return result


def test_status_callbacks_only_move_forward(session, bus):
    enterprise = make_enterprise(session)
    message = sent_message(session, enterprise)
    sid = message.provider_id
    before = len(sms_events(bus))
    assert callback(session, sid, "sending").status == "sent"
    assert callback(session, sid, "queued").status == "sent"
    assert len(sms_events(bus)) == before
    assert callback(session, sid, "delivered", now=later(minutes=2)).status == "delivered"
    assert callback(session, sid, "sent").status == "delivered"
    assert callback(session, sid, "undelivered", "30003").status == "delivered"
    assert reread(session, message).status == "delivered"
    assert [e["status"] for e in sms_events(bus)[before:]] == ["delivered"]
    entry = session.exec(select(SmsLog).where(SmsLog.message_sid == sid)).one()
    assert (entry.status, entry.updated_at, entry.error_code) == ("delivered", later(minutes=2), "")
    # Nothing a carrier reports puts a sent message back into the send queue.
    assert deliver(session, RecordingCarrier(), later(days=1)) == 0


def test_an_undelivered_report_is_terminal_and_mirrored(session):
    enterprise = make_enterprise(session)
    message = sent_message(session, enterprise)
    row = callback(session, message.provider_id, "undelivered", "30003")
    assert (row.status, row.last_error) == (
        "undelivered",
        "30003: the carrier reported undelivered",
    )
    assert callback(session, message.provider_id, "delivered").status == "undelivered"
    entry = session.exec(select(SmsLog).where(SmsLog.message_sid == message.provider_id)).one()
    assert (entry.status, entry.error_code) == ("undelivered", "30003")


def test_a_failed_report_with_21610_suppresses_the_number(session):
    enterprise = make_enterprise(session)
    message = sent_message(session, enterprise)
    assert callback(session, message.provider_id, "failed", "21610").status == "failed"
    assert sms.is_suppressed(session=session, enterprise_id=enterprise.id, phone=CUSTOMER)


def test_unknown_provider_ids_are_ignored(session):
    enterprise = make_enterprise(session)
    sent_message(session, enterprise)
    assert callback(session, "SM" + "0" * 32, "delivered") is None
    assert callback(session, "", "delivered") is None


def inbound(session, enterprise, body, sid=None, from_number=CUSTOMER, now=T0):
    result = sms_inbound.handle_inbound_sms(
        session=session,
        enterprise_id=enterprise.id,
        from_number=from_number,
        to_number=SENDER,
        body=body,
        message_sid=sid or "SM" + new_id().hex,
        now=now,
    )
    session.commit()
    return result


def suppressions(session):
    return session.exec(select(SmsSuppression.enterprise_id, SmsSuppression.phone)).all()


@pytest.mark.parametrize(
    "body", ["STOP", "  stop \n", "StopAll", "unsubscribe", "Cancel", "END", "quit"]
)
def test_stop_keywords_unsubscribe_with_the_brands_reply(session, body):
    enterprise = make_enterprise(session, brand_name="Gold Coast Bank")
    result = inbound(session, enterprise, body)
    assert (result.action, result.message_id) == ("stopped", None)
    assert result.reply == (
        "You are unsubscribed from Gold Coast Bank messages. Reply START to resubscribe."
    )
    assert suppressions(session) == [(enterprise.id, CUSTOMER)]
    assert session.exec(select(Ticket)).all() == []


def test_stop_is_idempotent_and_every_text_is_logged(session):
    enterprise = make_enterprise(session)
    inbound(session, enterprise, "STOP")
    again = inbound(session, enterprise, "stop")
    assert again.action == "stopped"
    assert suppressions(session) == [(enterprise.id, CUSTOMER)]
    logs = session.exec(select(SmsLog.direction, SmsLog.body, SmsLog.from_number)).all()
    assert sorted(logs) == [("inbound", "STOP", CUSTOMER), ("inbound", "stop", CUSTOMER)]


@pytest.mark.parametrize("body", ["START", "yes", " Unstop "])
def test_start_keywords_resubscribe(session, body):
    enterprise = make_enterprise(session, brand_name="Gold Coast Bank")
    inbound(session, enterprise, "STOP")
    result = inbound(session, enterprise, body)
    assert result.action == "started"
    assert "resubscribed to Gold Coast Bank" in result.reply
    assert suppressions(session) == []
    sms.queue_sms(session=session, enterprise_id=enterprise.id, to=CUSTOMER, body="welcome back")


@pytest.mark.parametrize("body", ["HELP", "info"])
def test_help_keywords_answer_with_the_brand_and_its_phone(session, body):
    enterprise = make_enterprise(
        session, brand_name="Gold Coast Bank", contact_phone="+18005550199"
    )
    result = inbound(session, enterprise, body)
    assert result.action == "help"
    assert (
        result.reply == "Gold Coast Bank: for help, call +18005550199. Reply STOP to unsubscribe."
    )
    assert suppressions(session) == [] and session.exec(select(Ticket)).all() == []


def test_a_text_from_a_new_number_opens_an_sms_ticket(session, bus):
    enterprise = make_enterprise(session)
    result = inbound(session, enterprise, "  Stop charging me twice please ")
    assert (result.action, result.reply) == ("message", "")
    ticket = session.exec(select(Ticket)).one()
    assert (ticket.source, ticket.status) == ("sms", "waiting")
    message = session.exec(select(Message)).one()
    assert (str(message.id), message.ticket_id, message.sender_kind) == (
        result.message_id,
        ticket.id,
        "customer",
    )
    assert message.body == "Stop charging me twice please"
    assert session.exec(select(SmsLog)).one().ticket_id == ticket.id
    assert {"ticket.created", "message.created"} <= set(bus.kinds())
    assert suppressions(session) == []


def test_a_text_joins_the_customers_open_ticket(session):
    enterprise = make_enterprise(session)
    customer = make_customer(session, enterprise, phone=CUSTOMER)
    ticket = make_ticket(session, enterprise, customer)
    session.commit()
    result = inbound(session, enterprise, "Is my card blocked?", from_number="(415) 555-2671")
    assert session.exec(select(Ticket.id)).all() == [ticket.id]
    message = session.get(Message, uuid.UUID(result.message_id))
    assert (message.ticket_id, message.body) == (ticket.id, "Is my card blocked?")


def test_a_text_after_the_ticket_ended_opens_a_new_one(session):
    enterprise = make_enterprise(session)
    customer = make_customer(session, enterprise, phone=CUSTOMER)
    old = make_ticket(session, enterprise, customer)
    tickets.end_ticket(session=session, ticket=old, outcome=TicketStatus.RESOLVED)
    session.commit()
    inbound(session, enterprise, "One more thing")
    fresh = session.exec(select(Ticket).where(Ticket.id != old.id)).one()
    assert (fresh.source, fresh.customer_id) == ("sms", customer.id)


def test_a_retried_webhook_posts_the_message_once(session):
    enterprise = make_enterprise(session)
    first = inbound(session, enterprise, "Hello?", sid="SM" + "7" * 32)
    again = inbound(session, enterprise, "Hello?", sid="SM" + "7" * 32)
    assert first.message_id is not None
    assert (again.action, again.reply, again.message_id) == ("message", "", None)
    assert len(session.exec(select(Message)).all()) == 1
    assert len(session.exec(select(SmsLog)).all()) == 1


def test_concurrent_retries_of_one_webhook_post_once(session, engine):
    enterprise = make_enterprise(session)
    make_customer(
        session, enterprise, phone=CUSTOMER
    )  # the race is about the sid, not the customer
    session.commit()
    start = threading.Barrier(4, timeout=20)
    results, errors = [], []

    def webhook():
        try:
            start.wait()
            with Session(engine, expire_on_commit=False) as s:
                results.append(inbound(s, enterprise, "Hello?", sid="SM" + "8" * 32))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=webhook) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sum(1 for r in results if r.message_id) == 1
    assert len(session.exec(select(Message)).all()) == 1
    assert len(session.exec(select(SmsLog)).all()) == 1


def test_a_duplicate_stop_replies_again_without_changes(session):
    enterprise = make_enterprise(session)
    inbound(session, enterprise, "STOP", sid="SM" + "9" * 32)
    inbound(session, enterprise, "START")
    again = inbound(session, enterprise, "STOP", sid="SM" + "9" * 32)
    assert again.action == "stopped" and "unsubscribed" in again.reply
    assert suppressions(session) == []  # the retry did not undo the later START


def test_an_invalid_sender_or_enterprise_is_refused(session):
    enterprise = make_enterprise(session)
    with pytest.raises(InvalidPhoneNumber) as caught:
        inbound(session, enterprise, "hi", from_number="not a number")
    assert caught.value.field == "from_number"
    with pytest.raises(NotFound):
        sms_inbound.handle_inbound_sms(
            session=session,
            enterprise_id=new_id(),
            from_number=CUSTOMER,
            to_number=SENDER,
            body="hi",
            message_sid="SM" + "1" * 32,
        )
