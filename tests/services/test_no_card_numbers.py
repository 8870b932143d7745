"""After a full round of sandbox payments, no full card number is anywhere: not in any
column of any table, not in the logs, not in a chat transcript, not in a webhook."""

import logging
import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, SQLModel

from interplat.api import create_api
from interplat.api.deps import get_session
from interplat.db import get_engine, session_scope
from interplat.models import SavedCard, SenderKind
from interplat.services import messages, payments
from tests.factories import make_customer, make_enterprise, make_ticket, make_user
from tests.payments_data import principal_of
from tests.sandbox_pay import make_rfp, sandbox_on
from tests.services.test_sandbox_processor import DECLINES, SUCCESS_CARDS

CARDS = [*SUCCESS_CARDS, *DECLINES, "4000002500003155", "4000000000003220", "4111111111111111"]


@pytest.fixture
def sandbox(db_url):
    yield from sandbox_on(db_url)


def spaced(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def leaks(text: str) -> list[str]:
    """Test card numbers in ``text``, however they are spaced or dashed."""
    squeezed = re.sub(r"[\s-]", "", text)
    return [n for n in CARDS if n in text or spaced(n) in text or n in squeezed]


def test_no_card_number_is_stored_logged_or_shown(sandbox, db_url, caplog):
    caplog.set_level(logging.DEBUG)
    app = create_api()

    def _session():
        with session_scope(db_url) as session:
            yield session

    app.dependency_overrides[get_session] = _session
    client = TestClient(app)
    with session_scope(db_url) as s:
        enterprise = make_enterprise(s)
        admin = principal_of(make_user(s, enterprise, "admin"))
        customer = make_customer(s, enterprise)
        ticket = make_ticket(s, enterprise, customer)
        # A customer pasting a card into the chat is redacted there (services/card_numbers).
        messages.post_message(session=s, ticket=ticket, sender_kind=SenderKind.CUSTOMER,
                              body="my card is 4242 4242 4242 4242 exp 12/34")  # fmt: skip
    for n, number in enumerate(CARDS):
        with session_scope(db_url) as s:
            rfp = make_rfp(s, customer, ticket, 1000 + n, invoice_number=f"INV-{n}")
            begun = payments.pay_with_new_card(
                session=s, request=rfp, return_url="https://x/b", save_card=n % 2 == 0
            )
        path = "/api/" + begun.url.split("/api/", 1)[1]
        cvc = "1234" if number.startswith("37") else "123"
        for typed in (
            number[:-1] + str((int(number[-1]) + 1) % 10),
            spaced(number),
        ):  # a typo first, then the card
            answer = client.post(path, data={"number": typed, "expiry": "12/34", "cvc": cvc},
                                 follow_redirects=False)  # fmt: skip
            form = answer.text.split("<div class=note>")[0]  # the note lists public test cards
            assert not leaks(form), form
        if answer.status_code == 303 and "/challenge/" in answer.headers["location"]:
            challenge = "/api/" + answer.headers["location"].split("/api/", 1)[1]
            client.post(challenge, data={"action": "approve"}, follow_redirects=False)
        for _, body, headers in sandbox.sent:
            assert not leaks(body.decode())
            assert client.post("/api/payments/webhooks/sandbox", content=body,
                               headers=headers).status_code == 200  # fmt: skip
        sandbox.sent.clear()
    with session_scope(db_url) as s:
        card = s.query(SavedCard).first()
        rfp = make_rfp(s, customer, ticket, 777, invoice_number="INV-W")
    with session_scope(db_url) as s:
        paid = payments.pay_with_saved_card(session=s, request=rfp, card_id=card.id)
    with session_scope(db_url) as s:
        payments.refund_payment(session=s, principal=admin, payment_id=paid.payment_id,
                                amount_minor=100, reason="card 4242424242424242 refund")  # fmt: skip

    found = []
    with Session(get_engine(db_url)) as s:
        for table in SQLModel.metadata.sorted_tables:
            for row in s.execute(sa.select(table)).all():
                for value in row:
                    if value is not None and leaks(str(value)):
                        found.append((table.name, str(value)[:80]))
        thread = messages.list_thread(session=s, enterprise_id=enterprise.id, ticket_id=ticket.id)
    assert found == []
    assert not [m for m in thread if leaks(repr(m))]
    assert not leaks(caplog.text)
    assert len([m for m in thread if m.body.startswith("Paid $")]) == len(SUCCESS_CARDS) + 3
    assert thread[0].body == "my card is [card ending 4242 removed] exp 12/34"
