import datetime as dt
import threading
import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from interplat.models import (
    AutomatedMessage,
    AutomatedMessageSent,
    Channel,
    Customer,
    Message,
    SenderKind,
    Ticket,
    TicketStatus,
)
from interplat.services import (
    auth,
    automated_messages,
    automation,
    enterprises,
    messages,
    schedules,
    tickets,
)
from interplat.services.automated_messages import AutomatedSpec
from interplat.services.errors import ValidationFailed
from interplat.services.schedules import IntervalSpec
from tests.factories import PASSWORD, make_customer, make_enterprise, make_ticket, make_user

MONDAY_10 = dt.datetime(2025, 6, 2, 10, 0, tzinfo=dt.UTC)
ALWAYS = [IntervalSpec(day, "00:00", "24:00") for day in range(7)]
NINE_TO_FIVE_WEEKDAYS = [IntervalSpec(day, "09:00", "17:00") for day in range(5)]
WELCOME = AutomatedSpec("welcome", "Hi {first_name}, welcome to {brand_name} ({reference}).")
AFTER_HOURS = AutomatedSpec("after_hours", "We are closed, {first_name}.")
OFFLINE = AutomatedSpec("offline", "Nobody is online right now.")
STILL_THERE = AutomatedSpec("inactivity", "Still looking for someone.", delay_seconds=60)
SORRY = AutomatedSpec("inactivity", "Sorry for the wait.", delay_seconds=300)


def after(**delta: int) -> dt.datetime:
    return MONDAY_10 + dt.timedelta(**delta)


def make_listing(session, specs=(), intervals=ALWAYS, **enterprise_fields):
    enterprise = make_enterprise(session, **enterprise_fields)
    listing = enterprises.default_listing(session=session, enterprise_id=enterprise.id)
    schedules.replace_schedule(session=session, listing=listing, intervals=list(intervals))
    automated_messages.replace_automated(session=session, listing=listing, specs=list(specs))
    return enterprise, listing


def open_ticket(session, enterprise, listing, now=MONDAY_10, **customer_fields):
    customer = make_customer(session, enterprise, **customer_fields)
    ticket, _ = tickets.open_ticket(
        session=session,
        enterprise_id=enterprise.id,
        customer_id=customer.id,
        source=Channel.SMS,
        listing_id=listing.id,
        now=now,
    )
    return ticket


def come_online(session, enterprise, now):
    """A CSR logs in and keeps the workspace tab open (it checks in at every tick below)."""
    user = make_user(session, enterprise)
    login = auth.log_in(session=session, email=user.email, password=PASSWORD, ttl_hours=12, now=now)
    session.info.setdefault("open_tabs", []).append(login.token)
    return login


def automated_bodies(session, ticket):
    return list(
        session.exec(
            select(Message.body)
            .where(Message.ticket_id == ticket.id, Message.sender_kind == SenderKind.SYSTEM)
            .order_by(col(Message.created_at), col(Message.id))
        ).all()
    )


def tick(session, now):
    for token in session.info.get("open_tabs", []):
        auth.touch_session(session=session, token=token, now=now)
    sent = automation.run_due(session=session, now=now)
    session.commit()
    return sent


def test_render_fills_the_placeholders_and_leaves_unknown_ones_as_typed(session):
    enterprise, listing = make_listing(session, brand_name="Acme Bank", reference_prefix="BANK")
    dana = open_ticket(session, enterprise, listing, first_name="Dana", last_name="Reyes")
    customer = session.get(Customer, dana.customer_id)
    text = automated_messages.render(
        "Hi {first_name} {last_name}, {brand_name} here about {reference}. {foo} {first_name",
        customer=customer,
        enterprise=enterprise,
        ticket=dana,
    )
    assert text == "Hi Dana Reyes, Acme Bank here about BANK-000001. {foo} {first_name"


