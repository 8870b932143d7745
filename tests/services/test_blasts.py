"""Chat blasts: checks on create, preview, the background job (exclusions, SMS fallback,
quiet hours, resuming after a crash without duplicates) and the per-blast figures."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from interplat.models import (
    BlastRecipient,
    ChatBlast,
    Message,
    Offer,
    OfferClaim,
    OutboxMessage,
    Ticket,
)
from interplat.services import (
    blast_job,
    blast_stats,
    blasts,
    chat_cards,
    chat_sessions,
    consent,
    messages,
    sms,
)
from interplat.services.auth import Principal
from interplat.services.blasts import BlastDraft
from interplat.services.errors import Conflict, NotFound, ValidationFailed
from interplat.services.targeting import Audience
from tests.factories import make_customer, make_enterprise, make_ticket, make_user

NOON_NY = dt.datetime(2026, 6, 10, 16, 0, tzinfo=dt.UTC)  # 12:00 in New York


def principal_of(user) -> Principal:
    return Principal(user.id, user.enterprise_id, user.role, user.full_name, user.email, "x")


@pytest.fixture
def shop(session):
    enterprise = make_enterprise(session, timezone="America/New_York")
    admin = principal_of(make_user(session, enterprise, "admin", full_name="Ada Admin"))
    offer = Offer(
        enterprise_id=enterprise.id,
        title="20% off lunch",
        status="published",
        discount_value=20,
        coupon_code="LUNCH20",
    )
    session.add(offer)
    session.commit()
    return enterprise, admin, offer


def draft(customers, **kw) -> BlastDraft:
    values = {
        "name": "Lunch",
        "message": "Lunch is on us (almost).",
        "audience": Audience("hand_picked", customer_ids=tuple(c.id for c in customers)),
    }
    values.update(kw)
    return BlastDraft(**values)


def start(session, admin, d, now=NOON_NY) -> ChatBlast:
    blast = blasts.create_blast(session=session, principal=admin, draft=d, now=now)
    blasts.start_blast(session=session, principal=admin, blast_id=blast.id, now=now)
    session.commit()
    return blast


def thread_texts(session, ticket):
    rows = session.exec(select(Message).where(Message.ticket_id == ticket.id)).all()
    return [(m.kind, m.body) for m in rows]


def test_bad_drafts_are_refused_and_save_nothing(session, shop):
    enterprise, admin, offer = shop
    other_offer = Offer(enterprise_id=make_enterprise(session).id, title="x", status="published")
    draft_offer = Offer(enterprise_id=enterprise.id, title="y", status="draft")
    session.add_all([other_offer, draft_offer])
    c = make_customer(session, enterprise)
    for bad, field in (
        (draft([c], name=""), "name"),
        (draft([c], message="x" * 1001), "message"),
        (draft([c], attachment="url", url="javascript:alert(1)"), "url"),
        (draft([c], attachment="offer", offer_id=str(draft_offer.id)), "offer_id"),
        (draft([c], attachment="image", image_id="nope"), "image"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            blasts.create_blast(session=session, principal=admin, draft=bad)
        assert refused.value.field == field
    with pytest.raises(NotFound):
        blasts.create_blast(
            session=session,
            principal=admin,
            draft=draft([c], attachment="offer", offer_id=str(other_offer.id)),
        )
    assert session.exec(select(ChatBlast)).all() == []


def test_preview_counts_who_receives_it_and_why_others_do_not(session, shop):
    enterprise, admin, _ = shop
    ok = [make_customer(session, enterprise) for _ in range(3)]
    left, stopped = make_customer(session, enterprise), make_customer(session, enterprise)
    consent.set_marketing_choice(session=session, customer=left, opted_in=False, source="csr")
    sms.suppress(session=session, enterprise_id=enterprise.id, phone=stopped.phone)
    session.commit()
    preview = blasts.preview_blast(
        session=session, principal=admin, audience=draft([*ok, left, stopped]).audience
    )
    assert (preview.eligible, preview.excluded) == (3, {"left the loop": 1, "SMS STOP": 1})
    assert preview.summary() == "3 will receive it · 2 excluded: 1 left the loop, 1 SMS STOP"


def test_open_chat_gets_the_offer_in_the_thread_others_by_sms_link(session, shop):
    enterprise, admin, offer = shop
    chatting, away = make_customer(session, enterprise), make_customer(session, enterprise)
    open_ticket = make_ticket(session, enterprise, chatting)
    session.commit()
    blast = start(
        session, admin, draft([chatting, away], attachment="offer", offer_id=str(offer.id))
    )
    assert blast_job.run_blasts(session=session, now=NOON_NY) == 2
    assert thread_texts(session, open_ticket) == [
        ("text", "Lunch is on us (almost)."),
        ("offer", ""),
    ]
    assert session.get(Ticket, open_ticket.id).first_reply_at is None  # not a reply
    away_ticket = session.exec(select(Ticket).where(Ticket.customer_id == away.id)).one()
    assert away_ticket.status == "resolved"  # holds the blast; never joins the queue
    [text] = session.exec(select(OutboxMessage)).all()
    assert text.to_address == away.phone and text.ticket_id == away_ticket.id
    assert "/c/" in text.body and text.next_attempt_at == NOON_NY
    session.refresh(blast)
    assert (blast.status, blast.sent_count, blast.finished_at) == ("sent", 2, NOON_NY)


def test_quiet_hours_hold_the_sms_until_morning(session, shop):
    enterprise, admin, _ = shop
    away = make_customer(session, enterprise)
    session.commit()
    late = dt.datetime(2026, 6, 11, 2, 30, tzinfo=dt.UTC)  # 22:30 in New York
    start(session, admin, draft([away]), now=late)
    blast_job.run_blasts(session=session, now=late)
    [text] = session.exec(select(OutboxMessage)).all()
    assert text.next_attempt_at == dt.datetime(2026, 6, 11, 12, 0, tzinfo=dt.UTC)  # 08:00 NY
    enterprise.ivr_settings = {"quiet_hours": {"start": "23:00", "end": "06:00"}}
    assert blast_job.quiet_until(enterprise, late) is None


def test_opt_out_after_the_preview_is_honoured_at_send_time(session, shop):
    enterprise, admin, _ = shop
    a, b = make_customer(session, enterprise), make_customer(session, enterprise)
    session.commit()
    blast = start(session, admin, draft([a, b]))
    consent.set_marketing_choice(session=session, customer=b, opted_in=False, source="chat_menu")
    session.commit()
    blast_job.run_blasts(session=session, now=NOON_NY)
    rows = {r.customer_id: r for r in session.exec(select(BlastRecipient)).all()}
    assert rows[a.id].status == "sent" and rows[b.id].excluded_reason == "left the loop"
    assert len(session.exec(select(OutboxMessage)).all()) == 1
    with pytest.raises(Conflict):
        blasts.start_blast(session=session, principal=admin, blast_id=blast.id)


def test_a_crashed_job_resumed_sends_no_duplicates(session, shop, monkeypatch):
    enterprise, admin, _ = shop
    people = [make_customer(session, enterprise) for _ in range(5)]
    for person in people:
        make_ticket(session, enterprise, person)
    session.commit()
    blast = start(session, admin, draft(people))
    real_post, calls = messages.post_message, []

    def dies_on_the_fourth(**kw):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("worker killed")
        return real_post(**kw)

    monkeypatch.setattr(messages, "post_message", dies_on_the_fourth)
    with pytest.raises(RuntimeError):
        blast_job.run_blasts(session=session, now=NOON_NY, chunk=2)
    session.rollback()
    assert len(session.exec(select(Message)).all()) == 3
    assert session.get(ChatBlast, blast.id).status == "sending"
    monkeypatch.setattr(messages, "post_message", real_post)
    assert blast_job.run_blasts(session=session, now=NOON_NY) == 2
    per_customer = [m.customer_id for m in session.exec(select(Message)).all()]
    assert sorted(per_customer) == sorted(p.id for p in people)  # each exactly once
    assert blast_job.run_blasts(session=session, now=NOON_NY) == 0
    session.refresh(blast)
    assert (blast.status, blast.sent_count) == ("sent", 5)


def test_a_crash_while_listing_recipients_resumes_without_duplicates(session, shop, monkeypatch):
    enterprise, admin, _ = shop
    people = [make_customer(session, enterprise) for _ in range(7)]
    session.commit()
    blast = start(session, admin, draft(people))
    monkeypatch.setattr(blast_job.targeting, "CHUNK", 3)
    real_commit, commits = session.commit, []

    def dies_after_first_batch():
        commits.append(1)
        real_commit()
        if len(commits) == 1:
            raise RuntimeError("worker killed")

    monkeypatch.setattr(session, "commit", dies_after_first_batch)
    with pytest.raises(RuntimeError):
        blast_job.materialize(session, session.get(ChatBlast, blast.id), NOON_NY)
    monkeypatch.setattr(session, "commit", real_commit)
    assert len(session.exec(select(BlastRecipient)).all()) == 3
    blast_job.run_blasts(session=session, now=NOON_NY)
    assert len(session.exec(select(BlastRecipient)).all()) == 7
    assert len(session.exec(select(Message)).all()) == 7


def test_stats_follow_delivery_reading_and_claims(session, shop):
    enterprise, admin, offer = shop
    reader, idle = make_customer(session, enterprise), make_customer(session, enterprise)
    reader_ticket = make_ticket(session, enterprise, reader)
    make_ticket(session, enterprise, idle)
    session.commit()
    blast = start(session, admin, draft([reader, idle], attachment="offer", offer_id=str(offer.id)))
    blast_job.run_blasts(session=session, now=NOON_NY)
    messages.mark_seen(
        session=session,
        enterprise_id=enterprise.id,
        ticket_ids=[reader_ticket.id],
        senders=["csr"],
        read=True,
    )
    card = session.exec(
        select(Message).where(Message.ticket_id == reader_ticket.id, Message.kind == "offer")
    ).one()
    code = chat_sessions.live_link_code(session=session, ticket=reader_ticket)
    chat_cards.claim_offer(session=session, code=code, message_id=card.id)
    session.commit()
    [claim] = session.exec(select(OfferClaim)).all()
    assert claim.blast_id == blast.id
    stats = blast_stats.blast_stats(
        session=session, enterprise_id=enterprise.id, blast_ids=[blast.id]
    )
    got = stats[blast.id]
    assert (got.total, got.done, got.sent, got.delivered, got.opened, got.claimed) == (
        2,
        2,
        2,
        1,
        1,
        1,
    )
    other = make_enterprise(session)
    assert (
        blast_stats.blast_stats(session=session, enterprise_id=other.id, blast_ids=[blast.id]) == {}
    )
