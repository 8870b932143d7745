"""A CSR's own loop: the customers they keep in touch with, listed, added, edited, removed.

A CSR sees and changes only their own memberships; owners and admins see every CSR's
(with a CSR filter) and may tidy any of them. Removing someone drops the membership only:
the customer, their tickets and their marketing choice stay with the enterprise.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from ..models import Customer, LoopMembership, User
from . import consent
from .access import ADMIN_ROLES, require_workspace
from .auth import Principal
from .customers import find_or_create_customer, normalize_phone
from .errors import Conflict, NotFound, PermissionDenied, ValidationFailed

MAX_PAGE = 200
MAX_TAGS = 20
MAX_TAG_LENGTH = 40
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TAG_SPLIT = re.compile(r"[;|,]")
SORTS = ("first_name", "last_name", "phone", "email", "added_at", "opted_in", "tags", "csr")


@dataclass(frozen=True)
class LoopQuery:
    """A loop table's view: free text, a column to sort by, and (admins) one CSR."""

    search: str = ""
    sort: str = "added_at"
    descending: bool = True
    csr_id: str = ""  # owners/admins only; "" for every CSR


@dataclass(frozen=True)
class LoopEntry:
    """What a person typed in the add or edit dialog."""

    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    tags: str = ""  # "vip; weekend" — separated by ; | or ,


@dataclass(frozen=True)
class LoopMember:
    membership_id: str
    customer_id: str
    first_name: str
    last_name: str
    phone: str
    email: str
    tags: tuple[str, ...]
    opted_in: bool  # the membership and the customer's own choice both say yes
    added_at: dt.datetime
    csr_id: str
    csr_name: str


@dataclass(frozen=True)
class LoopPage:
    items: list[LoopMember] = field(default_factory=list)
    total: int = 0
    offset: int = 0
    limit: int = 50


def sees_everyone(principal: Principal) -> bool:
    """Owners, admins and back offices see every CSR's loop; a CSR sees their own."""
    return principal.role in ADMIN_ROLES or principal.user_id is None


def loop_owner(principal: Principal) -> uuid.UUID:
    """The user whose loop an add or import goes into (a person, never a back office)."""
    require_workspace(principal)
    if principal.user_id is None:
        raise PermissionDenied("Only a person can keep a loop.")
    return principal.user_id


def split_tags(text: str) -> list[str]:
    """Tags from "vip; weekend|new", trimmed, without repeats, in the order given."""
    tags: list[str] = []
    for part in TAG_SPLIT.split(text or ""):
        tag = part.strip()
        if tag and tag.lower() not in {t.lower() for t in tags}:
            tags.append(tag)
    if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG_LENGTH for t in tags):
        raise ValidationFailed(
            f"Up to {MAX_TAGS} tags of at most {MAX_TAG_LENGTH} characters.", field="tags"
        )
    return tags


def check_entry(entry: LoopEntry) -> dict[str, Any]:
    """The entry's fields made clean, or ``ValidationFailed`` naming the first bad field."""
    for name in ("first_name", "last_name"):
        if len(getattr(entry, name).strip()) > 100:
            raise ValidationFailed("Names are at most 100 characters.", field=name)
    email = entry.email.strip()
    if email and (len(email) > 254 or not EMAIL.match(email)):
        raise ValidationFailed("That email address is not valid.", field="email")
    if not entry.phone.strip():
        raise ValidationFailed("A phone number is required.", field="phone")
    return {
        "first_name": entry.first_name.strip(),
        "last_name": entry.last_name.strip(),
        "phone": normalize_phone(entry.phone),
        "email": email,
        "tags": split_tags(entry.tags),
    }


def _conditions(principal: Principal, query: LoopQuery) -> list[Any]:
    conds: list[Any] = [col(LoopMembership.enterprise_id) == principal.enterprise_id]
    if not sees_everyone(principal):
        conds.append(col(LoopMembership.user_id) == principal.user_id)
    elif query.csr_id:
        try:
            conds.append(col(LoopMembership.user_id) == uuid.UUID(query.csr_id))
        except ValueError as exc:
            raise ValidationFailed("Unknown CSR.", field="csr_id") from exc
    term = query.search.strip().lower()[:100]
    if term:
        like = f"%{term.replace('%', '').replace('_', '')}%"
        conds.append(
            sa.or_(
                func.lower(Customer.first_name + " " + Customer.last_name).like(like),
                func.lower(func.coalesce(Customer.phone, "")).like(like),
                func.lower(Customer.email).like(like),
                func.lower(sa.cast(LoopMembership.tags, sa.String)).like(like),
            )
        )
    return conds


def _order(query: LoopQuery) -> list[Any]:
    if query.sort not in SORTS:
        raise ValidationFailed(f"Cannot sort by {query.sort}.", field="sort")
    columns: dict[str, Any] = {
        "first_name": func.lower(Customer.first_name),
        "last_name": func.lower(Customer.last_name),
        "phone": Customer.phone,
        "email": func.lower(Customer.email),
        "added_at": LoopMembership.added_at,
        "opted_in": sa.and_(col(LoopMembership.opted_in), col(Customer.marketing_opt_in)),
        "tags": func.lower(sa.cast(LoopMembership.tags, sa.String)),
        "csr": func.lower(User.full_name),
    }
    key = columns[query.sort]
    first = key.desc() if query.descending else key.asc()
    return [first, col(LoopMembership.added_at).desc(), col(LoopMembership.id)]


def _base() -> Any:
    return (
        select(LoopMembership, Customer, User)
        .join(Customer, col(Customer.id) == col(LoopMembership.customer_id))
        .join(User, col(User.id) == col(LoopMembership.user_id))
    )


