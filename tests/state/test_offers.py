"""The offers list and wizard states driven without a browser: a CSR only ever sees and
changes their own enterprise's offers, and the wizard's phone follows the fields."""

from __future__ import annotations

import functools

import pytest
from sqlmodel import select

from interplat import db
from interplat.models import Offer
from interplat.services import auth, offers
from interplat.services.offer_fields import OfferDraft
from interplat.state import auth as auth_state_module
from interplat.state import offer_wizard as wizard_module
from interplat.state import offers as offers_module
from interplat.state.offer_wizard import OfferWizardState
from interplat.state.offers import OffersState
from tests.aio import run_coroutine
from tests.factories import PASSWORD, make_enterprise, make_user
from tests.state.drive import drive


@pytest.fixture
def tenants(session, db_url, monkeypatch):
    scope = functools.partial(db.session_scope, db_url)
    for module in (auth_state_module, wizard_module, offers_module):
        monkeypatch.setattr(module, "session_scope", scope)
    a, b = make_enterprise(session), make_enterprise(session)
    csr = make_user(session, a, email="ana@a.example")
    mine = offers.create_offer(
        session=session,
        enterprise_id=a.id,
        draft=OfferDraft(title="Ours", discount="10", coupon_code="OURS-1", visibility="all"),
    )
    theirs = offers.create_offer(
        session=session,
        enterprise_id=b.id,
        draft=OfferDraft(title="Theirs", discount="10", coupon_code="THEIRS-1", visibility="all"),
    )
    session.commit()
    login = auth.log_in(session=session, email="ana@a.example", password=PASSWORD, ttl_hours=1)
    session.commit()
    return {"a": a, "b": b, "csr": csr, "token": login.token, "mine": mine, "theirs": theirs}


def test_the_list_shows_and_changes_only_the_csrs_own_offers(tenants, db_url):
    theirs = str(tenants["theirs"].id)

    async def load(s):
        await s.load()
        return [r["title"] for r in s.rows]

    async def meddle(s):
        await s.duplicate(theirs)
        s.ask_archive(theirs, "Theirs")
        await s.archive()
        return [r["title"] for r in s.rows]

    async def copy_mine(s):
        await s.duplicate(str(tenants["mine"].id))
        return sorted((r["title"], r["state"]) for r in s.rows)

    # The tab claims to belong to enterprise B: the handlers go by the session alone.
    loaded, meddled, copied = run_coroutine(
        drive(OffersState, tenants["token"], str(tenants["b"].id), [load, meddle, copy_mine])
    )
    assert loaded == meddled == ["Ours"]
    assert copied == [("Copy of Ours", "draft"), ("Ours", "published")]
    with db.session_scope(db_url) as session:
        rows = session.exec(select(Offer).where(Offer.enterprise_id == tenants["b"].id)).all()
        assert [(o.title, o.status) for o in rows] == [("Theirs", "published")]


def test_the_wizard_checks_each_step_and_the_phone_follows_the_fields(tenants, db_url):
    async def start(s):
        await s.create_another()
        return s.coupon_code, s.brand["name"]

    async def empty_next(s):
        await s.next_step()
        return s.step, dict(s.errors)

    async def details(s):
        s.set_field("title", "Winter warmers")
        s.set_field("body", "Hot drinks all week.")
        await s.next_step()
        return s.step, s.preview["card_title"], s.preview["card_text"]

    async def redemption(s):
        s.set_field("discount", "150")
        await s.next_step()
        refused = (s.step, dict(s.errors))
        s.set_field("discount", "25")
        await s.next_step()
        return refused, s.step, s.preview["card_deal"]

    async def publish(s):
        s.set_field("visibility", "loop")
        await s.save()
        return s.saved_title, s.saved_status, s.blast_href

    code_and_brand, empty, after_details, after_redemption, saved = run_coroutine(
        drive(
            OfferWizardState,
            tenants["token"],
            str(tenants["b"].id),
            [start, empty_next, details, redemption, publish],
        )
    )
    assert len(code_and_brand[0]) == 8 and code_and_brand[1] == tenants["a"].brand_name
    assert empty == (1, {"title": "Give the offer a title."})
    assert after_details == (2, "Winter warmers", "Hot drinks all week.")
    assert after_redemption == (
        (2, {"discount": "A percent discount is at most 100%."}),
        3,
        "25% off",
    )
    with db.session_scope(db_url) as session:
        offer = session.exec(select(Offer).where(Offer.title == "Winter warmers")).one()
        assert (offer.enterprise_id, offer.created_by_id) == (tenants["a"].id, tenants["csr"].id)
        assert (offer.discount_value, offer.coupon_code) == (25, code_and_brand[0])
    assert saved == ("Winter warmers", "published", f"/blasts?offer={offer.id}")
