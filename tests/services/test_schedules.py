import datetime as dt

import pytest
import sqlalchemy as sa
from sqlmodel import select

from interplat.models import Holiday, Presence, UserSession
from interplat.services import auth, enterprises, schedules
from interplat.services.errors import Conflict, NotFound, ValidationFailed
from interplat.services.schedules import IntervalSpec
from tests.factories import PASSWORD, make_enterprise, make_user

MONDAY = dt.date(2025, 6, 2)
ALL_DAY_EVERY_DAY = [(day, "00:00", "24:00") for day in range(7)]
NINE_TO_FIVE_WEEKDAYS = [(day, "09:00", "17:00") for day in range(5)]


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def make_listing(session, timezone="UTC", intervals=()):
    enterprise = make_enterprise(session)
    listing = enterprises.default_listing(session=session, enterprise_id=enterprise.id)
    schedules.set_timezone(session=session, listing=listing, timezone=timezone)
    schedules.replace_schedule(
        session=session, listing=listing, intervals=[IntervalSpec(*i) for i in intervals]
    )
    return enterprise, listing


def log_in_csr(session, enterprise, now, **kw):
    user = make_user(session, enterprise, **kw)
    return user, auth.log_in(
        session=session, email=user.email, password=PASSWORD, ttl_hours=8, now=now
    )


def open_at(session, listing, *moments):
    return [schedules.is_open(session=session, listing=listing, now=m) for m in moments]


def test_the_schedule_comes_back_ordered_with_several_intervals_a_day(session):
    _, listing = make_listing(session)
    saved = schedules.replace_schedule(
        session=session,
        listing=listing,
        intervals=[
            IntervalSpec(4, "13:00", "24:00"),
            IntervalSpec(0, "13:30", "18:00"),
            IntervalSpec(0, "08:00", "12:00"),
        ],
    )
    expected = [
        IntervalSpec(0, "08:00", "12:00"),
        IntervalSpec(0, "13:30", "18:00"),
        IntervalSpec(4, "13:00", "24:00"),
    ]
    assert saved == expected
    assert schedules.get_schedule(session=session, listing=listing) == expected


def test_an_interval_that_ends_before_it_starts_is_refused_and_changes_nothing(session, bus):
    _, listing = make_listing(session, intervals=NINE_TO_FIVE_WEEKDAYS)
    session.commit()
    bus.delivered.clear()
    with pytest.raises(ValidationFailed) as refused:
        schedules.replace_schedule(
            session=session,
            listing=listing,
            intervals=[IntervalSpec(0, "08:00", "10:00"), IntervalSpec(2, "17:00", "09:00")],
        )
    assert refused.value.message == "The Wednesday interval 17:00–09:00 ends before it starts."
    assert refused.value.field == "intervals"
    session.commit()
    assert schedules.get_schedule(session=session, listing=listing) == [
        IntervalSpec(*i) for i in NINE_TO_FIVE_WEEKDAYS
    ]
    assert bus.kinds() == []


def test_an_interval_ending_at_00_00_is_told_to_write_24_00(session):
    _, listing = make_listing(session)
    with pytest.raises(ValidationFailed) as refused:
        schedules.replace_schedule(
            session=session, listing=listing, intervals=[IntervalSpec(5, "18:00", "00:00")]
        )
    assert refused.value.message == (
        "The Saturday interval 18:00–00:00 ends before it starts. Write 24:00 for midnight."
    )


