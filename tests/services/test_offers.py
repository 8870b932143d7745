"""Offers built through the wizard's rules: each step's messages, money, codes, copies,
archiving, tenants, and the preview card against the card a customer's thread shows."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

import pytest
from sqlmodel import select

from interplat.models import Channel, Message, MessageKind, Offer, SenderKind
from interplat.services import customer_chat, links, offer_fields, offers, qr, tickets
from interplat.services.errors import NotFound, ValidationFailed
from interplat.services.offer_fields import OfferDraft
from interplat.state.threads import thread_row
from tests.factories import make_customer, make_enterprise

NOW = dt.datetime(2026, 11, 25, 18, 0, tzinfo=dt.UTC)  # 10:00 in Los Angeles
PNG = qr.qr_image("https://example.com", "png")


def _draft(**kw) -> OfferDraft:
    values = {
        "title": "Spring tune-up",
        "body": "Bring your bike in.",
        "terms": "One per customer.",
        "expires_on": "2026-12-31",
        "discount_kind": "amount",
        "discount": "12.50",
        "original_price": "49.99",
        "coupon_code": "SPRING-25",
        "visibility": "loop",
    }
    values.update(kw)
    return OfferDraft(**values)


def _create(session, enterprise, **kw) -> Offer:
    return offers.create_offer(
        session=session, enterprise_id=enterprise.id, draft=_draft(**kw), now=NOW
    )


def _errors(session, enterprise, step, **kw) -> dict[str, str]:
    return offers.step_errors(
        session=session, enterprise_id=enterprise.id, step=step, draft=_draft(**kw), now=NOW
    )


@pytest.fixture
def shop(session):
    return make_enterprise(session, timezone="America/Los_Angeles")


def test_an_offer_is_saved_with_exact_minor_units_and_the_end_of_the_local_day(session, shop, bus):
    offer = _create(session, shop)
    session.commit()
    assert (offer.discount_value, offer.original_price_minor, offer.currency) == (1250, 4999, "USD")
    # The last second of Dec 31 in Los Angeles, stored in UTC.
    assert offer.expires_at == dt.datetime(2027, 1, 1, 7, 59, 59, tzinfo=dt.UTC)
    assert (offer.status, offer.visibility, offer.coupon_code) == ("published", "loop", "SPRING-25")
    assert bus.kinds() == ["offer.created"]
    assert offer_fields.parse_money("0.10", "USD") + offer_fields.parse_money("0.20", "USD") == 30
    assert offer_fields.parse_money("1,234.5", "USD") == 123450
    assert offer_fields.parse_money("1500", "JPY") == 1500


def test_a_draft_stays_a_draft_and_an_online_offer_keeps_only_its_link(session, shop):
    draft = _create(session, shop, visibility="draft")
    online = _create(
        session,
        shop,
        redemption_kind="online",
        discount_kind="percent",
        discount="",
        original_price="",
        redemption_url="https://shop.example.com/deal?x=1",
    )
    assert draft.status == "draft"
    assert (online.coupon_code, online.redemption_url, online.discount_value) == (
        "",
        "https://shop.example.com/deal?x=1",
        0,
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "  ", "Give the offer a title."),
        ("title", "x" * 201, "Titles are at most 200 characters."),
        ("body", "x" * 2001, "The text is at most 2,000 characters."),
        ("terms", "x" * 4001, "Terms are at most 4,000 characters."),
        (
            "expires_on",
            "2026-11-24",
            "The expiry date is in the past; choose today or a later day.",
        ),
        ("expires_on", "31/12/2026", "Enter the expiry as a date, like 2026-12-31."),
        ("image_attachment_id", str(uuid.uuid4()), "Upload the image again."),
    ],
)
def test_step_one_says_what_is_wrong(session, shop, field, value, message):
    key = "image" if field == "image_attachment_id" else field
    assert _errors(session, shop, 1, **{field: value}) == {key: message}


def test_today_on_the_enterprise_clock_is_not_the_past(session, shop):
    # 03:00 UTC on Nov 26 is still Nov 25 in Los Angeles.
    late = dt.datetime(2026, 11, 26, 3, 0, tzinfo=dt.UTC)
    draft = _draft(expires_on="2026-11-25")
    assert (
        offers.step_errors(session=session, enterprise_id=shop.id, step=1, draft=draft, now=late)
        == {}
    )
    assert offers.step_errors(
        session=session,
        enterprise_id=shop.id,
        step=1,
        draft=draft,
        now=late + dt.timedelta(hours=5),
    ) == {"expires_on": "The expiry date is in the past; choose today or a later day."}


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"discount_kind": "percent", "discount": "150"},
            {"discount": "A percent discount is at most 100%."},
        ),
        (
            {"discount_kind": "percent", "discount": "0"},
            {"discount": "A percent discount is at least 1%."},
        ),
        (
            {"discount_kind": "percent", "discount": "12.5"},
            {"discount": "Enter the percent off as a whole number, like 15."},
        ),
        ({"discount": "0"}, {"discount": "The amount off must be more than 0."}),
        ({"discount": "12.505"}, {"discount": "Use at most 2 decimals."}),
        ({"discount": "ten"}, {"discount": "Enter an amount like 12.50."}),
        ({"discount": ""}, {"discount": "Enter an amount like 12.50."}),
        (
            {"original_price": "10.00"},
            {"original_price": "The original price cannot be less than the amount off."},
        ),
        ({"coupon_code": ""}, {"coupon_code": "Give the coupon a code (or generate one)."}),
        (
            {"coupon_code": "no spaces!"},
            {"coupon_code": "Codes are 3 to 40 letters, digits or dashes, like SPRING-20."},
        ),
    ],
)
def test_step_two_says_what_is_wrong_with_the_coupon(session, shop, changes, errors):
    assert _errors(session, shop, 2, **changes) == errors


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://shop.example.com/deal",
        "https://",
        "shop.example.com/deal",
        "https://shop example.com",
        "https://nodot/deal",
    ],
)
def test_step_two_refuses_a_link_that_is_not_a_web_address(session, shop, url):
    errors = _errors(session, shop, 2, redemption_kind="online", redemption_url=url)
    assert errors == {
        "url": "Enter a web address starting with https://, like https://shop.example.com/deal."
    }


def test_a_coupon_code_is_unique_within_the_enterprise_only(session, shop):
    _create(session, shop, coupon_code="SPRING-25")
    other = make_enterprise(session)
    assert _errors(session, shop, 2, coupon_code="spring-25") == {
        "coupon_code": "Another of your offers already uses this code."
    }
    assert _errors(session, other, 2, coupon_code="SPRING-25") == {}
    with pytest.raises(ValidationFailed) as refused:
        _create(session, shop, coupon_code="spring-25")
    assert refused.value.field == "coupon_code"


def test_generated_codes_are_readable_and_skip_taken_ones(session, shop, monkeypatch):
    taken = _create(session, shop, coupon_code="ABCDEFGH")
    letters = iter("ABCDEFGH" + "XYZ23456")
    monkeypatch.setattr(offer_fields.secrets, "choice", lambda _alphabet: next(letters))
    assert offers.new_code(session=session, enterprise_id=shop.id) == "XYZ23456"
    monkeypatch.undo()
    code = offers.new_code(session=session, enterprise_id=shop.id)
    assert len(code) == 8 and not set(code) & set("0O1I") and code != taken.coupon_code


def test_step_three_and_a_refused_save_change_nothing(session, shop):
    assert _errors(session, shop, 3, visibility="everyone") == {
        "visibility": "Choose how to publish the offer."
    }
    with pytest.raises(ValidationFailed) as refused:
        _create(session, shop, discount_kind="percent", discount="150")
    assert refused.value.field == "discount"
    assert session.exec(select(Offer)).all() == []


def test_an_offer_image_is_an_image_of_at_most_5_mb(session, shop):
    with pytest.raises(ValidationFailed, match="The image is too large") as big:
        offers.store_offer_image(
            session=session,
            enterprise_id=shop.id,
            data=PNG + b"\0" * (5 * 1024 * 1024),
            filename="huge.png",
        )
    assert big.value.field == "image"
    with pytest.raises(ValidationFailed, match="Choose a JPEG, PNG, GIF or WebP image."):
        offers.store_offer_image(
            session=session, enterprise_id=shop.id, data=b"%PDF-1.4 x", filename="a.pdf"
        )
    image = offers.store_offer_image(
        session=session, enterprise_id=shop.id, data=PNG, filename="deal.png"
    )
    offer = _create(session, shop, image_attachment_id=str(image.id))
    assert offer.image_attachment_id == image.id
    # Another enterprise cannot put this image on its offer.
    other = make_enterprise(session)
    assert _errors(session, other, 1, image_attachment_id=str(image.id)) == {
        "image": "Upload the image again."
    }


def test_duplicate_makes_a_draft_copy_with_its_own_code(session, shop):
    offer = _create(session, shop)
    copy = offers.duplicate_offer(session=session, enterprise_id=shop.id, offer_id=offer.id)
    assert copy.id != offer.id and copy.title == "Copy of Spring tune-up"
    assert (copy.status, copy.visibility) == ("draft", "draft")
    assert copy.coupon_code not in ("", offer.coupon_code)
    assert (copy.discount_value, copy.expires_at, copy.terms) == (
        offer.discount_value,
        offer.expires_at,
        offer.terms,
    )


def test_archive_hides_an_offer_from_the_current_list_until_restored(session, shop):
    kept = _create(session, shop, title="Kept", coupon_code="KEPT-1")
    gone = _create(session, shop, title="Gone", coupon_code="GONE-1")
    offers.set_archived(session=session, enterprise_id=shop.id, offer_id=gone.id, archived=True)

    def titles(**kw):
        page = offers.list_offers(session=session, enterprise_id=shop.id, **kw)
        return sorted(o.title for o in page.items)

    assert titles() == ["Kept"]
    assert titles(status="archived") == ["Gone"]
    assert titles(status="all") == ["Gone", "Kept"]
    # Editing an archived offer keeps it archived.
    offers.update_offer(
        session=session,
        enterprise_id=shop.id,
        offer_id=gone.id,
        draft=_draft(title="Gone again", coupon_code="GONE-1"),
        now=NOW,
    )
    assert gone.status == "archived"
    offers.set_archived(session=session, enterprise_id=shop.id, offer_id=gone.id, archived=False)
    assert gone.status == "published" and kept.status == "published"


def test_search_finds_title_text_and_code(session, shop):
    _create(session, shop, title="Winter coats", body="Warm and dry.", coupon_code="COAT-9")
    _create(session, shop, title="Bikes", body="Spring sale", coupon_code="BIKE-7")

    def found(text):
        page = offers.list_offers(session=session, enterprise_id=shop.id, search=text)
        return [o.title for o in page.items]

    assert found("coat") == ["Winter coats"]
    assert found("WARM") == ["Winter coats"]
    assert found("bike-7") == ["Bikes"]
    assert found("spring bikes") == ["Bikes"]
    assert found("nothing") == []


def test_another_enterprise_never_sees_or_changes_an_offer(session, shop):
    offer = _create(session, shop)
    other = make_enterprise(session)
    assert offers.list_offers(session=session, enterprise_id=other.id, status="all").total == 0
    for act in (
        lambda: offers.get_offer(session=session, enterprise_id=other.id, offer_id=offer.id),
        lambda: offers.duplicate_offer(session=session, enterprise_id=other.id, offer_id=offer.id),
        lambda: offers.set_archived(
            session=session, enterprise_id=other.id, offer_id=offer.id, archived=True
        ),
        lambda: offers.update_offer(
            session=session, enterprise_id=other.id, offer_id=offer.id, draft=_draft(), now=NOW
        ),
    ):
        with pytest.raises(NotFound):
            act()
    assert (offer.status, offer.title) == ("published", "Spring tune-up")


def test_editing_starts_from_the_saved_fields(session, shop):
    draft = _draft(coupon_code="EDIT-1")
    offer = offers.create_offer(session=session, enterprise_id=shop.id, draft=draft, now=NOW)
    again = offer_fields.draft_of(offer, offers.zone_of(session, shop.id))
    assert again == replace(draft, discount="12.50", original_price="49.99")


def test_the_preview_is_the_card_the_customer_sees(session, shop):
    image = offers.store_offer_image(
        session=session, enterprise_id=shop.id, data=PNG, filename="deal.png"
    )
    draft = _draft(image_attachment_id=str(image.id), expires_on="2027-03-01")
    offer = offers.create_offer(session=session, enterprise_id=shop.id, draft=draft, now=NOW)
    customer = make_customer(session, shop)
    ticket, _ = tickets.open_ticket(
        session=session, enterprise_id=shop.id, customer_id=customer.id, source=Channel.SMS
    )
    link = links.create_short_link(
        session=session, enterprise_id=shop.id, channel=Channel.SMS, ticket_id=ticket.id
    )
    session.add(
        Message(
            enterprise_id=shop.id,
            ticket_id=ticket.id,
            customer_id=customer.id,
            sender_kind=SenderKind.CSR,
            kind=MessageKind.OFFER,
            body=offer.title,
            offer_id=offer.id,
        )
    )
    session.commit()
    [shown] = [m for m in customer_chat.load_chat(session=session, code=link.code).thread if m.card]

    def cards(row):
        return {k: v for k, v in row.items() if k.startswith("card_")}

    in_thread = cards(thread_row(shown))
    assert in_thread["card_deal"] == "$12.50 off" and in_thread["card_image_url"]
    zone = shop.timezone
    assert cards(offers.offer_preview_row(offer, zone=zone)) == in_thread
    unsaved = offers.preview_offer(draft, shop.id, offers.zone_of(session, shop.id))
    assert cards(offers.offer_preview_row(unsaved, zone=zone)) == in_thread
    claimed = offers.offer_preview_row(unsaved, claimed=True)
    assert (claimed["card_coupon_code"], claimed["card_claimed"]) == ("SPRING-25", "1")


def test_the_preview_shows_what_parses_while_the_rest_is_being_typed(session, shop):
    zone = offers.zone_of(session, shop.id)
    half = _draft(discount="12.", original_price="abc", expires_on="2026-1")
    row = offers.offer_preview_row(offers.preview_offer(half, shop.id, zone))
    assert (row["card_deal"], row["card_original_price"], row["card_expires"]) == (
        "$12.00 off",
        "",
        "",
    )
    assert offers.coupon_qr("spring-25").startswith("data:image/svg+xml;base64,")
    assert offers.coupon_qr(" ") == ""
