"""An event published from one browser shows in another without a reload."""

from playwright.sync_api import expect

from tests.e2e.conftest import log_in, shot


def _member(page, name):
    return page.locator(f'[data-testid="team-member"][data-name="{name}"]')


def test_presence_change_reaches_a_colleague_live(running_app, browser):
    carlos_ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    priya_ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        priya = priya_ctx.new_page()
        log_in(priya, running_app, "priya@symphony.demo")
        carlos = carlos_ctx.new_page()
        log_in(carlos, running_app, "carlos@symphony.demo")
        # Carlos logging in is itself an event: Priya sees him come online.
        expect(_member(priya, "Carlos Rivera")).to_have_attribute(
            "data-presence", "online", timeout=10_000
        )
        priya.evaluate("window.__marker = 'no reload'")

        carlos.get_by_test_id("presence-select").click()
        carlos.get_by_test_id("presence-away").click()

        expect(_member(priya, "Carlos Rivera")).to_have_attribute(
            "data-presence", "away", timeout=5_000
        )
        assert priya.evaluate("window.__marker") == "no reload"
        shot(priya, "live-presence-colleague-view")

        carlos.get_by_test_id("presence-select").click()
        carlos.get_by_test_id("presence-online").click()
        expect(_member(priya, "Carlos Rivera")).to_have_attribute(
            "data-presence", "online", timeout=5_000
        )
    finally:
        carlos_ctx.close()
        priya_ctx.close()
