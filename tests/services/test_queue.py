import datetime as dt
import threading
import uuid
from collections import Counter

import pytest
from sqlmodel import Session, col, select

from interplat.models import Customer, Ticket, TicketEvent, TicketStatus, utcnow
from interplat.services import queue, tickets
from interplat.services.errors import Conflict, ValidationFailed
from tests.factories import make_customer, make_enterprise, make_ticket, make_user


def _ticket_at(session, enterprise, minutes_ago):
    customer = make_customer(session, enterprise)
    ticket, _ = tickets.open_ticket(
        session=session,
        enterprise_id=enterprise.id,
        customer_id=customer.id,
        source="ivr",
        now=utcnow() - dt.timedelta(minutes=minutes_ago),
    )
    return ticket


def test_pull_takes_the_oldest_waiting_ticket_of_the_enterprise(session, bus):
    mine, theirs = make_enterprise(session), make_enterprise(session)
    csr = make_user(session, mine)
    _ticket_at(session, theirs, 100)  # older, but another tenant's
    newer = _ticket_at(session, mine, 5)
    older = _ticket_at(session, mine, 10)
    session.commit()
    pulled = queue.pull_next_ticket(session=session, enterprise_id=mine.id, user_id=csr.id)
    session.commit()
    assert pulled.id == older.id
    row = session.get(Ticket, pulled.id, populate_existing=True)
    assert (row.status, row.assignee_id, pulled.assignee_id) == ("assigned", csr.id, csr.id)
    assert row.assigned_at == pulled.assigned_at is not None
    assert (
        queue.pull_next_ticket(session=session, enterprise_id=mine.id, user_id=csr.id).id
        == newer.id
    )
    assert queue.pull_next_ticket(session=session, enterprise_id=mine.id, user_id=csr.id) is None
    assert bus.kinds().count("ticket.assigned") == 1  # the second pull is not committed yet
    kinds = session.exec(select(TicketEvent.kind).where(TicketEvent.ticket_id == older.id)).all()
    assert kinds == ["created", "assigned"]


def test_only_staff_of_the_enterprise_can_be_given_tickets(session):
    mine, theirs = make_enterprise(session), make_enterprise(session)
    stranger = make_user(session, theirs)
    ticket = _ticket_at(session, mine, 1)
    with pytest.raises(ValidationFailed):
        queue.pull_next_ticket(session=session, enterprise_id=mine.id, user_id=stranger.id)
    with pytest.raises(ValidationFailed):
        queue.pull_next_ticket(session=session, enterprise_id=mine.id, user_id=uuid.uuid4())
    session.refresh(ticket)
    assert ticket.status == "waiting"


def test_release_puts_the_ticket_at_the_head_of_the_queue(session, bus):
    enterprise = make_enterprise(session)
    csr, other = make_user(session, enterprise), make_user(session, enterprise)
    first = _ticket_at(session, enterprise, 30)
    _ticket_at(session, enterprise, 20)
    session.commit()
    taken = queue.pull_next_ticket(session=session, enterprise_id=enterprise.id, user_id=csr.id)
    pulled = session.get(Ticket, taken.id, populate_existing=True)
    _ticket_at(session, enterprise, 60)  # arrives "older" than everything still waiting
    queue.release_ticket(session=session, ticket=pulled, actor_user_id=csr.id)
    session.commit()
    assert (pulled.status, pulled.assignee_id) == ("waiting", None)
    again = queue.pull_next_ticket(session=session, enterprise_id=enterprise.id, user_id=other.id)
    assert again.id == first.id
    assert again.assigned_at <= utcnow()
    assert "ticket.released" in bus.kinds()
    with pytest.raises(Conflict):
        queue.release_ticket(session=session, ticket=_ticket_at(session, enterprise, 1))


def test_waiting_previews_show_customer_and_last_message(session):
    from interplat.services import messages

    enterprise = make_enterprise(session)
    customer = make_customer(session, enterprise, first_name="Dana", last_name="W")
    ticket = make_ticket(session, enterprise, customer)
    messages.post_message(session=session, ticket=ticket, sender_kind="customer", body="first")
    messages.post_message(
        session=session,
        ticket=ticket,
        sender_kind="customer",
        body="second",
        now=utcnow() + dt.timedelta(seconds=1),
    )
    [preview] = queue.waiting_previews(session=session, enterprise_id=enterprise.id)
    assert (preview.reference, preview.customer_name, preview.last_message) == (
        ticket.reference,
        "Dana W",
        "second",
    )


def _bulk_waiting(session, enterprise, n):
    now = utcnow()
    customers = [Customer(enterprise_id=enterprise.id, phone=f"+1415{i:07d}") for i in range(n)]
    session.add_all(customers)
    session.flush()
    session.add_all(
        Ticket(
            enterprise_id=enterprise.id,
            customer_id=c.id,
            number=i + 1,
            reference=f"T-{i + 1}",
            status=TicketStatus.WAITING,
            created_at=now,
            queued_at=now + dt.timedelta(microseconds=i),
        )
        for i, c in enumerate(customers)
    )
    session.commit()


def test_twenty_csrs_pulling_two_thousand_tickets_assign_each_exactly_once(session, engine):
    enterprise = make_enterprise(session)
    csrs = [make_user(session, enterprise) for _ in range(20)]
    session.commit()
    _bulk_waiting(session, enterprise, 2000)
    pulled: dict[uuid.UUID, list[uuid.UUID]] = {c.id: [] for c in csrs}
    errors: list[BaseException] = []
    start = threading.Barrier(len(csrs))

    def worker(csr_id):
        start.wait()
        try:
            while True:
                with Session(engine, expire_on_commit=False) as s:
                    ticket = queue.pull_next_ticket(
                        session=s, enterprise_id=enterprise.id, user_id=csr_id
                    )
                    s.commit()
                if ticket is None:
                    return
                pulled[csr_id].append(ticket.id)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(c.id,)) for c in csrs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    taken = Counter(tid for ids in pulled.values() for tid in ids)
    assert len(taken) == 2000 and set(taken.values()) == {1}
    assert sum(1 for ids in pulled.values() if ids) > 1  # the work really was shared
    rows = session.exec(select(Ticket.id, Ticket.assignee_id, Ticket.status)).all()
    owner = {tid: csr for csr, ids in pulled.items() for tid in ids}
    assert all(status == "assigned" and owner[tid] == assignee for tid, assignee, status in rows)
    events = session.exec(select(TicketEvent.ticket_id).where(TicketEvent.kind == "assigned")).all()
    assert len(events) == 2000 and len(set(events)) == 2000


def test_concurrent_opens_for_one_customer_make_one_ticket(session, engine):
    enterprise = make_enterprise(session)
    customer = make_customer(session, enterprise)
    session.commit()
    results, errors = [], []
    start = threading.Barrier(8)

    def open_one():
        start.wait()
        try:
            with Session(engine, expire_on_commit=False) as s:
                ticket, created = tickets.open_ticket(
                    session=s, enterprise_id=enterprise.id, customer_id=customer.id, source="sms"
                )
                s.commit()
                results.append((ticket.id, created))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert len({tid for tid, _ in results}) == 1
    assert [created for _, created in results].count(True) == 1
    assert (
        len(session.exec(select(Ticket).where(col(Ticket.customer_id) == customer.id)).all()) == 1
    )
