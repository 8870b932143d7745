import pytest
from playwright.sync_api import expect

from interplat import routes
from tests.e2e.conftest import log_in, path_is, shot
from tests.e2e.test_login import waiting_tickets


@pytest.mark.parametrize("item", routes.STAFF_NAV, ids=lambda i: i.path.strip("/"))
def test_every_staff_route_loads_for_an_owner(running_app, desktop, item):
    page = desktop.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, running_app, "olivia@symphony.demo")
    page.get_by_test_id(f"nav-{item.path.strip('/')}").click()
    expect(page).to_have_url(path_is(item.path), timeout=30_000)
    expect(page.get_by_role("heading", name=item.label, exact=True)).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("enterprise-name")).to_have_text("Symphony Financial")
    shot(page, f"nav-{item.path.strip('/')}")
    assert errors == []


def test_a_csr_has_no_settings_and_is_turned_away_from_them(running_app, desktop):
    page = desktop.new_page()
    log_in(page, running_app, "priya@symphony.demo")
    expect(page.get_by_test_id("nav-dashboard")).to_be_visible()
    expect(page.get_by_test_id("nav-settings")).to_have_count(0)
    page.goto(running_app.at("/settings"))
    expect(page).to_have_url(path_is("/dashboard"), timeout=30_000)
    expect(page.get_by_text("Only owners and admins can change settings.")).to_be_visible()
    shot(page, "csr-turned-away-from-settings")


def test_each_enterprise_sees_only_its_own_workspace(running_app, desktop):
    page = desktop.new_page()
    log_in(page, running_app, "tom@ticket4me.demo")
    expect(page.get_by_test_id("enterprise-name")).to_have_text("Ticket4Me")
    names = page.get_by_test_id("team-member").evaluate_all("els => els.map(e => e.dataset.name)")
    assert sorted(names) == ["Max Weber", "Tina Lopez", "Tom Becker"]
    # Other tests add Ticket4Me callers; none of Symphony's count here.
    expect(page.get_by_test_id("count-waiting")).to_have_text(
        str(waiting_tickets(running_app, "ticket4me"))
    )
