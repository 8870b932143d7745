import datetime as dt

import pytest

from interplat.models import (
    ChatBlast,
    Message,
    MessageKind,
    Offer,
    OfferClaim,
    SenderKind,
    TicketStatus,
)
from interplat.services import auth, counters, dashboard, messages, queue, tickets
from interplat.services.dashboard import Bucket, Granularity, SourceCount
from interplat.services.errors import ValidationFailed
from tests.factories import PASSWORD, make_customer, make_enterprise, make_user

T0 = dt.datetime(2026, 11, 18, 15, 0, tzinfo=dt.UTC)  # Wednesday; 07:00 in Los Angeles
MIN = dt.timedelta(minutes=1)


def _open(session, enterprise, at, source="ivr"):
    customer = make_customer(session, enterprise)
    ticket, _ = tickets.open_ticket(
        session=session,
        enterprise_id=enterprise.id,
        customer_id=customer.id,
        source=source,
        now=at,
    )
    return ticket


def _principal(session, user):
    session.commit()
    return auth.log_in(session=session, email=user.email, password=PASSWORD, ttl_hours=1).principal


def _figures(session, user, kind="week", now=T0, **kw):
    return dashboard.dashboard_figures(
        session=session, principal=_principal(session, user), kind=kind, now=now, **kw
    )


def _week(enterprise):
    return counters.period_range("week", timezone=enterprise.timezone, now=T0)


def test_sources_count_the_tickets_created_in_the_period_per_channel(session):
    enterprise, other = make_enterprise(session), make_enterprise(session)
    for source in ("ivr", "website", "ivr", "qr", "website", "ivr"):
        _open(session, enterprise, T0, source)
    _open(session, enterprise, T0 - dt.timedelta(days=7), "sms")  # last week
    _open(session, other, T0, "email")
    _open(session, other, T0, "ivr")
    session.commit()
    got = dashboard.source_counts(
        session=session, enterprise_id=enterprise.id, period=_week(enterprise)
    )
    assert got == (SourceCount("ivr", 3), SourceCount("website", 2), SourceCount("qr", 1))


def test_the_period_runs_from_local_midnight_to_local_midnight(session):
    enterprise = make_enterprise(session, timezone="America/Los_Angeles")
    csr = make_user(session, enterprise)
    monday = dt.datetime(2026, 11, 16, 8, 0, tzinfo=dt.UTC)  # Monday 00:00 PST
    next_monday = monday + dt.timedelta(days=7)
    _open(session, enterprise, monday - dt.timedelta(seconds=1), "sms")  # Sunday before
    _open(session, enterprise, monday, "ivr")
    _open(session, enterprise, monday + dt.timedelta(hours=23, minutes=30), "app")  # Mon 23:30
    _open(session, enterprise, next_monday - dt.timedelta(seconds=1), "qr")  # Sunday 23:59:59
    _open(session, enterprise, next_monday, "email")  # the week after
    got = _figures(session, csr)
    assert (got.period.start, got.period.end) == (monday, next_monday)
    assert got.counters.total == 3
    assert got.series.granularity == Granularity.DAY
    assert [b.first_day for b in got.series.buckets] == [
        dt.date(2026, 11, 16) + dt.timedelta(days=i) for i in range(7)
    ]
    # Monday 23:30 in Los Angeles is Tuesday in UTC: it stays in Monday's bar.
    assert [dict(b.counts) for b in got.series.buckets] == [
        {"ivr": 1, "app": 1},
        {},
        {},
        {},
        {},
        {},
        {"qr": 1},
    ]
    assert set(got.series.sources) == {"ivr", "app", "qr"}


def test_days_follow_daylight_saving_time(session):
    enterprise = make_enterprise(session, timezone="America/New_York")
    csr = make_user(session, enterprise)
    # US clocks moved forward on Sunday 8 March 2026 at 02:00.
    _open(session, enterprise, dt.datetime(2026, 3, 8, 4, 30, tzinfo=dt.UTC))  # Sat 23:30 EST
    _open(session, enterprise, dt.datetime(2026, 3, 8, 5, 30, tzinfo=dt.UTC))  # Sun 00:30 EST
    _open(session, enterprise, dt.datetime(2026, 3, 9, 3, 30, tzinfo=dt.UTC))  # Sun 23:30 EDT
    _open(session, enterprise, dt.datetime(2026, 3, 9, 4, 30, tzinfo=dt.UTC))  # Mon 00:30 EDT
    got = _figures(session, csr, "custom", start=dt.date(2026, 3, 7), end=dt.date(2026, 3, 9))
    assert [(b.first_day.day, sum(b.counts.values())) for b in got.series.buckets] == [
        (7, 1),
        (8, 2),
        (9, 1),
    ]


