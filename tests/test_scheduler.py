"""The in-app scheduler tick sends due automated messages and ends silent tickets."""

import datetime as dt

from sqlmodel import Session, select

from interplat import scheduler
from interplat.models import AutomatedMessage, Message, Ticket, utcnow
from interplat.services import enterprises
from tests.aio import run_coroutine
from tests.factories import make_enterprise, make_ticket


def test_a_tick_sends_after_hours_once_and_abandons_silent_tickets(session, db_url):
    enterprise = make_enterprise(session)
    listing = enterprises.default_listing(session=session, enterprise_id=enterprise.id)
    session.add(
        AutomatedMessage(
            enterprise_id=enterprise.id,
            listing_id=listing.id,
            kind="after_hours",
            body="We are closed, {first_name}.",
        )
    )
    waiting = make_ticket(session, enterprise)  # no schedule at all: always after hours
    silent = make_ticket(session, enterprise)
    silent.last_customer_activity_at = utcnow() - dt.timedelta(hours=25)  # default: a day
    session.commit()

    assert scheduler.tick(db_url) == (2, 1)
    assert scheduler.tick(db_url) == (0, 0)
    with Session(session.get_bind()) as fresh:
        bodies = fresh.exec(select(Message.body).where(Message.ticket_id == waiting.id)).all()
        assert bodies == ["We are closed, there."]
        assert fresh.get(Ticket, silent.id).status == "abandoned"
        assert fresh.get(Ticket, waiting.id).status == "waiting"


def test_queued_sms_reach_the_dev_outbox_once(session, db_url):
    from interplat.models import OutboxMessage
    from interplat.services import sms, telephony

    enterprise = make_enterprise(session)
    queued = sms.queue_sms(
        session=session,
        enterprise_id=enterprise.id,
        to="+14155550132",
        body="Your link: https://example.com/c/x",
    )
    session.commit()
    telephony.set_gateway(telephony.DevOutboxGateway())
    try:
        assert scheduler.deliver_sms(db_url) == 1
        assert scheduler.deliver_sms(db_url) == 0
    finally:
        telephony.set_gateway(None)
    with Session(session.get_bind()) as fresh:
        row = fresh.get(OutboxMessage, queued.id)
        assert row.status == "delivered" and row.provider_id.startswith("DEV")


def test_a_nudge_delivers_at_once_instead_of_at_the_next_tick(monkeypatch):
    """Call → chat queues an SMS and nudges: the deliverer runs now, not in 15 s."""
    import asyncio
    import time

    from interplat import scheduler
    from interplat.config import get_settings

    monkeypatch.setenv("INTERPLAT_SCHEDULER_INTERVAL_SECONDS", "3600")
    get_settings.cache_clear()
    runs: list[float] = []
    monkeypatch.setattr(scheduler, "deliver_sms", lambda: runs.append(time.monotonic()) or 0)
    monkeypatch.setattr(scheduler, "tick", lambda: (0, 0))

    async def scenario() -> None:
        async with scheduler.lifespan(None):
            await asyncio.sleep(0.2)
            assert runs == []  # nothing before the nudge: the interval is an hour
            nudged = time.monotonic()
            await asyncio.to_thread(scheduler.nudge_sms_delivery)  # from a request thread
            for _ in range(100):
                if runs:
                    break
                await asyncio.sleep(0.02)
            assert runs and runs[0] - nudged < 1.5
        scheduler.nudge_sms_delivery()  # after shutdown: a no-op, no error

    try:
        run_coroutine(scenario())
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
