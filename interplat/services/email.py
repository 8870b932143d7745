"""Email: queued in the outbox (channel "email"), sent by the worker with retries.

Like SMS, nothing here sends during a request: ``queue_email`` records the message and
``deliver_due`` hands due ones to the gateway chosen by ``INTERPLAT_EMAIL_BACKEND``: the
dev outbox (the row is the message; nothing leaves the machine) or SMTP through
aiosmtplib, one connection per batch.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib
import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..config import EmailBackend, get_settings
from ..models import OutboxMessage, OutboxStatus, utcnow
from .errors import ValidationFailed
from .sms import MAX_ATTEMPTS, SENDING_LEASE, retry_delay

log = logging.getLogger(__name__)

MAX_SUBJECT = 300
MAX_BODY = 100_000
_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def normalize_email(raw: str) -> str:
    """A plain address (``name@example.com``, lower-cased domain), or ``ValidationFailed``."""
    address = (raw or "").strip()
    if len(address) > 254 or not _ADDRESS.match(address):
        raise ValidationFailed("That email address is not valid.", field="email")
    local, domain = address.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def queue_email(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    to: str,
    subject: str,
    body: str,
    ticket_id: uuid.UUID | None = None,
    from_: str = "",
    meta: dict[str, str] | None = None,
    now: dt.datetime | None = None,
) -> OutboxMessage:
    """Record an email to send when a delivery worker next runs; ``from_`` "" is the default."""
    address = normalize_email(to)
    subject, body = " ".join((subject or "").split()), (body or "").strip()
    if not subject or len(subject) > MAX_SUBJECT:
        raise ValidationFailed(f"A subject has 1–{MAX_SUBJECT} characters.", field="subject")
    if not body or len(body) > MAX_BODY:
        raise ValidationFailed("An email needs a body.", field="body")
    now = now or utcnow()
    message = OutboxMessage(
        enterprise_id=enterprise_id,
        channel="email",
        to_address=address,
        from_address=from_,
        subject=subject,
        body=body,
        status=OutboxStatus.QUEUED,
        next_attempt_at=now,
        meta=meta or {},
        ticket_id=ticket_id,
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message


@dataclass(frozen=True)
class EmailJob:
    """What a send needs, copied out of the row so the SMTP call touches no ORM state."""

    id: uuid.UUID
    to: str
    from_: str
    subject: str
    body: str


@dataclass(frozen=True)
class SendFailure:
    reason: str
    permanent: bool


class EmailGateway(Protocol):
    name: str

    def send(self, jobs: list[EmailJob]) -> dict[uuid.UUID, SendFailure]:
        """Send each job; the failures by job id (an absent id was accepted)."""
        ...


class DevEmailGateway:
    """Keeps mail in the outbox: the queued row is what would have been sent."""

    name = "dev"

    def send(self, jobs: list[EmailJob]) -> dict[uuid.UUID, SendFailure]:
        return {}


class SmtpGateway:
    """SMTP through aiosmtplib (STARTTLS when the server offers it, login when configured)."""

    name = "smtp"

    def __init__(
        self, host: str, port: int, username: str | None = None, password: str | None = None
    ) -> None:
        self.host, self.port, self.username, self.password = host, port, username, password

    def send(self, jobs: list[EmailJob]) -> dict[uuid.UUID, SendFailure]:
        if not jobs:
            return {}
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # the scheduler's worker thread: no loop of its own
            return asyncio.run(self._send_all(jobs))
        # Called from a thread that runs a loop: send from a thread of our own.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, self._send_all(jobs)).result()

    async def _send_all(self, jobs: list[EmailJob]) -> dict[uuid.UUID, SendFailure]:
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            timeout=30,
        )
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as exc:
            return {job.id: SendFailure(f"connect: {exc}", permanent=False) for job in jobs}
        failures: dict[uuid.UUID, SendFailure] = {}
        try:
            for job in jobs:
                try:
                    await client.send_message(_mime(job))
                except aiosmtplib.SMTPResponseException as exc:
                    failures[job.id] = SendFailure(f"{exc.code} {exc.message}", exc.code >= 500)
                except (aiosmtplib.SMTPException, OSError) as exc:
                    failures[job.id] = SendFailure(str(exc), permanent=False)
        finally:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                log.warning("SMTP QUIT failed", exc_info=True)
        return failures


def _mime(job: EmailJob) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = job.from_, job.to, job.subject
    message["Message-ID"] = f"<{job.id}@interplat>"
    message.set_content(job.body)
    return message


def get_gateway() -> EmailGateway:
    settings = get_settings()
    if settings.email_backend == EmailBackend.SMTP:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return SmtpGateway(settings.smtp_host, settings.smtp_port, settings.smtp_user, password)
    return DevEmailGateway()


def deliver_due(
    *,
    session: Session,
    gateway: EmailGateway,
    from_address: str,
    now: dt.datetime | None = None,
    limit: int = 50,
) -> int:
    """Send the outbox's due email, each once across workers; returns how many were accepted.

    Commits: the claim first (no lock held while the server answers), then the outcomes.
    """
    now = now or utcnow()
    jobs = _claim_due(session, from_address, now, limit)
    if not jobs:
        return 0
    failures = gateway.send(jobs)
    delivered = OutboxStatus.DELIVERED if gateway.name == "dev" else OutboxStatus.SENT
    for job in jobs:
        message = session.get(OutboxMessage, job.id, populate_existing=True)
        if message is None:
            continue
        failure = failures.get(job.id)
        if failure is None:
            message.status, message.sent_at, message.last_error = delivered, now, ""
            message.provider_id = f"{gateway.name}:{job.id.hex}"[:64]
        elif failure.permanent or message.attempts >= MAX_ATTEMPTS:
            message.status, message.last_error = OutboxStatus.FAILED, failure.reason[:300]
        else:
            message.status, message.last_error = OutboxStatus.QUEUED, failure.reason[:300]
            message.next_attempt_at = now + retry_delay(message.attempts)
        session.add(message)
    session.commit()
    return len(jobs) - len(failures)


def _claim_due(session: Session, from_address: str, now: dt.datetime, limit: int) -> list[EmailJob]:
    rows = session.exec(
        select(OutboxMessage)
        .where(
            OutboxMessage.channel == "email",
            col(OutboxMessage.status).in_([OutboxStatus.QUEUED, OutboxStatus.SENDING]),
            sa.or_(
                col(OutboxMessage.next_attempt_at).is_(None),
                col(OutboxMessage.next_attempt_at) <= now,
            ),
        )
        .order_by(col(OutboxMessage.created_at), col(OutboxMessage.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    jobs = []
    for message in rows:
        message.status, message.attempts = OutboxStatus.SENDING, message.attempts + 1
        message.next_attempt_at = now + SENDING_LEASE
        message.from_address = message.from_address or from_address
        session.add(message)
        jobs.append(
            EmailJob(
                message.id,
                message.to_address,
                message.from_address,
                message.subject,
                message.body,
            )
        )
    session.commit()
    return jobs
