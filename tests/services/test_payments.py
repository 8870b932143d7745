"""Paying, settling and refunding RFPs through the sandbox processor, end to end."""

import threading
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from interplat.db import session_scope
from interplat.models import (
    Message,
    Payment,
    PaymentRequest,
    Receipt,
    Refund,
    SandboxCharge,
    SavedCard,
    SenderKind,
    ThreadMarker,
)
from interplat.services import messages, payments
from interplat.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from interplat.services.payment_provider import ProviderError
from interplat.services.sandbox_processor import SandboxProcessor
from tests.factories import make_customer, make_enterprise, make_ticket, make_user, rows
from tests.payments_data import principal_of
from tests.sandbox_pay import make_rfp, sandbox_on

RETURN = "https://app.example/bill/tok"


@pytest.fixture
def sandbox(db_url):
    yield from sandbox_on(db_url)


@pytest.fixture
def world(db_url):
    """An enterprise with an admin, a CSR, a customer's chat with one message, and an RFP."""
    with session_scope(db_url) as s:
        enterprise = make_enterprise(s, brand_name="Acme Plumbing")
        admin, csr = make_user(s, enterprise, "admin"), make_user(s, enterprise, "csr")
        customer = make_customer(s, enterprise)
        ticket = make_ticket(s, enterprise, customer)
        said = messages.post_message(
            session=s, ticket=ticket, sender_kind=SenderKind.CUSTOMER, body="Can I pay now?"
        )
        rfp = make_rfp(s, customer, ticket)
    return {
        "enterprise": enterprise, "admin": principal_of(admin), "csr": principal_of(csr),
        "customer": customer, "ticket": ticket, "said": said, "rfp": rfp,
    }  # fmt: skip


def start(db_url, rfp, save=False):
    with session_scope(db_url) as s:
        return payments.pay_with_new_card(session=s, request=rfp, return_url=RETURN, save_card=save)


def pay_new(sandbox, rfp, number="4242424242424242", save=False):
    begun = start(sandbox.db_url, rfp, save)
    assert begun.status == "redirect"
    target = sandbox.pay_on_page(begun.url, number)
    return begun, target


def fresh(db_url, model, id_):
    with session_scope(db_url) as s:
        return s.get(model, id_)


def test_a_new_card_pays_end_to_end(sandbox, world, bus):
    rfp = world["rfp"]
    begun, target = pay_new(sandbox, rfp)
    query = parse_qs(urlsplit(target).query)
    assert target.startswith(RETURN) and query == {
        "payment": [str(begun.payment_id)],
        "status": ["succeeded"],
    }
    assert fresh(sandbox.db_url, Payment, begun.payment_id).status == "pending"
    assert sandbox.deliver() == [True]
    payment = fresh(sandbox.db_url, Payment, begun.payment_id)
    assert (payment.status, payment.card_brand, payment.card_last4) == ("succeeded", "visa", "4242")
    assert payment.provider_payment_id.startswith("ch_sb_") and payment.settled_at
    request = fresh(sandbox.db_url, PaymentRequest, rfp.id)
    assert request.status == "paid" and request.paid_at is not None
    (receipt,) = rows(sandbox.db_url, Receipt)
    assert receipt.number == "R-000001" and receipt.payment_id == payment.id
    with session_scope(sandbox.db_url) as s:
        assert (
            payments.receipt_by_token(session=s, token=payments.receipt_token(receipt)).id
            == receipt.id
        )
        with pytest.raises(NotFound):
            payments.receipt_by_token(session=s, token="nope")
    system = rows(sandbox.db_url, Message, ticket_id=world["ticket"].id, kind="system")
    assert [m.body for m in system] == ["Paid $49.99 with Visa •••• 4242 — receipt R-000001"]
    (marker,) = rows(sandbox.db_url, ThreadMarker, payment_id=payment.id)
    assert marker.kind == "payment_succeeded" and marker.after_message_id == world["said"].id
    updates = [
        e for e in bus.delivered if e.kind in ("payment.succeeded", "payment_request.updated")
    ]
    assert [e.kind for e in updates] == ["payment.succeeded", "payment_request.updated"]
    assert updates[1].data == {
        "ticket_id": str(world["ticket"].id),
        "payment_request_id": str(rfp.id),
    }
    with pytest.raises(Conflict, match="already paid"):
        start(sandbox.db_url, rfp)


def test_a_second_click_gets_the_same_checkout(sandbox, world):
    first, second = start(sandbox.db_url, world["rfp"]), start(sandbox.db_url, world["rfp"])
    assert (first.payment_id, first.url) == (second.payment_id, second.url)
    assert len(rows(sandbox.db_url, Payment)) == 1


def test_the_same_webhook_twice_changes_things_once(sandbox, world):
    pay_new(sandbox, world["rfp"])
    sandbox.sent.append(sandbox.sent[0])
    assert sandbox.deliver() == [True, False]
    assert len(rows(sandbox.db_url, Receipt)) == 1
    assert len(rows(sandbox.db_url, Message, kind="system")) == 1


