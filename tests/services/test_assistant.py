"""The automated assistant: answers from rules and canned content, quick replies, hand-off."""

import datetime as dt
import uuid

from sqlmodel import select

from interplat.models import Channel, Message, MessageKind, SenderKind, TicketEvent, utcnow
from interplat.services import (
    assist,
    assistant,
    canned,
    chat_actions,
    chat_workspace,
    customer_chat,
    enterprises,
    entry_links,
    links,
    messages,
    queue,
    tickets,
    workspace,
)
from interplat.services.auth import Principal
from tests.factories import make_customer, make_enterprise, make_user
from tests.services.test_automation import (
    MONDAY_10,
    STILL_THERE,
    after,
    automated_bodies,
    come_online,
    make_listing,
    tick,
)

BALANCE = "Your balance is in the app under Accounts, {first_name}."


def _listing(session, enterprise, *, on=True, name="Acme Helper"):
    listing = enterprises.default_listing(session=session, enterprise_id=enterprise.id)
    enterprises.update_listing(
        session=session,
        enterprise_id=enterprise.id,
        listing_id=listing.id,
        assistant_enabled=on,
        assistant_name=name,
    )
    assist.create_rule(
        session=session,
        enterprise_id=enterprise.id,
        listing_id=listing.id,
        keywords=["balance"],
        replies=[BALANCE, "A second reply the assistant never uses."],
    )
    return listing


def _chat(session, *, on=True):
    """A started web chat of a listing with the assistant: (enterprise, ticket, chat code)."""
    enterprise = make_enterprise(session)
    listing = _listing(session, enterprise, on=on)
    made = entry_links.entry_links(
        session=session,
        enterprise_id=enterprise.id,
        listing_id=listing.id,
        base_url="https://chat.example",
    )
    entry = next(link.code for link in made if link.channel == Channel.WEBSITE)
    code = customer_chat.start_chat_from_entry(session=session, code=entry, first_name="Dana")
    ticket = links.open_short_link(session=session, code=code, count_visit=False).ticket
    return enterprise, ticket, code


def _thread(session, code):
    return [
        (m.sender_kind, m.body, tuple(m.quick_replies))
        for m in customer_chat.load_chat(session=session, code=code, count_visit=False).thread
    ]


def _principal(user):
    return Principal(
        user_id=user.id,
        enterprise_id=user.enterprise_id,
        role=user.role,
        email=user.email,
        full_name=user.full_name,
        enterprise_name="Acme",
    )


def test_a_chat_of_a_listing_with_the_assistant_starts_with_it(session):
    _, ticket, _ = _chat(session)
    assert ticket.assistant_state == "active"
    _, off, _ = _chat(session, on=False)
    assert off.assistant_state == ""


def test_a_matching_rule_answers_with_its_first_reply_and_asks_back(session):
    enterprise, ticket, code = _chat(session)
    sent = customer_chat.send_customer_text(session=session, code=code, body="What is my balance?")
    assert sent.sender_kind == "customer"
    assert _thread(session, code) == [
        ("customer", "What is my balance?", ()),
        ("assistant", "Your balance is in the app under Accounts, Dana.", ()),
        ("assistant", "Did that answer your question?", ("Yes", "No", "Live chat")),
    ]
    view = customer_chat.load_chat(session=session, code=code, count_visit=False)
    assert {m.sender_name for m in view.thread if m.sender_kind == "assistant"} == {"Acme Helper"}
    assert ticket.assistant_state == "active" and ticket.status == "waiting"


def test_canned_content_answers_when_no_rule_matches(session):
    enterprise, ticket, code = _chat(session)
    canned.create_canned(
        session=session,
        enterprise_id=enterprise.id,
        listing_id=ticket.listing_id,
        title="Opening hours",
        body="We are open 9 to 5, {first_name}.",
    )
    customer_chat.send_customer_text(session=session, code=code, body="your opening hours?")
    assert _thread(session, code)[1] == ("assistant", "We are open 9 to 5, Dana.", ())


