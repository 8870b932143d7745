"""IVR clients: Basic credentials issued per enterprise, hashed at rest, rotated, revoked."""

import datetime as dt

import pytest
from sqlmodel import select

from interplat.models import IvrClient
from interplat.services import ivr_clients
from interplat.services.errors import Conflict, NotAuthenticated, NotFound, ValidationFailed
from tests.factories import make_enterprise, new_id

T0 = dt.datetime(2025, 3, 3, 15, 0, tzinfo=dt.UTC)


def issue(session, enterprise, name="Main IVR", now=T0):
    issued = ivr_clients.create_ivr_client(
        session=session, enterprise_id=enterprise.id, name=name, now=now
    )
    session.commit()
    return issued


def authenticate(session, username, secret, now=T0):
    return ivr_clients.authenticate_ivr_client(
        session=session, username=username, secret=secret, now=now
    )


def test_issued_credentials_have_the_documented_shape(session):
    issued = issue(session, make_enterprise(session))
    assert issued.username.startswith("ivr_")
    assert len(issued.username) == len("ivr_") + 10
    assert all(c.isalnum() or c in "-_" for c in issued.username[4:])
    assert len(issued.secret) >= 43  # 32 random bytes, url-safe base64
    assert ":" not in issued.secret


def test_only_a_sha256_digest_of_the_secret_is_stored(session):
    import hashlib

    issued = issue(session, make_enterprise(session))
    row = session.get(IvrClient, issued.client_id)
    assert row.secret_hash == "sha256$" + hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.secret not in row.secret_hash
    assert not hasattr(
        ivr_clients.list_ivr_clients(session=session, enterprise_id=row.enterprise_id)[0],
        "secret_hash",
    )


def test_usernames_and_secrets_are_unique(session):
    enterprise = make_enterprise(session)
    issued = [issue(session, enterprise, name=f"IVR {n}") for n in range(5)]
    assert len({i.username for i in issued}) == 5
    assert len({i.secret for i in issued}) == 5


def test_the_secret_authenticates_and_marks_the_client_used(session):
    issued = issue(session, make_enterprise(session))
    client = authenticate(session, issued.username, issued.secret, now=T0 + dt.timedelta(hours=1))
    assert client.id == issued.client_id
    session.commit()
    assert session.get(IvrClient, issued.client_id).last_used_at == T0 + dt.timedelta(hours=1)


def test_last_used_is_written_at_most_once_a_minute(session):
    """A write per call would make every call of an IVR wait on its client row."""
    issued = issue(session, make_enterprise(session))
    first = T0 + dt.timedelta(hours=1)
    authenticate(session, issued.username, issued.secret, now=first)
    session.commit()
    authenticate(session, issued.username, issued.secret, now=first + dt.timedelta(seconds=59))
    assert not session.dirty
    session.commit()
    assert session.get(IvrClient, issued.client_id).last_used_at == first
    later_use = first + dt.timedelta(minutes=1)
    authenticate(session, issued.username, issued.secret, now=later_use)
    session.commit()
    assert session.get(IvrClient, issued.client_id).last_used_at == later_use


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_client_needs_a_name_of_1_to_100_characters(session, name):
    enterprise = make_enterprise(session)
    with pytest.raises(ValidationFailed) as err:
        ivr_clients.create_ivr_client(session=session, enterprise_id=enterprise.id, name=name)
    assert err.value.field == "name"
    assert session.exec(select(IvrClient)).all() == []


def test_a_client_needs_an_existing_enterprise(session):
    with pytest.raises(NotFound):
        ivr_clients.create_ivr_client(session=session, enterprise_id=new_id(), name="IVR")


