import datetime as dt
import uuid

import pytest
from sqlmodel import func, select

from interplat.models import Attachment, CannedContent, Listing, Offer
from interplat.services import canned
from interplat.services.enterprises import default_listing
from interplat.services.errors import Conflict, NotFound, ValidationFailed
from tests.factories import make_enterprise

NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


def _setup(session):
    enterprise = make_enterprise(session)
    listing = default_listing(session=session, enterprise_id=enterprise.id)
    return enterprise, listing


def _add(session, enterprise, listing, title, body="Some text.", **kw):
    return canned.create_canned(
        session=session,
        enterprise_id=enterprise.id,
        listing_id=listing.id,
        title=title,
        body=body,
        **kw,
    )


def _attachment(session, enterprise, content_type="image/png"):
    attachment = Attachment(
        enterprise_id=enterprise.id,
        filename="file",
        content_type=content_type,
        size_bytes=10,
        storage_key=uuid.uuid4().hex,
        sha256="0" * 64,
    )
    session.add(attachment)
    session.flush()
    return attachment


def _offer(session, enterprise):
    offer = Offer(enterprise_id=enterprise.id, title="10% off")
    session.add(offer)
    session.flush()
    return offer


def _count(session):
    return session.exec(select(func.count()).select_from(CannedContent)).one()


def _search(session, enterprise, listing, query="", **kw):
    items, total = canned.search_canned(
        session=session, enterprise_id=enterprise.id, listing_id=listing.id, query=query, **kw
    )
    return [item.title for item in items], total


def test_create_stores_a_lowercase_shortcut_without_its_slash_and_reads_back(session):
    enterprise, listing = _setup(session)
    created = _add(
        session,
        enterprise,
        listing,
        "  Refund policy ",
        "  Refunds take 5 days. ",
        shortcut="/Refund",
        now=NOW,
    )
    session.commit()
    session.expire_all()
    got = canned.get_canned(
        session=session,
        enterprise_id=enterprise.id,
        listing_id=listing.id,
        canned_id=uuid.UUID(created.id),
    )
    assert got == created
    assert (got.title, got.shortcut, got.body) == (
        "Refund policy",
        "refund",
        "Refunds take 5 days.",
    )
    assert (got.listing_id, got.created_at, got.updated_at) == (
        str(listing.id),
        NOW.isoformat(),
        None,
    )


def test_an_image_or_an_offer_stands_in_for_the_body(session):
    enterprise, listing = _setup(session)
    image, offer = _attachment(session, enterprise), _offer(session, enterprise)
    with_image = _add(session, enterprise, listing, "Map", "", image_attachment_id=image.id)
    with_offer = _add(session, enterprise, listing, "Deal", "  ", offer_id=offer.id)
    assert (with_image.body, with_image.image_attachment_id) == ("", str(image.id))
    assert (with_offer.body, with_offer.offer_id) == ("", str(offer.id))


def test_update_replaces_every_field(session):
    enterprise, listing = _setup(session)
    image, offer = _attachment(session, enterprise), _offer(session, enterprise)
    created = _add(
        session,
        enterprise,
        listing,
        "Old",
        "Old text",
        shortcut="old",
        image_attachment_id=image.id,
    )
    later = NOW + dt.timedelta(hours=1)
    updated = canned.update_canned(
        session=session,
        enterprise_id=enterprise.id,
        listing_id=listing.id,
        canned_id=uuid.UUID(created.id),
        title="New",
        body="",
        offer_id=offer.id,
        now=later,
    )
    session.commit()
    session.expire_all()
    row = session.get(CannedContent, uuid.UUID(created.id))
    assert (row.title, row.body, row.shortcut) == ("New", "", "")
    assert (row.image_attachment_id, row.offer_id, row.updated_at) == (None, offer.id, later)
    assert updated.updated_at == later.isoformat()


def test_update_may_keep_its_own_shortcut_but_not_take_anothers(session):
    enterprise, listing = _setup(session)
    first = _add(session, enterprise, listing, "First", shortcut="one")
    _add(session, enterprise, listing, "Second", shortcut="two")
    edit = dict(
        session=session,
        enterprise_id=enterprise.id,
        listing_id=listing.id,
        canned_id=uuid.UUID(first.id),
        title="First, edited",
        body="Text",
    )
    assert canned.update_canned(**edit, shortcut="one").shortcut == "one"
    with pytest.raises(Conflict, match="/two"):
        canned.update_canned(**edit, shortcut="/TWO")
    assert session.get(CannedContent, uuid.UUID(first.id)).shortcut == "one"


