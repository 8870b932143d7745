import datetime as dt
import time
import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import func, select

from interplat.models import AssistedResponseRule, CannedContent, Listing
from interplat.services import assist, canned
from interplat.services.enterprises import default_listing
from interplat.services.errors import Conflict, NotFound, ValidationFailed
from tests.factories import make_enterprise

NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def sql_log(engine):
    """Every SQL statement the engine runs while the test runs."""
    statements: list[str] = []

    def remember(conn, cursor, statement, *rest):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", remember)
    yield statements
    sa.event.remove(engine, "before_cursor_execute", remember)


def _setup(session):
    enterprise = make_enterprise(session)
    return enterprise, default_listing(session=session, enterprise_id=enterprise.id)


def _rule(session, enterprise, listing, keywords, replies=None, **kw):
    return assist.create_rule(
        session=session,
        enterprise_id=enterprise.id,
        listing_id=listing.id,
        keywords=keywords,
        replies=replies or [f"About {keywords[0]}."],
        **kw,
    )


def _canned(session, enterprise, listing, title, body):
    return canned.create_canned(
        session=session, enterprise_id=enterprise.id, listing_id=listing.id, title=title, body=body
    )


def _suggest(session, enterprise, listing, text, **kw):
    return assist.suggest_replies(
        session=session, enterprise_id=enterprise.id, listing_id=listing.id, text=text, **kw
    )


def _texts(session, enterprise, listing, text, **kw):
    return [s.text for s in _suggest(session, enterprise, listing, text, **kw)]


def _count(session):
    return session.exec(select(func.count()).select_from(AssistedResponseRule)).one()


def test_create_cleans_the_input_and_reads_back(session):
    enterprise, listing = _setup(session)
    created = _rule(
        session,
        enterprise,
        listing,
        ["  Refund ", "money   back"],
        [" You will get it within 5 days. ", "Sorry about that."],
        name=" Refunds ",
        now=NOW,
    )
    session.commit()
    session.expire_all()
    got = assist.get_rule(
        session=session,
        enterprise_id=enterprise.id,
        listing_id=listing.id,
        rule_id=uuid.UUID(created.id),
    )
    assert got == created
    assert (got.name, got.keywords, got.replies) == (
        "Refunds",
        ("Refund", "money back"),
        ("You will get it within 5 days.", "Sorry about that."),
    )
    assert (got.position, got.enabled, got.created_at) == (0, True, NOW.isoformat())


def test_new_rules_go_after_the_last_and_list_in_position_order(session):
    enterprise, listing = _setup(session)
    late = _rule(session, enterprise, listing, ["late"], position=7)
    after = _rule(session, enterprise, listing, ["after"])
    first = _rule(session, enterprise, listing, ["first"], position=0)
    listed = assist.list_rules(session=session, enterprise_id=enterprise.id, listing_id=listing.id)
    assert [(r.id, r.position) for r in listed] == [(first.id, 0), (late.id, 7), (after.id, 8)]


def test_update_replaces_every_field_and_keeps_the_place_unless_given(session):
    enterprise, listing = _setup(session)
    _rule(session, enterprise, listing, ["first"])
    rule = _rule(session, enterprise, listing, ["refund"], ["Old reply."], name="Old")
    ids = dict(
        session=session,
        enterprise_id=enterprise.id,
        listing_id=listing.id,
        rule_id=uuid.UUID(rule.id),
    )
    updated = assist.update_rule(**ids, keywords=["return"], replies=["New."], enabled=False)
    assert (updated.name, updated.keywords, updated.replies) == ("", ("return",), ("New.",))
    assert (updated.position, updated.enabled) == (1, False)
    session.commit()
    session.expire_all()
    assert assist.get_rule(**ids) == updated
    moved = assist.update_rule(**ids, keywords=["return"], replies=["New."], position=5)
    assert (moved.position, moved.enabled) == (5, True)