def test_a_missing_first_name_renders_as_there_and_names_are_not_rendered_again(session):
    enterprise, listing = make_listing(session, brand_name="Acme Bank")
    nameless = open_ticket(session, enterprise, listing)
    tricky = open_ticket(session, enterprise, listing, first_name="{brand_name}")

    def greet(ticket):
        customer = session.get(Customer, ticket.customer_id)
        return automated_messages.render(
            "Hi {first_name}!", customer=customer, enterprise=enterprise, ticket=ticket
        )

    assert greet(nameless) == "Hi there!"
    assert greet(tricky) == "Hi {brand_name}!"


def test_automated_messages_are_saved_in_the_order_given(session, bus):
    _, listing = make_listing(session)
    session.commit()
    saved = automated_messages.replace_automated(
        session=session,
        listing=listing,
        specs=[
            SORRY,
            AutomatedSpec("welcome", "  Hello!  ", delay_seconds=30, enabled=False, position=9),
            STILL_THERE,
        ],
    )
    expected = [
        AutomatedSpec("inactivity", "Sorry for the wait.", 300, True, 0),
        # Trimmed, and without the delay: only inactivity messages wait.
        AutomatedSpec("welcome", "Hello!", 0, False, 1),
        AutomatedSpec("inactivity", "Still looking for someone.", 60, True, 2),
    ]
    assert saved == expected
    assert automated_messages.list_automated(session=session, listing=listing) == expected
    session.commit()
    assert bus.kinds()[-1] == "listing.automation_changed"


@pytest.mark.parametrize(
    ("bad", "field", "message"),
    [
        (
            AutomatedSpec("farewell", "Bye"),
            "kind",
            "Automated message 3 has an unknown kind “farewell”. "
            "Use welcome, inactivity, offline or after_hours.",
        ),
        (AutomatedSpec("offline", "   "), "body", "Automated message 3 needs some text."),
        (
            AutomatedSpec("offline", "x" * 1001),
            "body",
            "Automated message 3 is longer than 1000 characters.",
        ),
        (
            AutomatedSpec("offline", "Hi {name}, {foo}"),
            "body",
            "Automated message 3 uses {foo}, {name}, which we cannot fill in. "
            "The placeholders are {first_name}, {last_name}, {brand_name}, {reference}.",
        ),
        (
            AutomatedSpec("offline", "Later", delay_seconds=-1),
            "delay_seconds",
            "Automated message 3 cannot have a negative delay.",
        ),
        (
            AutomatedSpec("inactivity", "Still there?", delay_seconds=0),
            "delay_seconds",
            "Automated message 3 is an inactivity message: give it a delay of at least one second.",
        ),
        (
            AutomatedSpec("welcome", "Another welcome", enabled=False),
            "kind",
            "A listing has at most one welcome message; this request has 2.",
        ),
        (
            AutomatedSpec("after_hours", "Closed again"),
            "kind",
            "A listing has at most one after-hours message; this request has 2.",
        ),
    ],
)
def test_one_bad_automated_message_rejects_the_whole_request(session, bad, field, message):
    _, listing = make_listing(session, specs=[STILL_THERE, OFFLINE])
    before = automated_messages.list_automated(session=session, listing=listing)
    with pytest.raises(ValidationFailed) as refused:
        automated_messages.replace_automated(
            session=session, listing=listing, specs=[WELCOME, AFTER_HOURS, bad]
        )
    assert (refused.value.field, refused.value.message) == (field, message)
    assert automated_messages.list_automated(session=session, listing=listing) == before


