import csv
import datetime as dt
import io
import uuid

import pytest
from sqlmodel import select

from interplat.models import MessageKind, Payment, SenderKind, utcnow
from interplat.services import messages, payment_detail, payment_export, payment_list, payments
from interplat.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from interplat.services.payment_provider import RefundResult
from tests.factories import make_customer, make_enterprise, make_ticket, make_user
from tests.payments_data import make_marker, make_payment, make_request, principal_of

Q = payment_list.PaymentQuery


@pytest.fixture
def world(session):
    """Enterprise A: an owner, two CSRs, five requests in two currencies; B: one request."""
    a, b = make_enterprise(session, timezone="America/New_York"), make_enterprise(session)
    owner = make_user(session, a, role="owner", full_name="Olive Owner")
    cora = make_user(session, a, full_name="Cora Reyes")
    dev = make_user(session, a, full_name="Dev Patel")
    dana = make_customer(session, a, first_name="Dana", last_name="Whit", phone="+14155550132")
    eli = make_customer(session, a, first_name="Eli", last_name="Stone")
    now = utcnow()
    reqs = {
        "paid": make_request(session, dana, cora, 4999, status="paid", invoice="INV-001",
                             created_at=now - dt.timedelta(days=3)),
        "partial": make_request(session, eli, cora, 10000, status="partially_refunded",
                                invoice="INV-002", created_at=now - dt.timedelta(days=2)),
        "sent": make_request(session, dana, dev, 2500, status="sent", invoice="INV-003",
                             description="Gutter cleaning", created_at=now - dt.timedelta(days=1)),
        "eur": make_request(session, eli, dev, 1200, status="viewed", currency="EUR",
                            invoice="=HYPERLINK(1)", created_at=now - dt.timedelta(hours=2)),
        "draft": make_request(session, eli, cora, 700, status="draft", invoice="INV-005",
                              created_at=now - dt.timedelta(hours=1)),
    }  # fmt: skip
    make_payment(session, reqs["paid"])
    make_payment(session, reqs["partial"], status="failed", failure_code="card_declined")
    make_payment(session, reqs["partial"], refunded_minor=2550)
    theirs = make_request(session, make_customer(session, b, first_name="Dana"), None, 999)
    session.commit()
    return {"a": a, "b": b, "owner": owner, "cora": cora, "dev": dev, "reqs": reqs,
            "theirs": theirs}  # fmt: skip


def ids(page):
    return [r.invoice_number for r in page.items]


def test_admin_sees_all_newest_first_with_refunds(session, world):
    page = payment_list.list_requests(session=session, principal=principal_of(world["owner"]))
    assert ids(page) == ["INV-005", "=HYPERLINK(1)", "INV-003", "INV-002", "INV-001"]
    assert page.total == 5
    partial = page.items[3]
    assert (partial.amount, partial.refunded, partial.refunded_minor) == ("$100.00", "$25.50", 2550)
    assert partial.sender_name == "Cora Reyes" and partial.customer_name == "Eli Stone"


def test_csr_sees_only_their_own(session, world):
    page = payment_list.list_requests(session=session, principal=principal_of(world["cora"]))
    assert ids(page) == ["INV-005", "INV-002", "INV-001"]
    other = world["reqs"]["sent"].id
    with pytest.raises(NotFound):
        payment_detail.payment_detail(
            session=session, principal=principal_of(world["cora"]), request_id=other
        )


@pytest.mark.parametrize(
    "query,expected",
    [
        (Q(status="paid"), ["INV-001"]),
        (Q(search="gutter"), ["INV-003"]),
        (Q(search="dana"), ["INV-003", "INV-001"]),
        (Q(search="555-0132".replace("-", "")), ["INV-003", "INV-001"]),
        (Q(search="inv-002"), ["INV-002"]),
    ],
)
def test_filters(session, world, query, expected):
    owner = principal_of(world["owner"])
    assert ids(payment_list.list_requests(session=session, principal=owner, query=query)) == (
        expected
    )


def test_sender_and_period_filters(session, world):
    owner = principal_of(world["owner"])
    mine = Q(sender_id=str(world["dev"].id))
    assert ids(payment_list.list_requests(session=session, principal=owner, query=mine)) == [
        "=HYPERLINK(1)",
        "INV-003",
    ]
    zone = __import__("zoneinfo").ZoneInfo("America/New_York")
    day = (world["reqs"]["paid"].created_at).astimezone(zone).date().isoformat()
    one_day = Q(date_from=day, date_to=day)
    assert ids(payment_list.list_requests(session=session, principal=owner, query=one_day)) == [
        "INV-001"
    ]
    for bad in (Q(status="lost"), Q(date_from="May 1"), Q(sender_id="x"),
                Q(date_from="2026-05-02", date_to="2026-05-01")):  # fmt: skip
        with pytest.raises(ValidationFailed):
            payment_list.list_requests(session=session, principal=owner, query=bad)


