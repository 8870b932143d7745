import pytest
from sqlmodel import select

from interplat.db import session_scope
from interplat.models import User
from interplat.services import api_tokens, auth
from tests.factories import PASSWORD, make_enterprise, make_user


@pytest.fixture
def staff(session):
    enterprise = make_enterprise(session, brand_name="Acme Bank")
    make_user(session, enterprise, email="csr@example.com", full_name="Cory Sr")
    session.commit()
    return enterprise


def _login(api, email="csr@example.com", password=PASSWORD):
    return api.post("/api/auth/login", json={"email": email, "password": password})


def test_login_then_me(api, staff):
    response = _login(api)
    assert response.status_code == 200
    token = response.json()["token"]
    me = api.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json() == {
        "user_id": me.json()["user_id"],
        "enterprise_id": str(staff.id),
        "enterprise_name": "Acme Bank",
        "full_name": "Cory Sr",
        "email": "csr@example.com",
        "role": "csr",
    }


@pytest.mark.parametrize(
    "email,password", [("csr@example.com", "wrong-one-here"), ("who@example.com", PASSWORD)]
)
def test_bad_credentials_get_401_without_details(api, staff, email, password):
    response = _login(api, email, password)
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "invalid_credentials",
            "message": "Email or password is incorrect.",
            "field": None,
        }
    }


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic dXNlcjpwYXNz"}]
)
def test_me_needs_a_live_bearer_token(api, staff, headers):
    response = api.get("/api/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "body",
    [{}, {"email": "x"}, {"email": 1, "password": []}, {"email": "a@b.c", "password": "p" * 2000}],
)
def test_malformed_bodies_get_400_naming_the_field(api, staff, body):
    response = api.post("/api/auth/login", json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["field"] in ("email", "password")


def test_not_json_at_all(api, staff):
    response = api.post(
        "/api/auth/login", content=b"\x00\xff{", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "Traceback" not in response.text


def test_unknown_routes_answer_json_404(api):
    response = api.get("/api/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_nul_byte_is_bad_input_not_a_server_error(api, staff):
    """Regression (found by the fuzz test on PostgreSQL): NUL in text fields gave a 500."""
    response = api.post("/api/auth/login", json={"email": "a\x00@example.com", "password": "x"})
    assert response.status_code == 401
    ticket = api.post(
        "/api/v1/tickets",
        json={"customer": {"phone": "4155550100", "first_name": "A\x00"}},
        headers={"Authorization": "Bearer " + _login(api).json()["token"]},
    )
    assert ticket.status_code in (201, 400)


def test_staff_set_the_phone_talk_now_rings(api, db_url):
    with session_scope(db_url) as s:
        enterprise = make_enterprise(s)
        make_user(s, enterprise, email="phone@example.com")
        token = auth.log_in(
            session=s, email="phone@example.com", password=PASSWORD, ttl_hours=1
        ).token
        api_token = api_tokens.create_api_token(session=s, enterprise_id=enterprise.id, name="x")
    bearer = {"Authorization": f"Bearer {token}"}
    saved = api.put("/api/auth/me/phone", json={"phone": "(415) 555-0142"}, headers=bearer)
    assert saved.status_code == 200 and saved.json() == {"phone": "+14155550142"}
    bad = api.put("/api/auth/me/phone", json={"phone": "12"}, headers=bearer)
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "phone"
    robot = api.put(
        "/api/auth/me/phone",
        json={"phone": "+14155550143"},
        headers={"Authorization": f"Bearer {api_token.secret}"},
    )
    assert robot.status_code == 403
    with session_scope(db_url) as s:
        user = s.exec(select(User).where(User.email == "phone@example.com")).one()
        assert user.phone == "+14155550142"
    cleared = api.put("/api/auth/me/phone", json={"phone": ""}, headers=bearer)
    assert cleared.json() == {"phone": ""}