def test_unknown_username_wrong_secret_and_revoked_fail_alike(session):
    enterprise = make_enterprise(session)
    issued = issue(session, enterprise)
    revoked = issue(session, enterprise, name="Old IVR")
    ivr_clients.revoke_ivr_client(
        session=session, enterprise_id=enterprise.id, client_id=revoked.client_id
    )
    session.commit()
    attempts = [
        ("ivr_nobody1234", issued.secret),
        (issued.username, issued.secret + "x"),
        (issued.username, ""),
        (revoked.username, revoked.secret),
    ]
    messages = set()
    for username, secret in attempts:
        with pytest.raises(NotAuthenticated) as err:
            authenticate(session, username, secret)
        assert err.value.code == "not_authenticated"
        messages.add(err.value.message)
    assert messages == {ivr_clients.BAD_CREDENTIALS_MESSAGE}
    assert session.get(IvrClient, revoked.client_id).last_used_at is None


def test_an_unknown_username_still_costs_a_hash_verification(session, monkeypatch):
    issue(session, make_enterprise(session))
    verified = []
    real = ivr_clients._verify
    monkeypatch.setattr(ivr_clients, "_verify", lambda h, s: verified.append(h) or real(h, s))
    with pytest.raises(NotAuthenticated):
        authenticate(session, "ivr_unknown123", "whatever")
    assert verified == [ivr_clients._DUMMY_HASH]


def test_an_inactive_enterprise_cannot_authenticate(session):
    enterprise = make_enterprise(session)
    issued = issue(session, enterprise)
    enterprise.is_active = False
    session.add(enterprise)
    session.commit()
    with pytest.raises(NotAuthenticated):
        authenticate(session, issued.username, issued.secret)


def test_rotation_kills_the_old_secret_at_once(session):
    enterprise = make_enterprise(session)
    issued = issue(session, enterprise)
    rotated = ivr_clients.rotate_ivr_client(
        session=session,
        enterprise_id=enterprise.id,
        client_id=issued.client_id,
        now=T0 + dt.timedelta(days=1),
    )
    session.commit()
    assert rotated.client_id == issued.client_id
    assert rotated.username == issued.username
    assert rotated.secret != issued.secret
    with pytest.raises(NotAuthenticated):
        authenticate(session, issued.username, issued.secret)
    assert authenticate(session, rotated.username, rotated.secret).id == issued.client_id
    assert session.get(IvrClient, issued.client_id).rotated_at == T0 + dt.timedelta(days=1)


def test_a_revoked_client_cannot_be_rotated_back_to_life(session):
    enterprise = make_enterprise(session)
    issued = issue(session, enterprise)
    ids = {"session": session, "enterprise_id": enterprise.id, "client_id": issued.client_id}
    ivr_clients.revoke_ivr_client(**ids, now=T0)
    ivr_clients.revoke_ivr_client(**ids, now=T0 + dt.timedelta(hours=1))  # idempotent
    assert session.get(IvrClient, issued.client_id).revoked_at == T0
    with pytest.raises(Conflict):
        ivr_clients.rotate_ivr_client(**ids)


def test_list_shows_only_the_enterprise_clients_without_secrets(session):
    a, b = make_enterprise(session), make_enterprise(session)
    first = issue(session, a, name="First", now=T0)
    second = issue(session, a, name="Second", now=T0 + dt.timedelta(minutes=1))
    issue(session, b, name="Theirs")
    listed = ivr_clients.list_ivr_clients(session=session, enterprise_id=a.id)
    assert [(c.id, c.name, c.username) for c in listed] == [
        (first.client_id, "First", first.username),
        (second.client_id, "Second", second.username),
    ]
    assert all(first.secret not in repr(c) and second.secret not in repr(c) for c in listed)


@pytest.mark.parametrize("action", ["rotate", "revoke"])
def test_another_enterprise_client_is_not_found(session, action):
    a, b = make_enterprise(session), make_enterprise(session)
    theirs = issue(session, b)
    call = getattr(ivr_clients, f"{action}_ivr_client")
    for client_id in (theirs.client_id, new_id()):
        with pytest.raises(NotFound):
            call(session=session, enterprise_id=a.id, client_id=client_id)
    session.rollback()
    row = session.get(IvrClient, theirs.client_id)
    assert row.revoked_at is None and row.rotated_at is None
    assert authenticate(session, theirs.username, theirs.secret).id == theirs.client_id
