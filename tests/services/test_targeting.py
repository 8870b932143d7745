"""Blast targeting: geofence edges, ages in the enterprise's time zone, tags, exclusions,
tenant isolation, and the customer sharing their location from the chat page."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from interplat.models import LoopMembership, StoreLocation, TicketEvent
from interplat.services import chat_sessions, consent, locations, sms, targeting
from interplat.services.auth import Principal
from interplat.services.errors import NotFound, ValidationFailed
from interplat.services.targeting import EARTH_RADIUS_M, METERS_PER_YARD, Audience
from tests.factories import make_customer, make_enterprise, make_ticket, make_user

STORE = (40.7484, -73.9857)


def principal_of(user) -> Principal:
    return Principal(user.id, user.enterprise_id, user.role, user.full_name, user.email, "x")


def north_of(lat: float, lon: float, yards: float) -> tuple[float, float]:
    """The point ``yards`` due north (a meridian arc: haversine gives the same back)."""
    return lat + math.degrees(yards * METERS_PER_YARD / EARTH_RADIUS_M), lon


def place(session, customer, lat, lon):
    customer.latitude, customer.longitude = lat, lon
    session.add(customer)


@pytest.fixture
def shop(session):
    enterprise = make_enterprise(session, timezone="America/New_York")
    admin = principal_of(make_user(session, enterprise, "admin"))
    csr = principal_of(make_user(session, enterprise, "csr"))
    store = StoreLocation(
        enterprise_id=enterprise.id, name="Midtown", latitude=STORE[0], longitude=STORE[1]
    )
    session.add(store)
    session.commit()
    return enterprise, admin, csr, store


def ids(selection):
    return set(selection.eligible)


def test_geofence_edges_exactly_n_yards_in_n_plus_one_out(session, shop):
    enterprise, admin, _, store = shop
    edge, beyond, unplaced = (make_customer(session, enterprise) for _ in range(3))
    place(session, edge, *north_of(*STORE, 500))
    place(session, beyond, *north_of(*STORE, 501))
    session.commit()
    fence = targeting.audience_from_params("geofence", {"store_ids": [store.id], "yards": 500})
    chosen = targeting.target(session=session, principal=admin, audience=fence)
    assert ids(chosen) == {edge.id}
    assert chosen.excluded == {unplaced.id: targeting.NO_LOCATION}
    assert targeting.distance_yards(*STORE, *north_of(*STORE, 500)) == pytest.approx(500)


def test_geofence_near_the_date_line_and_other_enterprises_store(session, shop):
    enterprise, admin, _, _ = shop
    other = make_enterprise(session)
    theirs = StoreLocation(enterprise_id=other.id, name="X", latitude=1, longitude=1)
    fiji = StoreLocation(
        enterprise_id=enterprise.id, name="Fiji", latitude=-17.7, longitude=179.999
    )
    session.add_all([theirs, fiji])
    across = make_customer(session, enterprise)
    place(session, across, -17.7, 179.9995)  # about 58 yards east, still west of the line
    session.commit()
    fence = targeting.audience_from_params("geofence", {"store_ids": [fiji.id], "yards": 100})
    assert ids(targeting.target(session=session, principal=admin, audience=fence)) == {across.id}
    with pytest.raises(NotFound):
        targeting.target(
            session=session,
            principal=admin,
            audience=Audience("geofence", store_ids=(theirs.id,), yards=100),
        )


def test_age_range_counts_a_birthday_today_in_the_enterprise_zone(session, shop):
    enterprise, admin, _, _ = shop
    # 03:00 UTC on Jun 10 is still Jun 9 in New York: the Jun 10 birthday is tomorrow there.
    now = dt.datetime(2026, 6, 10, 3, 0, tzinfo=dt.UTC)
    turns_30_ny_today = make_customer(session, enterprise, dob=dt.date(1996, 6, 9))
    turns_30_utc_today = make_customer(session, enterprise, dob=dt.date(1996, 6, 10))
    forty = make_customer(session, enterprise, dob=dt.date(1986, 1, 1))
    make_customer(session, enterprise)  # no date of birth: outside any age filter
    session.commit()
    thirties = targeting.audience_from_params("demographic", {"min_age": 30, "max_age": 39})
    chosen = targeting.target(session=session, principal=admin, audience=thirties, now=now)
    assert ids(chosen) == {turns_30_ny_today.id}
    up_to_40 = targeting.audience_from_params("demographic", {"min_age": 29, "max_age": 40})
    assert ids(targeting.target(session=session, principal=admin, audience=up_to_40, now=now)) == {
        turns_30_ny_today.id,
        turns_30_utc_today.id,
        forty.id,
    }
    assert targeting.age_on(dt.date(2000, 2, 29), dt.date(2026, 2, 28)) == 25
    with pytest.raises(ValidationFailed) as bad:
        targeting.audience_from_params("demographic", {"min_age": 50, "max_age": 20})
    assert bad.value.field == "min_age"


def test_city_region_last_contact_and_tags_any_or_all(session, shop):
    enterprise, admin, csr, _ = shop
    now = dt.datetime(2026, 6, 10, 12, tzinfo=dt.UTC)
    vip_new = make_customer(session, enterprise, city="Brooklyn", region="NY")
    vip = make_customer(session, enterprise, city="brooklyn", region="ny")
    plain = make_customer(session, enterprise, city="Queens", region="NY")
    vip_new.last_contact_at = now - dt.timedelta(days=2)
    vip.last_contact_at = now - dt.timedelta(days=40)
    for customer, tags in ((vip_new, ["VIP", "new"]), (vip, ["vip"]), (plain, [])):
        session.add(
            LoopMembership(
                enterprise_id=enterprise.id, user_id=csr.user_id, customer_id=customer.id, tags=tags
            )
        )
    session.commit()

    def pick(**params):
        audience = targeting.audience_from_params("demographic", params)
        return ids(targeting.target(session=session, principal=admin, audience=audience, now=now))

    assert pick(city="BROOKLYN") == {vip_new.id, vip.id}
    assert pick(region="ny", city="queens") == {plain.id}
    assert pick(tags=["vip", "new"]) == {vip_new.id, vip.id}
    assert pick(tags=["vip", "new"], all_tags=True) == {vip_new.id}
    assert pick(contacted_within_days=30) == {vip_new.id}


def test_exclusions_by_reason_and_loop_scope(session, shop):
    enterprise, admin, csr, _ = shop
    mine, left, stopped, no_phone_no_chat, chatting = (
        make_customer(session, enterprise) for _ in range(5)
    )
    theirs = make_customer(session, enterprise)
    no_phone_no_chat.phone = None
    chatting.phone = None
    make_ticket(session, enterprise, chatting)
    consent.set_marketing_choice(session=session, customer=left, opted_in=False, source="csr")
    sms.suppress(session=session, enterprise_id=enterprise.id, phone=stopped.phone)
    for c in (mine, left, stopped, no_phone_no_chat, chatting):
        session.add(
            LoopMembership(enterprise_id=enterprise.id, user_id=csr.user_id, customer_id=c.id)
        )
    other = make_user(session, enterprise, "csr")
    session.add(
        LoopMembership(enterprise_id=enterprise.id, user_id=other.id, customer_id=theirs.id)
    )
    session.commit()
    chosen = targeting.target(session=session, principal=csr, audience=Audience("loop"))
    assert ids(chosen) == {mine.id, chatting.id}
    assert chosen.excluded == {
        left.id: targeting.LEFT_LOOP,
        stopped.id: targeting.SMS_STOP,
        no_phone_no_chat.id: targeting.UNREACHABLE,
    }
    everyone = targeting.target(session=session, principal=admin, audience=Audience("loop"))
    assert ids(everyone) == {mine.id, chatting.id, theirs.id}


def test_hand_picked_keeps_only_the_enterprises_customers(session, shop):
    enterprise, admin, _, _ = shop
    ours = make_customer(session, enterprise)
    stranger = make_customer(session, make_enterprise(session))
    session.commit()
    picked = targeting.audience_from_params(
        "hand_picked", {"customer_ids": [str(ours.id), str(stranger.id)]}
    )
    assert ids(targeting.target(session=session, principal=admin, audience=picked)) == {ours.id}
    with pytest.raises(ValidationFailed):
        targeting.audience_from_params("hand_picked", {"customer_ids": ["nope"]})
    with pytest.raises(ValidationFailed):
        targeting.audience_from_params("geofence", {"store_ids": [], "yards": 10})


def test_customer_shares_location_from_their_chat_link(session, shop):
    enterprise, _, _, _ = shop
    ticket = make_ticket(session, enterprise)
    code = chat_sessions.live_link_code(session=session, ticket=ticket)
    session.commit()
    with pytest.raises(ValidationFailed):
        locations.share_location(session=session, code=code, latitude=91, longitude=0)
    customer = locations.share_location(session=session, code=code, latitude=40.75, longitude=-74)
    assert (customer.latitude, customer.longitude) == (40.75, -74)
    assert customer.location_shared_at is not None
    kinds = [e.kind for e in session.query(TicketEvent).filter_by(ticket_id=ticket.id)]
    assert "location_shared" in kinds
    with pytest.raises(NotFound):
        locations.share_location(session=session, code="missing", latitude=1, longitude=1)
