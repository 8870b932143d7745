"""Thread markers: recorded at the thread's end, read back with the conversation around them."""

from __future__ import annotations

import datetime as dt

from interplat.services import messages, thread_markers
from tests.factories import make_enterprise, make_ticket

T0 = dt.datetime(2026, 6, 10, 16, 0, tzinfo=dt.UTC)


def say(session, ticket, n: int):
    return messages.post_message(
        session=session,
        ticket=ticket,
        sender_kind="customer",
        body=f"m{n}",
        now=T0 + dt.timedelta(minutes=n),
    )


def test_marker_sits_after_the_last_message_and_around_reads_both_sides(session):
    enterprise = make_enterprise(session)
    ticket = make_ticket(session, enterprise)
    for n in range(8):
        say(session, ticket, n)
    marker = thread_markers.mark(
        session=session, ticket_id=ticket.id, kind="payment_succeeded", detail={"x": "1"}
    )
    for n in range(8, 15):
        say(session, ticket, n)
    assert marker.after_message_id is not None and marker.detail == {"x": "1"}
    bodies = [m.body for m in thread_markers.around(session, marker)]
    assert bodies == ["m3", "m4", "m5", "m6", "m7", "m8", "m9", "m10", "m11", "m12"]
    assert [m.body for m in thread_markers.around(session, marker, before=1, after=0)] == ["m7"]


def test_a_marker_on_an_empty_thread_shows_what_came_after(session):
    enterprise = make_enterprise(session)
    ticket = make_ticket(session, enterprise)
    marker = thread_markers.mark(session=session, ticket_id=ticket.id, kind="rfp_sent")
    assert marker.after_message_id is None
    say(session, ticket, 1)
    assert [m.body for m in thread_markers.around(session, marker)] == ["m1"]
    found = thread_markers.markers_of(
        session=session, enterprise_id=enterprise.id, payment_request_id=None
    )
    assert [m.id for m in found] == [marker.id]
    other = make_enterprise(session)
    assert thread_markers.markers_of(session=session, enterprise_id=other.id) == []
