"""One function per permission, used by every page guard and every API route.

Each either returns what it guards (scoped to the principal's enterprise) or raises
``PermissionDenied``/``NotFound``. Another tenant's ids get ``NotFound``, never a hint
that the row exists.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlmodel import Session

from ..models import Customer, Role, Ticket
from .auth import Principal
from .errors import NotFound, PermissionDenied

API_CLIENT = "api"  # an enterprise back office with an API token
STAFF_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.CSR, API_CLIENT})
ADMIN_ROLES = frozenset({Role.OWNER, Role.ADMIN})
# Back offices configure listings over the API; people need an admin role for it.
SETTINGS_ROLES = ADMIN_ROLES | {API_CLIENT}


class Permission(StrEnum):
    """What a page or route needs (pages name one in ``routes.py``)."""

    WORKSPACE = "workspace"
    MANAGE_USERS = "manage_users"
    EDIT_SETTINGS = "edit_settings"
    REFUND = "refund"


def require_workspace(principal: Principal) -> Principal:
    """Any active staff member: dashboard, tickets, chats, loop, offers, blasts, payments."""
    if principal.role not in STAFF_ROLES:
        raise PermissionDenied("You do not have access to the workspace.")
    return principal


def require_manage_users(principal: Principal) -> Principal:
    if principal.role not in ADMIN_ROLES:
        raise PermissionDenied("Only owners and admins can manage users.")
    return principal


def require_edit_settings(principal: Principal) -> Principal:
    if principal.role not in SETTINGS_ROLES:
        raise PermissionDenied("Only owners and admins can change settings.")
    return principal


def require_refund(principal: Principal) -> Principal:
    if principal.role not in ADMIN_ROLES:
        raise PermissionDenied("Only owners and admins can refund payments.")
    return principal


CHECKS = {
    Permission.WORKSPACE: require_workspace,
    Permission.MANAGE_USERS: require_manage_users,
    Permission.EDIT_SETTINGS: require_edit_settings,
    Permission.REFUND: require_refund,
}


def require(principal: Principal, permission: Permission) -> Principal:
    """Dispatch by name, for page guards that are declared as data."""
    return CHECKS[permission](principal)


def access_ticket(*, session: Session, principal: Principal, ticket_id: uuid.UUID) -> Ticket:
    """A ticket of the principal's enterprise."""
    require_workspace(principal)
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.enterprise_id != principal.enterprise_id:
        raise NotFound("Ticket not found.")
    return ticket


def access_customer(*, session: Session, principal: Principal, customer_id: uuid.UUID) -> Customer:
    """A customer of the principal's enterprise."""
    require_workspace(principal)
    customer = session.get(Customer, customer_id)
    if customer is None or customer.enterprise_id != principal.enterprise_id:
        raise NotFound("Customer not found.")
    return customer
