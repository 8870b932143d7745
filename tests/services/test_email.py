"""Email: queued in the outbox, delivered over real SMTP to a local aiosmtpd server."""

from __future__ import annotations

import socket
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from interplat.models import OutboxMessage
from interplat.services import email
from interplat.services.errors import ValidationFailed
from tests.aio import run_coroutine
from tests.factories import make_enterprise


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_queued_email_arrives_at_a_real_smtp_server(session, smtp_server):
    controller, inbox = smtp_server
    enterprise = make_enterprise(session)
    link = "http://localhost:3000/bill/abc"
    queued = email.queue_email(
        session=session,
        enterprise_id=enterprise.id,
        to="Pat@Example.COM",
        subject="Acme: bill for $49.99",
        body=f"View and pay: {link}",
    )
    session.commit()
    gateway = email.SmtpGateway(controller.hostname, controller.port)
    sender = "Acme <billing@acme.test>"
    assert email.deliver_due(session=session, gateway=gateway, from_address=sender) == 1
    assert len(inbox.received) == 1
    mail_from, rcpt, content = inbox.received[0]
    parsed = message_from_bytes(content)
    assert (mail_from, rcpt) == ("billing@acme.test", ["Pat@example.com"])
    assert parsed["Subject"] == "Acme: bill for $49.99" and parsed["From"] == sender
    assert link in parsed.get_payload(decode=True).decode()
    session.refresh(queued)
    assert (queued.status, queued.attempts) == ("sent", 1)
    # Sent once: a second run finds nothing due.
    assert email.deliver_due(session=session, gateway=gateway, from_address=sender) == 0
    assert len(inbox.received) == 1


def test_an_unreachable_server_leaves_the_message_queued_for_a_retry(session):
    enterprise = make_enterprise(session)
    email.queue_email(
        session=session, enterprise_id=enterprise.id, to="a@b.co", subject="s", body="b"
    )
    session.commit()
    gateway = email.SmtpGateway("127.0.0.1", free_port())
    assert email.deliver_due(session=session, gateway=gateway, from_address="x@y.co") == 0
    message = session.exec(select(OutboxMessage)).one()
    assert message.status == "queued" and message.last_error.startswith("connect")
    assert message.next_attempt_at is not None


def test_dev_backend_keeps_mail_in_the_outbox(session):
    enterprise = make_enterprise(session)
    email.queue_email(
        session=session, enterprise_id=enterprise.id, to="a@b.co", subject="s", body="b"
    )
    session.commit()
    sent = email.deliver_due(
        session=session, gateway=email.DevEmailGateway(), from_address="x@y.co"
    )
    assert sent == 1
    assert session.exec(select(OutboxMessage.status)).one() == "delivered"


@pytest.mark.parametrize(
    ("to", "subject", "body"), [("nope", "s", "b"), ("a@b.co", "", "b"), ("a@b.co", "s", " ")]
)
def test_bad_email_is_refused(session, to, subject, body):
    enterprise = make_enterprise(session)
    with pytest.raises(ValidationFailed):
        email.queue_email(
            session=session, enterprise_id=enterprise.id, to=to, subject=subject, body=body
        )
    assert session.exec(select(OutboxMessage)).all() == []


def test_a_thread_already_running_an_event_loop_can_send(smtp_server):
    """Playwright's sync API (the e2e tests) or a caller inside async code runs a loop in
    the calling thread; sending must not need that thread's own loop."""
    import uuid

    controller, inbox = smtp_server
    gateway = email.SmtpGateway(controller.hostname, controller.port)
    job = email.EmailJob(
        id=uuid.uuid4(), to="pat@example.com", from_="x@y.co", subject="s", body="b"
    )

    async def inside_a_loop() -> dict:
        return gateway.send([job])

    # In a thread of its own: the e2e suite's Playwright may hold this thread's loop.
    assert run_coroutine(inside_a_loop()) == {}
    assert len(inbox.received) == 1
