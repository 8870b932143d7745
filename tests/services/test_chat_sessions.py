import datetime as dt
import uuid

import pytest
from sqlmodel import select

from interplat.models import Channel, SenderKind, ShortLink, TicketStatus, utcnow
from interplat.services import chat_sessions, customer_chat, links, messages, tickets
from interplat.services.chat_sessions import pending_chats, remember, remembered_customers
from tests.factories import make_customer, make_enterprise


def _chat(session, enterprise=None, ttl=dt.timedelta(hours=1), **brand):
    enterprise = enterprise or make_enterprise(session, **brand)
    customer = make_customer(session, enterprise, first_name="Dana")
    ticket, _ = tickets.open_ticket(
        session=session, enterprise_id=enterprise.id, customer_id=customer.id, source=Channel.SMS
    )
    link = links.create_short_link(
        session=session,
        enterprise_id=enterprise.id,
        channel=Channel.SMS,
        ticket_id=ticket.id,
        customer_id=customer.id,
        ttl=ttl,
    )
    return enterprise, ticket, link


def _opened(session, link) -> str:
    """The cookie a browser holds after opening ``link``, as the page stores it."""
    view = customer_chat.load_chat(session=session, code=link.code)
    assert view.state == "ok"
    return remember("", uuid.UUID(view.customer_id))


def test_a_cookie_round_trips_the_customers_it_remembers():
    a, b = uuid.uuid4(), uuid.uuid4()
    cookie = remember(remember("", a), b)
    assert remembered_customers(cookie) == [a, b]
    assert remembered_customers(remember(cookie, a)) == [b, a]  # reopened: most recent last


def test_a_cookie_keeps_only_the_last_twenty():
    ids = [uuid.uuid4() for _ in range(25)]
    cookie = ""
    for customer_id in ids:
        cookie = remember(cookie, customer_id)
    assert remembered_customers(cookie) == ids[-20:]
    assert len(cookie) < 1000


@pytest.mark.parametrize(
    "cookie",
    ["", "garbage", ".", "abc.def", "x" * 5000, f"{uuid.uuid4().hex}.{'0' * 64}", "é.é"],
)
def test_anything_not_signed_by_us_proves_nothing(cookie):
    assert remembered_customers(cookie) == []


def test_a_tampered_cookie_proves_nothing():
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    cookie = remember("", mine)
    payload, _, signature = cookie.rpartition(".")
    assert remembered_customers(f"{payload}-{theirs.hex}.{signature}") == []
    assert remembered_customers(f"{theirs.hex}.{signature}") == []
    assert remembered_customers(cookie[:-1] + ("0" if cookie[-1] != "0" else "1")) == []


def test_a_signature_from_another_purpose_does_not_verify():
    from interplat.services import signing

    payload = uuid.uuid4().hex
    assert remembered_customers(f"{payload}.{signing.sign('media', payload)}") == []


def test_an_expired_link_resumes_on_a_live_link_for_the_browser_that_opened_it(session):
    _, ticket, link = _chat(session)
    cookie = _opened(session, link)
    later = utcnow() + dt.timedelta(hours=2)
    assert customer_chat.load_chat(session=session, code=link.code, now=later).state == "expired"
    fresh = chat_sessions.resume_chat(session=session, code=link.code, cookie=cookie, now=later)
    assert fresh is not None and fresh != link.code
    view = customer_chat.load_chat(session=session, code=fresh, now=later)
    assert view.state == "ok" and view.ticket_id == str(ticket.id)
    again = chat_sessions.resume_chat(session=session, code=link.code, cookie=cookie, now=later)
    assert again == fresh  # the live link is reused, not one more per reload


def test_a_revoked_link_resumes_too(session):
    _, _, link = _chat(session)
    cookie = _opened(session, link)
    links.revoke_short_link(session=session, link=link)
    assert customer_chat.load_chat(session=session, code=link.code).state == "expired"
    fresh = chat_sessions.resume_chat(session=session, code=link.code, cookie=cookie)
    assert fresh is not None and fresh != link.code