def test_yes_thanks_and_stays_no_asks_to_rephrase(session):
    _, ticket, code = _chat(session)
    customer_chat.send_customer_text(session=session, code=code, body="balance please")
    customer_chat.send_quick_reply(session=session, code=code, text="Yes")
    assert _thread(session, code)[-2:] == [
        ("customer", "Yes", ()),
        ("assistant", "Glad I could help. Anything else? Just type your question.", ()),
    ]
    customer_chat.send_customer_text(session=session, code=code, body="my balance again")
    customer_chat.send_customer_text(session=session, code=code, body="no")  # typed, not tapped
    last = _thread(session, code)[-1]
    assert last[0] == "assistant" and "ask it another way" in last[1]
    assert last[2] == ("Live chat",)
    assert ticket.assistant_state == "active"


def test_live_chat_hands_off_into_the_queue(session, bus):
    enterprise, ticket, code = _chat(session)
    customer_chat.send_customer_text(session=session, code=code, body="balance")
    csr = make_user(session, enterprise)
    assert (
        queue.pull_next_ticket(session=session, enterprise_id=enterprise.id, user_id=csr.id) is None
    )
    customer_chat.send_quick_reply(session=session, code=code, text="Live chat")
    assert _thread(session, code)[-2:] == [
        ("customer", "Live chat", ()),
        ("assistant", "A representative will be with you shortly.", ()),
    ]
    assert (ticket.assistant_state, ticket.status) == ("handed_off", "waiting")
    assert ticket.handed_off_at is not None and ticket.queued_at == ticket.handed_off_at
    event = session.exec(select(TicketEvent).where(TicketEvent.kind == "handed_off")).one()
    assert event.detail == {"reason": "asked"}
    session.commit()
    assert "ticket.handed_off" in bus.kinds()

    pulled = queue.pull_next_ticket(session=session, enterprise_id=enterprise.id, user_id=csr.id)
    assert pulled is not None and pulled.id == ticket.id
    # The CSR reads the whole thread, the assistant's lines marked as its own.
    session.refresh(ticket)
    staff = chat_workspace.staff_thread(session=session, ticket=ticket)
    assert [m.body for m in staff if m.sender_kind == "assistant"][0].startswith("Your balance")
    assert any(
        m.body == "The assistant handed over: the customer asked for a person" for m in staff
    )


def test_a_question_without_a_confident_answer_hands_off(session):
    enterprise, ticket, code = _chat(session)
    canned.create_canned(
        session=session,
        enterprise_id=enterprise.id,
        listing_id=ticket.listing_id,
        title="Mortgages",
        body="Our mortgage rates change daily; your card is not part of it.",
    )
    customer_chat.send_customer_text(session=session, code=code, body="my card was declined")
    assert _thread(session, code)[-1] == (
        "assistant",
        "I don't have an answer to that one. A representative will be with you shortly.",
        (),
    )
    assert ticket.assistant_state == "handed_off"
    reasons = session.exec(select(TicketEvent.detail).where(TicketEvent.kind == "handed_off")).all()
    assert reasons == [{"reason": "no_answer"}]
    # After the hand-off the assistant is silent: the CSR answers.
    customer_chat.send_customer_text(session=session, code=code, body="what about my balance?")
    assert _thread(session, code)[-1][0] == "customer"


def test_asking_for_a_person_in_words_hands_off(session):
    _, ticket, code = _chat(session)
    customer_chat.send_customer_text(session=session, code=code, body="Can I talk to an agent?")
    assert ticket.assistant_state == "handed_off"
    assert _thread(session, code)[-1][1] == "A representative will be with you shortly."


