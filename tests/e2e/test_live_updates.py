"""An event published from one browser shows in another without a reload."""

import pytest
from playwright.sync_api import expect

from tests.conftest import REDIS_URL
from tests.e2e.conftest import log_in, shot

# With INTERPLAT_TEST_REDIS_URL (set by .ci/run) the same journey also runs on two backend
# workers that share state and events through Redis.
VARIANTS = ["running_app"] + (["scaled_app"] if REDIS_URL else [])


@pytest.fixture(params=VARIANTS)
def app(request):
    return request.getfixturevalue(request.param)


def _member(page, name):
    return page.locator(f'[data-testid="team-member"][data-name="{name}"]')


def test_presence_change_reaches_a_colleague_live(app, browser, request):
    carlos_ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    priya_ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        priya = priya_ctx.new_page()
        log_in(priya, app, "priya@symphony.demo")
        carlos = carlos_ctx.new_page()
        log_in(carlos, app, "carlos@symphony.demo")
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
        shot(priya, f"live-presence-colleague-view-{request.node.callspec.id}")

        carlos.get_by_test_id("presence-select").click()
        carlos.get_by_test_id("presence-online").click()
        expect(_member(priya, "Carlos Rivera")).to_have_attribute(
            "data-presence", "online", timeout=5_000
        )
    finally:
        carlos_ctx.close()
        priya_ctx.close()