def test_a_decline_leaves_the_bill_payable(sandbox, world):
    begun, target = pay_new(sandbox, world["rfp"], "4000000000009995")
    assert "status=failed" in target and sandbox.deliver() == [True]
    payment = fresh(sandbox.db_url, Payment, begun.payment_id)
    assert (payment.status, payment.failure_code) == ("failed", "insufficient_funds")
    assert fresh(sandbox.db_url, PaymentRequest, world["rfp"].id).status == "failed"
    assert rows(sandbox.db_url, Receipt) == []
    again, _ = pay_new(sandbox, world["rfp"])
    assert again.payment_id != begun.payment_id and sandbox.deliver() == [True]
    assert fresh(sandbox.db_url, PaymentRequest, world["rfp"].id).status == "paid"


def test_a_saved_card_pays_at_once(sandbox, world, db_url):
    pay_new(sandbox, world["rfp"], save=True)
    sandbox.deliver()
    (card,) = rows(db_url, SavedCard)
    assert (card.brand, card.last4, card.is_default, card.provider) == (
        "visa",
        "4242",
        True,
        "sandbox",
    )
    assert card.token.startswith("pm_sb_") and card.customer_id == world["customer"].id
    with session_scope(db_url) as s:
        second = make_rfp(s, world["customer"], world["ticket"], 1200, invoice_number="INV-2")
    with session_scope(db_url) as s:
        paid = payments.pay_with_saved_card(session=s, request=second, card_id=card.id)
    assert paid.status == "succeeded"
    assert fresh(db_url, PaymentRequest, second.id).status == "paid"
    assert {r.number for r in rows(db_url, Receipt)} == {"R-000001", "R-000002"}
    assert sandbox.deliver() == [False]  # the charge's webhook finds it settled


def test_a_saved_card_asking_for_3ds_waits_for_the_challenge(sandbox, world, db_url):
    with session_scope(db_url) as s:
        setup_url = payments.start_card_setup(
            session=s, customer_id=world["customer"].id, return_url=RETURN
        )
    sandbox.challenge(sandbox.pay_on_page(setup_url, "4000000000003220"), True)
    assert sandbox.deliver() == [True]
    (card,) = rows(db_url, SavedCard)
    with session_scope(db_url) as s:
        begun = payments.pay_with_saved_card(session=s, request=world["rfp"], card_id=card.id)
    assert begun.status == "requires_action" and "/challenge/" in begun.url
    with pytest.raises(Conflict, match="in progress"):
        start(db_url, world["rfp"])
    sandbox.challenge(begun.url, True)
    assert sandbox.deliver() == [True]
    assert fresh(db_url, PaymentRequest, world["rfp"].id).status == "paid"


def test_cards_of_other_customers_are_not_found(sandbox, world, db_url):
    with session_scope(db_url) as s:
        other = make_customer(s, world["enterprise"])
        card = SavedCard(enterprise_id=other.enterprise_id, customer_id=other.id, provider="sandbox",
                         token="pm_sb_x", brand="visa", last4="4242", exp_month=1, exp_year=2030)  # fmt: skip
        s.add(card)
    with session_scope(db_url) as s, pytest.raises(NotFound):
        payments.pay_with_saved_card(session=s, request=world["rfp"], card_id=card.id)


@pytest.mark.parametrize("status", ["paid", "cancelled", "expired", "refunded"])
def test_closed_bills_are_refused(sandbox, world, db_url, status):
    with session_scope(db_url) as s:
        s.get(PaymentRequest, world["rfp"].id).status = status
    with pytest.raises(Conflict):
        start(db_url, world["rfp"])
    assert rows(db_url, Payment) == []


def test_a_processor_outage_fails_the_attempt_and_keeps_the_bill_payable(sandbox, world, db_url):
    class Down(SandboxProcessor):
        def start_checkout(self, **kw):
            raise ProviderError("connection refused")

    payments.set_provider(Down(database_url=db_url))
    begun = start(db_url, world["rfp"])
    assert begun.status == "failed" and "could not be reached" in begun.message
    assert fresh(db_url, Payment, begun.payment_id).status == "failed"
    payments.set_provider(sandbox.processor)
    assert start(db_url, world["rfp"]).status == "redirect"


