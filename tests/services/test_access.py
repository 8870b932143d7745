import uuid

import pytest

from interplat.models import Role
from interplat.services import access, auth
from interplat.services.errors import NotFound, PermissionDenied
from tests.factories import make_customer, make_enterprise, make_ticket, make_user

EXPECTED = {
    access.Permission.WORKSPACE: {Role.OWNER, Role.ADMIN, Role.CSR, "api"},
    access.Permission.MANAGE_USERS: {Role.OWNER, Role.ADMIN},
    access.Permission.EDIT_SETTINGS: {Role.OWNER, Role.ADMIN, "api"},
    access.Permission.REFUND: {Role.OWNER, Role.ADMIN},
}


def principal(role: str, enterprise_id: uuid.UUID | None = None) -> auth.Principal:
    return auth.Principal(
        user_id=uuid.uuid4(),
        enterprise_id=enterprise_id or uuid.uuid4(),
        role=role,
        full_name="Test",
        email="t@example.com",
        enterprise_name="Acme",
    )


@pytest.mark.parametrize("permission", list(access.Permission))
@pytest.mark.parametrize("role", [*Role, "api", "customer", ""])
def test_every_permission_for_every_role(permission, role):
    who = principal(role)
    if role in EXPECTED[permission]:
        assert access.require(who, permission) is who
    else:
        with pytest.raises(PermissionDenied):
            access.require(who, permission)


def test_every_permission_has_a_check():
    assert set(access.CHECKS) == set(access.Permission)


def test_tickets_and_customers_of_another_enterprise_are_not_found(session):
    mine, theirs = make_enterprise(session), make_enterprise(session)
    their_ticket = make_ticket(session, theirs)
    their_customer = make_customer(session, theirs)
    my_ticket = make_ticket(session, mine)
    csr = principal("csr", mine.id)
    assert access.access_ticket(session=session, principal=csr, ticket_id=my_ticket.id) == my_ticket
    with pytest.raises(NotFound):
        access.access_ticket(session=session, principal=csr, ticket_id=their_ticket.id)
    with pytest.raises(NotFound):
        access.access_customer(session=session, principal=csr, customer_id=their_customer.id)
    with pytest.raises(NotFound):
        access.access_ticket(session=session, principal=csr, ticket_id=uuid.uuid4())


def test_a_customer_principal_cannot_reach_tickets_even_of_its_enterprise(session):
    enterprise = make_enterprise(session)
    ticket = make_ticket(session, enterprise)
    with pytest.raises(PermissionDenied):
        access.access_ticket(
            session=session, principal=principal("customer", enterprise.id), ticket_id=ticket.id
        )


def test_a_real_user_principal_matches_its_row(session):
    enterprise = make_enterprise(session)
    user = make_user(session, enterprise, role="admin", email="adm@example.com")
    result = auth.log_in(
        session=session, email="adm@example.com", password="correct-horse-battery", ttl_hours=1
    )
    assert result.principal.role == "admin" and result.principal.user_id == user.id
    access.require_manage_users(result.principal)