def test_delete_removes_the_reply(session):
    enterprise, listing = _setup(session)
    keep = _add(session, enterprise, listing, "Keep")
    gone = _add(session, enterprise, listing, "Gone")
    ids = dict(session=session, enterprise_id=enterprise.id, listing_id=listing.id)
    canned.delete_canned(**ids, canned_id=uuid.UUID(gone.id))
    session.commit()
    with pytest.raises(NotFound):
        canned.get_canned(**ids, canned_id=uuid.UUID(gone.id))
    assert _search(session, enterprise, listing) == ([keep.title], 1)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "t" * 201}, "title"),
        ({"body": ""}, "body"),
        ({"body": "  \n "}, "body"),
        ({"body": "b" * 4001}, "body"),
        ({"shortcut": "-refund"}, "shortcut"),
        ({"shortcut": "two words"}, "shortcut"),
        ({"shortcut": "refund!"}, "shortcut"),
        ({"shortcut": "//refund"}, "shortcut"),
        ({"shortcut": "r" * 51}, "shortcut"),
        ({"image_attachment_id": uuid.uuid4()}, "image_attachment_id"),
        ({"offer_id": uuid.uuid4()}, "offer_id"),
    ],
)
def test_invalid_fields_are_refused_and_nothing_is_written(session, fields, field):
    enterprise, listing = _setup(session)
    values = {"title": "Refund policy", "body": "Refunds take 5 days."} | fields
    with pytest.raises(ValidationFailed) as refused:
        _add(session, enterprise, listing, **values)
    assert refused.value.field == field
    assert refused.value.message.endswith(".")
    session.commit()
    assert _count(session) == 0


def test_the_longest_allowed_values_are_accepted(session):
    enterprise, listing = _setup(session)
    created = _add(session, enterprise, listing, "t" * 200, "b" * 4000, shortcut="a_" + "r" * 48)
    assert (len(created.title), len(created.body), len(created.shortcut)) == (200, 4000, 50)


def test_a_failed_update_changes_nothing(session):
    enterprise, listing = _setup(session)
    created = _add(session, enterprise, listing, "Hours", "We open at 9.", shortcut="hours")
    session.commit()
    with pytest.raises(ValidationFailed):
        canned.update_canned(
            session=session,
            enterprise_id=enterprise.id,
            listing_id=listing.id,
            canned_id=uuid.UUID(created.id),
            title="Changed",
            body="Changed",
            shortcut="not valid",
        )
    session.commit()
    session.expire_all()
    row = session.get(CannedContent, uuid.UUID(created.id))
    assert (row.title, row.body, row.shortcut, row.updated_at) == (
        "Hours",
        "We open at 9.",
        "hours",
        None,
    )


def test_shortcuts_are_unique_within_a_listing_only(session):
    enterprise, listing = _setup(session)
    other_listing = Listing(enterprise_id=enterprise.id, name="Second store")
    session.add(other_listing)
    _add(session, enterprise, listing, "Refund", shortcut="refund")
    with pytest.raises(Conflict) as refused:
        _add(session, enterprise, listing, "Refund again", shortcut="/REFUND")
    assert "/refund" in refused.value.message
    assert (
        _add(session, enterprise, other_listing, "Refund", shortcut="refund").shortcut == "refund"
    )
    other = make_enterprise(session)
    other_default = default_listing(session=session, enterprise_id=other.id)
    assert _add(session, other, other_default, "Refund", shortcut="refund").shortcut == "refund"
    assert _count(session) == 3


def test_another_enterprises_files_and_offers_are_refused(session):
    enterprise, listing = _setup(session)
    other = make_enterprise(session)
    with pytest.raises(ValidationFailed) as refused:
        _add(
            session, enterprise, listing, "Map", image_attachment_id=_attachment(session, other).id
        )
    assert refused.value.field == "image_attachment_id"
    with pytest.raises(ValidationFailed) as refused:
        _add(session, enterprise, listing, "Deal", offer_id=_offer(session, other).id)
    assert refused.value.field == "offer_id"
    assert _count(session) == 0


def test_an_attachment_that_is_not_an_image_is_refused(session):
    enterprise, listing = _setup(session)
    pdf = _attachment(session, enterprise, content_type="application/pdf")
    with pytest.raises(ValidationFailed) as refused:
        _add(session, enterprise, listing, "Menu", "", image_attachment_id=pdf.id)
    assert refused.value.field == "image_attachment_id"


def test_another_enterprises_or_listings_reply_is_not_found(session):
    enterprise, listing = _setup(session)
    other = make_enterprise(session)
    other_default = default_listing(session=session, enterprise_id=other.id)
    theirs = _add(session, other, other_default, "Theirs", "Their text", shortcut="theirs")
    second = Listing(enterprise_id=enterprise.id, name="Second store")
    session.add(second)
    in_second = _add(session, enterprise, second, "Second", "Second text")
    for canned_id, listing_id in [
        (theirs.id, listing.id),
        (theirs.id, other_default.id),
        (in_second.id, listing.id),
    ]:
        ids = dict(
            session=session,
            enterprise_id=enterprise.id,
            listing_id=listing_id,
            canned_id=uuid.UUID(canned_id),
        )
        with pytest.raises(NotFound) as missing:
            canned.get_canned(**ids)
        assert missing.value.message == "Canned reply not found."
        with pytest.raises(NotFound):
            canned.update_canned(**ids, title="Mine now", body="Mine")
        with pytest.raises(NotFound):
            canned.delete_canned(**ids)
    session.commit()
    session.expire_all()
    assert session.get(CannedContent, uuid.UUID(theirs.id)).title == "Theirs"
    assert session.get(CannedContent, uuid.UUID(in_second.id)).title == "Second"


