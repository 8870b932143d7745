"""RFPs from CSV: 500 rows with 5 bad → 495 created and 5 reported; delivery per payer;
exact amounts; tenants apart; a bad file changes nothing."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from sqlmodel import func, select

from interplat.models import Customer, Message, OutboxMessage, PaymentRequest
from interplat.services import payment_requests, rfp_bulk, sms
from interplat.services.auth import Principal
from interplat.services.errors import ValidationFailed
from tests.factories import make_customer, make_enterprise, make_ticket, make_user

NOW = dt.datetime(2026, 6, 10, 16, 0, tzinfo=dt.UTC)
HEADER = "Phone,Email,Amount,Currency,Invoice Number,Description,Due Date,Notes\n"


def principal_of(user) -> Principal:
    return Principal(user.id, user.enterprise_id, user.role, user.full_name, user.email, "x")


def batch(rows: int = 500) -> bytes:
    lines = [HEADER]
    for n in range(rows):
        lines.append(f"(415) 555-{n:04d},,{n + 1}.25,USD,INV-{n},Service {n},2026-07-01,x\n")
    bad = {
        7: "(415) 555-0007,,12.345,USD,INV-7,,2026-07-01,x\n",  # three decimals
        99: "555-12,,10,USD,INV-99,,2026-07-01,x\n",  # bad phone
        250: "(415) 555-0250,,10,USD,INV-3,,2026-07-01,x\n",  # invoice of line 5
        300: "(415) 555-0300,,10,USD,INV-300,,2026-06-01,x\n",  # past due
        499: ",,10,USD,INV-499,,,x\n",  # no payer
    }
    for n, line in bad.items():
        lines[n + 1] = line
    return "".join(lines).encode()


@pytest.fixture
def csr(session):
    enterprise = make_enterprise(session, brand_name="Acme Gas")
    return principal_of(make_user(session, enterprise))


def count(session, model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return session.exec(query).one()


def test_500_rows_with_5_bad_create_495_and_report_5(session, csr):
    summary, checked = payment_requests.bulk_from_csv(
        session=session, principal=csr, data=batch(), filename="bills.csv", now=NOW
    )
    session.commit()
    assert (summary.created, summary.rejected, summary.by_sms) == (495, 5, 495)
    assert checked.notes == ["Ignored column: Notes."]
    assert count(session, PaymentRequest, status="sent") == 495
    assert count(session, OutboxMessage, channel="sms") == 495
    assert count(session, Customer) == 495
    report = pd.read_csv(io.BytesIO(rfp_bulk.rejected_csv(checked)), dtype=str)
    assert report["line"].tolist() == ["9", "101", "252", "302", "501"]
    problems = report["problem"].tolist()
    assert problems[0].startswith("Too many decimals") and problems[1] == "Bad phone number"
    assert problems[2] == "Same invoice number as line 5" and problems[3] == "Due date is past"
    assert problems[4].startswith("No phone or email")
    request = session.exec(
        select(PaymentRequest).where(PaymentRequest.invoice_number == "INV-9")
    ).one()
    assert (request.amount_minor, request.currency, request.due_date) == (
        1025,
        "USD",
        dt.date(2026, 7, 1),
    )
    sms_row = session.exec(
        select(OutboxMessage).where(
            OutboxMessage.meta["payment_request_id"].as_string() == str(request.id)
        )
    ).one()
    token = payment_requests.bill_token(request.id)
    assert payment_requests.bill_url(token) in sms_row.body and "Acme Gas" in sms_row.body
    assert payment_requests.request_by_token(session=session, token=token).id == request.id


def test_each_payer_gets_the_best_channel(session, csr):
    enterprise_id = csr.enterprise_id
    from interplat.models import Enterprise

    enterprise = session.get(Enterprise, enterprise_id)
    chatting = make_customer(session, enterprise, phone="+14155550001")
    make_ticket(session, enterprise, chatting)
    stopped = make_customer(session, enterprise, phone="+14155550002")
    sms.suppress(session=session, enterprise_id=enterprise_id, phone=stopped.phone)
    data = (
        b"phone,email,amount\n"
        b"+14155550001,,1\n"
        b"+14155550002,stop@example.com,2\n"
        b"+14155550003,,3\n"
        b",only@example.com,4\n"
        b"+14155550002,,5\n"  # opted out, no email, no chat: refused
    )
    summary, checked = payment_requests.bulk_from_csv(
        session=session, principal=csr, data=data, now=NOW
    )
    session.commit()
    assert (summary.by_chat, summary.by_sms, summary.by_email, summary.rejected) == (1, 1, 2, 1)
    assert checked.frame["_problem"].tolist()[-1] == "Phone opted out of texts and no email"
    card = session.exec(select(Message).where(Message.kind == "payment_request")).one()
    assert card.customer_id == chatting.id
    emails = session.exec(select(OutboxMessage.to_address).where(OutboxMessage.channel == "email"))
    assert sorted(emails.all()) == ["only@example.com", "stop@example.com"]
    # Known payers are matched, not changed (the row's email only addresses the bill).
    assert count(session, Customer) == 4 and session.get(Customer, stopped.id).email == ""
    ids = session.exec(select(PaymentRequest.id)).all()
    assert len(ids) == 4 and {i.version for i in ids} == {7}  # time-ordered


def test_invoices_already_requested_and_other_tenants(session, csr):
    payment_requests.bulk_from_csv(
        session=session, principal=csr, data=b"phone,amount,invoice\n4155550100,9.99,A-1\n", now=NOW
    )
    summary, checked = payment_requests.bulk_from_csv(
        session=session, principal=csr, data=b"phone,amount,invoice\n4155550101,9.99,A-1\n", now=NOW
    )
    assert summary.created == 0 and "already requested" in checked.frame["_problem"].iloc[0]
    other = principal_of(make_user(session, make_enterprise(session)))
    summary, _ = payment_requests.bulk_from_csv(
        session=session,
        principal=other,
        data=b"phone,amount,invoice\n4155550100,9.99,A-1\n",
        now=NOW,
    )
    assert summary.created == 1
    # The same phone is a separate customer in each enterprise.
    assert count(session, Customer, phone="+14155550100") == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"name,amount\nPat,1\n", "no phone or email"),
        (b"phone,total\n4155550100,1\n", "no amount"),
        (b"phone,amount\n", "no rows"),
        (b"", "not a CSV"),
    ],
)
def test_a_bad_file_is_refused_and_changes_nothing(session, csr, data, message):
    with pytest.raises(ValidationFailed, match=f"(?i){message}"):
        payment_requests.bulk_from_csv(session=session, principal=csr, data=data, now=NOW)
    assert count(session, PaymentRequest) == 0 and count(session, Customer) == 0


def test_amounts_are_exact_in_each_currency(session, csr):
    data = b"email,amount,currency\na@x.co,0.1,USD\nb@x.co,1999,JPY\nc@x.co,1.5,jpy\nd@x.co,0,USD\n"
    checked = rfp_bulk.check_file(session=session, principal=csr, data=data, now=NOW)
    assert checked.frame["_amount"].tolist()[:2] == [10, 1999]
    assert checked.frame["_problem"].tolist()[2:] == [
        "Too many decimals: 1.5",
        "Amount must be more than zero",
    ]
    rows = rfp_bulk.preview_rows(checked, only_problems=True)
    assert [r["line"] for r in rows] == ["4", "5"]
