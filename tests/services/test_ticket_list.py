import datetime as dt
import uuid

import pytest

from interplat.models import TicketStatus, utcnow
from interplat.services import ticket_list, tickets
from interplat.services.errors import NotFound, ValidationFailed
from tests.factories import make_customer, make_enterprise, make_user

F = ticket_list.TicketFilters


@pytest.fixture
def world(session):
    mine, theirs = make_enterprise(session), make_enterprise(session)
    csr = make_user(session, mine, full_name="Cora Reyes")
    now = utcnow()
    made = []
    for i, (first, source) in enumerate([("Dana", "ivr"), ("Eli", "sms"), ("Fay", "ivr")]):
        customer = make_customer(session, mine, first_name=first, last_name="Test")
        ticket, _ = tickets.open_ticket(
            session=session,
            enterprise_id=mine.id,
            customer_id=customer.id,
            source=source,
            now=now - dt.timedelta(hours=3 - i),
        )
        made.append(ticket)
    tickets.assign_ticket(session=session, ticket=made[1], user_id=csr.id)
    tickets.end_ticket(session=session, ticket=made[2], outcome=TicketStatus.RESOLVED)
    make_customer(session, theirs)
    tickets.open_ticket(
        session=session,
        enterprise_id=theirs.id,
        customer_id=make_customer(session, theirs).id,
        source="ivr",
    )
    session.commit()
    return mine, theirs, csr, made


def test_lists_newest_first_with_names(session, world):
    mine, _, csr, made = world
    page = ticket_list.list_tickets(session=session, enterprise_id=mine.id)
    assert [t.reference for t in page.items] == [t.reference for t in reversed(made)]
    assert page.total == 3
    assert page.items[1].assignee_name == "Cora Reyes"
    assert page.items[0].customer_name == "Fay Test"


@pytest.mark.parametrize(
    "filters,expected",
    [
        (F(statuses=("waiting",)), [0]),
        (F(statuses=("assigned", "resolved")), [2, 1]),
        (F(sources=("ivr",)), [2, 0]),
        (F(search="eli"), [1]),
        (F(search="000003"), [2]),
    ],
)
def test_filters_and_search(session, world, filters, expected):
    mine, _, _, made = world
    page = ticket_list.list_tickets(session=session, enterprise_id=mine.id, filters=filters)
    assert [t.id for t in page.items] == [str(made[i].id) for i in expected]
    assert ticket_list.count_tickets(
        session=session, enterprise_id=mine.id, filters=filters
    ) == len(expected)


def test_paging(session, world):
    mine, _, _, made = world
    page = ticket_list.list_tickets(session=session, enterprise_id=mine.id, offset=1, limit=1)
    assert [t.id for t in page.items] == [str(made[1].id)] and page.total == 3
    with pytest.raises(ValidationFailed):
        ticket_list.list_tickets(session=session, enterprise_id=mine.id, limit=500)
    with pytest.raises(ValidationFailed):
        ticket_list.list_tickets(
            session=session, enterprise_id=mine.id, filters=F(statuses=("lost",))
        )


def test_current_ticket_and_tenant_isolation(session, world):
    mine, theirs, _, made = world
    current = ticket_list.current_ticket(
        session=session, enterprise_id=mine.id, customer_id=made[0].customer_id
    )
    assert current.id == str(made[0].id)
    with pytest.raises(NotFound):
        ticket_list.current_ticket(
            session=session, enterprise_id=mine.id, customer_id=made[2].customer_id
        )  # resolved
    with pytest.raises(NotFound):
        ticket_list.ticket_public(session=session, enterprise_id=theirs.id, ticket_id=made[0].id)
    with pytest.raises(NotFound):
        ticket_list.ticket_public(session=session, enterprise_id=mine.id, ticket_id=uuid.uuid4())
    assert ticket_list.list_tickets(session=session, enterprise_id=theirs.id).total == 1
