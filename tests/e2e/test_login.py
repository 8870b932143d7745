from playwright.sync_api import expect
from sqlmodel import func, select

from interplat.db import session_scope
from interplat.models import Enterprise, Ticket
from tests.e2e.conftest import log_in, path_is, shot


def test_pages_require_login(running_app, desktop):
    page = desktop.new_page()
    page.goto(running_app.at("/tickets"))
    expect(page).to_have_url(path_is("/login"), timeout=30_000)
    assert "next=/tickets" in page.url
    expect(page.get_by_test_id("login-submit")).to_be_visible()
    shot(page, "login")


def test_wrong_password_shows_a_clear_message_and_no_details(running_app, desktop):
    page = desktop.new_page()
    page.goto(running_app.at("/login"))
    page.get_by_test_id("login-email").fill("carlos@symphony.demo")
    page.get_by_test_id("login-password").fill("not-the-password")
    page.get_by_test_id("login-submit").click()
    error = page.get_by_test_id("login-error")
    expect(error).to_have_text("Email or password is incorrect.", timeout=30_000)
    expect(page).to_have_url(path_is("/login"))
    body = page.content()
    assert "Traceback" not in body and "argon2" not in body
    shot(page, "login-wrong-password")


def test_login_lands_on_the_dashboard_and_logout_ends_the_session(running_app, desktop):
    page = desktop.new_page()
    page.goto(running_app.at("/tickets"))
    expect(page).to_have_url(path_is("/login"), timeout=30_000)
    page.get_by_test_id("login-email").fill("carlos@symphony.demo")
    page.get_by_test_id("login-password").fill("interplat-demo")
    page.get_by_test_id("login-submit").click()
    expect(page).to_have_url(path_is("/tickets"), timeout=30_000)  # back where they were sent off
    page.goto(running_app.at("/dashboard"))
    expect(page.get_by_test_id("user-name")).to_have_text("Carlos Rivera", timeout=30_000)
    expect(page.get_by_test_id("enterprise-name")).to_have_text("Symphony Financial")
    waiting = str(waiting_tickets(running_app, "symphony"))  # other tests add callers
    expect(page.get_by_test_id("count-waiting")).to_have_text(waiting)
    expect(page.get_by_test_id("unserved-count")).to_have_text(waiting)
    shot(page, "dashboard-csr")

    page.get_by_test_id("user-name").click()
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(path_is("/login"), timeout=30_000)
    page.goto(running_app.at("/dashboard"))
    expect(page).to_have_url(path_is("/login"), timeout=30_000)


def test_a_session_is_remembered_across_reloads(running_app, desktop):
    page = desktop.new_page()
    log_in(page, running_app, "tina@ticket4me.demo")
    page.reload()
    expect(page.get_by_test_id("user-name")).to_have_text("Tina Lopez", timeout=30_000)
    page.goto(running_app.at("/login"))
    expect(page).to_have_url(path_is("/dashboard"), timeout=30_000)


def test_an_open_workspace_tab_keeps_the_session_seen(running_app, desktop):
    """Availability counts only staff whose tab checked in lately; an open tab does."""
    import datetime as dt

    import sqlalchemy as sa

    from interplat.db import session_scope
    from interplat.models import User, UserSession, utcnow

    page = desktop.new_page()
    log_in(page, running_app, "max@ticket4me.demo")
    long_ago = utcnow() - dt.timedelta(hours=1)
    with session_scope(running_app.database_url) as s:
        user_id = s.execute(
            sa.select(User.id).where(User.email == "max@ticket4me.demo")
        ).scalar_one()
        s.execute(
            sa.update(UserSession)
            .where(UserSession.user_id == user_id)
            .values(last_seen_at=long_ago)
        )
    second_tab = desktop.new_page()  # a new tab connects and checks in at once
    second_tab.goto(running_app.at("/dashboard"))
    expect(second_tab.get_by_test_id("user-name")).to_have_text("Max Weber", timeout=30_000)

    def last_seen():
        with session_scope(running_app.database_url) as s:
            seen = s.execute(
                sa.select(UserSession.last_seen_at).where(UserSession.user_id == user_id)
            ).scalars()
            return max((t for t in seen if t is not None), default=None)

    deadline = utcnow() + dt.timedelta(seconds=20)
    while (last_seen() or long_ago) <= long_ago and utcnow() < deadline:
        second_tab.wait_for_timeout(200)
    seen = last_seen()
    assert seen is not None and seen > utcnow() - dt.timedelta(minutes=1), seen


def waiting_tickets(app, slug: str) -> int:
    """How many of the enterprise's customers wait for a person now."""
    with session_scope(app.database_url) as session:
        return session.exec(
            select(func.count())
            .select_from(Ticket)
            .join(Enterprise, Enterprise.id == Ticket.enterprise_id)
            .where(
                Enterprise.slug == slug,
                Ticket.status == "waiting",
                Ticket.assistant_state != "active",  # waiting for a person, not the assistant
            )
        ).one()