def test_delete_removes_the_rule(session):
    enterprise, listing = _setup(session)
    keep = _rule(session, enterprise, listing, ["keep"])
    gone = _rule(session, enterprise, listing, ["gone"])
    ids = dict(session=session, enterprise_id=enterprise.id, listing_id=listing.id)
    assist.delete_rule(**ids, rule_id=uuid.UUID(gone.id))
    session.commit()
    with pytest.raises(NotFound):
        assist.get_rule(**ids, rule_id=uuid.UUID(gone.id))
    assert [r.id for r in assist.list_rules(**ids)] == [keep.id]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"keywords": []}, "keywords"),
        ({"keywords": "refund"}, "keywords"),
        ({"keywords": [f"word{n}" for n in range(21)]}, "keywords"),
        ({"keywords": ["refund", "   "]}, "keywords"),
        ({"keywords": ["k" * 101]}, "keywords"),
        ({"keywords": ["Refund", "refund"]}, "keywords"),
        ({"keywords": ["café", "CAFE"]}, "keywords"),
        ({"keywords": ["money back", "Money  Back"]}, "keywords"),
        ({"keywords": ["?!"]}, "keywords"),
        ({"replies": []}, "replies"),
        ({"replies": "Hello."}, "replies"),
        ({"replies": [f"Reply {n}." for n in range(11)]}, "replies"),
        ({"replies": ["Fine.", " "]}, "replies"),
        ({"replies": ["r" * 1001]}, "replies"),
        ({"name": "n" * 201}, "name"),
        ({"position": -1}, "position"),
        ({"position": True}, "position"),
    ],
)
def test_invalid_fields_are_refused_and_nothing_is_written(session, fields, field):
    enterprise, listing = _setup(session)
    values = {"keywords": ["refund"], "replies": ["Refunds take 5 days."]} | fields
    with pytest.raises(ValidationFailed) as refused:
        assist.create_rule(
            session=session, enterprise_id=enterprise.id, listing_id=listing.id, **values
        )
    assert refused.value.field == field
    assert refused.value.message.endswith(".")
    session.commit()
    assert _count(session) == 0


def test_the_largest_allowed_rule_is_accepted(session):
    enterprise, listing = _setup(session)
    keywords = [f"{n:02d}" + "k" * 98 for n in range(20)]
    created = _rule(session, enterprise, listing, keywords, ["r" * 1000] * 10, name="n" * 200)
    assert (len(created.keywords), len(created.replies), len(created.name)) == (20, 10, 200)


def test_a_failed_update_changes_nothing(session):
    enterprise, listing = _setup(session)
    rule = _rule(session, enterprise, listing, ["refund"], ["Old reply."])
    session.commit()
    with pytest.raises(ValidationFailed):
        assist.update_rule(
            session=session,
            enterprise_id=enterprise.id,
            listing_id=listing.id,
            rule_id=uuid.UUID(rule.id),
            keywords=["new"],
            replies=[],
            name="Changed",
        )
    session.commit()
    session.expire_all()
    row = session.get(AssistedResponseRule, uuid.UUID(rule.id))
    assert (row.keywords, row.replies, row.name) == (["refund"], ["Old reply."], "")


def test_another_enterprises_or_listings_rule_is_not_found(session):
    enterprise, listing = _setup(session)
    other = make_enterprise(session)
    other_default = default_listing(session=session, enterprise_id=other.id)
    theirs = _rule(session, other, other_default, ["theirs"])
    second = Listing(enterprise_id=enterprise.id, name="Second store")
    session.add(second)
    in_second = _rule(session, enterprise, second, ["second"])
    for rule_id, listing_id in [
        (theirs.id, listing.id),
        (theirs.id, other_default.id),
        (in_second.id, listing.id),
    ]:
        ids = dict(
            session=session,
            enterprise_id=enterprise.id,
            listing_id=listing_id,
            rule_id=uuid.UUID(rule_id),
        )
        with pytest.raises(NotFound, match="Rule not found"):
            assist.get_rule(**ids)
        with pytest.raises(NotFound):
            assist.update_rule(**ids, keywords=["mine"], replies=["Mine."])
        with pytest.raises(NotFound):
            assist.delete_rule(**ids)
    session.commit()
    session.expire_all()
    assert session.get(AssistedResponseRule, uuid.UUID(theirs.id)).keywords == ["theirs"]
    assert session.get(AssistedResponseRule, uuid.UUID(in_second.id)).keywords == ["second"]