def test_totals_per_currency_in_minor_units(session, world):
    owner = principal_of(world["owner"])
    totals = payment_list.period_totals(session=session, principal=owner)
    assert [(t.currency, t.requested_minor, t.paid_minor, t.refunded_minor, t.outstanding_minor)
            for t in totals] == [("EUR", 1200, 0, 0, 1200), ("USD", 17499, 14999, 2550, 2500)]  # fmt: skip
    assert totals[1].formatted()["requested"] == "$174.99"
    cora = payment_list.period_totals(session=session, principal=principal_of(world["cora"]))
    assert [(t.currency, t.requested_minor) for t in cora] == [("USD", 14999)]
    paid_only = payment_list.period_totals(session=session, principal=owner, query=Q(status="paid"))
    assert [(t.paid_minor, t.refunded_minor) for t in paid_only] == [(4999, 0)]


def test_tenant_isolation(session, world):
    other = make_user(session, world["b"], role="admin")
    seen = payment_list.list_requests(session=session, principal=principal_of(other))
    assert [r.id for r in seen.items] == [str(world["theirs"].id)]
    with pytest.raises(NotFound):
        payment_detail.payment_detail(
            session=session, principal=principal_of(other), request_id=world["reqs"]["paid"].id
        )
    with pytest.raises(NotFound):
        payment_detail.payment_detail(
            session=session, principal=principal_of(other), request_id=uuid.uuid4()
        )


def test_customers_get_nothing(session, world):
    stranger = principal_of(world["owner"])
    stranger = type(stranger)(None, stranger.enterprise_id, "customer", "", "", "")
    with pytest.raises(PermissionDenied):
        payment_list.list_requests(session=session, principal=stranger)