@pytest.mark.parametrize(
    ("interval", "field", "words"),
    [
        ((7, "09:00", "17:00"), "weekday", "0 (Monday) to 6 (Sunday)"),
        ((-1, "09:00", "17:00"), "weekday", "0 (Monday) to 6 (Sunday)"),
        ((1, "9:00", "17:00"), "intervals", "Tuesday: “9:00” is not a time"),
        ((1, "09:00", "25:00"), "intervals", "“25:00” is not a time"),
        ((1, "09:60", "17:00"), "intervals", "“09:60” is not a time"),
        ((1, "24:00", "24:00"), "intervals", "“24:00” is not a time"),
        ((1, "09:00", "24:01"), "intervals", "“24:01” is not a time"),
        ((1, "", "17:00"), "intervals", "“” is not a time"),
        ((1, "10:00", "10:00"), "intervals", "Tuesday interval 10:00–10:00 ends as soon as"),
    ],
)
def test_bad_intervals_are_refused_and_change_nothing(session, interval, field, words):
    _, listing = make_listing(session, intervals=[(3, "10:00", "11:00")])
    with pytest.raises(ValidationFailed) as refused:
        schedules.replace_schedule(
            session=session,
            listing=listing,
            intervals=[IntervalSpec(0, "09:00", "17:00"), IntervalSpec(*interval)],
        )
    assert refused.value.field == field
    assert words in refused.value.message
    assert schedules.get_schedule(session=session, listing=listing) == [
        IntervalSpec(3, "10:00", "11:00")
    ]


def test_overlapping_intervals_on_one_day_are_refused_but_touching_ones_are_fine(session):
    _, listing = make_listing(session)
    with pytest.raises(ValidationFailed) as refused:
        schedules.replace_schedule(
            session=session,
            listing=listing,
            intervals=[
                IntervalSpec(0, "09:00", "12:00"),
                IntervalSpec(0, "14:00", "16:00"),
                IntervalSpec(0, "11:00", "13:00"),
            ],
        )
    assert refused.value.message == "On Monday, 09:00–12:00 overlaps 11:00–13:00."
    assert schedules.get_schedule(session=session, listing=listing) == []
    fine = [IntervalSpec(0, "09:00", "12:00"), IntervalSpec(0, "12:00", "17:00")]
    fine.append(IntervalSpec(1, "09:00", "12:00"))  # the same hours on another day
    assert schedules.replace_schedule(session=session, listing=listing, intervals=fine) == fine


def test_set_timezone_refuses_unknown_zones(session):
    _, listing = make_listing(session, timezone="Europe/Paris")
    for bad in ("Mars/Olympus_Mons", "localtime", "", "../../etc/passwd"):
        with pytest.raises(ValidationFailed) as refused:
            schedules.set_timezone(session=session, listing=listing, timezone=bad)
        assert refused.value.field == "timezone"
    assert listing.timezone == "Europe/Paris"
    schedules.set_timezone(session=session, listing=listing, timezone=" America/New_York ")
    assert listing.timezone == "America/New_York"


def test_open_only_inside_the_intervals_of_the_day(session):
    _, listing = make_listing(session, intervals=[(0, "09:00", "12:00"), (0, "13:00", "17:30")])
    monday = (2025, 6, 2)
    assert open_at(
        session,
        listing,
        at(*monday, 8, 59, 59),
        at(*monday, 9, 0),
        at(*monday, 11, 59, 59),
        at(*monday, 12, 0),
        at(*monday, 12, 59),
        at(*monday, 13, 0),
        at(*monday, 17, 29, 59),
        at(*monday, 17, 30),
        at(2025, 6, 3, 10, 0),  # Tuesday has no hours
    ) == [False, True, True, False, False, True, True, False, False]


def test_hours_are_read_in_the_listing_zone(session):
    _, listing = make_listing(session, timezone="Asia/Tokyo", intervals=[(0, "09:00", "17:00")])
    # Monday 09:00 in Tokyo is Monday 00:00 UTC; Sunday 23:59 UTC is 08:59 there.
    assert open_at(
        session, listing, at(2025, 6, 1, 23, 59), at(2025, 6, 2, 0, 0), at(2025, 6, 2, 9, 0)
    ) == [False, True, False]


