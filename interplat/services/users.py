"""Staff accounts of an enterprise and their presence (online/away drives availability)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, col, select

from ..models import Presence, Role, User
from . import customers, events
from .auth import Principal, hash_password
from .errors import Conflict, NotFound, PermissionDenied, ValidationFailed


@dataclass(frozen=True)
class TeamMember:
    user_id: str
    full_name: str
    role: str
    presence: str


def normalize_email(raw: str) -> str:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed("That email address is not valid.", field="email") from exc


def create_user(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    email: str,
    full_name: str,
    role: Role | str,
    password: str,
) -> User:
    """A new staff account; emails are unique across the platform (they are the login)."""
    email = normalize_email(email)
    if role not in set(Role):
        raise ValidationFailed("Role must be owner, admin or csr.", field="role")
    if not full_name.strip():
        raise ValidationFailed("A name is required.", field="full_name")
    if session.exec(select(User).where(User.email == email)).first() is not None:
        raise Conflict("A user with that email already exists.", field="email")
    user = User(
        enterprise_id=enterprise_id,
        email=email,
        full_name=full_name.strip(),
        role=str(role),
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    return user


def set_own_phone(*, session: Session, principal: Principal, phone: str) -> User:
    """The number "talk now" rings to bridge the signed-in staff member in ("" clears it)."""
    if principal.user_id is None:
        raise PermissionDenied("Only a signed-in staff member has a phone of their own.")
    user = session.get(User, principal.user_id)
    if user is None or user.enterprise_id != principal.enterprise_id:
        raise NotFound("User not found.")
    user.phone = customers.normalize_phone(phone) if phone.strip() else None
    session.add(user)
    session.flush()
    return user


def set_presence(*, session: Session, principal: Principal, presence: Presence | str) -> User:
    """Set a user's online/away/offline status and tell the enterprise's open browsers."""
    if presence not in set(Presence):
        raise ValidationFailed("Presence is online, away or offline.", field="presence")
    user = session.get(User, principal.user_id)
    if user is None or user.enterprise_id != principal.enterprise_id:
        raise NotFound("User not found.")
    if user.presence != presence:
        user.presence = str(presence)
        session.add(user)
        events.publish(
            session,
            "user.presence_changed",
            user.enterprise_id,
            user_id=str(user.id),
            presence=str(presence),
        )
    return user


def list_team(*, session: Session, enterprise_id: uuid.UUID) -> list[TeamMember]:
    """Active staff of an enterprise, online first, then by name."""
    order = {Presence.ONLINE: 0, Presence.AWAY: 1, Presence.OFFLINE: 2}
    users = session.exec(
        select(User)
        .where(User.enterprise_id == enterprise_id, User.is_active)
        .order_by(col(User.full_name))
    ).all()
    members = [TeamMember(str(u.id), u.full_name, u.role, u.presence) for u in users]
    return sorted(members, key=lambda m: order.get(Presence(m.presence), 3))