def _race(n, act):
    outcomes, barrier = [], threading.Barrier(n)

    def run():
        barrier.wait()
        try:
            outcomes.append(act())
        except (Conflict, ValidationFailed) as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_fifty_pay_clicks_make_exactly_one_charge(sandbox, world, db_url):
    with session_scope(db_url) as s:
        card = SavedCard(enterprise_id=world["enterprise"].id, customer_id=world["customer"].id,
                         provider="sandbox", token="", brand="visa", last4="4242", exp_month=12,
                         exp_year=2034)  # fmt: skip
        s.add(card)
    setup = sandbox.processor.start_card_setup(customer_ref="c", return_url=RETURN)
    sandbox.pay_on_page(setup.url, "4242424242424242")
    token = sandbox.processor.parse_webhook(
        payload=sandbox.sent[0][1], headers=sandbox.sent[0][2]
    ).card_token
    sandbox.sent.clear()
    with session_scope(db_url) as s:
        s.get(SavedCard, card.id).token = token

    def click():
        with session_scope(db_url) as s:
            return payments.pay_with_saved_card(session=s, request=world["rfp"], card_id=card.id)

    outcomes = _race(50, click)
    wins = [o for o in outcomes if isinstance(o, payments.PaymentStart)]
    assert len(outcomes) == 50 and len(wins) == 1 and wins[0].status == "succeeded"
    assert all(isinstance(o, Conflict) for o in outcomes if o is not wins[0])
    charges = [c for c in rows(db_url, SandboxCharge) if c.idempotency_key]
    assert len(charges) == 1
    assert len(rows(db_url, Payment, status="succeeded")) == 1 and len(rows(db_url, Payment)) == 1
    assert len(rows(db_url, Receipt)) == 1


def test_fifty_new_card_clicks_share_one_checkout(sandbox, world, db_url):
    outcomes = _race(50, lambda: start(db_url, world["rfp"]))
    assert {o.payment_id for o in outcomes} == {outcomes[0].payment_id}
    assert len({o.url for o in outcomes}) == 1 and len(rows(db_url, Payment)) == 1


def paid_payment(sandbox, world):
    begun, _ = pay_new(sandbox, world["rfp"])
    sandbox.deliver()
    return begun.payment_id


def refund(db_url, who, payment_id, amount, reason=""):
    with session_scope(db_url) as s:
        return payments.refund_payment(
            session=s, principal=who, payment_id=payment_id, amount_minor=amount, reason=reason
        )


def test_refunds_partial_then_full_never_over(sandbox, world, db_url, bus):
    payment_id = paid_payment(sandbox, world)
    admin = world["admin"]
    first = refund(db_url, admin, payment_id, 1000, "Late arrival")
    assert first.status == "succeeded" and first.provider_refund_id.startswith("re_sb_")
    assert fresh(db_url, PaymentRequest, world["rfp"].id).status == "partially_refunded"
    with pytest.raises(ValidationFailed, match=r"at most \$39.99"):
        refund(db_url, admin, payment_id, 4000)
    for bad in (0, -5):
        with pytest.raises(ValidationFailed):
            refund(db_url, admin, payment_id, bad)
    assert fresh(db_url, Payment, payment_id).amount_refunded_minor == 1000
    refund(db_url, admin, payment_id, 3999)
    assert fresh(db_url, Payment, payment_id).amount_refunded_minor == 4999
    assert fresh(db_url, PaymentRequest, world["rfp"].id).status == "refunded"
    with pytest.raises(ValidationFailed):
        refund(db_url, admin, payment_id, 1)
    assert len(rows(db_url, Refund)) == 2
    texts = [m.body for m in rows(db_url, Message, kind="system")]
    assert "Refunded $10.00 of $49.99 — Late arrival" in texts
    assert len(rows(db_url, ThreadMarker, kind="refund")) == 2
    assert "payment.refunded" in bus.kinds()


def test_only_owners_and_admins_of_the_enterprise_refund(sandbox, world, db_url):
    payment_id = paid_payment(sandbox, world)
    with pytest.raises(PermissionDenied):
        refund(db_url, world["csr"], payment_id, 100)
    with session_scope(db_url) as s:
        stranger = principal_of(make_user(s, make_enterprise(s), "owner"))
    with pytest.raises(NotFound):
        refund(db_url, stranger, payment_id, 100)
    with pytest.raises(NotFound):
        refund(db_url, world["admin"], uuid.uuid4(), 100)
    assert rows(db_url, Refund) == []


def test_a_failed_payment_cannot_be_refunded(sandbox, world, db_url):
    begun, _ = pay_new(sandbox, world["rfp"], "4000000000000002")
    sandbox.deliver()
    with pytest.raises(Conflict):
        refund(db_url, world["admin"], begun.payment_id, 100)


def test_receipt_numbers_count_per_enterprise(sandbox, world, db_url):
    paid_payment(sandbox, world)
    with session_scope(db_url) as s:
        other = make_enterprise(s)
        customer = make_customer(s, other)
        rfp = make_rfp(s, customer, None, 700)
    pay_new(sandbox, rfp)
    assert sandbox.deliver() == [True]
    numbers = {(r.enterprise_id, r.number) for r in rows(db_url, Receipt)}
    assert numbers == {(world["enterprise"].id, "R-000001"), (other.id, "R-000001")}
