import datetime as dt
import uuid

import pytest

from interplat.services import wallet
from interplat.services.errors import NotFound
from tests.bills_data import add_card
from tests.factories import make_customer, make_enterprise

NOW = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)


def _list(session, customer):
    return wallet.list_cards(
        session=session, enterprise_id=customer.enterprise_id, customer_id=customer.id, now=NOW
    )


def _scope(customer):
    return {"enterprise_id": customer.enterprise_id, "customer_id": customer.id}


def test_lists_the_customers_cards_default_first_without_tokens(session):
    ent = make_enterprise(session)
    dana, eli = make_customer(session, ent), make_customer(session, ent)
    add_card(session, dana, "4242")
    add_card(session, dana, "4444", brand="mastercard", exp=(3, 2027))
    add_card(session, eli, "0005", brand="amex")
    cards = _list(session, dana)
    assert [(c.label, c.expiry, c.is_default) for c in cards] == [
        ("Visa •••• 4242", "12/34", True),
        ("Mastercard •••• 4444", "03/27", False),
    ]
    assert not hasattr(cards[0], "token")
    assert [c.label for c in _list(session, eli)] == ["American Express •••• 0005"]


def test_an_expired_card_is_marked_and_never_preselected(session):
    ent = make_enterprise(session)
    dana = make_customer(session, ent)
    add_card(session, dana, "1111", exp=(10, 2026))  # first card: the default, but expired
    fresh = add_card(session, dana, "4242", exp=(11, 2026))  # good through November
    assert [c.expired for c in _list(session, dana)] == [True, False]
    chosen = wallet.default_card_id(session=session, now=NOW, **_scope(dana))
    assert chosen == str(fresh.id)


def test_set_default_leaves_exactly_one_default(session):
    ent = make_enterprise(session)
    dana = make_customer(session, ent)
    add_card(session, dana, "4242")
    other = add_card(session, dana, "4444")
    wallet.set_default(session=session, card_id=other.id, **_scope(dana))
    cards = _list(session, dana)
    assert [(c.last4, c.is_default) for c in cards] == [("4444", True), ("4242", False)]


def test_removing_the_default_promotes_another_card(session):
    ent = make_enterprise(session)
    dana = make_customer(session, ent)
    first = add_card(session, dana, "4242")
    add_card(session, dana, "4444")
    wallet.remove_card(session=session, card_id=first.id, **_scope(dana))
    assert [(c.last4, c.is_default) for c in _list(session, dana)] == [("4444", True)]
    with pytest.raises(NotFound):  # removing twice changes nothing more
        wallet.remove_card(session=session, card_id=first.id, **_scope(dana))


def test_another_customers_or_enterprises_card_is_not_found_and_unchanged(session):
    a, b = make_enterprise(session), make_enterprise(session)
    dana, eli, bea = make_customer(session, a), make_customer(session, a), make_customer(session, b)
    card = add_card(session, dana, "4242")
    for stranger in (eli, bea):
        with pytest.raises(NotFound, match="not in your wallet"):
            wallet.remove_card(session=session, card_id=card.id, **_scope(stranger))
        with pytest.raises(NotFound):
            wallet.set_default(session=session, card_id=card.id, **_scope(stranger))
    with pytest.raises(NotFound):
        wallet.set_default(session=session, card_id=uuid.uuid4(), **_scope(dana))
    assert [c.last4 for c in _list(session, dana)] == ["4242"]
