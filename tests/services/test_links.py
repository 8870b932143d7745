import datetime as dt

import pytest
from sqlmodel import select

from interplat.models import Channel, ShortLink, utcnow
from interplat.services import links
from interplat.services.errors import NotFound
from tests.factories import make_enterprise, make_ticket


def test_codes_carry_128_bits_and_are_unique(session):
    enterprise = make_enterprise(session)
    codes = {
        links.create_short_link(
            session=session, enterprise_id=enterprise.id, channel=Channel.SMS
        ).code
        for _ in range(200)
    }
    assert len(codes) == 200
    assert all(len(code) >= 22 for code in codes)  # 16 random bytes, base64url


def test_opening_counts_visits_and_returns_the_target(session):
    enterprise = make_enterprise(session)
    ticket = make_ticket(session, enterprise)
    link = links.create_short_link(
        session=session,
        enterprise_id=enterprise.id,
        channel=Channel.QR,
        ticket_id=ticket.id,
        customer_id=ticket.customer_id,
    )
    target = links.open_short_link(session=session, code=link.code)
    links.open_short_link(session=session, code=link.code)
    links.open_short_link(session=session, code=link.code, count_visit=False)
    assert (target.enterprise.id, target.ticket.id, target.channel) == (
        enterprise.id,
        ticket.id,
        "qr",
    )
    assert link.open_count == 2 and link.first_opened_at is not None


def test_expired_and_revoked_links_say_so_and_carry_the_brand(session):
    enterprise = make_enterprise(session, brand_name="Brandy")
    now = utcnow()
    link = links.create_short_link(
        session=session,
        enterprise_id=enterprise.id,
        channel=Channel.SMS,
        ttl=dt.timedelta(minutes=5),
        now=now,
    )
    links.open_short_link(session=session, code=link.code, now=now + dt.timedelta(minutes=4))
    with pytest.raises(links.LinkExpired) as err:
        links.open_short_link(session=session, code=link.code, now=now + dt.timedelta(minutes=5))
    assert err.value.enterprise.brand_name == "Brandy"

    other = links.create_short_link(
        session=session, enterprise_id=enterprise.id, channel=Channel.SMS
    )
    links.revoke_short_link(session=session, link=other)
    with pytest.raises(links.LinkExpired):
        links.open_short_link(session=session, code=other.code)


@pytest.mark.parametrize("code", ["", "nope", "x" * 5000, "'; DROP TABLE shortlink; --"])
def test_unknown_codes_are_not_found(session, code):
    with pytest.raises(NotFound):
        links.open_short_link(session=session, code=code)
    assert session.exec(select(ShortLink)).all() == []