def test_an_interval_ending_at_midnight_runs_into_the_next_day(session):
    _, listing = make_listing(session, intervals=[(4, "22:00", "24:00"), (5, "00:00", "02:00")])
    friday, saturday = (2025, 6, 6), (2025, 6, 7)
    assert open_at(
        session,
        listing,
        at(*friday, 21, 59),
        at(*friday, 23, 59, 59),
        at(*saturday, 0, 0),
        at(*saturday, 1, 59),
        at(*saturday, 2, 0),
    ) == [False, True, True, True, False]
    closed = schedules.availability(session=session, listing=listing, now=at(*friday, 21, 0))
    assert closed.next_open_at == at(*friday, 22, 0)


def test_hours_follow_local_wall_time_across_daylight_saving_changes(session):
    _, listing = make_listing(session, timezone="America/New_York", intervals=NINE_TO_FIVE_WEEKDAYS)
    # Friday before clocks go forward (EST, UTC-5), Monday after (EDT, UTC-4).
    assert open_at(session, listing, at(2025, 3, 7, 13, 30), at(2025, 3, 7, 14, 0)) == [
        False,
        True,
    ]
    assert open_at(
        session, listing, at(2025, 3, 10, 12, 59), at(2025, 3, 10, 13, 0), at(2025, 3, 10, 21, 0)
    ) == [False, True, False]
    # Monday after clocks go back to EST.
    assert open_at(session, listing, at(2025, 11, 3, 13, 30), at(2025, 11, 3, 14, 0)) == [
        False,
        True,
    ]


def test_a_repeated_hour_when_clocks_go_back_is_open_both_times(session):
    _, listing = make_listing(session, timezone="Europe/Paris", intervals=[(6, "02:00", "03:00")])
    # 26 October 2025: 03:00 CEST becomes 02:00 CET, so 02:00–03:00 local lasts two hours.
    assert open_at(
        session,
        listing,
        at(2025, 10, 25, 23, 59),
        at(2025, 10, 26, 0, 0),
        at(2025, 10, 26, 0, 59),
        at(2025, 10, 26, 1, 0),
        at(2025, 10, 26, 1, 59),
        at(2025, 10, 26, 2, 0),
    ) == [False, True, True, True, True, False]


def test_an_opening_time_skipped_when_clocks_go_forward_opens_at_the_jump(session):
    _, listing = make_listing(session, timezone="Europe/Paris", intervals=[(6, "02:30", "04:00")])
    # 30 March 2025: at 01:00 UTC the clocks jump from 02:00 CET to 03:00 CEST.
    before = schedules.availability(session=session, listing=listing, now=at(2025, 3, 30, 0, 59))
    assert (before.open_now, before.next_open_at) == (False, at(2025, 3, 30, 1, 0))
    assert open_at(session, listing, at(2025, 3, 30, 1, 0), at(2025, 3, 30, 2, 0)) == [
        True,
        False,
    ]


def test_a_holiday_closes_the_whole_local_day(session):
    _, listing = make_listing(session, timezone="Asia/Tokyo", intervals=ALL_DAY_EVERY_DAY)
    schedules.add_holiday(
        session=session,
        listing=listing,
        day=dt.date(2025, 1, 1),
        name="New Year",
        now=at(2024, 12, 1),
    )
    assert open_at(
        session,
        listing,
        at(2024, 12, 31, 14, 59),  # 23:59 on 31 December in Tokyo
        at(2024, 12, 31, 15, 0),  # midnight, 1 January in Tokyo
        at(2025, 1, 1, 14, 59),
        at(2025, 1, 1, 15, 0),
    ) == [True, False, False, True]
    during = schedules.availability(session=session, listing=listing, now=at(2025, 1, 1, 3, 0))
    assert (during.open_now, during.reason, during.holiday_name) == (False, "holiday", "New Year")
    assert during.next_open_at == at(2025, 1, 1, 15, 0)