def test_more_than_one_offline_message_or_ten_inactivity_messages_are_refused(session):
    _, listing = make_listing(session, specs=[WELCOME])
    with pytest.raises(ValidationFailed, match="at most one offline message"):
        automated_messages.replace_automated(
            session=session, listing=listing, specs=[OFFLINE, OFFLINE]
        )
    ten = [AutomatedSpec("inactivity", f"Wait {n}", delay_seconds=60 * n) for n in range(1, 11)]
    automated_messages.replace_automated(session=session, listing=listing, specs=ten)
    eleven = [*ten, AutomatedSpec("inactivity", "One more", delay_seconds=3600)]
    with pytest.raises(ValidationFailed, match="at most 10 inactivity messages"):
        automated_messages.replace_automated(session=session, listing=listing, specs=eleven)
    assert len(automated_messages.list_automated(session=session, listing=listing)) == 10


def test_the_welcome_is_posted_once_rendered_for_the_customer(session, bus):
    enterprise, listing = make_listing(session, specs=[WELCOME], brand_name="Acme Bank")
    ticket = open_ticket(session, enterprise, listing, first_name="Dana")
    message = automation.send_welcome(session=session, ticket=ticket, now=MONDAY_10)
    assert message is not None
    assert (message.sender_kind, message.created_at) == (SenderKind.SYSTEM, MONDAY_10)
    assert message.body == f"Hi Dana, welcome to Acme Bank ({ticket.reference})."
    assert automation.send_welcome(session=session, ticket=ticket, now=MONDAY_10) is None
    session.commit()
    assert automated_bodies(session, ticket) == [message.body]
    assert bus.kinds().count("message.created") == 1


def test_no_welcome_when_there_is_none_or_it_is_disabled(session):
    enterprise, listing = make_listing(session, specs=[AFTER_HOURS])
    ticket = open_ticket(session, enterprise, listing)
    assert automation.send_welcome(session=session, ticket=ticket, now=MONDAY_10) is None
    disabled = AutomatedSpec("welcome", "Hi", enabled=False)
    automated_messages.replace_automated(session=session, listing=listing, specs=[disabled])
    assert automation.send_welcome(session=session, ticket=ticket, now=MONDAY_10) is None
    assert automated_bodies(session, ticket) == []


def test_a_ticket_without_a_listing_uses_the_enterprise_default_listing(session):
    enterprise, _ = make_listing(
        session, specs=[AutomatedSpec("welcome", "Hello from {brand_name}")]
    )
    ticket = make_ticket(session, enterprise)
    assert ticket.listing_id is None
    message = automation.send_welcome(session=session, ticket=ticket, now=MONDAY_10)
    assert message is not None and message.body == f"Hello from {enterprise.brand_name}"


def test_inactivity_messages_go_out_at_each_delay_once(session, bus):
    enterprise, listing = make_listing(session, specs=[STILL_THERE, SORRY, OFFLINE])
    come_online(session, enterprise, MONDAY_10)
    ticket = open_ticket(session, enterprise, listing, now=MONDAY_10)
    session.commit()
    counts = [tick(session, after(seconds=s)) for s in (59, 60, 61, 299, 300, 3000)]
    assert counts == [0, 1, 0, 0, 1, 0]
    assert automated_bodies(session, ticket) == [STILL_THERE.body, SORRY.body]
    assert bus.kinds().count("message.created") == 2


def test_inactivity_messages_are_only_for_tickets_still_waiting(session):
    enterprise, listing = make_listing(session, specs=[STILL_THERE])
    login = come_online(session, enterprise, MONDAY_10)
    waiting = open_ticket(session, enterprise, listing)
    assigned = open_ticket(session, enterprise, listing)
    tickets.assign_ticket(
        session=session, ticket=assigned, user_id=login.principal.user_id, now=MONDAY_10
    )
    assert tick(session, after(seconds=120)) == 1
    assert automated_bodies(session, waiting) == [STILL_THERE.body]
    assert automated_bodies(session, assigned) == []


