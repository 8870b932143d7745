import datetime as dt
import uuid

import pytest

from interplat.models import PaymentRequest, SandboxCard, Ticket, utcnow
from interplat.services import bills, chat_sessions, payments, receipts_view
from interplat.services.errors import Conflict, NotFound, ValidationFailed
from interplat.services.sandbox_processor import SandboxProcessor
from tests.bills_data import add_card, send_bill
from tests.factories import make_customer, make_enterprise

NOW = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)


@pytest.fixture
def sandbox(db_url):
    payments.set_provider(SandboxProcessor(database_url=db_url))
    yield
    payments.set_provider(None)


def vault(session, customer, last4, outcome="success"):
    """A card the sandbox processor holds for the customer, and its wallet row."""
    token = f"pm_sb_{uuid.uuid4().hex[:12]}"
    session.add(
        SandboxCard(
            id=token, customer_ref=str(customer.id), brand="visa", last4=last4,
            exp_month=12, exp_year=2034, outcome=outcome,
        )
    )  # fmt: skip
    return add_card(session, customer, last4, token=token)


def test_the_bill_shows_lines_total_due_date_and_marks_it_viewed(session):
    ent = make_enterprise(session, brand_name="Northwind Gas", timezone="America/New_York")
    dana = make_customer(session, ent)
    due = (utcnow() + dt.timedelta(days=2)).date()
    request, token = send_bill(session, ent, dana, due_date=due)
    view = bills.open_bill(session=session, token=token)
    assert view.brand.brand_name == "Northwind Gas" and not view.overdue
    assert (view.invoice_number, view.total, view.due) == (
        "INV-100",
        "$49.99",
        due.strftime("%b %-d, %Y"),
    )
    assert [(line.description, line.quantity, line.unit, line.amount) for line in view.lines] == [
        ("Visit", 1, "$29.99", "$29.99"),
        ("Filter", 2, "$10.00", "$20.00"),
    ]
    assert view.payable and view.status_label == "Due"
    later = bills.bill_view(session=session, token=token, now=utcnow() + dt.timedelta(days=4))
    assert later.overdue
    session.refresh(request)
    assert request.status == "viewed"


def test_unknown_cut_short_and_draft_links_open_nothing(session):
    ent = make_enterprise(session)
    dana = make_customer(session, ent)
    request, token = send_bill(session, ent, dana)
    for bad in ("", "nope", token[:-2], "x" * 500):
        with pytest.raises(NotFound):
            bills.bill_view(session=session, token=bad)
    request.status = "draft"
    session.add(request)
    session.commit()
    with pytest.raises(NotFound):
        bills.bill_view(session=session, token=token)


def test_paid_and_cancelled_bills_are_not_payable(session):
    ent = make_enterprise(session)
    dana = make_customer(session, ent)
    request, token = send_bill(session, ent, dana)
    for status, label in (("paid", "Paid"), ("cancelled", "Cancelled"), ("expired", "Expired")):
        request.status = status
        session.add(request)
        session.commit()
        view = bills.bill_view(session=session, token=token, now=NOW)
        assert (view.payable, view.status_label, view.overdue) == (False, label, False)


def test_chat_goes_to_the_bills_conversation_only_for_a_browser_that_knows_the_customer(
    session,
):
    ent = make_enterprise(session)
    dana = make_customer(session, ent)
    request, token = send_bill(session, ent, dana)
    stranger = bills.bill_view(session=session, token=token).chat_path
    known = bills.bill_view(
        session=session, token=token, cookie=chat_sessions.remember("", dana.id)
    ).chat_path
    ticket = session.get(Ticket, request.ticket_id)
    assert known == f"/c/{chat_sessions.live_link_code(session=session, ticket=ticket)}"
    assert stranger.startswith("/c/") and stranger != known


def test_the_wallet_on_the_bill_is_the_bill_customers(session):
    ent = make_enterprise(session)
    dana, eli = make_customer(session, ent), make_customer(session, ent)
    add_card(session, dana, "4242")
    add_card(session, eli, "1881")
    _, token = send_bill(session, ent, dana)
    view = bills.bill_view(session=session, token=token, now=NOW)
    assert [c.label for c in view.cards] == ["Visa •••• 4242"]
    assert view.default_card_id == view.cards[0].id


def test_pay_with_a_saved_card_issues_a_receipt(session, sandbox):
    ent = make_enterprise(session, timezone="America/New_York")
    dana = make_customer(session, ent)
    card = vault(session, dana, "4242")
    request, token = send_bill(session, ent, dana)
    start = bills.pay_with_saved_card(session=session, token=token, card_id=str(card.id))
    assert start.status == "succeeded"
    outcome = bills.payment_outcome(session=session, token=token, payment_id=str(start.payment_id))
    assert outcome.status == "succeeded" and outcome.receipt_path.startswith("/receipt/")
    receipt = receipts_view.receipt_view(
        session=session, token=outcome.receipt_path.rsplit("/", 1)[-1]
    )
    assert (receipt.amount, receipt.card, receipt.invoice_number) == (
        "$49.99",
        "Visa •••• 4242",
        "INV-100",
    )
    assert len(receipt.lines) == 2 and receipt.refunds == []
    assert bills.bill_view(session=session, token=token).status_label == "Paid"
    with pytest.raises(Conflict):  # paid once, never twice
        bills.pay_with_saved_card(session=session, token=token, card_id=str(card.id))


def test_a_declined_saved_card_says_so_and_the_bill_stays_payable(session, sandbox):
    ent = make_enterprise(session)
    dana = make_customer(session, ent)
    card = vault(session, dana, "0002", outcome="card_declined")
    _, token = send_bill(session, ent, dana)
    start = bills.pay_with_saved_card(session=session, token=token, card_id=str(card.id))
    assert (start.status, start.message) == ("failed", "Your card was declined.")
    outcome = bills.payment_outcome(session=session, token=token, payment_id=str(start.payment_id))
    assert (outcome.status, outcome.message, outcome.receipt_path) == (
        "failed",
        "Your card was declined.",
        "",
    )
    assert bills.bill_view(session=session, token=token).payable


def test_someone_elses_or_an_expired_card_cannot_pay(session, sandbox):
    ent = make_enterprise(session)
    dana, eli = make_customer(session, ent), make_customer(session, ent)
    elis = vault(session, eli, "4242")
    old = add_card(session, dana, "1111", exp=(1, 2020))
    request, token = send_bill(session, ent, dana)
    with pytest.raises(NotFound):
        bills.pay_with_saved_card(session=session, token=token, card_id=str(elis.id))
    with pytest.raises(ValidationFailed, match="expired"):
        bills.pay_with_saved_card(session=session, token=token, card_id=str(old.id))
    with pytest.raises(ValidationFailed):
        bills.pay_with_saved_card(session=session, token=token, card_id="not-a-card")
    session.refresh(request)
    assert session.get(PaymentRequest, request.id).status == "sent"


def test_a_payment_of_another_bill_is_not_found(session, sandbox):
    ent = make_enterprise(session)
    dana = make_customer(session, ent)
    card = vault(session, dana, "4242")
    _, token = send_bill(session, ent, dana, invoice="INV-1")
    _, other = send_bill(session, ent, dana, invoice="INV-2")
    start = bills.pay_with_saved_card(session=session, token=token, card_id=str(card.id))
    with pytest.raises(NotFound):
        bills.payment_outcome(session=session, token=other, payment_id=str(start.payment_id))
    with pytest.raises(NotFound):
        bills.payment_outcome(session=session, token=token, payment_id="junk")