def list_loop(
    *,
    session: Session,
    principal: Principal,
    query: LoopQuery = LoopQuery(),
    offset: int = 0,
    limit: int = 50,
) -> LoopPage:
    """One page of the loop the principal may see, searched and sorted."""
    require_workspace(principal)
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed(f"Pages hold 1–{MAX_PAGE} customers.", field="limit")
    conds = _conditions(principal, query)
    rows = session.exec(
        _base().where(*conds).order_by(*_order(query)).offset(offset).limit(limit)
    ).all()
    total = session.exec(
        select(func.count())
        .select_from(LoopMembership)
        .join(Customer, col(Customer.id) == col(LoopMembership.customer_id))
        .where(*conds)
    ).one()
    return LoopPage([to_member(m, c, u) for m, c, u in rows], int(total), offset, limit)


def every_member(
    *, session: Session, principal: Principal, query: LoopQuery, limit: int
) -> list[LoopMember]:
    """Up to ``limit`` members of the current view in one query (for the CSV export)."""
    require_workspace(principal)
    statement = (
        _base()
        .where(*_conditions(principal, query))
        .order_by(*_order(query))
        .limit(limit)
        .execution_options(yield_per=2000)
    )
    return [to_member(m, c, u) for m, c, u in session.exec(statement)]


def to_member(membership: LoopMembership, customer: Customer, user: User) -> LoopMember:
    return LoopMember(
        membership_id=str(membership.id),
        customer_id=str(customer.id),
        first_name=customer.first_name,
        last_name=customer.last_name,
        phone=customer.phone or "",
        email=customer.email,
        tags=tuple(membership.tags or ()),
        opted_in=membership.opted_in and customer.marketing_opt_in,
        added_at=membership.added_at,
        csr_id=str(user.id),
        csr_name=user.full_name,
    )


def add_to_loop(*, session: Session, principal: Principal, entry: LoopEntry) -> LoopMember:
    """Put a customer (found by phone, or created) into the principal's own loop."""
    owner_id = loop_owner(principal)
    clean = check_entry(entry)
    tags = clean.pop("tags")
    customer, created = find_or_create_customer(
        session=session, enterprise_id=principal.enterprise_id, **clean
    )
    if not created:  # fill what the enterprise did not know; never overwrite it
        for name in ("first_name", "last_name", "email"):
            if clean[name] and not getattr(customer, name):
                setattr(customer, name, clean[name])
        session.add(customer)
    exists = session.exec(
        select(LoopMembership).where(
            LoopMembership.user_id == owner_id, LoopMembership.customer_id == customer.id
        )
    ).first()
    if exists is not None:
        raise Conflict(f"{customer.display_name} is already in your loop.", field="phone")
    membership = LoopMembership(
        enterprise_id=principal.enterprise_id,
        user_id=owner_id,
        customer_id=customer.id,
        tags=tags,
        opted_in=customer.marketing_opt_in,  # someone who left the loop stays out
    )
    session.add(membership)
    session.flush()
    return _member(session, membership)


def access_membership(
    *, session: Session, principal: Principal, membership_id: uuid.UUID | str
) -> LoopMembership:
    """A membership the principal may change: their own, or any of the enterprise (admins)."""
    require_workspace(principal)
    try:
        key = uuid.UUID(str(membership_id))
    except ValueError as exc:
        raise NotFound("That customer is not in the loop.") from exc
    membership = session.get(LoopMembership, key)
    if (
        membership is None
        or membership.enterprise_id != principal.enterprise_id
        or (not sees_everyone(principal) and membership.user_id != principal.user_id)
    ):
        raise NotFound("That customer is not in the loop.")
    return membership


def update_member(
    *,
    session: Session,
    principal: Principal,
    membership_id: uuid.UUID | str,
    entry: LoopEntry,
    opted_in: bool | None = None,
) -> LoopMember:
    """Change a member's names, email, phone and tags; a changed marketing choice is
    recorded as the CSR's, with its history (``consent``)."""
    membership = access_membership(
        session=session, principal=principal, membership_id=membership_id
    )
    clean = check_entry(entry)
    customer = session.get(Customer, membership.customer_id)
    assert customer is not None
    if clean["phone"] != customer.phone:
        taken = session.exec(
            select(Customer.id).where(
                Customer.enterprise_id == customer.enterprise_id, Customer.phone == clean["phone"]
            )
        ).first()
        if taken is not None:
            raise Conflict("Another customer already has that phone number.", field="phone")
        customer.phone = clean["phone"]
    customer.first_name, customer.last_name = clean["first_name"], clean["last_name"]
    customer.email = clean["email"]
    membership.tags = clean["tags"]
    session.add_all([customer, membership])
    if opted_in is not None and opted_in != (membership.opted_in and customer.marketing_opt_in):
        consent.set_marketing_choice(
            session=session, customer=customer, opted_in=opted_in, source="csr"
        )
    session.flush()
    return _member(session, membership)


def remove_member(
    *, session: Session, principal: Principal, membership_id: uuid.UUID | str
) -> LoopMember:
    """Take a customer out of a loop; the customer and their tickets stay."""
    membership = access_membership(
        session=session, principal=principal, membership_id=membership_id
    )
    gone = _member(session, membership)
    session.delete(membership)
    session.flush()
    return gone


def _member(session: Session, membership: LoopMembership) -> LoopMember:
    customer = session.get(Customer, membership.customer_id)
    user = session.get(User, membership.user_id)
    assert customer is not None and user is not None
    return to_member(membership, customer, user)
