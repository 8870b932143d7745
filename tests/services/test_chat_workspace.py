"""The CSR's chat workspace: the list with unread counts and waiting times, one chat with
its system lines and customer panel, replies, attachments and ticket actions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, func, select

from interplat.models import Attachment, LoopMembership, Message, SenderKind, Ticket, User
from interplat.services import (
    assist,
    attachments,
    auth,
    chat_actions,
    chat_workspace,
    enterprises,
    messages,
    tickets,
)
from interplat.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.factories import make_customer, make_enterprise, make_ticket, make_user

# After the tickets are made (at the real time), so the thread reads in order.
T0 = dt.datetime(2030, 1, 7, 9, 0, tzinfo=dt.UTC)


def principal_of(session: Session, user: User) -> auth.Principal:
    enterprise = enterprises.get_enterprise(session=session, enterprise_id=user.enterprise_id)
    return auth.Principal(
        user.id, user.enterprise_id, user.role, user.full_name, user.email, enterprise.name
    )


def say(session, ticket, who, body, at):
    return messages.post_message(session=session, ticket=ticket, sender_kind=who, body=body, now=at)


@pytest.fixture
def desk(session):
    enterprise = make_enterprise(session)
    csr = make_user(session, enterprise, full_name="Priya Shah")
    colleague = make_user(session, enterprise, full_name="Carlos Rivera")
    first, second = make_ticket(session, enterprise), make_ticket(session, enterprise)
    for ticket in (first, second):
        tickets.assign_ticket(session=session, ticket=ticket, user_id=csr.id, now=T0)
    return enterprise, csr, colleague, first, second


def test_the_list_puts_unanswered_chats_first_with_unread_counts(session, desk):
    _, csr, _, first, second = desk
    say(session, first, SenderKind.CUSTOMER, "Hello?", T0 + dt.timedelta(minutes=1))
    say(session, first, SenderKind.CSR, "Hi, how can I help?", T0 + dt.timedelta(minutes=2))
    say(session, second, SenderKind.CUSTOMER, "My card was declined", T0 + dt.timedelta(minutes=3))
    say(session, second, SenderKind.CUSTOMER, "twice", T0 + dt.timedelta(minutes=4))
    say(session, first, SenderKind.CUSTOMER, "Thanks", T0 + dt.timedelta(minutes=5))

    chats = chat_workspace.my_chats(session=session, principal=principal_of(session, csr))
    assert [c.ticket_id for c in chats] == [str(second.id), str(first.id)]
    waiting, answered = chats
    assert (waiting.unread, waiting.last_message) == (2, "twice")
    assert waiting.waiting_since == T0 + dt.timedelta(minutes=3)
    # "Thanks" came after the reply: it waits since then, and both its messages are unread.
    assert answered.waiting_since == T0 + dt.timedelta(minutes=5)
    assert answered.unread == 2


def test_opening_a_chat_reads_it_and_shows_what_happened(session, desk, bus):
    _, csr, _, first, _ = desk
    say(session, first, SenderKind.CUSTOMER, "Hello?", T0 + dt.timedelta(minutes=1))
    principal = principal_of(session, csr)
    detail = chat_workspace.open_chat(session=session, principal=principal, ticket_id=first.id)
    assert detail.can_reply
    texts = [(m.kind, m.body) for m in detail.thread]
    assert ("event", "Conversation started (ivr)") in texts
    assert ("event", "Assigned to Priya Shah") in texts
    assert texts[-1] == ("text", "Hello?")
    assert detail.customer.source == "ivr" and detail.customer.past_tickets == []
    session.commit()
    assert "message.read" in bus.kinds()
    after = chat_workspace.my_chats(session=session, principal=principal)
    assert {c.ticket_id: c.unread for c in after}[str(first.id)] == 0


def test_a_colleague_may_read_but_not_reply_and_other_tenants_see_nothing(session, desk):
    enterprise, csr, colleague, first, _ = desk
    watcher = principal_of(session, colleague)
    detail = chat_workspace.open_chat(session=session, principal=watcher, ticket_id=first.id)
    assert not detail.can_reply
    with pytest.raises(PermissionDenied):
        chat_actions.send_reply(session=session, principal=watcher, ticket_id=first.id, body="Hi")
    stranger = principal_of(session, make_user(session, make_enterprise(session)))
    with pytest.raises(NotFound):
        chat_workspace.open_chat(session=session, principal=stranger, ticket_id=first.id)
    with pytest.raises(NotFound):
        chat_actions.end_chat(
            session=session, principal=stranger, ticket_id=first.id, outcome="resolved"
        )
    assert chat_workspace.my_chats(session=session, principal=stranger) == []
    admin = principal_of(session, make_user(session, enterprise, role="admin"))
    chat_actions.send_reply(session=session, principal=admin, ticket_id=first.id, body="On it")


def test_replies_end_release_and_forward(session, desk):
    enterprise, csr, colleague, first, second = desk
    principal = principal_of(session, csr)
    sent = chat_actions.send_reply(
        session=session, principal=principal, ticket_id=first.id, body="  Hello there  "
    )
    assert (sent.sender_kind, sent.body, sent.sender_name) == ("csr", "Hello there", "Priya Shah")
    with pytest.raises(ValidationFailed):
        chat_actions.send_reply(session=session, principal=principal, ticket_id=first.id, body=" ")

    chat_actions.forward_chat(
        session=session, principal=principal, ticket_id=second.id, to_user_id=colleague.id
    )
    assert session.get(Ticket, second.id).assignee_id == colleague.id
    with pytest.raises(ValidationFailed):  # someone of another enterprise
        chat_actions.forward_chat(
            session=session,
            principal=principal,
            ticket_id=first.id,
            to_user_id=make_user(session, make_enterprise(session)).id,
        )
    chat_actions.release_chat(session=session, principal=principal, ticket_id=first.id)
    assert session.get(Ticket, first.id).status == "waiting"
    taken = chat_actions.take_ticket(session=session, principal=principal, ticket_id=first.id)
    assert taken.assignee_id == csr.id
    with pytest.raises(Conflict):
        chat_actions.take_ticket(session=session, principal=principal, ticket_id=first.id)
    chat_actions.end_chat(
        session=session, principal=principal, ticket_id=first.id, outcome="resolved"
    )
    assert session.get(Ticket, first.id).status == "resolved"
    with pytest.raises(Conflict):
        chat_actions.send_reply(session=session, principal=principal, ticket_id=first.id, body="?")
    thread = chat_workspace.staff_thread(session=session, ticket=session.get(Ticket, first.id))
    lines = [m.body for m in thread if m.kind == "event"]
    assert "Released to the queue by Priya Shah" in lines and "Resolved by Priya Shah" in lines


def test_pull_next_takes_the_oldest_waiting_ticket_or_nothing(session):
    enterprise = make_enterprise(session)
    csr = principal_of(session, make_user(session, enterprise))
    assert chat_actions.pull_next(session=session, principal=csr) is None
    oldest = make_ticket(session, enterprise)
    make_ticket(session, enterprise)
    assert chat_actions.pull_next(session=session, principal=csr) == oldest.id


def test_suggestions_and_canned_replies_come_from_the_tickets_listing(session, desk):
    enterprise, csr, _, first, _ = desk
    listing = enterprises.default_listing(session=session, enterprise_id=enterprise.id)
    assist.create_rule(
        session=session,
        enterprise_id=enterprise.id,
        listing_id=listing.id,
        keywords=["refund"],
        replies=["Refunds take three days."],
    )
    principal = principal_of(session, csr)
    assert (
        chat_workspace.suggested_replies(session=session, principal=principal, ticket_id=first.id)
        == []
    )
    say(session, first, SenderKind.CUSTOMER, "I want a refund", T0)
    found = chat_workspace.suggested_replies(
        session=session, principal=principal, ticket_id=first.id
    )
    assert [s.text for s in found] == ["Refunds take three days."]


def test_the_customer_panel_knows_the_loop_and_past_tickets(session):
    enterprise = make_enterprise(session)
    csr = make_user(session, enterprise)
    customer = make_customer(session, enterprise, first_name="Dana")
    old = make_ticket(session, enterprise, customer)
    tickets.end_ticket(session=session, ticket=old, outcome="resolved")
    current = make_ticket(session, enterprise, customer)
    session.add(
        LoopMembership(enterprise_id=enterprise.id, user_id=csr.id, customer_id=customer.id)
    )
    session.flush()
    panel = chat_workspace.customer_panel(session=session, ticket=current, user_id=csr.id)
    assert panel.in_my_loop and panel.name.startswith("Dana")
    assert [t.id for t in panel.past_tickets] == [str(old.id)]


def png_bytes() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + bytes(64)


@pytest.mark.parametrize(
    "data,name,kind,content_type",
    [
        (png_bytes(), "photo.PNG", "image", "image/png"),
        (b"\xff\xd8\xff\xe0" + bytes(32), "x.bin", "image", "image/jpeg"),
        (bytes(4) + b"ftypisom" + bytes(16), "clip.mp4", "video", "video/mp4"),
        (b"%PDF-1.7\n" + bytes(16), "bill.pdf", "file", "application/pdf"),
        (b"a,b\n1,2\n", "rows.csv", "file", "text/csv"),
    ],
)
def test_uploads_are_typed_by_their_bytes(data, name, kind, content_type):
    found = attachments.classify_upload(data, name)
    assert (found.kind, found.content_type) == (kind, content_type)


@pytest.mark.parametrize(
    "data,name",
    [
        (b"", "empty.png"),
        (b"<html><script>alert(1)</script></html>", "page.html"),
        (b"<svg onload=alert(1)>", "logo.svg"),
        (b"MZ\x90\x00", "setup.exe"),
        (b"\x00\x01binary", "notes.txt"),
        (png_bytes() + bytes(11 * 1024 * 1024), "huge.png"),
    ],
    ids=["empty", "html", "svg", "exe", "binary-txt", "oversize-image"],
)
def test_dangerous_or_oversize_uploads_are_refused_and_nothing_is_stored(session, desk, data, name):
    _, csr, _, first, _ = desk
    principal = principal_of(session, csr)
    before = session.exec(select(func.count()).select_from(Message)).one()
    with pytest.raises(ValidationFailed):
        chat_actions.send_attachment(
            session=session, principal=principal, ticket_id=first.id, data=data, filename=name
        )
    assert session.exec(select(func.count()).select_from(Message)).one() == before
    assert session.exec(select(func.count()).select_from(Attachment)).one() == 0


def test_an_image_reply_is_stored_and_shown_with_a_signed_url(session, desk):
    _, csr, _, first, _ = desk
    sent = chat_actions.send_attachment(
        session=session,
        principal=principal_of(session, csr),
        ticket_id=first.id,
        data=png_bytes(),
        filename="../../etc/card.png",
    )
    assert sent.kind == "image" and sent.content_type == "image/png"
    assert sent.filename == "card.png" and sent.media_url.startswith("/api/media/")


def test_typing_signals_are_throttled_per_sender_and_chat(desk, bus):
    enterprise, _, _, first, _ = desk
    signal = dict(enterprise_id=enterprise.id, ticket_id=first.id)
    assert chat_actions.announce_typing(**signal, sender_kind="csr")
    assert not chat_actions.announce_typing(**signal, sender_kind="csr")
    assert chat_actions.announce_typing(**signal, sender_kind="customer")
    typing = [e for e in bus.delivered if e.kind == chat_actions.TYPING]
    assert [e.data["sender_kind"] for e in typing] == ["csr", "customer"]
