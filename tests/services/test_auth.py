import datetime as dt

import pytest
from sqlmodel import select

from interplat.models import Presence, User, UserSession, utcnow
from interplat.services import auth
from interplat.services.errors import InvalidCredentials, NotAuthenticated, ValidationFailed
from tests.factories import PASSWORD, make_enterprise, make_user


def test_login_opens_a_session_stored_only_as_a_hash(session):
    enterprise = make_enterprise(session)
    user = make_user(session, enterprise, email="ana@example.com")
    result = auth.log_in(session=session, email="ANA@example.com ", password=PASSWORD, ttl_hours=2)
    session.commit()
    stored = session.exec(select(UserSession)).one()
    assert stored.token_hash == auth.token_digest(result.token)
    assert result.token not in stored.token_hash
    assert result.principal.user_id == user.id
    assert result.principal.enterprise_id == enterprise.id
    assert stored.expires_at - stored.created_at == dt.timedelta(hours=2)


def test_password_hashes_are_argon2id_and_never_the_password(session):
    user = make_user(session, make_enterprise(session))
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


@pytest.mark.parametrize(
    "email,password", [("ana@example.com", "wrong-password"), ("nobody@example.com", PASSWORD)]
)
def test_wrong_password_and_unknown_email_give_the_same_message(session, email, password):
    make_user(session, make_enterprise(session), email="ana@example.com")
    with pytest.raises(InvalidCredentials) as err:
        auth.log_in(session=session, email=email, password=password, ttl_hours=1)
    assert err.value.message == "Email or password is incorrect."
    assert session.exec(select(UserSession)).all() == []


def test_deactivated_user_cannot_log_in(session):
    user = make_user(session, make_enterprise(session), email="gone@example.com")
    user.is_active = False
    with pytest.raises(InvalidCredentials):
        auth.log_in(session=session, email="gone@example.com", password=PASSWORD, ttl_hours=1)


def test_short_passwords_are_refused(session):
    with pytest.raises(ValidationFailed) as err:
        make_user(session, make_enterprise(session), password="short")
    assert err.value.field == "password"


def test_resolve_session_until_expiry(session):
    make_user(session, make_enterprise(session), email="ana@example.com")
    now = utcnow()
    result = auth.log_in(
        session=session, email="ana@example.com", password=PASSWORD, ttl_hours=1, now=now
    )
    assert (
        auth.resolve_session(session=session, token=result.token, now=now).email
        == "ana@example.com"
    )
    with pytest.raises(NotAuthenticated):
        auth.resolve_session(session=session, token=result.token, now=now + dt.timedelta(hours=1))


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 500])
def test_resolve_session_refuses_unknown_tokens(session, token):
    with pytest.raises(NotAuthenticated):
        auth.resolve_session(session=session, token=token)


def test_login_sets_online_and_last_logout_sets_offline(session, bus):
    user = make_user(session, make_enterprise(session), email="ana@example.com")
    first = auth.log_in(session=session, email="ana@example.com", password=PASSWORD, ttl_hours=1)
    second = auth.log_in(session=session, email="ana@example.com", password=PASSWORD, ttl_hours=1)
    session.commit()
    assert session.get(User, user.id).presence == Presence.ONLINE
    assert bus.kinds() == ["user.presence_changed"]

    auth.log_out(session=session, token=first.token)
    session.commit()
    assert session.get(User, user.id).presence == Presence.ONLINE  # another tab is still open
    with pytest.raises(NotAuthenticated):
        auth.resolve_session(session=session, token=first.token)

    auth.log_out(session=session, token=second.token)
    auth.log_out(session=session, token=second.token)  # idempotent
    session.commit()
    assert session.get(User, user.id).presence == Presence.OFFLINE
    assert bus.kinds() == ["user.presence_changed", "user.presence_changed"]