def test_a_double_tap_sends_once_and_spent_chips_do_nothing(session):
    _, ticket, code = _chat(session)
    customer_chat.send_customer_text(session=session, code=code, body="balance")
    first = customer_chat.send_quick_reply(session=session, code=code, text="Live chat")
    second = customer_chat.send_quick_reply(session=session, code=code, text="Live chat")
    assert first is not None and second is None
    bodies = [body for _, body, _ in _thread(session, code)]
    assert bodies.count("Live chat") == 1
    assert bodies.count("A representative will be with you shortly.") == 1
    # A reply never offered, or offered earlier and spent, changes nothing either.
    assert customer_chat.send_quick_reply(session=session, code=code, text="Yes") is None
    events = session.exec(select(TicketEvent).where(TicketEvent.kind == "handed_off")).all()
    assert len(events) == 1


def test_chips_show_only_on_the_last_line_while_the_assistant_holds_the_chat(session):
    _, _, code = _chat(session)
    customer_chat.send_customer_text(session=session, code=code, body="balance")
    customer_chat.send_customer_text(session=session, code=code, body="balance?")
    offered = [chips for _, _, chips in _thread(session, code) if chips]
    assert offered == [("Yes", "No", "Live chat")]  # the first question's chips are spent
    assert _thread(session, code)[-1][2] == ("Yes", "No", "Live chat")


def test_a_csr_taking_the_chat_ends_the_assistant(session):
    enterprise, ticket, code = _chat(session)
    customer_chat.send_customer_text(session=session, code=code, body="balance")
    csr = make_user(session, enterprise, full_name="Carla Diaz")
    chat_actions.take_ticket(session=session, principal=_principal(csr), ticket_id=ticket.id)
    assert (ticket.assistant_state, ticket.status, ticket.assignee_id) == (
        "handed_off",
        "assigned",
        csr.id,
    )
    assert _thread(session, code)[-1][2] == ()  # the question's chips are gone
    assert customer_chat.send_quick_reply(session=session, code=code, text="Yes") is None
    customer_chat.send_customer_text(session=session, code=code, body="my balance?")
    assert _thread(session, code)[-1][0] == "customer"  # the CSR answers now, not the assistant
    staff = chat_workspace.staff_thread(session=session, ticket=ticket)
    assert any(m.body == "The assistant handed over: taken by Carla Diaz" for m in staff)


def test_the_queue_counts_assistant_chats_apart_and_lists_them_after_people(session):
    enterprise, ticket, code = _chat(session)
    make_customer(session, enterprise)
    snap = workspace.workspace_snapshot(session=session, enterprise_id=enterprise.id)
    assert (snap.counts["waiting"], snap.counts["with_assistant"]) == (0, 1)
    # Still listed, marked, so a CSR may take it over.
    assert [(w["ticket_id"], w["with_assistant"]) for w in snap.waiting] == [(str(ticket.id), "1")]
    customer_chat.send_customer_text(session=session, code=code, body="talk to a human")
    snap = workspace.workspace_snapshot(session=session, enterprise_id=enterprise.id)
    assert (snap.counts["waiting"], snap.counts["with_assistant"]) == (1, 0)
    assert [(w["ticket_id"], w["with_assistant"]) for w in snap.waiting] == [(str(ticket.id), "")]


def test_people_who_asked_for_a_person_come_before_assistant_chats(session):
    enterprise = make_enterprise(session)
    listing = _listing(session, enterprise)
    made = entry_links.entry_links(
        session=session,
        enterprise_id=enterprise.id,
        listing_id=listing.id,
        base_url="https://chat.example",
    )
    entry = next(link.code for link in made if link.channel == Channel.WEBSITE)
    first = customer_chat.start_chat_from_entry(session=session, code=entry, first_name="Early")
    second = customer_chat.start_chat_from_entry(session=session, code=entry, first_name="Late")
    customer_chat.send_customer_text(session=session, code=second, body="a real person please")
    names = [
        (w.customer_name, w.with_assistant)
        for w in queue.waiting_previews(session=session, enterprise_id=enterprise.id)
    ]
    assert names == [("Late", False), ("Early", True)]
    assert first != second


