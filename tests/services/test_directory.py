import datetime as dt

import pytest
from sqlmodel import select

from interplat.models import Offer, ShortLink, utcnow
from interplat.services import customer_chat, directory
from interplat.services.errors import NotFound
from tests.factories import make_enterprise


def _names(found: directory.Directory) -> list[str]:
    return [entry.brand.brand_name for entry in found.entries]


def test_lists_active_listed_enterprises_by_brand_name(session):
    make_enterprise(session, brand_name="zebra Bank", tagline="Stripes")
    make_enterprise(session, brand_name="Apple Pies")
    hidden = make_enterprise(session, brand_name="Hidden")
    hidden.listed_in_directory = False
    closed = make_enterprise(session, brand_name="Closed")
    closed.is_active = False
    session.add_all([hidden, closed])
    session.flush()
    found = directory.search_directory(session=session)
    assert _names(found) == ["Apple Pies", "zebra Bank"] and not found.more
    assert found.entries[1].brand.tagline == "Stripes"


@pytest.mark.parametrize("query", ["BANK", "zebra", "stripes", "  stripes  ", "Zebra Corp"])
def test_search_matches_name_brand_or_tagline_case_insensitively(session, query):
    make_enterprise(session, brand_name="Zebra Bank", name="Zebra Corp", tagline="Stripes")
    make_enterprise(session, brand_name="Apple Pies", tagline="Sweet")
    assert _names(directory.search_directory(session=session, query=query)) == ["Zebra Bank"]


@pytest.mark.parametrize("query", ["%", "_", "\\", "nothing like it", "' OR 1=1 --"])
def test_search_wildcards_are_literal(session, query):
    make_enterprise(session, brand_name="Apple Pies", tagline="Sweet")
    assert _names(directory.search_directory(session=session, query=query)) == []


def test_a_literal_percent_is_found(session):
    make_enterprise(session, brand_name="Deals", tagline="Up to 50% off")
    make_enterprise(session, brand_name="Other", tagline="Up to 50 off")
    assert _names(directory.search_directory(session=session, query="50%")) == ["Deals"]


def test_at_most_fifty_are_shown_and_more_says_so(session):
    for n in range(directory.MAX_RESULTS + 1):
        make_enterprise(session, brand_name=f"Shop {n:02d}")
    found = directory.search_directory(session=session, query="shop")
    assert len(found.entries) == directory.MAX_RESULTS and found.more


def test_chat_goes_to_the_website_entry_links_start_page(session):
    enterprise = make_enterprise(session, brand_name="Bank")
    (entry,) = directory.search_directory(session=session).entries
    code = entry.chat_path.removeprefix("/c/")
    view = customer_chat.load_chat(session=session, code=code)
    assert view.state == "start" and view.brand.enterprise_id == str(enterprise.id)
    link = session.exec(select(ShortLink).where(ShortLink.code == code)).one()
    assert link.channel == "website" and link.ticket_id is None
    count = len(session.exec(select(ShortLink)).all())
    (again,) = directory.search_directory(session=session).entries
    assert again.chat_path == entry.chat_path
    assert len(session.exec(select(ShortLink)).all()) == count  # made once, then reused
    assert entry.offers_path == f"/chat/{enterprise.slug}/offers"


def _offer(session, enterprise, **kw) -> Offer:
    values = {"title": "10% off", "status": "published", "visibility": "all"}
    values.update(kw)
    offer = Offer(enterprise_id=enterprise.id, **values)
    session.add(offer)
    session.flush()
    return offer


def test_offers_are_the_published_public_unexpired_ones(session):
    enterprise = make_enterprise(session, brand_name="Bank")
    other = make_enterprise(session, brand_name="Other")
    now = utcnow()
    _offer(session, enterprise, title="Forever")
    _offer(session, enterprise, title="Soon", expires_at=now + dt.timedelta(days=1))
    _offer(session, enterprise, title="Over", expires_at=now - dt.timedelta(minutes=1))
    _offer(session, enterprise, title="Draft", status="draft")
    _offer(session, enterprise, title="Archived", status="archived")
    _offer(session, enterprise, title="Loop only", visibility="loop")
    _offer(session, enterprise, title="Blast only", visibility="blast")
    _offer(session, other, title="Someone else's")
    found = directory.enterprise_offers(session=session, slug=enterprise.slug, now=now)
    assert found.brand.brand_name == "Bank"
    assert [o.title for o in found.offers] == ["Soon", "Forever"]
    assert found.chat_path.startswith("/c/")


def test_no_offers_is_an_empty_list(session):
    enterprise = make_enterprise(session)
    assert directory.enterprise_offers(session=session, slug=enterprise.slug).offers == []


def test_offers_of_an_unlisted_inactive_or_unknown_enterprise_are_not_found(session):
    hidden = make_enterprise(session)
    hidden.listed_in_directory = False
    closed = make_enterprise(session)
    closed.is_active = False
    session.add_all([hidden, closed])
    session.flush()
    for slug in (hidden.slug, closed.slug, "no-such-business", "x" * 500):
        with pytest.raises(NotFound):
            directory.enterprise_offers(session=session, slug=slug)
