import datetime as dt

import pytest

from interplat.services import billing_accounts, chat_sessions, payment_requests
from interplat.services.billing_accounts import NO_MATCH, TooManyAttempts
from interplat.services.errors import NotFound, ValidationFailed
from tests.bills_data import send_bill
from tests.factories import make_customer, make_enterprise

NOW = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)


def _link(session, slug, reference, check, failures=()):
    return billing_accounts.link_account(
        session=session,
        slug=slug,
        account_reference=reference,
        second_factor=check,
        failures=failures,
        now=NOW,
    )


def test_links_with_the_account_reference_and_the_phones_last_four(session):
    ent = make_enterprise(session)
    make_customer(session, ent, external_id="ACCT-1", phone="+14155550100")
    dana = make_customer(session, ent, external_id="ACCT-77", phone="+14155550132")
    assert _link(session, ent.slug, "  acct-77 ", "0132").id == dana.id


def test_a_wrong_half_says_nothing_about_which(session):
    ent = make_enterprise(session)
    make_customer(session, ent, external_id="ACCT-77", phone="+14155550132")
    make_customer(session, ent, external_id="", phone="+14155550199")
    for reference, check in [
        ("ACCT-77", "9999"),
        ("ACCT-78", "0132"),
        ("", "0199"),
        ("ACCT-77", ""),
    ]:
        with pytest.raises(ValidationFailed) as raised:
            _link(session, ent.slug, reference, check)
        assert raised.value.message in (NO_MATCH, billing_accounts.EMPTY)


def test_the_postal_code_when_no_phone_is_on_file(session):
    ent = make_enterprise(session)
    dana = make_customer(session, ent, external_id="A-9")
    dana.phone, dana.postal_code = (
        None,
        "K1A 0B1",
    )  # e.g. a customer imported from the biller's books with an email only
    session.add(dana)
    session.commit()
    assert _link(session, ent.slug, "A-9", "k1a0b1").id == dana.id
    with pytest.raises(ValidationFailed):
        _link(session, ent.slug, "A-9", "0000")


def test_another_enterprises_customer_never_links(session):
    a, b = make_enterprise(session), make_enterprise(session)
    make_customer(session, b, external_id="ACCT-77", phone="+14155550132")
    with pytest.raises(ValidationFailed, match="could not find an account"):
        _link(session, a.slug, "ACCT-77", "0132")
    with pytest.raises(NotFound):
        _link(session, "no-such-business", "ACCT-77", "0132")


def test_five_wrong_tries_in_fifteen_minutes_lock_even_the_right_answer(session):
    ent = make_enterprise(session)
    dana = make_customer(session, ent, external_id="ACCT-77", phone="+14155550132")
    failures = [NOW - dt.timedelta(minutes=m) for m in (1, 2, 3, 4, 14)]
    with pytest.raises(TooManyAttempts, match="wait 1 minute and try again"):
        _link(session, ent.slug, "ACCT-77", "0132", failures)
    older = [NOW - dt.timedelta(minutes=m) for m in (1, 2, 3, 4, 16)]  # one has aged out
    assert _link(session, ent.slug, "ACCT-77", "0132", older).id == dana.id
    assert len(billing_accounts.recent_failures(older, NOW)) == 4


def test_bills_due_lists_only_payable_bills_of_remembered_customers(session):
    ent = make_enterprise(session, brand_name="Northwind Gas")
    dana, eli = make_customer(session, ent), make_customer(session, ent)
    due, _ = send_bill(session, ent, dana, invoice="INV-1", due_date=dt.date(2026, 12, 1))
    later, _ = send_bill(session, ent, dana, invoice="INV-2", amount_minor=1500)
    paid, _ = send_bill(session, ent, dana, invoice="INV-3")
    paid.status = "paid"
    send_bill(session, ent, eli, invoice="INV-9")
    session.add(paid)
    session.commit()
    cookie = chat_sessions.remember("", dana.id)
    bills = billing_accounts.bills_due(session=session, cookie=cookie)
    assert [(b.invoice_number, b.amount, b.due) for b in bills] == [
        ("INV-1", "$49.99", "Dec 1, 2026"),
        ("INV-2", "$15.00", ""),
    ]
    assert bills[0].path == payment_requests.bill_path(payment_requests.bill_token(due.id))
    assert billing_accounts.bills_due(session=session, cookie="") == []
    assert billing_accounts.bills_due(session=session, cookie=cookie + "x") == []
