from playwright.sync_api import expect

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
    expect(page.get_by_test_id("count-waiting")).to_have_text("2")
    expect(page.get_by_test_id("unserved-count")).to_have_text("2")
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
