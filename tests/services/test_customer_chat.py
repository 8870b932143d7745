import datetime as dt

import pytest
from sqlmodel import select

from interplat.models import (
    AutomatedMessage,
    Channel,
    Customer,
    ShortLink,
    Ticket,
    TicketStatus,
    utcnow,
)
from interplat.services import customer_chat, enterprises, entry_links, links, tickets
from interplat.services.errors import Conflict, NotFound, ValidationFailed
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
    _add_welcome(session, enterprise, listing)
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


def _entry_link(session, channel=Channel.WEBSITE, **brand):
    enterprise = make_enterprise(session, **brand)
    listing = enterprises.default_listing(session=session, enterprise_id=enterprise.id)
    _add_welcome(session, enterprise, listing)
    made = entry_links.entry_links(
        session=session,
        enterprise_id=enterprise.id,
        listing_id=listing.id,
        base_url="https://chat.example",
    )
    code = next(link.code for link in made if link.channel == channel)
    return enterprise, listing, code


def _counts(session):
    return tuple(len(session.exec(select(model)).all()) for model in (Customer, Ticket, ShortLink))


def test_an_entry_link_offers_to_start_a_chat(session):
    enterprise, listing, code = _entry_link(session, brand_name="Brandy")
    enterprises.update_listing(
        session=session, enterprise_id=enterprise.id, listing_id=listing.id, name="Card services"
    )
    view = customer_chat.load_chat(session=session, code=code)
    assert (view.state, view.brand.brand_name, view.listing_name) == (
        "start",
        "Brandy",
        "Card services",
    )
    assert view.thread == [] and not view.ticket_open


@pytest.mark.parametrize("channel", entry_links.ENTRY_CHANNELS)
def test_starting_opens_a_ticket_from_the_links_channel_and_listing(session, bus, channel):
    enterprise, listing, code = _entry_link(session, channel=channel)
    new_code = customer_chat.start_chat_from_entry(session=session, code=code, first_name=" Sam ")
    session.commit()

    target = links.open_short_link(session=session, code=new_code, count_visit=False)
    ticket, customer = target.ticket, target.customer
    assert (ticket.source, ticket.listing_id, ticket.status) == (channel, listing.id, "waiting")
    assert (ticket.enterprise_id, customer.enterprise_id) == (enterprise.id, enterprise.id)
    assert (customer.phone, customer.first_name) == (None, "Sam")
    assert ticket.customer_id == customer.id
    new_link = session.exec(select(ShortLink).where(ShortLink.code == new_code)).one()
    assert new_link.channel == channel and new_link.listing_id is None
    assert new_link.expires_at - new_link.created_at == dt.timedelta(hours=24)
    assert "ticket.created" in bus.kinds()

    view = customer_chat.load_chat(session=session, code=new_code)
    assert (view.state, view.reference, view.ticket_open) == ("ok", ticket.reference, True)
    assert [m.body for m in view.thread] == [f"Hi Sam, welcome to {enterprise.brand_name}!"]
    customer_chat.send_customer_text(session=session, code=new_code, body="hello")
    assert customer_chat.load_chat(session=session, code=code).state == "start"  # still offers


def test_a_nameless_start_is_welcomed_generically(session):
    enterprise, _, code = _entry_link(session)
    new_code = customer_chat.start_chat_from_entry(session=session, code=code)
    view = customer_chat.load_chat(session=session, code=new_code)
    assert [m.body for m in view.thread] == [f"Hi there, welcome to {enterprise.brand_name}!"]


def test_each_start_is_a_new_customer_and_ticket(session):
    _, _, code = _entry_link(session)
    first = customer_chat.start_chat_from_entry(session=session, code=code, first_name="Sam")
    second = customer_chat.start_chat_from_entry(session=session, code=code, first_name="Sam")
    a = links.open_short_link(session=session, code=first, count_visit=False)
    b = links.open_short_link(session=session, code=second, count_visit=False)
    assert first != second
    assert a.ticket.id != b.ticket.id and a.customer.id != b.customer.id
    customer_chat.send_customer_text(session=session, code=first, body="private")
    assert "private" not in [
        m.body for m in customer_chat.load_chat(session=session, code=second).thread
    ]


def test_a_started_chat_belongs_to_the_links_enterprise_only(session):
    _, _, code = _entry_link(session)
    other, _, _ = _entry_link(session)
    new_code = customer_chat.start_chat_from_entry(session=session, code=code)
    ticket = links.open_short_link(session=session, code=new_code).ticket
    assert session.exec(select(Ticket).where(Ticket.enterprise_id == other.id)).all() == []
    assert session.exec(select(Customer).where(Customer.enterprise_id == other.id)).all() == []
    assert ticket.enterprise_id != other.id


def test_an_expired_or_revoked_entry_link_starts_nothing(session):
    _, _, code = _entry_link(session)
    link = session.exec(select(ShortLink).where(ShortLink.code == code)).one()
    link.expires_at = utcnow() - dt.timedelta(minutes=1)
    session.add(link)
    session.commit()
    # Opening it may make the website entry link its "Start a new chat" offers; nothing else.
    assert customer_chat.load_chat(session=session, code=code).state == "expired"
    before = _counts(session)
    with pytest.raises(links.LinkExpired):
        customer_chat.start_chat_from_entry(session=session, code=code, first_name="Sam")

    link.expires_at = None
    links.revoke_short_link(session=session, link=link)
    session.commit()
    with pytest.raises(links.LinkExpired):
        customer_chat.start_chat_from_entry(session=session, code=code)
    with pytest.raises(NotFound):
        customer_chat.start_chat_from_entry(session=session, code="no-such-link")
    assert _counts(session) == before


def test_a_tickets_own_link_cannot_start_another_chat(session):
    _, ticket, link = _chat(session)
    before = _counts(session)
    with pytest.raises(Conflict):
        customer_chat.start_chat_from_entry(session=session, code=link.code)
    assert _counts(session) == before


@pytest.mark.parametrize("first_name", ["x" * 101, "Sam\x00", "\x00"])
def test_a_bad_first_name_is_refused_and_nothing_is_written(session, first_name):
    _, _, code = _entry_link(session)
    session.commit()
    before = _counts(session)
    with pytest.raises(ValidationFailed) as err:
        customer_chat.start_chat_from_entry(session=session, code=code, first_name=first_name)
    assert err.value.field == "first_name"
    assert _counts(session) == before


def test_a_first_name_of_exactly_100_characters_is_kept(session):
    _, _, code = _entry_link(session)
    new_code = customer_chat.start_chat_from_entry(
        session=session, code=code, first_name="  " + "n" * 100 + "  "
    )
    assert links.open_short_link(session=session, code=new_code).customer.first_name == "n" * 100


def _add_welcome(session, enterprise, listing):
    session.add(
        AutomatedMessage(
            enterprise_id=enterprise.id,
            listing_id=listing.id,
            kind="welcome",
            body="Hi {first_name}, welcome to {brand_name}!",
        )
    )
