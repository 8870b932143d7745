"""The dashboard shows the period's figures of the CSR's own enterprise, computed by the
same service from the same database, and a chart of tickets over time by source."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from playwright.sync_api import expect
from sqlmodel import select

from interplat.db import session_scope
from interplat.models import Enterprise, TicketStatus, User
from interplat.services import customers, dashboard, tickets
from interplat.services.auth import Principal
from interplat.state import dashboard as dashboard_state
from interplat.state.dashboard import figures_view, format_duration, format_percent
from tests.e2e.conftest import log_in, shot

CSR = "priya@symphony.demo"


def _figures(app, kind, **kw):
    with session_scope(app.database_url) as session:
        user = session.exec(select(User).where(User.email == CSR)).one()
        enterprise = session.get(Enterprise, user.enterprise_id)
        assert enterprise is not None
        principal = Principal(
            user_id=user.id,
            enterprise_id=user.enterprise_id,
            role=user.role,
            full_name=user.full_name,
            email=user.email,
            enterprise_name=enterprise.brand_name,
        )
        return dashboard.dashboard_figures(session=session, principal=principal, kind=kind, **kw)


def _expect_summary(page, figures):
    c = figures.counters
    expected = {
        "summary-total": str(c.total),
        "summary-waiting": str(c.waiting),
        "summary-assigned": str(c.assigned),
        "summary-resolved": str(c.resolved),
        "summary-abandoned": str(c.abandoned),
        "summary-rated": str(c.rated),
        "summary-average-wait": format_duration(c.average_wait_seconds),
        "summary-average-resolution": format_duration(c.average_resolution_seconds),
        "summary-satisfaction": format_percent(figures.averages.satisfaction_percent),
    }
    for testid, text in expected.items():
        expect(page.get_by_test_id(testid)).to_have_text(text, timeout=15_000)


def _bars(figures) -> int:
    """Stacked segments the chart draws: one per bucket and source with tickets."""
    return sum(1 for b in figures.series.buckets for n in b.counts.values() if n)


def _expect_bars_over_their_days(chart, figures, kind):
    """Every drawn segment stands over the x-axis label of a bucket that has tickets,
    and every such bucket has one."""
    rows = figures_view(figures, kind)["chart"]
    busy = {row["label"] for row in rows if any(v for k, v in row.items() if k != "label")}
    ticks = chart.locator(".recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value")
    expect(ticks).to_have_count(len(rows))
    tick_x = {}
    for i in range(ticks.count()):
        box = ticks.nth(i).bounding_box()
        tick_x[ticks.nth(i).text_content()] = box["x"] + box["width"] / 2
    bars = chart.locator(".recharts-bar-rectangle path.recharts-rectangle")
    centers = []
    for i in range(bars.count()):
        box = bars.nth(i).bounding_box()
        centers.append(box["x"] + box["width"] / 2)
    over = {label for label, x in tick_x.items() for c in centers if abs(c - x) < 2}
    assert over == busy, (over, busy)
    assert all(any(abs(c - tick_x[label]) < 2 for label in busy) for c in centers)


def test_the_dashboard_shows_the_periods_figures_and_a_chart_by_source(running_app, desktop):
    page = desktop.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, running_app, CSR)
    page.mouse.move(0, 0)  # off the chart: a hovered chart draws a tooltip and a cursor

    week = _figures(running_app, "week")
    assert week.counters.total > 0  # the demo's conversations were opened hours ago
    _expect_summary(page, week)
    chart = page.get_by_test_id("tickets-chart")
    expect(chart.locator(".recharts-bar-rectangle path.recharts-rectangle")).to_have_count(
        _bars(week)
    )
    _expect_bars_over_their_days(chart, week, "week")
    legend = chart.locator(".recharts-legend-item-text")
    expect(legend).to_have_count(len(week.series.sources))
    expect(page.get_by_test_id("source-row")).to_have_count(len(week.sources))
    expect(page.get_by_test_id("source-row").first).to_have_attribute(
        "data-source", week.sources[0].source
    )
    expect(page.get_by_test_id("source-count").first).to_have_text(str(week.sources[0].count))
    # Priya picked up one demo conversation; her activity lists exactly her own transitions.
    activity = page.get_by_test_id("activity-item")
    expect(activity).to_have_count(len(week.activity))
    assert len(week.activity) >= 1
    expect(activity.first).to_have_attribute("data-reference", week.activity[0].reference)
    expect(page.get_by_test_id("active-offers")).to_have_text(str(week.engagement.active_offers))
    expect(page.get_by_test_id("claim-rate")).to_have_text(
        format_percent(week.engagement.claim_rate_percent)
    )
    expect(page.get_by_test_id("count-waiting")).to_be_visible()
    expect(page.get_by_test_id("waiting-card")).to_be_visible()
    shot(page, "dashboard")

    page.get_by_test_id("period-year").click()
    year = _figures(running_app, "year")
    local_start = year.period.start.astimezone(zoneinfo.ZoneInfo(year.timezone))
    expect(page.get_by_test_id("period-label")).to_have_text(str(local_start.year))
    _expect_summary(page, year)
    expect(chart).to_contain_text("per month, by source")
    expect(chart.locator(".recharts-bar-rectangle path.recharts-rectangle")).to_have_count(
        _bars(year)
    )
    expect(
        chart.locator(".recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value")
    ).to_have_count(12)
    _expect_bars_over_their_days(chart, year, "year")
    shot(page, "dashboard-year")

    page.get_by_test_id("period-custom").click()
    page.get_by_test_id("custom-start").fill("2020-01-01")
    page.get_by_test_id("custom-end").fill("2020-01-31")
    page.get_by_test_id("custom-apply").click()
    expect(page.get_by_test_id("period-label")).to_have_text("Jan 1 – 31, 2020")
    empty = _figures(running_app, "custom", start=dt.date(2020, 1, 1), end=dt.date(2020, 1, 31))
    assert empty.counters.total == 0
    _expect_summary(page, empty)
    expect(chart).to_contain_text("No conversations in this period.")
    expect(page.get_by_test_id("avg-messages")).to_have_text("—")
    shot(page, "dashboard-empty-period")
    assert errors == []


def test_the_period_figures_refresh_on_their_own_every_minute(running_app, desktop):
    page = desktop.new_page()
    page.clock.install()  # the page's minute timer, fast-forwarded below
    log_in(page, running_app, CSR)
    before = _figures(running_app, "week")
    expect(page.get_by_test_id("summary-total")).to_have_text(str(before.counters.total))
    expect(page.locator('[data-testid="source-row"][data-source="email"]')).to_have_count(0)

    with session_scope(running_app.database_url) as session:
        enterprise = session.exec(select(Enterprise).where(Enterprise.slug == "symphony")).one()
        customer, _ = customers.find_or_create_customer(
            session=session, enterprise_id=enterprise.id, phone="+14155550111"
        )
        ticket, _ = tickets.open_ticket(
            session=session, enterprise_id=enterprise.id, customer_id=customer.id, source="email"
        )
        # Ended at once, so the queue other tests look at stays as it was.
        tickets.end_ticket(session=session, ticket=ticket, outcome=TicketStatus.RESOLVED)
    page.wait_for_timeout(1_000)
    expect(page.get_by_test_id("summary-total")).to_have_text(str(before.counters.total))

    # Figures under half a minute old are kept; the next tick after that reloads them.
    page.wait_for_timeout(dashboard_state.REFRESH_SECONDS / 2 * 1000)
    page.clock.fast_forward(dashboard_state.REFRESH_SECONDS * 1000)
    expect(page.get_by_test_id("summary-total")).to_have_text(
        str(before.counters.total + 1), timeout=10_000
    )
    expect(page.locator('[data-testid="source-row"][data-source="email"]')).to_have_count(1)