def test_a_year_is_charted_per_month_and_a_long_custom_range_too(session):
    enterprise = make_enterprise(session)
    csr = make_user(session, enterprise)
    _open(session, enterprise, dt.datetime(2026, 1, 31, 23, 59, tzinfo=dt.UTC), "app")
    _open(session, enterprise, dt.datetime(2026, 2, 1, 0, 0, tzinfo=dt.UTC), "app")
    _open(session, enterprise, dt.datetime(2026, 2, 14, 12, 0, tzinfo=dt.UTC), "sms")
    _open(session, enterprise, dt.datetime(2026, 12, 31, 23, 0, tzinfo=dt.UTC), "qr")
    _open(session, enterprise, dt.datetime(2027, 1, 1, 0, 0, tzinfo=dt.UTC), "qr")  # next year
    year = _figures(session, csr, "year")
    assert year.series.granularity == Granularity.MONTH
    assert [b.first_day for b in year.series.buckets] == [
        dt.date(2026, month, 1) for month in range(1, 13)
    ]
    assert [sum(b.counts.values()) for b in year.series.buckets] == [1, 2] + [0] * 9 + [1]
    assert year.series.buckets[1] == Bucket(dt.date(2026, 2, 1), {"app": 1, "sms": 1})
    assert year.series.sources == ("app", "qr", "sms")

    custom = _figures(session, csr, "custom", start=dt.date(2026, 1, 15), end=dt.date(2026, 4, 10))
    assert custom.series.granularity == Granularity.MONTH
    assert [b.first_day for b in custom.series.buckets] == [
        dt.date(2026, 1, 15),
        dt.date(2026, 2, 1),
        dt.date(2026, 3, 1),
        dt.date(2026, 4, 1),
    ]
    assert [sum(b.counts.values()) for b in custom.series.buckets] == [1, 2, 0, 0]


def test_two_months_of_days_are_still_charted_per_day(session):
    enterprise = make_enterprise(session)
    csr = make_user(session, enterprise)
    got = _figures(session, csr, "custom", start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 3))
    assert got.series.granularity == Granularity.DAY
    assert len(got.series.buckets) == 62


def test_conversation_averages_and_satisfaction(session):
    enterprise, other = make_enterprise(session), make_enterprise(session)
    csr = make_user(session, enterprise)

    def talk(ticket, *senders):
        for i, sender in enumerate(senders):
            messages.post_message(
                session=session,
                ticket=ticket,
                sender_kind=sender,
                body=f"line {i}",
                now=ticket.created_at + (i + 1) * MIN,
            )

    a = _open(session, enterprise, T0)
    talk(a, SenderKind.SYSTEM, SenderKind.CUSTOMER, SenderKind.CSR, SenderKind.CUSTOMER)
    tickets.assign_ticket(session=session, ticket=a, user_id=csr.id, now=T0 + MIN)
    tickets.end_ticket(session=session, ticket=a, outcome=TicketStatus.RESOLVED, now=T0 + 11 * MIN)
    tickets.rate_ticket(session=session, ticket=a, rating=5)
    b = _open(session, enterprise, T0 + dt.timedelta(hours=1))
    talk(b, SenderKind.CUSTOMER, SenderKind.ASSISTANT)
    tickets.assign_ticket(session=session, ticket=b, user_id=csr.id, now=b.created_at + 2 * MIN)
    tickets.end_ticket(
        session=session, ticket=b, outcome=TicketStatus.RESOLVED, now=b.created_at + 32 * MIN
    )
    tickets.rate_ticket(session=session, ticket=b, rating=2)
    c = _open(session, enterprise, T0 + dt.timedelta(hours=2))  # no message at all
    tickets.assign_ticket(session=session, ticket=c, user_id=csr.id, now=c.created_at + MIN)
    tickets.end_ticket(
        session=session,
        ticket=c,
        outcome=TicketStatus.ABANDONED,
        now=c.created_at + dt.timedelta(days=1),
    )
    tickets.rate_ticket(session=session, ticket=c, rating=4)
    old = _open(session, enterprise, T0 - dt.timedelta(days=30))
    talk(old, *[SenderKind.CUSTOMER] * 9)
    theirs = _open(session, other, T0)
    talk(theirs, *[SenderKind.CUSTOMER] * 9)
    session.commit()

    got = dashboard.conversation_averages(
        session=session, enterprise_id=enterprise.id, period=_week(enterprise)
    )
    # (3 + 1 + 0) / 3 messages; chat time (600 s + 1800 s) / 2, the abandoned one left out;
    # ratings 5, 2 and 4: two of three are 4 or more.
    assert got == dashboard.ConversationAverages(
        average_messages=1.3, average_chat_seconds=1200.0, satisfaction_percent=66.7
    )