def test_another_enterprises_listing_is_not_found(session):
    enterprise, _ = _setup(session)
    other = make_enterprise(session)
    theirs = default_listing(session=session, enterprise_id=other.id)
    _rule(session, other, theirs, ["refund"])
    ids = dict(session=session, enterprise_id=enterprise.id, listing_id=theirs.id)
    with pytest.raises(NotFound, match="Listing not found"):
        _rule(session, enterprise, theirs, ["sneaky"])
    with pytest.raises(NotFound, match="Listing not found"):
        assist.list_rules(**ids)
    with pytest.raises(NotFound, match="Listing not found"):
        assist.reorder_rules(**ids, rule_ids=[])
    with pytest.raises(NotFound, match="Listing not found"):
        assist.suggest_replies(**ids, text="refund")
    assert _count(session) == 1


def test_reorder_sets_positions_from_the_given_order(session):
    enterprise, listing = _setup(session)
    a, b, c = (_rule(session, enterprise, listing, [w]) for w in ("alpha", "bravo", "charlie"))
    ids = dict(session=session, enterprise_id=enterprise.id, listing_id=listing.id)
    order = [uuid.UUID(r.id) for r in (c, a, b)]
    reordered = assist.reorder_rules(**ids, rule_ids=order)
    session.commit()
    session.expire_all()
    listed = assist.list_rules(**ids)
    assert [(r.id, r.position) for r in listed] == [(c.id, 0), (a.id, 1), (b.id, 2)]
    assert reordered == listed


def test_reorder_must_name_exactly_the_listings_rules(session):
    enterprise, listing = _setup(session)
    a, b = (
        _rule(session, enterprise, listing, ["alpha"]),
        _rule(session, enterprise, listing, ["bravo"]),
    )
    other = make_enterprise(session)
    theirs = _rule(session, other, default_listing(session=session, enterprise_id=other.id), ["x"])
    ids = dict(session=session, enterprise_id=enterprise.id, listing_id=listing.id)
    a_id, b_id, their_id = (uuid.UUID(r.id) for r in (a, b, theirs))
    for stale in ([b_id], [b_id, a_id, their_id], [b_id, their_id], [b_id, a_id, uuid.uuid4()]):
        with pytest.raises(Conflict):
            assist.reorder_rules(**ids, rule_ids=stale)
    with pytest.raises(ValidationFailed) as refused:
        assist.reorder_rules(**ids, rule_ids=[b_id, a_id, a_id])
    assert refused.value.field == "rule_ids"
    session.commit()
    session.expire_all()
    assert [(r.id, r.position) for r in assist.list_rules(**ids)] == [(a.id, 0), (b.id, 1)]


def test_matched_rules_rank_by_position_then_each_reply_in_order(session):
    enterprise, listing = _setup(session)
    _rule(session, enterprise, listing, ["refund"], ["Refund 1.", "Refund 2."], position=1)
    _rule(session, enterprise, listing, ["order"], ["Order 1.", "Order 2."], position=0)
    _rule(session, enterprise, listing, ["unrelated"], ["Never."], position=2)
    suggestions = _suggest(session, enterprise, listing, "I want a refund for my order", limit=10)
    assert [s.text for s in suggestions] == ["Order 1.", "Order 2.", "Refund 1.", "Refund 2."]
    assert {(s.source, s.score) for s in suggestions} == {("rule", 1.0)}


def test_at_one_position_the_earlier_matched_keyword_ranks_higher(session):
    enterprise, listing = _setup(session)
    late_hit = _rule(
        session, enterprise, listing, ["shipping", "refund"], ["Via keyword 2."], position=0
    )
    early_hit = _rule(
        session, enterprise, listing, ["refund", "shipping"], ["Via keyword 1."], position=0
    )
    suggestions = _suggest(session, enterprise, listing, "Where is my refund?")
    assert [(s.text, s.source_id) for s in suggestions] == [
        ("Via keyword 1.", early_hit.id),
        ("Via keyword 2.", late_hit.id),
    ]