def test_a_tick_sees_tickets_as_other_workers_left_them(session, engine):
    enterprise, listing = make_listing(session, specs=[STILL_THERE])
    login = come_online(session, enterprise, MONDAY_10)
    ticket = open_ticket(session, enterprise, listing)
    session.commit()  # this session keeps the ticket as waiting (expire_on_commit=False)
    with Session(engine, expire_on_commit=False) as other_worker:
        tickets.assign_ticket(
            session=other_worker,
            ticket=other_worker.get(Ticket, ticket.id),
            user_id=login.principal.user_id,
            now=after(seconds=30),
        )
        other_worker.commit()
    assert tick(session, after(seconds=120)) == 0
    assert ticket.status == TicketStatus.ASSIGNED


def test_offline_message_holds_inactivity_back_until_staff_come_online(session):
    enterprise, listing = make_listing(session, specs=[STILL_THERE, OFFLINE])
    ticket = open_ticket(session, enterprise, listing)
    session.commit()
    assert tick(session, after(seconds=120)) == 1
    assert tick(session, after(seconds=180)) == 0
    assert automated_bodies(session, ticket) == [OFFLINE.body]
    login = come_online(session, enterprise, after(seconds=200))
    assert tick(session, after(seconds=200)) == 1
    assert automated_bodies(session, ticket) == [OFFLINE.body, STILL_THERE.body]
    auth.log_out(session=session, token=login.token, now=after(seconds=300))
    assert tick(session, after(seconds=400)) == 0  # offline again: said once already


def test_a_held_back_message_is_dropped_if_the_ticket_was_picked_up_meanwhile(session):
    enterprise, listing = make_listing(session, specs=[STILL_THERE, OFFLINE])
    ticket = open_ticket(session, enterprise, listing)
    assert tick(session, after(seconds=120)) == 1
    login = come_online(session, enterprise, after(seconds=150))
    tickets.assign_ticket(session=session, ticket=ticket, user_id=login.principal.user_id)
    assert tick(session, after(seconds=200)) == 0
    assert automated_bodies(session, ticket) == [OFFLINE.body]


def test_after_hours_goes_out_on_a_holiday_even_with_staff_online(session):
    enterprise, listing = make_listing(session, specs=[AFTER_HOURS, OFFLINE, STILL_THERE])
    schedules.add_holiday(
        session=session, listing=listing, day=MONDAY_10.date(), name="Whit Monday", now=MONDAY_10
    )
    come_online(session, enterprise, MONDAY_10)
    ticket = open_ticket(session, enterprise, listing, first_name="Dana")
    assert tick(session, after(seconds=120)) == 1
    assert tick(session, after(seconds=600)) == 0
    assert automated_bodies(session, ticket) == ["We are closed, Dana."]


def test_after_hours_once_per_ticket_then_inactivity_when_the_listing_opens(session):
    enterprise, listing = make_listing(
        session, specs=[AFTER_HOURS, STILL_THERE], intervals=NINE_TO_FIVE_WEEKDAYS
    )
    evening = MONDAY_10.replace(hour=20)
    first = open_ticket(session, enterprise, listing, now=evening, first_name="Ann")
    second = open_ticket(session, enterprise, listing, now=evening, first_name="Bo")
    assert tick(session, evening + dt.timedelta(seconds=1)) == 2
    assert tick(session, evening + dt.timedelta(hours=2)) == 0
    tuesday_9 = MONDAY_10.replace(day=3, hour=9)
    come_online(session, enterprise, tuesday_9)
    assert tick(session, tuesday_9) == 2
    assert automated_bodies(session, first) == ["We are closed, Ann.", STILL_THERE.body]
    assert automated_bodies(session, second) == ["We are closed, Bo.", STILL_THERE.body]


def test_each_listing_follows_its_own_hours_and_messages(session):
    closed_enterprise, closed = make_listing(
        session, specs=[AFTER_HOURS], intervals=[IntervalSpec(6, "09:00", "10:00")]
    )
    open_enterprise, always = make_listing(session, specs=[OFFLINE, AFTER_HOURS])
    a = open_ticket(session, closed_enterprise, closed)
    b = open_ticket(session, open_enterprise, always)
    assert tick(session, after(seconds=5)) == 2
    assert automated_bodies(session, a) == ["We are closed, there."]
    assert automated_bodies(session, b) == [OFFLINE.body]


