"""The end of a chat (rating) and the loop switch, as the customer's page uses them."""

import datetime as dt

import pytest
from sqlmodel import select

from interplat.models import (
    Channel,
    LoopMembership,
    MarketingConsent,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from interplat.services import consent, customer_chat, customer_choices, links, tickets
from interplat.services.errors import Conflict, NotFound, ValidationFailed
from tests.factories import make_customer, make_enterprise, make_user


def _chat(session, enterprise=None):
    enterprise = enterprise or make_enterprise(session)
    customer = make_customer(session, enterprise, first_name="Dana")
    ticket, _ = tickets.open_ticket(
        session=session, enterprise_id=enterprise.id, customer_id=customer.id, source=Channel.SMS
    )
    link = links.create_short_link(
        session=session,
        enterprise_id=enterprise.id,
        channel=Channel.SMS,
        ticket_id=ticket.id,
        customer_id=customer.id,
        ttl=dt.timedelta(hours=1),
    )
    return enterprise, customer, ticket, link.code


def _end(session, ticket):
    tickets.end_ticket(session=session, ticket=ticket, outcome=TicketStatus.RESOLVED)
    session.flush()


def test_the_rating_panel_appears_when_the_chat_ends_and_the_rating_is_kept_once(session, bus):
    enterprise, _, ticket, code = _chat(session)
    tickets.assign_ticket(session=session, ticket=ticket, user_id=make_user(session, enterprise).id)
    assert customer_chat.load_chat(session=session, code=code).can_rate is False
    _end(session, ticket)
    view = customer_chat.load_chat(session=session, code=code)
    assert (view.can_rate, view.rating) == (True, 0)

    customer_choices.rate_chat(session=session, code=code, rating=4, comment="  Quick help  ")
    session.commit()
    view = customer_chat.load_chat(session=session, code=code)
    assert (view.can_rate, view.rating, view.rating_comment) == (False, 4, "Quick help")
    assert "ticket.rated" in bus.kinds()
    with pytest.raises(Conflict):
        customer_choices.rate_chat(session=session, code=code, rating=1)
    assert session.get(Ticket, ticket.id).rating == 4
    rated = session.exec(select(TicketEvent).where(TicketEvent.kind == "rated")).all()
    assert [e.detail["rating"] for e in rated] == [4]


def test_a_chat_no_representative_served_offers_no_rating_panel(session):
    _, _, ticket, code = _chat(session)  # e.g. a blast's thread, or left in the queue
    _end(session, ticket)
    assert customer_chat.load_chat(session=session, code=code).can_rate is False


@pytest.mark.parametrize(
    ("rating", "comment", "error"),
    [
        (0, "", ValidationFailed),
        (6, "", ValidationFailed),
        (5, "x" * 1001, ValidationFailed),
        (5, "bad\x00byte", ValidationFailed),
    ],
)
def test_a_bad_rating_is_refused_and_changes_nothing(session, rating, comment, error):
    _, _, ticket, code = _chat(session)
    _end(session, ticket)
    with pytest.raises(error):
        customer_choices.rate_chat(session=session, code=code, rating=rating, comment=comment)
    assert session.get(Ticket, ticket.id).rating is None


def test_an_open_chat_cannot_be_rated_and_an_unknown_link_rates_nothing(session):
    _, _, ticket, code = _chat(session)
    with pytest.raises(Conflict):
        customer_choices.rate_chat(session=session, code=code, rating=5)
    with pytest.raises(NotFound):
        customer_choices.rate_chat(session=session, code="nope", rating=5)
    assert session.get(Ticket, ticket.id).rating is None


def test_leaving_the_loop_is_recorded_with_time_and_source_and_blocks_marketing(session, bus):
    enterprise, customer, ticket, code = _chat(session)
    csr = make_user(session, enterprise)
    session.add(
        LoopMembership(enterprise_id=enterprise.id, user_id=csr.id, customer_id=customer.id)
    )
    session.flush()
    assert customer_chat.load_chat(session=session, code=code).in_loop is True
    consent.ensure_may_market(customer)

    assert customer_choices.set_loop(session=session, code=code, joined=False) is True
    session.commit()
    assert customer_chat.load_chat(session=session, code=code).in_loop is False
    with pytest.raises(consent.MarketingRefused):
        consent.ensure_may_market(customer)
    assert (
        consent.marketable(session=session, enterprise_id=enterprise.id, customer_ids=[customer.id])
        == set()
    )
    membership = session.exec(select(LoopMembership)).one()
    assert membership.opted_in is False  # kept, so the CSR sees who left
    [record] = consent.consent_history(session=session, customer=customer)
    assert (record.opted_in, record.source, record.ticket_id) == (False, "chat_menu", ticket.id)
    assert record.recorded_at.tzinfo is not None
    assert "customer.consent" in bus.kinds()

    # The same choice again changes nothing and records nothing.
    assert customer_choices.set_loop(session=session, code=code, joined=False) is False
    assert len(session.exec(select(MarketingConsent)).all()) == 1


def test_joining_during_a_chat_with_a_csr_puts_the_customer_in_that_csrs_loop(session):
    enterprise, customer, ticket, code = _chat(session)
    csr = make_user(session, enterprise)
    customer_choices.set_loop(session=session, code=code, joined=False)
    ticket.assignee_id, ticket.status = csr.id, TicketStatus.ASSIGNED
    session.add(ticket)
    session.flush()

    assert customer_choices.set_loop(session=session, code=code, joined=True) is True
    [membership] = session.exec(select(LoopMembership)).all()
    assert (membership.user_id, membership.opted_in) == (csr.id, True)
    history = consent.consent_history(session=session, customer=customer)
    assert [r.opted_in for r in history] == [True, False]


def test_marketable_keeps_to_the_enterprise(session):
    a, customer_a, _, _ = _chat(session)
    b, customer_b, _, _ = _chat(session)
    ids = [customer_a.id, customer_b.id]
    assert consent.marketable(session=session, enterprise_id=a.id, customer_ids=ids) == {
        customer_a.id
    }
    assert consent.marketable(session=session, enterprise_id=b.id, customer_ids=[]) == set()


def test_an_unknown_consent_source_is_refused(session):
    _, customer, _, _ = _chat(session)
    with pytest.raises(ValidationFailed):
        consent.set_marketing_choice(
            session=session, customer=customer, opted_in=False, source="guess"
        )
    assert customer.marketing_opt_in is True
