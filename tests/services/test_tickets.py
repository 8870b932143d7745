import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from interplat.models import Ticket, TicketEvent, TicketStatus
from interplat.services import tickets
from interplat.services.errors import Conflict, ValidationFailed
from tests.factories import make_customer, make_enterprise, make_ticket, make_user


def test_references_are_sequential_per_enterprise_with_its_prefix(session):
    a = make_enterprise(session, reference_prefix="BANK")
    b = make_enterprise(session, reference_prefix="SHOW")
    refs = [
        make_ticket(session, a).reference,
        make_ticket(session, b).reference,
        make_ticket(session, a).reference,
    ]
    assert refs == ["BANK-000001", "SHOW-000001", "BANK-000002"]


def test_a_second_open_returns_the_existing_ticket(session, bus):
    enterprise = make_enterprise(session)
    customer = make_customer(session, enterprise)
    first, created = tickets.open_ticket(
        session=session, enterprise_id=enterprise.id, customer_id=customer.id, source="ivr"
    )
    again, created_again = tickets.open_ticket(
        session=session, enterprise_id=enterprise.id, customer_id=customer.id, source="sms"
    )
    session.commit()
    assert (created, created_again) == (True, False)
    assert again.id == first.id
    assert bus.kinds() == ["ticket.created"]


def test_the_database_refuses_two_open_tickets_for_one_customer(session):
    enterprise = make_enterprise(session)
    ticket = make_ticket(session, enterprise)
    session.commit()
    duplicate = Ticket(
        enterprise_id=enterprise.id,
        customer_id=ticket.customer_id,
        number=99,
        reference="X-99",
        status=TicketStatus.WAITING,
    )
    session.add(duplicate)
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()
    session.rollback()
    ticket.status = TicketStatus.RESOLVED
    session.add(ticket)
    session.commit()
    session.add(
        Ticket(
            enterprise_id=enterprise.id,
            customer_id=ticket.customer_id,
            number=100,
            reference="X-100",
            status=TicketStatus.WAITING,
        )
    )
    session.commit()  # a new conversation once the old one ended


def test_unknown_source_is_refused(session):
    enterprise = make_enterprise(session)
    with pytest.raises(ValidationFailed):
        tickets.open_ticket(
            session=session,
            enterprise_id=enterprise.id,
            customer_id=make_customer(session, enterprise).id,
            source="pigeon",
        )


def test_every_transition_is_recorded_with_who_and_when(session, bus):
    enterprise = make_enterprise(session)
    csr, other = make_user(session, enterprise), make_user(session, enterprise)
    ticket = make_ticket(session, enterprise)
    tickets.assign_ticket(session=session, ticket=ticket, user_id=csr.id)
    tickets.assign_ticket(session=session, ticket=ticket, user_id=other.id, actor_user_id=csr.id)
    tickets.end_ticket(
        session=session, ticket=ticket, outcome=TicketStatus.RESOLVED, actor_user_id=other.id
    )
    tickets.rate_ticket(session=session, ticket=ticket, rating=4, comment=" good ")
    session.commit()
    trail = session.exec(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id)
        .order_by(col(TicketEvent.created_at))
    ).all()
    assert [(e.kind, e.actor_user_id) for e in trail] == [
        ("created", None),
        ("assigned", csr.id),
        ("forwarded", csr.id),
        ("resolved", other.id),
        ("rated", None),
    ]
    assert all(e.created_at.tzinfo is not None for e in trail)
    assert (ticket.status, ticket.assignee_id, ticket.rating, ticket.rating_comment) == (
        "resolved",
        other.id,
        4,
        "good",
    )
    assert ticket.assigned_at <= ticket.resolved_at
    assert bus.kinds() == [
        "ticket.created",
        "ticket.assigned",
        "ticket.assigned",
        "ticket.ended",
        "ticket.rated",
    ]


def test_ratings_once_between_one_and_five_after_the_end(session):
    enterprise = make_enterprise(session)
    ticket = make_ticket(session, enterprise)
    with pytest.raises(Conflict):
        tickets.rate_ticket(session=session, ticket=ticket, rating=5)
    tickets.end_ticket(session=session, ticket=ticket, outcome=TicketStatus.ABANDONED)
    for bad in (0, 6, -1):
        with pytest.raises(ValidationFailed):
            tickets.rate_ticket(session=session, ticket=ticket, rating=bad)
    tickets.rate_ticket(session=session, ticket=ticket, rating=1)
    with pytest.raises(Conflict):
        tickets.rate_ticket(session=session, ticket=ticket, rating=5)


def test_an_ended_ticket_cannot_be_assigned_or_ended_again(session):
    enterprise = make_enterprise(session)
    ticket = make_ticket(session, enterprise)
    tickets.end_ticket(session=session, ticket=ticket, outcome=TicketStatus.RESOLVED)
    with pytest.raises(Conflict):
        tickets.end_ticket(session=session, ticket=ticket, outcome=TicketStatus.ABANDONED)
    with pytest.raises(Conflict):
        tickets.assign_ticket(
            session=session, ticket=ticket, user_id=make_user(session, enterprise).id
        )
    with pytest.raises(ValidationFailed):
        tickets.end_ticket(
            session=session, ticket=make_ticket(session, enterprise), outcome=TicketStatus.WAITING
        )


def test_status_counts_are_per_enterprise(session):
    mine, theirs = make_enterprise(session), make_enterprise(session)
    make_ticket(session, mine)
    ended = make_ticket(session, mine)
    tickets.end_ticket(session=session, ticket=ended, outcome=TicketStatus.ABANDONED)
    make_ticket(session, theirs)
    assert tickets.status_counts(session=session, enterprise_id=mine.id) == {
        "waiting": 1,
        "assigned": 0,
        "resolved": 0,
        "abandoned": 1,
    }
