"""Setting up customer chats in the running app's database, as a call-to-chat SMS does."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import select

from interplat.db import session_scope
from interplat.models import Channel, Customer, ShortLink, utcnow
from interplat.services import enterprises, links, tickets


def fresh_chat(
    app, slug: str, first_name: str, ttl: dt.timedelta = dt.timedelta(hours=1)
) -> tuple[str, uuid.UUID]:
    """A new customer's open chat at ``slug``: its link's code and the ticket's id.

    Events published here stay in the test process; the app reads the rows on open.
    """
    with session_scope(app.database_url) as session:
        enterprise = enterprises.find_enterprise_by_slug(session=session, slug=slug)
        assert enterprise is not None
        customer = Customer(enterprise_id=enterprise.id, phone=None, first_name=first_name)
        session.add(customer)
        session.flush()
        ticket, _ = tickets.open_ticket(
            session=session,
            enterprise_id=enterprise.id,
            customer_id=customer.id,
            source=Channel.SMS,
        )
        link = links.create_short_link(
            session=session,
            enterprise_id=enterprise.id,
            channel=Channel.SMS,
            ticket_id=ticket.id,
            customer_id=customer.id,
            ttl=ttl,
        )
        return link.code, ticket.id


def end_link(app, code: str, *, revoke: bool = False) -> None:
    """Expire (or revoke) a chat link now, as time or a representative would."""
    with session_scope(app.database_url) as session:
        link = session.exec(select(ShortLink).where(ShortLink.code == code)).one()
        if revoke:
            link.revoked_at = utcnow()
        else:
            link.expires_at = utcnow() - dt.timedelta(minutes=1)
        session.add(link)


def take_chat(csr, app, ticket_id: str) -> None:
    """The CSR opens a waiting chat (as from the ticket list) and takes it from its thread.

    The header's picker shows only the head of the queue, which other tests fill.
    """
    from playwright.sync_api import expect

    csr.goto(app.at(f"/chats?ticket={ticket_id}"))
    csr.get_by_test_id("chat-take").click(timeout=30_000)
    expect(csr.get_by_test_id("reply-input")).to_be_visible(timeout=20_000)