def test_csv_export(session, world):
    owner = principal_of(world["owner"])
    out = payment_export.export_requests(session=session, principal=owner, query=Q(search="e"))
    text = out.content.decode("utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(text)))
    assert out.filename.startswith("payments-") and out.rows == out.total == len(lines)
    by_invoice = {row["invoice_number"]: row for row in lines}
    assert by_invoice["INV-002"]["amount"] == "100.00"
    assert by_invoice["INV-002"]["refunded"] == "25.50"
    assert by_invoice["'=HYPERLINK(1)"]["currency"] == "EUR"  # made inert
    assert by_invoice["INV-001"]["paid_at"].endswith("Z")
    assert out.notice == f"Exported {out.rows} requests."


def test_detail_attempts_refunds_and_permissions(session, world):
    partial = world["reqs"]["partial"]
    owner = principal_of(world["owner"])
    seen = payment_detail.payment_detail(session=session, principal=owner, request_id=partial.id)
    assert [a.status for a in seen.attempts] == ["failed", "succeeded"]
    assert seen.attempts[0].failure_code == "card_declined"
    assert seen.attempts[1].refundable_minor == 10000 - 2550
    assert seen.attempts[1].refunds[0].amount == "$25.50"
    assert seen.can_refund and not seen.can_cancel
    cora = payment_detail.payment_detail(
        session=session, principal=principal_of(world["cora"]), request_id=partial.id
    )
    assert not cora.can_refund
    draft = payment_detail.payment_detail(
        session=session, principal=principal_of(world["cora"]), request_id=world["reqs"]["draft"].id
    )
    assert draft.can_cancel and not draft.can_refund


def test_conversation_around_markers(session, world):
    a, cora = world["a"], world["cora"]
    customer = make_customer(session, a, first_name="Gil")
    ticket = make_ticket(session, a, customer)
    start = utcnow() - dt.timedelta(minutes=30)
    said = []
    for n in range(8):
        said.append(
            messages.post_message(
                session=session, ticket=ticket, sender_kind=SenderKind.CUSTOMER, body=f"line {n}",
                kind=MessageKind.TEXT, now=start + dt.timedelta(minutes=n),
            )
        )  # fmt: skip
    request = make_request(session, customer, cora, 3000, status="paid", ticket_id=ticket.id,
                           lines=(("Visit", 1, 2000), ("Parts", 2, 500)))  # fmt: skip
    payment = make_payment(session, request)
    make_marker(session, request, "payment.succeeded", said[5].id, payment)
    make_marker(session, request, "payment_request.sent", said[0].id)
    session.commit()
    seen = payment_detail.payment_detail(
        session=session, principal=principal_of(cora), request_id=request.id, around=3
    )
    assert [li.amount for li in seen.line_items] == ["$20.00", "$10.00"]
    paid = next(m for m in seen.markers if m.kind == "payment.succeeded")
    assert [m.body for m in paid.before] == ["line 3", "line 4", "line 5"]
    assert [m.body for m in paid.after] == ["line 6", "line 7"]
    sent = next(m for m in seen.markers if m.kind == "payment_request.sent")
    assert [m.body for m in sent.before] == ["line 0"]
    assert [m.body for m in sent.after] == ["line 1", "line 2", "line 3"]


class RefundingProvider:
    """The card processor's side of a refund (the only part these tests cannot reach)."""

    def __init__(self) -> None:
        self.refunds: list[int] = []

    def refund(self, *, provider_payment_id: str, amount_minor: int, idempotency_key: str):
        self.refunds.append(amount_minor)
        return RefundResult(provider_refund_id=f"re_{len(self.refunds)}", status="succeeded")


@pytest.fixture
def processor():
    fake = RefundingProvider()
    payments.set_provider(fake)  # type: ignore[arg-type]
    yield fake
    payments.set_provider(None)


@pytest.mark.parametrize(
    "text,currency,minor",
    [("12.50", "USD", 1250), ("$1,000", "USD", 100000), ("0.1", "EUR", 10), ("500", "JPY", 500)],
)
def test_parse_amount_exact(text, currency, minor):
    assert payment_detail.parse_amount(text, currency) == minor


@pytest.mark.parametrize("text", ["12.505", "abc", "0", "-3", "NaN", "1e400", "5.5 JPY"])
def test_parse_amount_refuses(text):
    with pytest.raises(ValidationFailed):
        payment_detail.parse_amount(text, "JPY" if text == "1e400" else "USD")


def test_refund_part_then_the_rest(session, world, processor):
    paid = world["reqs"]["paid"]
    payment = session.exec(select(Payment).where(Payment.payment_request_id == paid.id)).one()
    owner = principal_of(world["owner"])
    refund = payment_detail.refund(session=session, principal=owner, request_id=paid.id,
                                   payment_id=payment.id, amount="12.50", reason="Late")  # fmt: skip
    assert refund.amount_minor == 1250 and processor.refunds == [1250]
    session.refresh(paid)
    assert paid.status == "partially_refunded"
    with pytest.raises(ValidationFailed, match=r"At most \$37.49"):
        payment_detail.refund(session=session, principal=owner, request_id=paid.id,
                              payment_id=payment.id, amount="40")  # fmt: skip
    payment_detail.refund(session=session, principal=owner, request_id=paid.id,
                          payment_id=payment.id)  # fmt: skip
    assert processor.refunds == [1250, 3749]
    session.refresh(paid)
    assert paid.status == "refunded"
    with pytest.raises(ValidationFailed, match="already fully refunded"):
        payment_detail.refund(session=session, principal=owner, request_id=paid.id,
                              payment_id=payment.id)  # fmt: skip


def test_refund_refused_to_csrs_and_unpaid(session, world, processor):
    paid, partial = world["reqs"]["paid"], world["reqs"]["partial"]
    payment = session.exec(select(Payment).where(Payment.payment_request_id == paid.id)).one()
    with pytest.raises(PermissionDenied):
        payment_detail.refund(session=session, principal=principal_of(world["cora"]),
                              request_id=paid.id, payment_id=payment.id)  # fmt: skip
    failed = session.exec(
        select(Payment).where(Payment.payment_request_id == partial.id, Payment.status == "failed")
    ).one()
    with pytest.raises(ValidationFailed, match="Only a completed payment"):
        payment_detail.refund(session=session, principal=principal_of(world["owner"]),
                              request_id=partial.id, payment_id=failed.id)  # fmt: skip
    with pytest.raises(NotFound):  # a payment of another request
        payment_detail.refund(session=session, principal=principal_of(world["owner"]),
                              request_id=partial.id, payment_id=payment.id)  # fmt: skip
    assert processor.refunds == []


def test_cancel_by_sender_or_admin_only(session, world):
    sent, draft = world["reqs"]["sent"], world["reqs"]["draft"]
    with pytest.raises(NotFound):  # Cora does not even see Dev's request
        payment_detail.cancel(session=session, principal=principal_of(world["cora"]),
                              request_id=sent.id)  # fmt: skip
    payment_detail.cancel(
        session=session, principal=principal_of(world["cora"]), request_id=draft.id
    )
    payment_detail.cancel(
        session=session, principal=principal_of(world["owner"]), request_id=sent.id
    )
    session.refresh(sent)
    session.refresh(draft)
    assert (sent.status, draft.status) == ("cancelled", "cancelled")
    with pytest.raises(Conflict):
        payment_detail.cancel(session=session, principal=principal_of(world["owner"]),
                              request_id=world["reqs"]["paid"].id)  # fmt: skip