def test_pull_passes_assistant_chats_by_and_takes_the_next_person(session):
    enterprise, held, _ = _chat(session)
    customer = make_customer(session, enterprise)
    later, _ = tickets.open_ticket(
        session=session,
        enterprise_id=enterprise.id,
        customer_id=customer.id,
        source=Channel.SMS,  # an inbound text: no listing, so no assistant
        now=utcnow() + dt.timedelta(minutes=5),
    )
    csr = make_user(session, enterprise)
    pulled = queue.pull_next_ticket(session=session, enterprise_id=enterprise.id, user_id=csr.id)
    assert pulled is not None and pulled.id == later.id
    assert later.assistant_state == ""
    session.refresh(held)
    assert (held.status, held.assignee_id) == ("waiting", None)


def test_rules_of_another_enterprise_never_answer(session):
    _, ticket, code = _chat(session)
    other = make_enterprise(session)
    other_listing = enterprises.default_listing(session=session, enterprise_id=other.id)
    assist.create_rule(
        session=session,
        enterprise_id=other.id,
        listing_id=other_listing.id,
        keywords=["refund"],
        replies=["Another tenant's refund policy."],
    )
    customer_chat.send_customer_text(session=session, code=code, body="refund please")
    bodies = session.exec(
        select(Message.body).where(
            Message.ticket_id == ticket.id, Message.sender_kind == "assistant"
        )
    ).all()
    assert "Another tenant's refund policy." not in bodies
    assert ticket.assistant_state == "handed_off"  # nothing of its own matched


def test_a_disabled_rule_does_not_answer(session):
    enterprise, ticket, code = _chat(session)
    rule = assist.list_rules(
        session=session, enterprise_id=enterprise.id, listing_id=ticket.listing_id
    )[0]
    assist.update_rule(
        session=session,
        enterprise_id=enterprise.id,
        listing_id=ticket.listing_id,
        rule_id=uuid.UUID(rule.id),
        keywords=list(rule.keywords),
        replies=list(rule.replies),
        enabled=False,
    )
    customer_chat.send_customer_text(session=session, code=code, body="balance")
    assert ticket.assistant_state == "handed_off"


def test_no_inactivity_message_while_the_assistant_holds_the_chat(session):
    enterprise, listing = make_listing(session, [STILL_THERE])
    enterprises.update_listing(
        session=session, enterprise_id=enterprise.id, listing_id=listing.id, assistant_enabled=True
    )
    customer = make_customer(session, enterprise)
    ticket, _ = tickets.open_ticket(
        session=session,
        enterprise_id=enterprise.id,
        customer_id=customer.id,
        source=Channel.WEBSITE,
        listing_id=listing.id,
        now=MONDAY_10,
    )
    come_online(session, enterprise, MONDAY_10)
    assert tick(session, after(minutes=10)) == 0  # nobody waits for a person yet
    assistant.hand_off(session=session, ticket=ticket, reason="asked", now=after(minutes=10))
    assert tick(session, after(minutes=10, seconds=30)) == 0  # the clock starts at the hand-off
    assert tick(session, after(minutes=11, seconds=1)) == 1
    assert automated_bodies(session, ticket) == ["Still looking for someone."]


def test_a_photo_or_voice_message_goes_straight_to_a_person(session):
    _, ticket, _ = _chat(session)
    photo = messages.post_message(
        session=session,
        ticket=ticket,
        sender_kind=SenderKind.CUSTOMER,
        body="",
        kind=MessageKind.IMAGE,
    )
    said = assistant.reply_to(session=session, ticket=ticket, message=photo)
    assert [m.body for m in said] == [assistant.HANDED_OFF_TEXT]
    assert ticket.assistant_state == "handed_off"


def test_a_photo_sent_from_the_chat_page_hands_the_chat_to_a_person(session):
    _, ticket, code = _chat(session)
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
    )
    customer_chat.send_customer_attachment(session=session, code=code, data=png, filename="a.png")
    assert ticket.assistant_state == "handed_off"
    view = customer_chat.load_chat(session=session, code=code)
    assert view.thread[-1].body == assistant.HANDED_OFF_TEXT