def test_no_resume_without_the_cookie_or_with_anothers(session):
    enterprise, _, link = _chat(session)
    _, _, other_link = _chat(session, enterprise=enterprise)
    others_cookie = _opened(session, other_link)
    links.revoke_short_link(session=session, link=link)
    before = len(session.exec(select(ShortLink)).all())
    for cookie in ("", "forged.cookie", others_cookie):
        assert chat_sessions.resume_chat(session=session, code=link.code, cookie=cookie) is None
    assert len(session.exec(select(ShortLink)).all()) == before  # nothing issued


def test_no_resume_once_the_ticket_has_ended(session):
    _, ticket, link = _chat(session)
    cookie = _opened(session, link)
    ticket.status = TicketStatus.RESOLVED
    session.add(ticket)
    links.revoke_short_link(session=session, link=link)
    assert chat_sessions.resume_chat(session=session, code=link.code, cookie=cookie) is None
    assert chat_sessions.resume_chat(session=session, code="nope", cookie=cookie) is None


def test_pending_chats_lists_the_remembered_customers_open_chats(session):
    bank, bank_ticket, bank_link = _chat(session, brand_name="Bank")
    shop, shop_ticket, shop_link = _chat(session, brand_name="Shop")
    _chat(session, enterprise=bank)  # someone else's chat at the bank
    cookie = remember(_opened(session, bank_link), shop_ticket.customer_id)
    messages.post_message(
        session=session,
        ticket=shop_ticket,
        sender_kind=SenderKind.CUSTOMER,
        body="Where is   my\norder?",
        now=utcnow() + dt.timedelta(minutes=5),
    )
    found = pending_chats(session=session, cookie=cookie)
    assert [(c.brand_name, c.reference) for c in found] == [
        ("Shop", shop_ticket.reference),
        ("Bank", bank_ticket.reference),
    ]
    assert found[0].preview == "Where is my order?"
    assert found[0].code == shop_link.code and found[1].code == bank_link.code


def test_pending_chats_skip_ended_chats_and_prove_nothing_for_a_forged_cookie(session):
    _, ticket, link = _chat(session)
    cookie = _opened(session, link)
    assert pending_chats(session=session, cookie="forged.value") == []
    ticket.status = TicketStatus.ABANDONED
    session.add(ticket)
    assert pending_chats(session=session, cookie=cookie) == []


def test_pending_chat_of_an_expired_link_continues_on_a_fresh_one(session):
    _, ticket, link = _chat(session)
    cookie = _opened(session, link)
    later = utcnow() + dt.timedelta(hours=2)
    (chat,) = pending_chats(session=session, cookie=cookie, now=later)
    assert chat.code != link.code
    assert customer_chat.load_chat(session=session, code=chat.code, now=later).ticket_id == str(
        ticket.id
    )


def test_a_long_preview_is_shortened(session):
    _, ticket, link = _chat(session)
    cookie = _opened(session, link)
    messages.post_message(
        session=session,
        ticket=ticket,
        sender_kind=SenderKind.CUSTOMER,
        body="x" * 500,
        now=utcnow() + dt.timedelta(minutes=1),
    )
    (chat,) = pending_chats(session=session, cookie=cookie)
    assert len(chat.preview) == chat_sessions.PREVIEW_LENGTH and chat.preview.endswith("…")


def test_an_expired_link_offers_the_enterprises_website_entry_link(session):
    enterprise, _, link = _chat(session)
    links.revoke_short_link(session=session, link=link)
    view = customer_chat.load_chat(session=session, code=link.code)
    assert view.state == "expired" and view.new_chat_path.startswith("/c/")
    code = view.new_chat_path.rsplit("/", 1)[-1]
    start = customer_chat.load_chat(session=session, code=code)
    assert start.state == "start" and start.brand.enterprise_id == str(enterprise.id)
    again = customer_chat.load_chat(session=session, code=link.code)
    assert again.new_chat_path == view.new_chat_path  # made once, then kept
    assert customer_chat.load_chat(session=session, code="missing").new_chat_path == ""


def test_an_inactive_enterprises_expired_link_offers_no_new_chat(session):
    enterprise, _, link = _chat(session)
    enterprise.is_active = False
    session.add(enterprise)
    links.revoke_short_link(session=session, link=link)
    assert customer_chat.load_chat(session=session, code=link.code).new_chat_path == ""
