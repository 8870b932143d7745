import datetime as dt

import pytest

from interplat.models import AutomatedMessage, Channel, TicketStatus, utcnow
from interplat.services import customer_chat, enterprises, links, tickets
from interplat.services.errors import ValidationFailed
from tests.factories import make_customer, make_enterprise


def _chat(session, **brand):
    enterprise = make_enterprise(session, **brand)
    listing = enterprises.default_listing(session=session, enterprise_id=enterprise.id)
    customer = make_customer(session, enterprise, first_name="Dana")
    ticket, _ = tickets.open_ticket(
        session=session,
        enterprise_id=enterprise.id,
        customer_id=customer.id,
        source=Channel.SMS,
        listing_id=listing.id,
    )
    session.add(
        AutomatedMessage(
            enterprise_id=enterprise.id,
            listing_id=listing.id,
            kind="welcome",
            body="Hi {first_name}, welcome to {brand_name}!",
        )
    )
    link = links.create_short_link(
        session=session,
        enterprise_id=enterprise.id,
        channel=Channel.SMS,
        ticket_id=ticket.id,
        customer_id=customer.id,
        ttl=dt.timedelta(hours=1),
    )
    return enterprise, ticket, link


def test_a_link_opens_the_branded_chat_with_the_welcome_first(session):
    enterprise, ticket, link = _chat(session, brand_name="Brandy", primary_color="#112233")
    view = customer_chat.load_chat(session=session, code=link.code)
    assert view.state == "ok"
    assert (view.brand.brand_name, view.brand.primary_color) == ("Brandy", "#112233")
    assert [(m.sender_kind, m.sender_name, m.body) for m in view.thread] == [
        ("system", "Brandy", "Hi Dana, welcome to Brandy!")
    ]
    assert view.reference == ticket.reference and view.ticket_open
    again = customer_chat.load_chat(session=session, code=link.code)
    assert len(again.thread) == 1  # sent once, however often the link is opened


def test_customer_texts_join_the_thread(session, bus):
    _, ticket, link = _chat(session)
    customer_chat.load_chat(session=session, code=link.code)
    sent = customer_chat.send_customer_text(session=session, code=link.code, body="  hello  ")
    session.commit()
    view = customer_chat.load_chat(session=session, code=link.code)
    assert sent.body == "hello"
    assert [(m.sender_kind, m.body) for m in view.thread][1:] == [("customer", "hello")]
    assert "message.created" in bus.kinds()


@pytest.mark.parametrize("body", ["", "   ", "x" * 4001])
def test_empty_or_huge_texts_are_refused_and_nothing_is_stored(session, body):
    _, _, link = _chat(session)
    with pytest.raises(ValidationFailed):
        customer_chat.send_customer_text(session=session, code=link.code, body=body)
    thread = customer_chat.load_chat(session=session, code=link.code).thread
    assert [m.sender_kind for m in thread] == ["system"]  # the welcome only


def test_an_ended_conversation_takes_no_more_texts(session):
    _, ticket, link = _chat(session)
    tickets.end_ticket(session=session, ticket=ticket, outcome=TicketStatus.RESOLVED)
    assert not customer_chat.load_chat(session=session, code=link.code).ticket_open
    with pytest.raises(ValidationFailed):
        customer_chat.send_customer_text(session=session, code=link.code, body="hello?")


def test_expired_and_unknown_links_show_a_clear_state(session):
    enterprise, _, link = _chat(session, brand_name="Brandy")
    later = utcnow() + dt.timedelta(hours=2)
    expired = customer_chat.load_chat(session=session, code=link.code, now=later)
    assert expired.state == "expired" and expired.brand.brand_name == "Brandy"
    assert customer_chat.load_chat(session=session, code="missing").state == "missing"
