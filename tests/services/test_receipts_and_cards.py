"""Delivered/read receipts both ways, and offer and payment-request cards in a thread."""

import datetime as dt

import pytest
from sqlmodel import select

from interplat.models import (
    Channel,
    Message,
    MessageKind,
    Offer,
    OfferClaim,
    PaymentRequest,
    SenderKind,
    TicketStatus,
    utcnow,
)
from interplat.services import (
    chat_cards,
    chat_workspace,
    customer_chat,
    links,
    messages,
    tickets,
)
from interplat.services.auth import Principal
from interplat.services.errors import Conflict, NotFound
from interplat.services.money import format_money
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
    return enterprise, ticket, link.code


def _assign(session, enterprise, ticket):
    csr = make_user(session, enterprise)
    ticket.assignee_id, ticket.status = csr.id, TicketStatus.ASSIGNED
    session.add(ticket)
    session.flush()
    principal = Principal(csr.id, enterprise.id, "csr", csr.full_name, csr.email, "E")
    return csr, principal


def _receipts(view):
    return [(m.sender_kind, m.receipt) for m in view.thread if m.sender_kind != "system"]


def test_a_customer_message_is_delivered_on_the_csrs_list_and_read_when_opened(session, bus):
    enterprise, ticket, code = _chat(session)
    csr, principal = _assign(session, enterprise, ticket)
    customer_chat.send_customer_text(session=session, code=code, body="hello")
    assert _receipts(customer_chat.load_chat(session=session, code=code)) == [("customer", "sent")]

    chat_workspace.my_chats(session=session, principal=principal)
    session.commit()  # events go out with the commit
    assert _receipts(customer_chat.load_chat(session=session, code=code)) == [
        ("customer", "delivered")
    ]
    delivered = [e for e in bus.delivered if e.kind == "message.delivered"]
    assert [e.data["audience"] for e in delivered] == ["customer"]  # no staff refresh storm
    chat_workspace.my_chats(session=session, principal=principal)
    session.commit()
    assert len([e for e in bus.delivered if e.kind == "message.delivered"]) == 1

    chat_workspace.open_chat(session=session, principal=principal, ticket_id=ticket.id)
    assert _receipts(customer_chat.load_chat(session=session, code=code)) == [("customer", "read")]


def test_a_csr_reply_is_read_when_the_customers_page_shows_it(session, bus):
    enterprise, ticket, code = _chat(session)
    csr, _ = _assign(session, enterprise, ticket)
    reply = messages.post_message(
        session=session,
        ticket=ticket,
        sender_kind=SenderKind.CSR,
        sender_user_id=csr.id,
        body="How can I help?",
    )
    assert messages.receipt_of(reply) == "sent"
    customer_chat.load_chat(session=session, code=code)
    session.commit()
    session.refresh(reply)
    assert messages.receipt_of(reply) == "read" and reply.delivered_at is not None
    [read] = [e for e in bus.delivered if e.kind == "message.read"]
    assert read.data["audience"] == "staff"


def test_receipts_never_touch_another_enterprises_messages(session):
    a, ticket_a, _ = _chat(session)
    b, ticket_b, code_b = _chat(session)
    messages.post_message(session=session, ticket=ticket_a, sender_kind=SenderKind.CSR, body="a")
    changed = messages.mark_seen(
        session=session,
        enterprise_id=b.id,
        ticket_ids=[ticket_a.id],
        senders=[SenderKind.CSR],
        read=True,
    )
    assert changed == 0
    assert (
        session.exec(select(Message).where(Message.ticket_id == ticket_a.id)).one().read_at is None
    )


def _offer(session, enterprise, **kw):
    offer = Offer(
        enterprise_id=enterprise.id,
        title=kw.pop("title", "Spring tune-up"),
        body="Bring your bike in.",
        discount_kind="percent",
        discount_value=20,
        coupon_code="SPRING20",
        status="published",
        **kw,
    )
    session.add(offer)
    session.flush()
    return offer


