import pytest
from sqlmodel import select

from interplat.models import ApiToken
from interplat.services import api_tokens
from interplat.services.errors import NotAuthenticated, NotFound, ValidationFailed
from tests.factories import make_enterprise


def test_tokens_are_shown_once_and_stored_hashed(session):
    enterprise = make_enterprise(session)
    issued = api_tokens.create_api_token(
        session=session, enterprise_id=enterprise.id, name="Back office"
    )
    row = session.exec(select(ApiToken)).one()
    assert issued.secret.startswith("ipk_") and len(issued.secret) > 40
    assert issued.secret not in (row.token_hash, row.prefix) and row.prefix in issued.secret
    principal = api_tokens.resolve_api_token(session=session, secret=issued.secret)
    assert (principal.role, principal.enterprise_id, principal.user_id) == (
        "api",
        enterprise.id,
        None,
    )
    assert row.last_used_at is not None


def test_revoked_or_unknown_tokens_are_refused(session):
    enterprise, other = make_enterprise(session), make_enterprise(session)
    issued = api_tokens.create_api_token(session=session, enterprise_id=enterprise.id, name="x")
    with pytest.raises(NotFound):
        api_tokens.revoke_api_token(session=session, enterprise_id=other.id, token_id=issued.id)
    api_tokens.revoke_api_token(session=session, enterprise_id=enterprise.id, token_id=issued.id)
    for secret in (issued.secret, "ipk_nope", ""):
        with pytest.raises(NotAuthenticated):
            api_tokens.resolve_api_token(session=session, secret=secret)


@pytest.mark.parametrize("name", ["", "   ", "n" * 101])
def test_token_names_are_checked(session, name):
    with pytest.raises(ValidationFailed):
        api_tokens.create_api_token(
            session=session, enterprise_id=make_enterprise(session).id, name=name
        )
