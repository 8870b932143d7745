"""Small builders that go through the services, as the app does."""

from __future__ import annotations

import itertools
import uuid

from sqlmodel import Session, select

from interplat.db import session_scope
from interplat.models import Channel, Customer, Enterprise, Ticket, User
from interplat.services import customers, enterprises, tickets, users

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def make_enterprise(session: Session, **kw: str) -> Enterprise:
    n = next(_seq)
    values = {
        "slug": f"acme-{n}",
        "name": f"Acme {n} Inc.",
        "brand_name": f"Acme {n}",
        "reference_prefix": f"AC{n}",
    }
    values.update(kw)
    return enterprises.create_enterprise(session=session, **values)


def make_user(session: Session, enterprise: Enterprise, role: str = "csr", **kw: str) -> User:
    n = next(_seq)
    return users.create_user(
        session=session,
        enterprise_id=enterprise.id,
        email=kw.get("email", f"user{n}@example.com"),
        full_name=kw.get("full_name", f"User {n}"),
        role=role,
        password=kw.get("password", PASSWORD),
    )


def make_customer(session: Session, enterprise: Enterprise, **kw: str) -> Customer:
    n = next(_seq)
    phone = kw.pop("phone", f"+1415555{n % 10000:04d}")
    customer, _ = customers.find_or_create_customer(
        session=session, enterprise_id=enterprise.id, phone=phone, **kw
    )
    return customer


def make_ticket(
    session: Session, enterprise: Enterprise, customer: Customer | None = None
) -> Ticket:
    customer = customer or make_customer(session, enterprise)
    ticket, _ = tickets.open_ticket(
        session=session,
        enterprise_id=enterprise.id,
        customer_id=customer.id,
        source=Channel.IVR,
    )
    return ticket


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def rows(db_url: str, model: type, **where: object) -> list:
    """Every row of ``model`` matching ``column=value`` filters, read in a fresh session."""
    with session_scope(db_url) as session:
        query = select(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return list(session.exec(query).all())