def test_holidays_in_the_past_of_the_listing_zone_are_refused(session):
    _, listing = make_listing(session, timezone="Pacific/Auckland")
    now = at(2025, 1, 1, 12, 0)  # already 2 January, 01:00 in Auckland
    with pytest.raises(ValidationFailed) as refused:
        schedules.add_holiday(
            session=session, listing=listing, day=dt.date(2025, 1, 1), name="Late", now=now
        )
    assert (refused.value.field, refused.value.message) == ("day", "2025-01-01 is in the past.")
    today = schedules.add_holiday(
        session=session, listing=listing, day=dt.date(2025, 1, 2), name="Day after", now=now
    )
    assert [
        h.id for h in schedules.list_future_holidays(session=session, listing=listing, now=now)
    ] == [today.id]


def test_a_second_holiday_on_the_same_day_is_a_conflict_and_changes_nothing(session):
    _, listing = make_listing(session)
    now = at(2025, 12, 1)
    schedules.add_holiday(
        session=session, listing=listing, day=dt.date(2025, 12, 25), name="Christmas", now=now
    )
    session.commit()
    with pytest.raises(Conflict) as refused:
        schedules.add_holiday(
            session=session, listing=listing, day=dt.date(2025, 12, 25), name="Xmas", now=now
        )
    assert refused.value.message == "2025-12-25 is already a holiday."
    session.commit()  # the session is still usable after the refusal
    holidays = schedules.list_future_holidays(session=session, listing=listing, now=now)
    assert [(h.day, h.name) for h in holidays] == [(dt.date(2025, 12, 25), "Christmas")]


def test_a_holiday_needs_a_short_name(session):
    _, listing = make_listing(session)
    for name in ("  ", "x" * 201):
        with pytest.raises(ValidationFailed) as refused:
            schedules.add_holiday(
                session=session, listing=listing, day=MONDAY, name=name, now=at(2025, 6, 1)
            )
        assert refused.value.field == "name"
    assert session.exec(select(Holiday)).all() == []


def test_future_holidays_start_today_and_come_soonest_first(session):
    enterprise, listing = make_listing(session)
    now = at(2025, 6, 2, 12, 0)
    session.add(
        Holiday(
            enterprise_id=enterprise.id,
            listing_id=listing.id,
            day=MONDAY - dt.timedelta(days=1),
            name="Gone",
        )
    )
    for day, name in (
        (dt.date(2025, 8, 15), "Assumption"),
        (MONDAY, "Today"),
        (dt.date(2025, 7, 14), "Bastille"),
    ):
        schedules.add_holiday(session=session, listing=listing, day=day, name=name, now=now)
    names = [
        h.name for h in schedules.list_future_holidays(session=session, listing=listing, now=now)
    ]
    assert names == ["Today", "Bastille", "Assumption"]


def test_only_the_listing_can_delete_its_holiday(session):
    _, mine = make_listing(session)
    _, theirs = make_listing(session)
    now = at(2025, 6, 1)
    holiday = schedules.add_holiday(
        session=session, listing=theirs, day=MONDAY, name="Ours", now=now
    )
    with pytest.raises(NotFound):
        schedules.delete_holiday(session=session, listing=mine, holiday_id=holiday.id)
    assert session.get(Holiday, holiday.id) is not None
    schedules.delete_holiday(session=session, listing=theirs, holiday_id=holiday.id)
    assert schedules.list_future_holidays(session=session, listing=theirs, now=now) == []


def test_schedule_changes_are_announced_after_commit(session, bus):
    _, listing = make_listing(session)
    session.commit()
    bus.delivered.clear()
    schedules.replace_schedule(
        session=session, listing=listing, intervals=[IntervalSpec(0, "09:00", "10:00")]
    )
    assert bus.kinds() == []
    session.commit()
    assert bus.kinds() == ["listing.schedule_changed"]
    assert bus.delivered[0].data == {"listing_id": str(listing.id)}