def test_another_enterprises_listing_is_not_found(session):
    enterprise, _ = _setup(session)
    other = make_enterprise(session)
    theirs = default_listing(session=session, enterprise_id=other.id)
    with pytest.raises(NotFound, match="Listing not found"):
        _add(session, enterprise, theirs, "Sneaky")
    with pytest.raises(NotFound, match="Listing not found"):
        _search(session, enterprise, theirs)
    assert _count(session) == 0


def test_search_ranks_shortcut_and_title_matches_before_body_matches(session):
    enterprise, listing = _setup(session)
    _add(session, enterprise, listing, "Returns", "Ask for a REFUND within 30 days.")
    _add(session, enterprise, listing, "Store hours", "We open at 9.", shortcut="hours")
    _add(session, enterprise, listing, "Money back", "Sent to your card.", shortcut="refund")
    _add(session, enterprise, listing, "Late refund", "Banks take a week.")
    _add(session, enterprise, listing, "Card", "Partial refunds happen.", shortcut="refund-card")
    _add(session, enterprise, listing, "Apology", "We are sorry about the refund.")
    expected = ["Money back", "Card", "Late refund", "Apology", "Returns"]
    assert _search(session, enterprise, listing, "Refund") == (expected, 5)
    assert _search(session, enterprise, listing, " /refund ") == (expected, 5)
    assert _search(session, enterprise, listing, "HOURS") == (["Store hours"], 1)
    assert _search(session, enterprise, listing, "nothing like it") == ([], 0)


def test_search_without_a_query_lists_everything_by_title(session):
    enterprise, listing = _setup(session)
    for title in ["delta", "Bravo", "alpha", "Charlie"]:
        _add(session, enterprise, listing, title)
    assert _search(session, enterprise, listing) == (["alpha", "Bravo", "Charlie", "delta"], 4)


def test_search_pages_through_matches_with_the_full_total(session):
    enterprise, listing = _setup(session)
    for letter in "edcba":
        _add(session, enterprise, listing, f"{letter} shipping")
    _add(session, enterprise, listing, "unrelated", "Nothing here.")
    pages = [
        _search(session, enterprise, listing, "shipping", offset=o, limit=2) for o in (0, 2, 4)
    ]
    assert pages == [
        (["a shipping", "b shipping"], 5),
        (["c shipping", "d shipping"], 5),
        (["e shipping"], 5),
    ]
    assert _search(session, enterprise, listing, "shipping", offset=10) == ([], 5)


def test_search_caps_a_page_at_200(session):
    enterprise, listing = _setup(session)
    session.add_all(
        CannedContent(
            enterprise_id=enterprise.id, listing_id=listing.id, title=f"Reply {n:03d}", body="x"
        )
        for n in range(201)
    )
    session.flush()
    titles, total = _search(session, enterprise, listing, limit=1000)
    assert (len(titles), total, titles[-1]) == (200, 201, "Reply 199")


def test_search_treats_like_wildcards_literally(session):
    enterprise, listing = _setup(session)
    _add(session, enterprise, listing, "Discount", "Take 10% off today.")
    _add(session, enterprise, listing, "Codes", "Use code SPRING_SALE.")
    _add(session, enterprise, listing, "Plain", "Take 10 off, code SPRINGxSALE.")
    assert _search(session, enterprise, listing, "10%") == (["Discount"], 1)
    assert _search(session, enterprise, listing, "g_s") == (["Codes"], 1)


def test_search_stays_inside_the_listing(session):
    enterprise, listing = _setup(session)
    second = Listing(enterprise_id=enterprise.id, name="Second store")
    session.add(second)
    other = make_enterprise(session)
    _add(session, enterprise, listing, "Ours", "refund")
    _add(session, enterprise, second, "Second store's", "refund")
    _add(
        session, other, default_listing(session=session, enterprise_id=other.id), "Theirs", "refund"
    )
    assert _search(session, enterprise, listing, "refund") == (["Ours"], 1)


def test_the_database_itself_refuses_a_second_shortcut_in_a_listing(session):
    """Two concurrent creates could both pass the service check; the index stops the second."""
    import sqlalchemy as sa

    from interplat.models import CannedContent
    from interplat.services import enterprises

    enterprise = make_enterprise(session)
    listing = enterprises.default_listing(session=session, enterprise_id=enterprise.id)
    session.commit()
    for title in ("One", "Two"):
        session.add(
            CannedContent(
                enterprise_id=enterprise.id,
                listing_id=listing.id,
                title=title,
                shortcut="hours",
                body="x",
            )
        )
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()
    session.rollback()
    for title in ("One", "Two"):  # empty shortcuts are many
        session.add(
            CannedContent(
                enterprise_id=enterprise.id,
                listing_id=listing.id,
                title=title,
                shortcut="",
                body="x",
            )
        )
    session.commit()
