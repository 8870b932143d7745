import datetime as dt

import pytest

from interplat.models import TicketStatus
from interplat.services import counters, tickets
from interplat.services.errors import ValidationFailed
from tests.factories import make_customer, make_enterprise, make_user

T0 = dt.datetime(2026, 11, 18, 15, 0, tzinfo=dt.UTC)  # a Wednesday


def test_periods_follow_the_listing_time_zone():
    now = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)  # still Tuesday 24th in Los Angeles
    week = counters.period_range("week", timezone="America/Los_Angeles", now=now)
    assert week.start == dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)  # Monday 00:00 PST
    assert week.end - week.start == dt.timedelta(days=7)
    month = counters.period_range("month", timezone="UTC", now=now)
    assert (month.start.day, month.end.month) == (1, 12)
    year = counters.period_range("year", timezone="UTC", now=now)
    assert (year.start.year, year.end.year) == (2026, 2027)
    custom = counters.period_range("custom", start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 1))
    assert custom.end - custom.start == dt.timedelta(days=1)


def test_a_dst_week_is_not_exactly_seven_days_in_utc():
    now = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)  # US clocks moved on Sunday the 8th
    week = counters.period_range("week", timezone="America/New_York", now=now)
    assert week.end - week.start == dt.timedelta(days=7)  # Mon 9th → Mon 16th, both EDT


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "custom"},
        {"kind": "custom", "start": dt.date(2026, 2, 2), "end": dt.date(2026, 2, 1)},
        {"kind": "custom", "start": dt.date(2000, 1, 1), "end": dt.date(2026, 1, 1)},
        {"kind": "fortnight"},
    ],
)
def test_bad_periods_are_refused(kwargs):
    kind = kwargs.pop("kind")
    with pytest.raises(ValidationFailed):
        counters.period_range(kind, **kwargs)


def _open(session, enterprise, at):
    customer = make_customer(session, enterprise)
    ticket, _ = tickets.open_ticket(
        session=session, enterprise_id=enterprise.id, customer_id=customer.id, source="ivr", now=at
    )
    return ticket


def test_counters_count_and_average_in_sql(session):
    enterprise, other = make_enterprise(session), make_enterprise(session)
    csr = make_user(session, enterprise)
    a = _open(session, enterprise, T0)
    tickets.assign_ticket(
        session=session, ticket=a, user_id=csr.id, now=T0 + dt.timedelta(seconds=60)
    )
    tickets.end_ticket(
        session=session, ticket=a, outcome=TicketStatus.RESOLVED, now=T0 + dt.timedelta(seconds=600)
    )
    tickets.rate_ticket(session=session, ticket=a, rating=5)
    b = _open(session, enterprise, T0 + dt.timedelta(hours=1))
    tickets.assign_ticket(
        session=session, ticket=b, user_id=csr.id, now=T0 + dt.timedelta(hours=1, seconds=180)
    )
    tickets.end_ticket(
        session=session,
        ticket=b,
        outcome=TicketStatus.RESOLVED,
        now=T0 + dt.timedelta(hours=1, seconds=1800),
    )
    tickets.rate_ticket(session=session, ticket=b, rating=2)
    c = _open(session, enterprise, T0 + dt.timedelta(hours=2))
    tickets.end_ticket(
        session=session, ticket=c, outcome=TicketStatus.ABANDONED, now=T0 + dt.timedelta(hours=3)
    )
    _open(session, enterprise, T0 + dt.timedelta(hours=4))  # still waiting
    _open(session, enterprise, T0 - dt.timedelta(days=30))  # outside the period
    _open(session, other, T0)  # another tenant
    session.commit()
    period = counters.period_range("week", now=T0)
    got = counters.ticket_counters(session=session, enterprise_id=enterprise.id, period=period)
    assert got == counters.TicketCounters(
        total=4,
        waiting=1,
        assigned=0,
        resolved=2,
        abandoned=1,
        rated=2,
        average_wait_seconds=120.0,
        average_resolution_seconds=1200.0,
        average_rating=3.5,
    )


def test_an_empty_period_has_zeros_and_no_averages(session):
    enterprise = make_enterprise(session)
    period = counters.period_range("year", now=T0)
    got = counters.ticket_counters(session=session, enterprise_id=enterprise.id, period=period)
    assert (got.total, got.waiting, got.average_wait_seconds, got.average_rating) == (
        0,
        0,
        None,
        None,
    )
