import threading
import time

from interplat.services import events, users
from interplat.services.auth import Principal
from tests.conftest import REDIS_URL
from tests.factories import make_enterprise, make_user


def _principal(user):
    return Principal(user.id, user.enterprise_id, user.role, user.full_name, user.email, "")


def test_events_are_delivered_only_after_commit(session, bus):
    user = make_user(session, make_enterprise(session))
    session.commit()
    users.set_presence(session=session, principal=_principal(user), presence="away")
    assert bus.delivered == []
    session.commit()
    assert bus.kinds() == ["user.presence_changed"]
    event = bus.delivered[0]
    assert event.enterprise_id == str(user.enterprise_id)
    assert event.data == {"user_id": str(user.id), "presence": "away"}


def test_rolled_back_events_are_never_delivered(session, bus):
    user = make_user(session, make_enterprise(session))
    session.commit()
    users.set_presence(session=session, principal=_principal(user), presence="away")
    session.rollback()
    session.commit()
    assert bus.delivered == []


def test_a_failing_subscriber_does_not_starve_the_others():
    bus = events.LocalBus()
    got = []
    bus.subscribe(lambda e: 1 / 0)
    bus.subscribe(got.append)
    bus.publish(events.DomainEvent(kind="x", enterprise_id="e"))
    assert [e.kind for e in got] == ["x"]


def test_unsubscribe_stops_delivery():
    bus = events.LocalBus()
    got = []
    unsubscribe = bus.subscribe(got.append)
    unsubscribe()
    bus.publish(events.DomainEvent(kind="x", enterprise_id="e"))
    assert got == []


def test_events_round_trip_as_json():
    event = events.DomainEvent(kind="ticket.created", enterprise_id="e1", data={"n": 1})
    assert events.DomainEvent.from_json(event.to_json()) == event


def _wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_redis_bus_falls_back_to_this_worker_when_redis_is_unreachable():
    bus = events.RedisBus("redis://127.0.0.1:1/0")  # nothing listens on port 1
    got = []
    bus._local.subscribe(got.append)  # the listener thread would only retry
    bus.publish(events.DomainEvent(kind="x", enterprise_id="e"))
    assert [e.kind for e in got] == ["x"]


if REDIS_URL:  # .ci/run sets INTERPLAT_TEST_REDIS_URL to this machine's Redis

    def test_redis_bus_reaches_every_worker_exactly_once():
        redis_url = REDIS_URL
        worker_a, worker_b = events.RedisBus(redis_url), events.RedisBus(redis_url)
        got_a, got_b = [], []
        lock = threading.Lock()

        def record(into):
            def callback(event):
                with lock:
                    into.append(event.id)

            return callback

        worker_a.subscribe(record(got_a))
        worker_b.subscribe(record(got_b))
        sent = events.DomainEvent(kind="message.created", enterprise_id="e1")
        worker_a.publish(sent)
        assert _wait_for(lambda: got_a and got_b)
        time.sleep(0.2)
        assert got_a == [sent.id] and got_b == [sent.id]
