"""Journey 1 on the dev phone: call, press 1, get the SMS, open the branded chat; the CSR
sees the caller waiting with source IVR."""

import re

from playwright.sync_api import expect
from sqlmodel import select

from interplat.db import session_scope
from interplat.models import CallLog, Customer, Ticket
from tests.e2e.conftest import log_in, path_is, shot

CALLER = "+14155550142"  # not a demo customer: a first-time caller
# ``fresh_app``: the demo's own queue, so the caller shows in the head of "Waiting now".


def test_call_press_1_text_link_chat_and_the_csr_queue(fresh_app, phone, desktop):
    page = phone.new_page()
    page.goto(fresh_app.at("/dev/phone"))
    expect(page.get_by_test_id("dev-phone")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("dev-number-value")).to_have_text("+14155550199")
    page.get_by_test_id("dev-caller").fill(CALLER)
    page.get_by_test_id("dev-call").click()

    spoken = page.get_by_test_id("dev-spoken")
    expect(spoken.first).to_contain_text("Thank you for calling Symphony Financial")
    expect(spoken.first).to_contain_text("press 1")
    expect(page.get_by_test_id("dev-call-status")).to_have_text("Listening…")
    shot(page, "dev-phone-menu-phone")

    page.get_by_test_id("dev-key-1").click()
    expect(spoken.last).to_contain_text("sent you a text message", timeout=15_000)
    expect(page.get_by_test_id("dev-call-status")).to_have_text("Call ended")

    page.get_by_test_id("dev-tab-messages").click()
    sms = page.get_by_test_id("dev-sms")
    expect(sms).to_have_count(1, timeout=30_000)
    expect(sms).to_contain_text("Symphony Financial: continue your conversation here")
    expect(sms).to_contain_text("+14155550199")  # from the number the caller dialled
    shot(page, "dev-phone-sms-phone")

    sms.get_by_test_id("dev-open-link").click()
    expect(page).to_have_url(re.compile(r"/c/[A-Za-z0-9_-]+/?$"), timeout=30_000)
    expect(page.get_by_test_id("brand-name")).to_have_text("Symphony Financial", timeout=30_000)
    expect(page.get_by_test_id("chat-message").first).to_contain_text(
        "Welcome to Symphony Financial", timeout=30_000
    )
    shot(page, "dev-phone-chat-phone")

    with session_scope(fresh_app.database_url) as session:
        customer = session.exec(select(Customer).where(Customer.phone == CALLER)).one()
        ticket = session.exec(select(Ticket).where(Ticket.customer_id == customer.id)).one()
        call = session.exec(select(CallLog).where(CallLog.from_number == CALLER)).one()
        reference, source = ticket.reference, ticket.source
        assert (call.outcome, call.digits, call.ticket_id) == ("chat", "1", ticket.id)
    assert source == "ivr"

    csr = desktop.new_page()
    log_in(csr, fresh_app, "carlos@symphony.demo")
    expect(csr).to_have_url(path_is("/dashboard"))
    row = csr.locator(f'[data-testid="waiting-ticket"][data-reference="{reference}"]')
    expect(row).to_be_visible(timeout=30_000)
    expect(row.get_by_test_id("waiting-source")).to_have_text("ivr")
    expect(row.get_by_test_id("waiting-name")).to_have_text(CALLER)
    shot(csr, "dev-phone-csr-dashboard")


def test_pressing_2_transfers_to_the_agent_line(fresh_app, phone):
    page = phone.new_page()
    page.goto(fresh_app.at("/dev/phone"))
    expect(page.get_by_test_id("dev-phone")).to_be_visible(timeout=30_000)
    page.get_by_test_id("dev-caller").fill("+14155550143")
    page.get_by_test_id("dev-call").click()
    expect(page.get_by_test_id("dev-call-status")).to_have_text("Listening…", timeout=15_000)
    page.get_by_test_id("dev-key-2").click()
    expect(page.get_by_test_id("dev-transfer")).to_contain_text("agent +14155550100")
    expect(page.get_by_test_id("dev-call-status")).to_have_text("Call ended")
    shot(page, "dev-phone-transfer-phone")


def test_a_bad_caller_number_is_refused_clearly(fresh_app, phone):
    page = phone.new_page()
    page.goto(fresh_app.at("/dev/phone"))
    expect(page.get_by_test_id("dev-phone")).to_be_visible(timeout=30_000)
    page.get_by_test_id("dev-caller").fill("12")
    page.get_by_test_id("dev-call").click()
    expect(page.get_by_text("That phone number is not valid.")).to_be_visible()
    expect(page.get_by_test_id("dev-spoken")).to_have_count(0)


def test_a_csrs_talk_now_call_rings_the_dev_phone(fresh_app, phone):
    """Priya calls the customer of her ticket: the handset rings, answers, hangs up, and
    the thread records both ends."""
    from interplat.models import Message, User
    from interplat.services import talk_now, telephony
    from interplat.services.auth import Principal

    with session_scope(fresh_app.database_url) as session:
        priya = session.exec(select(User).where(User.email == "priya@symphony.demo")).one()
        ticket = session.exec(
            select(Ticket).where(Ticket.assignee_id == priya.id, Ticket.status == "assigned")
        ).first()
        customer_phone = session.get(Customer, ticket.customer_id).phone
        started = talk_now.start_call(
            session=session,
            principal=Principal(priya.id, priya.enterprise_id, "csr", priya.full_name, "", ""),
            ticket_id=ticket.id,
            gateway=telephony.DevOutboxGateway(),
            base_url=fresh_app.url,
        )

    page = phone.new_page()
    page.goto(fresh_app.at("/dev/phone"))
    expect(page.get_by_test_id("dev-phone")).to_be_visible(timeout=30_000)
    page.get_by_test_id("dev-caller").fill(customer_phone)
    expect(page.get_by_test_id("dev-incoming-title")).to_have_text(
        "Symphony Financial is calling you (bridged to Priya)", timeout=15_000
    )
    expect(page.get_by_test_id("dev-incoming-status")).to_have_text("Ringing…")
    shot(page, "dev-phone-talk-now-ringing")
    page.get_by_test_id("dev-incoming-answer").click()
    expect(page.get_by_test_id("dev-incoming-status")).to_have_text("On the line")
    page.get_by_test_id("dev-incoming-hang-up").click()
    expect(page.get_by_test_id("dev-incoming")).to_have_count(0)

    with session_scope(fresh_app.database_url) as session:
        call = session.get(CallLog, started.call_id)
        assert (call.status, call.outcome) == ("completed", "talked")
        said = session.exec(
            select(Message.body)
            .where(Message.ticket_id == ticket.id, Message.kind == "system")
            .order_by(Message.created_at)
        ).all()
    assert said[-2] == "Call started by Priya" and said[-1].startswith("Call ended (")