def test_disabled_and_removed_messages_are_not_sent(session):
    disabled = AutomatedSpec("offline", "Off", enabled=False)
    enterprise, listing = make_listing(session, specs=[disabled, STILL_THERE])
    ticket = open_ticket(session, enterprise, listing)
    assert tick(session, after(seconds=30)) == 0
    automated_messages.replace_automated(session=session, listing=listing, specs=[OFFLINE])
    assert tick(session, after(seconds=60)) == 1
    come_online(session, enterprise, after(seconds=90))
    assert tick(session, after(seconds=600)) == 0  # the inactivity message was removed
    assert automated_bodies(session, ticket) == [OFFLINE.body]


def test_saving_the_messages_again_does_not_resend_what_a_ticket_already_got(session):
    enterprise, listing = make_listing(session, specs=[OFFLINE, STILL_THERE])
    ticket = open_ticket(session, enterprise, listing)
    assert tick(session, after(seconds=30)) == 1
    reworded = AutomatedSpec("offline", "We are all away for now.")
    automated_messages.replace_automated(
        session=session, listing=listing, specs=[STILL_THERE, reworded]
    )
    assert tick(session, after(seconds=60)) == 0
    assert automated_bodies(session, ticket) == [OFFLINE.body]


def test_a_tick_does_not_grow_its_queries_with_the_number_of_tickets(session, engine):
    enterprise, listing = make_listing(session, specs=[STILL_THERE, SORRY])
    come_online(session, enterprise, MONDAY_10)
    unstaffed_enterprise, unstaffed = make_listing(session, specs=[STILL_THERE])
    open_ticket(session, unstaffed_enterprise, unstaffed)
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    def count_tick():
        statements.clear()
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            assert tick(session, after(seconds=10)) == 0
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
        return len(statements)

    open_ticket(session, enterprise, listing)
    one = count_tick()
    for _ in range(5):
        open_ticket(session, enterprise, listing)
    assert count_tick() == one
    assert not any("FROM message" in s for s in statements)
    assert sum("FROM scheduleinterval" in s for s in statements) == 2  # once per listing


def test_silent_tickets_end_as_abandoned_after_the_listing_window(session, bus):
    enterprise, listing = make_listing(session)
    listing.abandon_after_minutes = 30
    login = come_online(session, enterprise, MONDAY_10)
    silent = open_ticket(session, enterprise, listing)
    talking = open_ticket(session, enterprise, listing)
    assigned = open_ticket(session, enterprise, listing)
    tickets.assign_ticket(session=session, ticket=assigned, user_id=login.principal.user_id)
    never_wrote = open_ticket(session, enterprise, listing)
    never_wrote.last_customer_activity_at = None  # falls back to when the ticket was opened
    talking.last_customer_activity_at = after(minutes=20)
    session.add_all([never_wrote, talking])
    session.commit()
    assert automation.abandon_silent_tickets(session=session, now=after(minutes=29)) == 0
    ended = automation.abandon_silent_tickets(session=session, now=after(minutes=30))
    session.commit()
    assert ended == 3
    assert [t.status for t in (silent, talking, assigned, never_wrote)] == [
        TicketStatus.ABANDONED,
        TicketStatus.WAITING,
        TicketStatus.ABANDONED,
        TicketStatus.ABANDONED,
    ]
    assert silent.ended_at == after(minutes=30)
    assert bus.kinds().count("ticket.ended") == 3
    assert automation.abandon_silent_tickets(session=session, now=after(minutes=50)) == 1
    assert talking.status == TicketStatus.ABANDONED