def test_online_staff_are_online_users_with_a_live_session(session, engine):
    enterprise, _ = make_listing(session)
    other_enterprise, _ = make_listing(session)
    now = at(2025, 6, 2, 10, 0)
    log_in_csr(session, enterprise, now)  # counts
    _, owner_login = log_in_csr(session, enterprise, now - dt.timedelta(hours=2), role="owner")
    auth.touch_session(session=session, token=owner_login.token, now=now - dt.timedelta(minutes=1))
    # ^ counts, any role: logged in long ago, and the tab checked in a minute ago
    gone, _ = log_in_csr(session, enterprise, now - dt.timedelta(minutes=4))  # tab closed
    log_in_csr(session, other_enterprise, now)  # another tenant
    expired, _ = log_in_csr(session, enterprise, now - dt.timedelta(hours=9))
    just_expired, _ = log_in_csr(session, enterprise, now - dt.timedelta(hours=8))
    away, _ = log_in_csr(session, enterprise, now)
    away.presence = Presence.AWAY
    inactive, _ = log_in_csr(session, enterprise, now)
    inactive.is_active = False
    revoked, login = log_in_csr(session, enterprise, now)
    auth.log_out(session=session, token=login.token, now=now)
    revoked.presence = Presence.ONLINE  # presence left stale: the session still decides
    without_session = make_user(session, enterprise)
    without_session.presence = Presence.ONLINE
    never_expires = make_user(session, enterprise)
    never_expires.presence = Presence.ONLINE
    session.add(
        UserSession(
            enterprise_id=enterprise.id,
            user_id=never_expires.id,
            token_hash="f" * 64,
            expires_at=None,
            last_seen_at=now - dt.timedelta(seconds=30),
        )
    )
    session.add_all(
        [expired, just_expired, away, inactive, revoked, without_session, never_expires, gone]
    )
    session.commit()
    statements = []

    def record(conn, cursor, statement, *args):
        if not statement.startswith("BEGIN"):  # SQLite's explicit transaction start
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        count = schedules.online_staff_count(session=session, enterprise_id=enterprise.id, now=now)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert count == 3
    assert len(statements) == 1


def test_availability_explains_why_a_listing_cannot_serve(session):
    enterprise, listing = make_listing(session, intervals=NINE_TO_FIVE_WEEKDAYS)
    monday_10 = at(2025, 6, 2, 10, 0)

    def check(now):
        return schedules.availability(session=session, listing=listing, now=now)

    offline = check(monday_10)
    assert (offline.open_now, offline.csrs_online, offline.available, offline.reason) == (
        True,
        0,
        False,
        "offline",
    )
    assert offline.next_open_at is None
    _, login = log_in_csr(session, enterprise, monday_10)
    available = check(monday_10)
    assert (available.available, available.reason, available.csrs_online) == (True, "available", 1)
    auth.touch_session(session=session, token=login.token, now=at(2025, 6, 2, 16, 59))
    evening = check(at(2025, 6, 2, 17, 0))
    assert (evening.open_now, evening.available, evening.reason) == (False, False, "after_hours")
    assert evening.csrs_online == 1
    assert evening.next_open_at == at(2025, 6, 3, 9, 0)
    friday_night = check(at(2025, 6, 6, 20, 0))
    assert friday_night.next_open_at == at(2025, 6, 9, 9, 0)


def test_the_next_opening_skips_holidays_and_looks_two_weeks_ahead(session):
    _, listing = make_listing(session, intervals=[(0, "09:00", "17:00")])
    monday_evening = at(2025, 6, 2, 18, 0)
    for weeks in (1, 2):
        schedules.add_holiday(
            session=session,
            listing=listing,
            day=MONDAY + dt.timedelta(weeks=weeks),
            name=f"Closed {weeks}",
            now=monday_evening,
        )
    later = schedules.availability(session=session, listing=listing, now=monday_evening)
    assert later.reason == "after_hours"
    assert later.next_open_at is None  # the next open Monday is three weeks away
    sunday = schedules.availability(session=session, listing=listing, now=at(2025, 6, 15, 12, 0))
    assert sunday.next_open_at == at(2025, 6, 23, 9, 0)
    _, empty = make_listing(session)
    assert (
        schedules.availability(session=session, listing=empty, now=monday_evening).next_open_at
        is None
    )
