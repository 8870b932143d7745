"""Requests for payment: checks on create, the bill token, sending in chat, best-channel
delivery, viewed/cancelled/expired, and tenants kept apart."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from interplat.models import Message, OutboxMessage, PaymentRequest, ThreadMarker
from interplat.services import (
    attachments,
    chat_cards,
    messages,
    payment_delivery,
    payment_requests,
    sms,
    tickets,
)
from interplat.services.auth import Principal
from interplat.services.errors import Conflict, NotFound, ValidationFailed
from tests.factories import make_customer, make_enterprise, make_ticket, make_user

NOW = dt.datetime(2026, 6, 10, 16, 0, tzinfo=dt.UTC)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def principal_of(user) -> Principal:
    return Principal(user.id, user.enterprise_id, user.role, user.full_name, user.email, "x")


@pytest.fixture
def world(session):
    enterprise = make_enterprise(session, timezone="America/New_York")
    csr = principal_of(make_user(session, enterprise))
    customer = make_customer(session, enterprise, email="pat@example.com")
    session.commit()
    return enterprise, csr, customer


def create(session, csr, customer, **kw):
    values = {
        "amount_minor": 4999,
        "currency": "usd",
        "invoice_number": "INV-1",
        "description": "Boiler service",
        "now": NOW,
    }
    values.update(kw)
    return payment_requests.create_request(
        session=session, principal=csr, customer_id=customer.id, **values
    )


def test_create_stores_a_draft_with_line_items_and_only_a_token_hash(session, world):
    _, csr, customer = world
    request = create(
        session,
        csr,
        customer,
        line_items=[("Labour", 2, 2000), ("Part", 1, 999)],
        due_date=dt.date(2026, 6, 10),  # today in New York
    )
    assert (request.status, request.currency, request.amount_minor) == ("draft", "USD", 4999)
    token = payment_requests.bill_token(request.id)
    assert len(token) == 32 and token not in request.public_token_hash
    assert payment_requests.request_by_token(session=session, token=token).id == request.id
    lines = payment_requests.line_items_of(session=session, request=request)
    assert [(i.description, i.amount_minor) for i in lines] == [("Labour", 4000), ("Part", 999)]


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"amount_minor": 0}, "more than zero"),
        ({"amount_minor": 100_000_001}, "cannot be more than"),
        ({"currency": "XYZ"}, "Currency must be"),
        ({"invoice_number": "x" * 65}, "at most 64"),
        ({"description": "x" * 2001}, "2,000"),
        ({"line_items": [("A", 1, 100)]}, "add up"),
        ({"due_date": dt.date(2026, 6, 9)}, "in the past"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(session, world, kw, message):
    _, csr, customer = world
    with pytest.raises(ValidationFailed, match=message):
        create(session, csr, customer, **kw)
    assert session.exec(select(PaymentRequest)).all() == []


def test_invoice_numbers_are_unique_per_enterprise_unless_cancelled(session, world):
    enterprise, csr, customer = world
    first = create(session, csr, customer)
    with pytest.raises(Conflict, match="already requested"):
        create(session, csr, customer)
    payment_requests.cancel_request(session=session, principal=csr, request_id=first.id, now=NOW)
    assert create(session, csr, customer).invoice_number == "INV-1"
    other = make_enterprise(session)
    other_csr = principal_of(make_user(session, other))
    assert create(session, other_csr, make_customer(session, other)).invoice_number == "INV-1"


def test_attachment_must_be_a_pdf_of_the_enterprise(session, world):
    enterprise, csr, customer = world
    pdf = attachments.store_attachment(
        session=session,
        enterprise_id=enterprise.id,
        data=PDF,
        filename="i.pdf",
        content_type="application/pdf",
    )
    png = attachments.store_attachment(
        session=session,
        enterprise_id=enterprise.id,
        data=b"x",
        filename="a.png",
        content_type="image/png",
    )
    assert create(session, csr, customer, attachment_id=pdf.id).attachment_id == pdf.id
    with pytest.raises(ValidationFailed, match="PDF"):
        create(session, csr, customer, invoice_number="INV-2", attachment_id=png.id)


def test_another_tenant_cannot_bill_or_read_a_request(session, world):
    enterprise, csr, customer = world
    other = make_enterprise(session)
    intruder = principal_of(make_user(session, other))
    with pytest.raises(NotFound):
        create(session, intruder, customer)
    request = create(session, csr, customer)
    with pytest.raises(NotFound):
        payment_requests.get_request(session=session, principal=intruder, request_id=request.id)
    with pytest.raises(NotFound):
        payment_delivery.deliver(session=session, principal=intruder, request=request)


def test_send_in_chat_posts_the_card_marks_sent_and_records_a_marker(session, world, bus):
    enterprise, csr, customer = world
    ticket = make_ticket(session, enterprise, customer)
    messages.post_message(
        session=session,
        ticket=ticket,
        sender_kind="customer",
        body="bill me",
        now=NOW - dt.timedelta(minutes=1),
    )
    request = create(session, csr, customer, ticket_id=ticket.id, line_items=[("Fix", 1, 4999)])
    message = payment_requests.send_in_chat(
        session=session, principal=csr, request=request, now=NOW
    )
    assert (message.kind, message.payment_request_id) == ("payment_request", request.id)
    assert (request.status, request.sent_at) == ("sent", NOW)
    marker = session.exec(select(ThreadMarker)).one()
    assert (marker.kind, marker.after_message_id) == ("rfp_sent", message.id)
    card = chat_cards.cards_for(session, [message])[message.id]
    assert card["biller"] == enterprise.brand_name and card["amount"] == "$49.99"
    assert card["pay_url"] == "/bill/" + payment_requests.bill_token(request.id)
    assert "Fix — 1 × $49.99" in card["details"] and card["payable"] == "1"
    session.commit()
    assert "payment_request.updated" in bus.kinds()


def test_deliver_prefers_the_open_chat_then_sms_then_email(session, world):
    enterprise, csr, customer = world
    ticket = make_ticket(session, enterprise, customer)
    in_chat = create(session, csr, customer)
    assert payment_delivery.deliver(session=session, principal=csr, request=in_chat) == "chat"
    tickets.end_ticket(session=session, ticket=ticket, outcome="resolved")
    by_sms = create(session, csr, customer, invoice_number="INV-2")
    assert payment_delivery.deliver(session=session, principal=csr, request=by_sms) == "sms"
    sms.suppress(session=session, enterprise_id=enterprise.id, phone=customer.phone)
    by_email = create(session, csr, customer, invoice_number="INV-3")
    assert payment_delivery.deliver(session=session, principal=csr, request=by_email) == "email"
    outbox = session.exec(select(OutboxMessage).order_by(OutboxMessage.created_at)).all()
    assert [(m.channel, m.to_address) for m in outbox] == [
        ("sms", customer.phone),
        ("email", "pat@example.com"),
    ]
    link = payment_requests.bill_url(payment_requests.bill_token(by_email.id))
    assert link in outbox[1].body and "$49.99" in outbox[1].subject
    assert by_sms.status == by_email.status == "sent"


def test_a_customer_with_no_way_to_reach_is_refused(session, world):
    enterprise, csr, _ = world
    silent = make_customer(session, enterprise)
    sms.suppress(session=session, enterprise_id=enterprise.id, phone=silent.phone)
    request = create(session, csr, silent)
    with pytest.raises(ValidationFailed, match="no open chat"):
        payment_delivery.deliver(session=session, principal=csr, request=request)
    assert request.status == "draft"


def test_viewed_once_cancel_and_expire(session, world):
    enterprise, csr, customer = world
    ticket = make_ticket(session, enterprise, customer)
    request = create(session, csr, customer, due_date=dt.date(2026, 6, 11))
    payment_requests.send_in_chat(session=session, principal=csr, request=request, now=NOW)
    assert payment_requests.mark_viewed(session=session, request=request, now=NOW)
    assert not payment_requests.mark_viewed(session=session, request=request, now=NOW)
    kinds = session.exec(select(ThreadMarker.kind).where(ThreadMarker.ticket_id == ticket.id))
    assert sorted(kinds.all()) == ["rfp_sent", "rfp_viewed"]
    # 11 June ends at 04:00 UTC on the 12th in New York: still due at 03:00 UTC.
    early = dt.datetime(2026, 6, 12, 3, 0, tzinfo=dt.UTC)
    assert payment_requests.expire_due(session=session, now=early) == 0
    late = dt.datetime(2026, 6, 12, 5, 0, tzinfo=dt.UTC)
    assert payment_requests.expire_due(session=session, now=late) == 1
    assert request.status == "expired"
    with pytest.raises(Conflict):
        payment_requests.cancel_request(session=session, principal=csr, request_id=request.id)


def test_a_wrong_token_is_not_found(session, world):
    with pytest.raises(NotFound):
        payment_requests.request_by_token(session=session, token="nope")
    assert session.exec(select(Message)).all() == []