@pytest.mark.parametrize(
    "message",
    [
        "Refund?",
        "my refund",
        "RÉFUND!!",
        "where's my re\u0301fund",
        "(refund)",
        "refund-policy please",
    ],
)
def test_a_keyword_matches_as_a_whole_word_ignoring_case_and_accents(session, message):
    enterprise, listing = _setup(session)
    _rule(session, enterprise, listing, ["refund"], ["On its way."])
    assert _texts(session, enterprise, listing, message) == ["On its way."]


@pytest.mark.parametrize("message", ["prefund", "refunds", "refunding", "re fund", "refund_policy"])
def test_a_keyword_inside_another_word_does_not_match(session, message):
    enterprise, listing = _setup(session)
    _rule(session, enterprise, listing, ["refund"], ["On its way."])
    assert _texts(session, enterprise, listing, message) == []


@pytest.mark.parametrize(
    ("message", "matches"),
    [
        ("My CREDIT CARD was declined", True),
        ("crédit-card declined", True),
        ("credit\n  card, again", True),
        ("credit cards are declined", False),
        ("credit for my card", False),
        ("card credit", False),
    ],
)
def test_a_phrase_matches_its_words_in_sequence(session, message, matches):
    enterprise, listing = _setup(session)
    _rule(session, enterprise, listing, ["Crédit Card"], ["Try another card."])
    assert _texts(session, enterprise, listing, message) == (
        ["Try another card."] if matches else []
    )


def test_disabled_rules_never_match(session):
    enterprise, listing = _setup(session)
    _rule(session, enterprise, listing, ["refund"], ["Disabled."], enabled=False)
    rule = _rule(session, enterprise, listing, ["refund"], ["Enabled."])
    assert _texts(session, enterprise, listing, "refund") == ["Enabled."]
    assist.update_rule(
        session=session,
        enterprise_id=enterprise.id,
        listing_id=listing.id,
        rule_id=uuid.UUID(rule.id),
        keywords=["refund"],
        replies=["Enabled."],
        enabled=False,
    )
    assert _texts(session, enterprise, listing, "refund") == []


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", "?!"])
def test_an_empty_message_gets_no_suggestions(session, text):
    enterprise, listing = _setup(session)
    _rule(session, enterprise, listing, ["refund"])
    _canned(session, enterprise, listing, "Anything", "Anything at all.")
    assert _suggest(session, enterprise, listing, text) == []


def _store_canned(session, enterprise, listing):
    rows = [
        ("Refund policy", "Refunds go back to the original card within 5 business days."),
        ("Store hours", "We are open 9am to 6pm, Monday to Saturday."),
        ("Shipping times", "Orders ship within 2 business days and arrive in 3 to 5 days."),
        ("Card declined", "If your card was declined, check its expiry date or try another card."),
    ]
    return {title: _canned(session, enterprise, listing, title, body) for title, body in rows}


def test_canned_replies_rank_by_similarity(session):
    enterprise, listing = _setup(session)
    rows = _store_canned(session, enterprise, listing)
    suggestions = _suggest(session, enterprise, listing, "My refund went to my old card?")
    assert [(s.source, s.source_id) for s in suggestions] == [
        ("canned", rows["Refund policy"].id),
        ("canned", rows["Card declined"].id),
    ]
    first, second = suggestions
    assert (first.title, first.text) == ("Refund policy", rows["Refund policy"].body)
    assert 1.0 > first.score > second.score >= assist.CANNED_THRESHOLD


@pytest.mark.parametrize(
    ("message", "winner"),
    [
        ("Can I get a refund for my order?", "Refund policy"),
        ("What are your opening hours on Saturday?", "Store hours"),
        ("When do orders ship?", "Shipping times"),
    ],
)
def test_a_clear_winner_is_the_only_canned_reply(session, message, winner):
    enterprise, listing = _setup(session)
    _store_canned(session, enterprise, listing)
    assert [s.title for s in _suggest(session, enterprise, listing, message)] == [winner]


