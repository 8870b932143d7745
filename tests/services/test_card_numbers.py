"""Card numbers are taken out of chat text and transcripts before anything is stored."""

import datetime as dt

import pytest
from sqlmodel import select

from interplat.models import Channel, Message, SenderKind
from interplat.services import links, messages, tickets, voice_messages
from interplat.services.card_numbers import luhn_valid, redact_card_numbers
from tests.factories import make_customer, make_enterprise

# The public test numbers card processors document, as people write them.
TEST_CARDS = [
    ("4242 4242 4242 4242", "4242"),
    ("4242424242424242", "4242"),
    ("5555-5555-5555-4444", "4444"),
    ("3782 822463 10005", "0005"),  # American Express, 15 digits
    ("6011 1111 1111 1117", "1117"),
    ("3622 720627 1667", "1667"),  # Diners, 14 digits
    ("4000 0566 5566 5556", "5556"),
    ("6200000000000005", "0005"),  # UnionPay
]


@pytest.mark.parametrize(("written", "last4"), TEST_CARDS)
def test_every_test_card_is_removed_however_it_is_written(written, last4):
    done = redact_card_numbers(f"here: {written}, thanks")
    assert done.text == f"here: [card ending {last4} removed], thanks"
    assert done.removed == [last4]
    assert last4 in done.warning


@pytest.mark.parametrize(
    "text",
    [
        "call me on +1 415 555 0123",
        "order 1234567890123456789012345",  # too long to be a card
        "4242 4242 4242 4241",  # fails the Luhn check
        "my reference is SYM-000123, amount 12.50",
        "",
    ],
)
def test_other_numbers_stay(text):
    assert redact_card_numbers(text).text == text
    assert redact_card_numbers(text).warning == ""


def test_a_card_followed_by_its_cvc_or_another_card_is_still_found():
    done = redact_card_numbers("4242424242424242 123 and 5555555555554444")
    assert done.text == "[card ending 4242 removed] 123 and [card ending 4444 removed]"


def test_luhn():
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")


def _ticket(session):
    enterprise = make_enterprise(session)
    customer = make_customer(session, enterprise)
    ticket, _ = tickets.open_ticket(
        session=session, enterprise_id=enterprise.id, customer_id=customer.id, source=Channel.SMS
    )
    links.create_short_link(
        session=session,
        enterprise_id=enterprise.id,
        channel=Channel.SMS,
        ticket_id=ticket.id,
        customer_id=customer.id,
        ttl=dt.timedelta(hours=1),
    )
    return ticket


def test_a_message_is_stored_without_the_card_number(session):
    ticket = _ticket(session)
    for sender in (SenderKind.CUSTOMER, SenderKind.CSR):
        messages.post_message(
            session=session, ticket=ticket, sender_kind=sender, body="pay with 4111 1111 1111 1111"
        )
    session.commit()
    bodies = session.exec(select(Message.body)).all()
    assert bodies == ["pay with [card ending 1111 removed]"] * 2
    assert not any("4111" in body for body in bodies)


def test_a_card_number_read_aloud_never_reaches_the_stored_transcript(session):
    ticket = _ticket(session)
    message = messages.post_message(
        session=session, ticket=ticket, sender_kind=SenderKind.CUSTOMER, body="", kind="voice"
    )
    session.commit()
    heard = voice_messages.Heard("My card is 4242 4242 4242 4242.", "en", None)
    stored = voice_messages.keep_heard(session=session, message_id=message.id, heard=heard)
    session.commit()
    session.refresh(stored)
    assert stored.transcript == "My card is [card ending 4242 removed]."