def test_a_customer_who_just_wrote_through_another_worker_is_not_abandoned(session, engine):
    enterprise, listing = make_listing(session)
    ticket = open_ticket(session, enterprise, listing)
    session.commit()  # this session keeps the ticket as it was (expire_on_commit=False)
    with Session(engine, expire_on_commit=False) as other_worker:
        messages.post_message(
            session=other_worker,
            ticket=other_worker.get(Ticket, ticket.id),
            sender_kind=SenderKind.CUSTOMER,
            body="Still here!",
            now=after(minutes=25),
        )
        other_worker.commit()
    later = after(minutes=30)
    assert automation.abandon_silent_tickets(session=session, now=later) == 0
    assert ticket.status == TicketStatus.WAITING


def test_a_listing_with_no_abandon_window_keeps_its_tickets_open(session):
    enterprise, listing = make_listing(session)
    listing.abandon_after_minutes = 0
    ticket = open_ticket(session, enterprise, listing)
    assert automation.abandon_silent_tickets(session=session, now=after(days=3)) == 0
    assert ticket.status == TicketStatus.WAITING


def test_a_send_another_worker_already_recorded_is_skipped_without_posting(session, monkeypatch):
    enterprise, listing = make_listing(session, specs=[OFFLINE])
    first = open_ticket(session, enterprise, listing)
    second = open_ticket(session, enterprise, listing)
    session.commit()
    template_id = session.exec(select(AutomatedMessage.id)).one()
    real_send_once = automation._send_once

    def another_worker_got_there_first(session_, ticket, *args):
        if ticket.id == first.id:  # after this tick read what was sent, before it writes
            session_.execute(
                sa.insert(AutomatedMessageSent.__table__).values(
                    id=uuid.uuid4(),
                    enterprise_id=enterprise.id,
                    ticket_id=first.id,
                    automated_message_id=template_id,
                    sent_at=MONDAY_10,
                )
            )
        return real_send_once(session_, ticket, *args)

    monkeypatch.setattr(automation, "_send_once", another_worker_got_there_first)
    assert tick(session, after(seconds=5)) == 1
    assert automated_bodies(session, first) == []
    assert automated_bodies(session, second) == [OFFLINE.body]


class BothReadFirst:
    """Holds each worker at its first send until the other worker has read too."""

    def __init__(self, send_once):
        self.send_once = send_once
        self.barrier = threading.Barrier(2, timeout=30)
        self.arrived: set[int] = set()

    def __call__(self, *args):
        if threading.get_ident() not in self.arrived:
            self.arrived.add(threading.get_ident())
            self.barrier.wait()
        return self.send_once(*args)


def test_two_workers_ticking_at_once_send_each_message_once(session, engine, monkeypatch):
    enterprise, listing = make_listing(session, specs=[OFFLINE, STILL_THERE])
    waiting = [open_ticket(session, enterprise, listing) for _ in range(3)]
    session.commit()
    real_send_once = automation._send_once

    def run_two_workers(now):
        if engine.dialect.name == "postgresql":
            # Both workers read before either writes, so only the unique key stops the
            # second send. SQLite runs write transactions one after the other instead:
            # there the second worker reads what the first committed.
            monkeypatch.setattr(automation, "_send_once", BothReadFirst(real_send_once))
        start = threading.Barrier(2, timeout=30)
        results: list[int] = []
        errors: list[BaseException] = []

        def worker():
            try:
                with Session(engine, expire_on_commit=False) as own:
                    start.wait()
                    results.append(automation.run_due(session=own, now=now))
                    own.commit()
            except BaseException as exc:  # reported by the test's own thread below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        return sorted(results)

    assert run_two_workers(after(seconds=10)) == [0, 3]  # offline, once per ticket
    come_online(session, enterprise, after(seconds=100))
    session.commit()
    assert run_two_workers(after(seconds=100)) == [0, 3]  # the held-back inactivity
    for ticket in waiting:
        assert automated_bodies(session, ticket) == [OFFLINE.body, STILL_THERE.body]
    assert len(session.exec(select(AutomatedMessageSent)).all()) == 6