def _offer_message(session, ticket, offer):
    message = Message(
        enterprise_id=ticket.enterprise_id,
        ticket_id=ticket.id,
        customer_id=ticket.customer_id,
        sender_kind=SenderKind.CSR,
        kind=MessageKind.OFFER,
        body=offer.title,
        offer_id=offer.id,
    )
    session.add(message)
    session.flush()
    return message


def test_an_offer_card_hides_its_code_until_the_customer_claims_it_once(session, bus):
    enterprise, ticket, code = _chat(session)
    offer = _offer(session, enterprise, original_price_minor=12500)
    message = _offer_message(session, ticket, offer)
    [shown] = [m for m in customer_chat.load_chat(session=session, code=code).thread if m.card]
    assert shown.card["deal"] == "20% off" and shown.card["original_price"] == "$125.00"
    assert (shown.card["coupon_code"], shown.card["claimed"], shown.card["state"]) == (
        "",
        "",
        "active",
    )

    chat_cards.claim_offer(session=session, code=code, message_id=message.id)
    chat_cards.claim_offer(session=session, code=code, message_id=message.id)  # double tap
    session.commit()
    [shown] = [m for m in customer_chat.load_chat(session=session, code=code).thread if m.card]
    assert (shown.card["coupon_code"], shown.card["claimed"]) == ("SPRING20", "1")
    assert len(session.exec(select(OfferClaim)).all()) == 1
    assert bus.kinds().count("offer.claimed") == 1


def test_an_expired_or_foreign_offer_cannot_be_claimed(session):
    enterprise, ticket, code = _chat(session)
    expired = _offer(session, enterprise, expires_at=utcnow() - dt.timedelta(days=1))
    message = _offer_message(session, ticket, expired)
    with pytest.raises(Conflict):
        chat_cards.claim_offer(session=session, code=code, message_id=message.id)
    other, other_ticket, other_code = _chat(session)
    foreign = _offer_message(session, other_ticket, _offer(session, other))
    with pytest.raises(NotFound):  # another conversation's card, through this link
        chat_cards.claim_offer(session=session, code=code, message_id=foreign.id)
    assert session.exec(select(OfferClaim)).all() == []


def test_a_payment_request_card_shows_the_amount_in_minor_units(session):
    enterprise, ticket, code = _chat(session)
    request = PaymentRequest(
        enterprise_id=enterprise.id,
        customer_id=ticket.customer_id,
        ticket_id=ticket.id,
        description="Annual service",
        amount_minor=4999,
        currency="EUR",
        status="sent",
        public_token_hash="x" * 64,
    )
    session.add(request)
    session.flush()
    session.add(
        Message(
            enterprise_id=enterprise.id,
            ticket_id=ticket.id,
            customer_id=ticket.customer_id,
            sender_kind=SenderKind.CSR,
            kind=MessageKind.PAYMENT_REQUEST,
            body="Annual service",
            payment_request_id=request.id,
        )
    )
    session.flush()
    [shown] = [m for m in customer_chat.load_chat(session=session, code=code).thread if m.card]
    assert (shown.card["amount"], shown.card["state"], shown.card["text"]) == (
        "€49.99",
        "sent",
        "Annual service",
    )


@pytest.mark.parametrize(
    ("minor", "currency", "shown"),
    [(0, "USD", "$0.00"), (1999, "usd", "$19.99"), (-5, "GBP", "-£0.05"), (1500, "JPY", "¥1,500")],
)
def test_money_is_shown_from_minor_units(minor, currency, shown):
    assert format_money(minor, currency) == shown


def test_an_offer_card_shows_its_last_day_on_the_enterprises_clock(session):
    enterprise = make_enterprise(session)
    enterprise.timezone = "America/Los_Angeles"
    session.add(enterprise)
    session.flush()
    _, ticket, code = _chat(session, enterprise)
    # The end of Dec 31 in Los Angeles is already Jan 1 in UTC.
    ends = dt.datetime(2027, 1, 1, 7, 59, 59, tzinfo=dt.UTC)
    _offer_message(session, ticket, _offer(session, enterprise, expires_at=ends))
    [shown] = [m for m in customer_chat.load_chat(session=session, code=code).thread if m.card]
    assert shown.card["expires"] == "Dec 31, 2026"