def test_one_word_shared_with_a_canned_body_is_not_enough(session):
    enterprise, listing = _setup(session)
    _store_canned(session, enterprise, listing)
    # "orders" appears in the shipping reply's body only.
    assert _suggest(session, enterprise, listing, "My order has not arrived yet") == []
    assert _texts(session, enterprise, listing, "My order did not ship yet") == [
        "Orders ship within 2 business days and arrive in 3 to 5 days."
    ]


@pytest.mark.parametrize(
    "message",
    ["I love your cat pictures!", "Hi, thanks, how are you today?", "ok", "Have a nice day"],
)
def test_an_unrelated_message_gets_no_canned_reply(session, message):
    enterprise, listing = _setup(session)
    _store_canned(session, enterprise, listing)
    assert _suggest(session, enterprise, listing, message) == []


def test_rules_come_before_canned_and_a_reply_is_never_repeated(session):
    enterprise, listing = _setup(session)
    rows = _store_canned(session, enterprise, listing)
    same_text = " refunds GO back to the original card   within 5 business days. "
    rule = _rule(session, enterprise, listing, ["refund"], ["Sorry!", same_text, "sorry!"])
    _rule(session, enterprise, listing, ["card"], ["Sorry!", "Which card?"])
    suggestions = _suggest(session, enterprise, listing, "My refund to my card?", limit=10)
    assert [(s.source, s.text) for s in suggestions] == [
        ("rule", "Sorry!"),
        ("rule", same_text.strip()),
        ("rule", "Which card?"),
        ("canned", rows["Card declined"].body),
    ]
    assert suggestions[1].source_id == rule.id


def test_suggestions_stay_inside_the_listing(session):
    enterprise, listing = _setup(session)
    second = Listing(enterprise_id=enterprise.id, name="Second store")
    session.add(second)
    other = make_enterprise(session)
    theirs = default_listing(session=session, enterprise_id=other.id)
    for owner, place in [(enterprise, second), (other, theirs)]:
        _rule(session, owner, place, ["refund"], ["Elsewhere."])
        _canned(session, owner, place, "Refund policy", "Refunds elsewhere.")
    assert _suggest(session, enterprise, listing, "refund") == []
    assert _texts(session, other, theirs, "refund") == ["Elsewhere.", "Refunds elsewhere."]


def test_the_limit_caps_suggestions_and_skips_canned_when_rules_fill_it(session, sql_log):
    enterprise, listing = _setup(session)
    _rule(session, enterprise, listing, ["refund"], [f"Reply {n}." for n in range(4)])
    _canned(session, enterprise, listing, "Refund", "Refund policy.")
    assert _texts(session, enterprise, listing, "refund", limit=3) == [
        "Reply 0.",
        "Reply 1.",
        "Reply 2.",
    ]
    assert _texts(session, enterprise, listing, "refund", limit=5)[-1] == "Refund policy."
    sql_log.clear()
    _suggest(session, enterprise, listing, "refund", limit=4)
    assert sql_log and not any("cannedcontent" in s.lower() for s in sql_log)


def test_a_long_message_against_a_full_listing_is_quick(session, sql_log):
    enterprise, listing = _setup(session)
    session.add_all(
        AssistedResponseRule(
            enterprise_id=enterprise.id,
            listing_id=listing.id,
            keywords=[f"topic{n} word{k}" for k in range(20)],
            replies=[f"Reply {n}."],
            position=n,
        )
        for n in range(300)
    )
    session.add_all(
        CannedContent(
            enterprise_id=enterprise.id,
            listing_id=listing.id,
            title=f"Canned {n}",
            body=" ".join(f"term{(n + k) % 500}" for k in range(400)),
        )
        for n in range(300)
    )
    _rule(session, enterprise, listing, ["late delivery"], ["Sorry it is late."], position=999)
    session.commit()
    filler = " ".join(f"filler{n % 300}" for n in range(600))
    message = (filler + " my LATE délivery")[-4000:]
    assert len(message) == 4000
    sql_log.clear()
    started = time.perf_counter()
    suggestions = _suggest(session, enterprise, listing, message)
    elapsed = time.perf_counter() - started
    assert [s.text for s in suggestions] == ["Sorry it is late."]
    assert len(sql_log) <= 3
    assert elapsed < 1.0