def _offer(session, enterprise, status="published", expires_at=None):
    offer = Offer(
        enterprise_id=enterprise.id, title="10% off", status=status, expires_at=expires_at
    )
    session.add(offer)
    session.flush()
    return offer


def _offer_card(session, ticket, offer, at, claims=0):
    card = Message(
        enterprise_id=ticket.enterprise_id,
        ticket_id=ticket.id,
        customer_id=ticket.customer_id,
        sender_kind=SenderKind.CSR,
        kind=MessageKind.OFFER,
        offer_id=offer.id,
        created_at=at,
    )
    session.add(card)
    session.flush()
    for _ in range(claims):
        session.add(
            OfferClaim(
                enterprise_id=ticket.enterprise_id,
                offer_id=offer.id,
                customer_id=ticket.customer_id,
                message_id=card.id,
                claimed_at=at + MIN,
            )
        )
    return card


def test_engagement_counts_running_offers_and_blasts_and_the_claim_rate(session):
    enterprise, other = make_enterprise(session), make_enterprise(session)
    live = _offer(session, enterprise)
    _offer(session, enterprise, expires_at=T0 + dt.timedelta(days=1))
    _offer(session, enterprise, expires_at=T0 - dt.timedelta(seconds=1))  # expired
    _offer(session, enterprise, status="draft")
    _offer(session, enterprise, status="archived")
    theirs = _offer(session, other)
    for status in ("draft", "sending", "queued"):
        session.add(ChatBlast(enterprise_id=enterprise.id, target_kind="loop", status=status))
    session.add(
        ChatBlast(enterprise_id=enterprise.id, target_kind="loop", status="done", finished_at=T0)
    )
    session.add(ChatBlast(enterprise_id=other.id, target_kind="loop", status="sending"))

    ticket = _open(session, enterprise, T0 - dt.timedelta(days=10))
    _offer_card(session, ticket, live, T0, claims=1)
    _offer_card(session, ticket, live, T0 + MIN, claims=2)  # claimed twice, one card
    _offer_card(session, ticket, live, T0 + 2 * MIN)
    _offer_card(session, ticket, live, T0 + 3 * MIN)
    _offer_card(session, ticket, live, T0 - dt.timedelta(days=10), claims=1)  # before
    messages.post_message(
        session=session, ticket=ticket, sender_kind=SenderKind.CSR, body="hello", now=T0
    )
    their_ticket = _open(session, other, T0)
    _offer_card(session, their_ticket, theirs, T0, claims=1)
    session.commit()

    got = dashboard.engagement(
        session=session, enterprise_id=enterprise.id, period=_week(enterprise), now=T0
    )
    assert got == dashboard.Engagement(
        active_offers=2, active_campaigns=2, offers_sent=4, offers_claimed=2
    )
    assert got.claim_rate_percent == 50.0


def test_an_empty_enterprise_has_zeros_and_no_averages(session):
    enterprise, other = make_enterprise(session), make_enterprise(session)
    csr = make_user(session, enterprise)
    busy = _open(session, other, T0)
    _offer_card(session, busy, _offer(session, other), T0, claims=1)
    got = _figures(session, csr)
    assert got.counters == counters.TicketCounters(0, 0, 0, 0, 0, 0, None, None, None)
    assert got.sources == ()
    assert got.averages == dashboard.ConversationAverages(None, None, None)
    assert got.engagement == dashboard.Engagement(0, 0, 0, 0)
    assert got.engagement.claim_rate_percent is None
    assert [b.counts for b in got.series.buckets] == [{}] * 7
    assert got.series.sources == ()
    assert got.activity == ()


