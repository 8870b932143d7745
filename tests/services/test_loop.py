"""The loop table's service: scope by role and tenant, search, sort, add, edit, delete."""

from __future__ import annotations

import pytest
from sqlmodel import select

from interplat.models import Customer, LoopMembership, MarketingConsent
from interplat.services import loop
from interplat.services.auth import Principal
from interplat.services.errors import Conflict, InvalidPhoneNumber, NotFound, ValidationFailed
from interplat.services.loop import LoopEntry, LoopQuery
from tests.factories import make_customer, make_enterprise, make_user


def principal_of(user) -> Principal:
    return Principal(user.id, user.enterprise_id, user.role, user.full_name, user.email, "x")


@pytest.fixture
def shop(session):
    enterprise = make_enterprise(session)
    csr = principal_of(make_user(session, enterprise, "csr", full_name="Cara CSR"))
    other = principal_of(make_user(session, enterprise, "csr", full_name="Omar Other"))
    admin = principal_of(make_user(session, enterprise, "admin", full_name="Ada Admin"))
    session.commit()
    return enterprise, csr, other, admin


def add(session, who, phone, first="", last="", email="", tags=""):
    return loop.add_to_loop(
        session=session,
        principal=who,
        entry=LoopEntry(first_name=first, last_name=last, phone=phone, email=email, tags=tags),
    )


def test_add_normalises_the_phone_and_finds_the_existing_customer(session, shop):
    enterprise, csr, other, _ = shop
    known = make_customer(session, enterprise, phone="+16285550101", first_name="Kim")
    member = add(
        session, csr, "(628) 555-0101", "Kimberly", "Lo", "kim@example.com", "vip; new|vip"
    )
    assert member.customer_id == str(known.id)
    assert member.phone == "+16285550101" and member.tags == ("vip", "new")
    assert (member.first_name, member.last_name) == ("Kim", "Lo")  # known names are kept
    with pytest.raises(Conflict):
        add(session, csr, "+1 628 555 0101")
    add(session, other, "628-555-0101")  # another CSR may keep the same customer
    assert len(session.exec(select(Customer)).all()) == 1


def test_bad_input_changes_nothing(session, shop):
    _, csr, _, _ = shop
    with pytest.raises(InvalidPhoneNumber):
        add(session, csr, "555-12")
    with pytest.raises(ValidationFailed) as bad_email:
        add(session, csr, "(628) 555-0102", email="not-an-email")
    assert bad_email.value.field == "email"
    with pytest.raises(ValidationFailed):
        add(session, csr, "")
    assert session.exec(select(LoopMembership)).all() == []


def test_a_csr_sees_their_own_loop_and_an_admin_sees_everyone(session, shop):
    _, csr, other, admin = shop
    add(session, csr, "(628) 555-0111", "Amy", "Zed", tags="gold")
    add(session, csr, "(628) 555-0112", "Bob", "Young", email="bob@shop.io")
    add(session, other, "(628) 555-0113", "Cy", "Xu")
    mine = loop.list_loop(
        session=session, principal=csr, query=LoopQuery(sort="first_name", descending=False)
    )
    assert [m.first_name for m in mine.items] == ["Amy", "Bob"] and mine.total == 2
    everyone = loop.list_loop(
        session=session, principal=admin, query=LoopQuery(sort="last_name", descending=False)
    )
    assert [m.last_name for m in everyone.items] == ["Xu", "Young", "Zed"]
    only_other = loop.list_loop(
        session=session, principal=admin, query=LoopQuery(csr_id=str(other.user_id))
    )
    assert [m.first_name for m in only_other.items] == ["Cy"]
    # A CSR's forged CSR filter is ignored: still their own rows only.
    forged = loop.list_loop(
        session=session, principal=csr, query=LoopQuery(csr_id=str(other.user_id))
    )
    assert forged.total == 2
    for term, expected in (
        ("gold", ["Amy"]),
        ("bob@", ["Bob"]),
        ("5550112", ["Bob"]),
        ("amy z", ["Amy"]),
    ):
        found = loop.list_loop(session=session, principal=csr, query=LoopQuery(search=term))
        assert [m.first_name for m in found.items] == expected, term
    with pytest.raises(ValidationFailed):
        loop.list_loop(session=session, principal=csr, query=LoopQuery(sort="password"))
    paged = loop.list_loop(session=session, principal=admin, offset=2, limit=2)
    assert paged.total == 3 and len(paged.items) == 1


def test_tenants_never_see_or_touch_each_others_loops(session, shop):
    _, csr, _, _ = shop
    elsewhere = make_enterprise(session)
    stranger = principal_of(make_user(session, elsewhere, "owner"))
    member = add(session, csr, "(628) 555-0121", "Tess")
    assert loop.list_loop(session=session, principal=stranger).total == 0
    with pytest.raises(NotFound):
        loop.remove_member(session=session, principal=stranger, membership_id=member.membership_id)
    with pytest.raises(NotFound):
        loop.update_member(
            session=session,
            principal=stranger,
            membership_id=member.membership_id,
            entry=LoopEntry(phone="(628) 555-0121"),
        )


def test_edit_and_delete(session, shop):
    enterprise, csr, other, admin = shop
    member = add(session, csr, "(628) 555-0131", "Ed", "Old")
    make_customer(session, enterprise, phone="+16285550132")
    with pytest.raises(NotFound):  # another CSR's row
        loop.update_member(
            session=session,
            principal=other,
            membership_id=member.membership_id,
            entry=LoopEntry(phone="6285550131"),
        )
    with pytest.raises(Conflict):
        loop.update_member(
            session=session,
            principal=csr,
            membership_id=member.membership_id,
            entry=LoopEntry(phone="6285550132"),
        )
    changed = loop.update_member(
        session=session,
        principal=csr,
        membership_id=member.membership_id,
        entry=LoopEntry(first_name="Ed", last_name="New", phone="(628) 555-0133", tags="a;b"),
    )
    assert (changed.last_name, changed.phone, changed.tags) == ("New", "+16285550133", ("a", "b"))
    loop.remove_member(session=session, principal=admin, membership_id=member.membership_id)
    assert session.exec(select(LoopMembership)).all() == []
    assert (
        session.get(Customer, changed.customer_id.__class__(changed.customer_id)) if False else True
    )
    assert len(session.exec(select(Customer)).all()) == 2  # the customer stays


def test_opt_in_shown_and_changed_through_consent(session, shop):
    _, csr, _, _ = shop
    member = add(session, csr, "(628) 555-0141", "Opal")
    assert member.opted_in
    changed = loop.update_member(
        session=session,
        principal=csr,
        membership_id=member.membership_id,
        entry=LoopEntry(first_name="Opal", phone="(628) 555-0141"),
        opted_in=False,
    )
    assert not changed.opted_in
    history = session.exec(select(MarketingConsent)).all()
    assert [(h.opted_in, h.source) for h in history] == [(False, "csr")]
    # Someone who left stays out when another CSR adds them.
    again = add(session, shop[2], "(628) 555-0141")
    assert not again.opted_in