def test_recent_activity_is_the_users_own_latest_ten_transitions(session):
    enterprise, other = make_enterprise(session), make_enterprise(session)
    me, colleague = make_user(session, enterprise), make_user(session, enterprise)
    stranger = make_user(session, other)
    at = T0
    mine = []
    for n in range(4):
        ticket = _open(session, enterprise, at)
        at += MIN
        tickets.assign_ticket(session=session, ticket=ticket, user_id=me.id, now=at)
        session.flush()  # release re-reads the ticket under a lock
        at += MIN
        queue.release_ticket(session=session, ticket=ticket, actor_user_id=me.id, now=at)
        at += MIN
        tickets.assign_ticket(session=session, ticket=ticket, user_id=me.id, now=at)
        at += MIN
        outcome = TicketStatus.RESOLVED if n % 2 else TicketStatus.ABANDONED
        tickets.end_ticket(
            session=session, ticket=ticket, outcome=outcome, actor_user_id=me.id, now=at
        )
        mine += [("assigned", ticket.reference), ("released", ticket.reference)]
        mine += [("assigned", ticket.reference), (str(outcome), ticket.reference)]
    theirs = _open(session, enterprise, at)
    tickets.assign_ticket(session=session, ticket=theirs, user_id=colleague.id, now=at + MIN)
    elsewhere = _open(session, other, at)
    tickets.assign_ticket(session=session, ticket=elsewhere, user_id=stranger.id, now=at + MIN)
    session.commit()

    got = dashboard.recent_activity(session=session, enterprise_id=enterprise.id, user_id=me.id)
    assert [(a.kind, a.reference) for a in got] == list(reversed(mine))[:10]
    assert got[0].at == at
    assert dashboard.recent_activity(session=session, enterprise_id=other.id, user_id=me.id) == ()
    assert (
        dashboard.recent_activity(session=session, enterprise_id=enterprise.id, user_id=None) == ()
    )


def test_a_csr_never_sees_another_enterprises_figures(session):
    a, b = make_enterprise(session), make_enterprise(session)
    csr_a, csr_b = make_user(session, a), make_user(session, b)
    for _ in range(2):
        t = _open(session, a, T0, "website")
        tickets.assign_ticket(session=session, ticket=t, user_id=csr_a.id, now=T0 + MIN)
    for _ in range(5):
        t = _open(session, b, T0, "sms")
        tickets.assign_ticket(session=session, ticket=t, user_id=csr_b.id, now=T0 + MIN)
        tickets.end_ticket(session=session, ticket=t, outcome=TicketStatus.RESOLVED, now=T0 + MIN)
        tickets.rate_ticket(session=session, ticket=t, rating=5)
    _offer(session, b)

    seen_by_a = _figures(session, csr_a)
    assert (seen_by_a.counters.total, seen_by_a.counters.assigned) == (2, 2)
    assert (seen_by_a.counters.resolved, seen_by_a.counters.rated) == (0, 0)
    assert seen_by_a.sources == (SourceCount("website", 2),)
    assert seen_by_a.series.sources == ("website",)
    assert seen_by_a.averages.satisfaction_percent is None
    assert seen_by_a.engagement.active_offers == 0
    assert {a.kind for a in seen_by_a.activity} == {"assigned"} and len(seen_by_a.activity) == 2

    seen_by_b = _figures(session, csr_b)
    assert (seen_by_b.counters.total, seen_by_b.counters.resolved) == (5, 5)
    assert seen_by_b.sources == (SourceCount("sms", 5),)
    assert seen_by_b.engagement.active_offers == 1
    assert seen_by_b.averages.satisfaction_percent == 100.0


def test_a_custom_period_needs_both_dates(session):
    enterprise = make_enterprise(session)
    csr = make_user(session, enterprise)
    with pytest.raises(ValidationFailed):
        _figures(session, csr, "custom", start=dt.date(2026, 3, 1))
