"""Dashboard: the period's figures (summary, tickets over time by source, sources,
conversation averages, engagement, the user's own activity), then the live queue."""

from __future__ import annotations

import reflex as rx

from ..components.common import figure_row, metric_card, presence_dot, stat_card
from ..components.shell import staff_page
from ..state.auth import AuthState
from ..state.dashboard import EMPTY, REFRESH_SECONDS, DashboardState
from ..state.live import LiveState

PERIODS = (("week", "Week"), ("month", "Month"), ("year", "Year"), ("custom", "Custom"))


def _team_member(member: rx.Var) -> rx.Component:
    return rx.hstack(
        presence_dot(member["presence"]),
        rx.text(member["full_name"], size="2", weight="medium"),
        rx.spacer(),
        rx.badge(member["role"], variant="soft", color_scheme="gray", size="1"),
        rx.text(member["presence"], size="1", color_scheme="gray", width="52px"),
        align="center",
        width="100%",
        data_testid="team-member",
        data_presence=member["presence"],
        data_name=member["full_name"],
    )


def _waiting_row(item: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(item["customer_name"], size="2", weight="medium", data_testid="waiting-name"),
            rx.text(
                rx.cond(item["last_message"] != "", item["last_message"], "No message yet"),
                size="1",
                color_scheme="gray",
                trim="end",
            ),
            spacing="0",
            min_width="0",
            flex="1",
        ),
        rx.cond(
            item["with_assistant"] != "",
            rx.badge(
                rx.icon("bot", size=12),
                "with assistant",
                variant="soft",
                size="1",
                color_scheme="violet",
                data_testid="waiting-with-assistant",
            ),
        ),
        rx.badge(item["source"], variant="soft", size="1", data_testid="waiting-source"),
        rx.text(item["reference"], size="1", color_scheme="gray", font_family="monospace"),
        rx.text(
            rx.moment(item["waiting_since"], from_now=True),
            size="1",
            color_scheme="gray",
            white_space="nowrap",
        ),
        align="center",
        width="100%",
        data_testid="waiting-ticket",
        data_reference=item["reference"],
    )


def _waiting_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.icon("hourglass", size=18), rx.heading("Waiting now", size="4")),
            rx.cond(
                LiveState.waiting.length() == 0,
                rx.text("Nobody is waiting.", size="2", color_scheme="gray"),
            ),
            rx.foreach(LiveState.waiting, _waiting_row),
            spacing="3",
            width="100%",
        ),
        width="100%",
        data_testid="waiting-card",
    )


def _period_selector() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.segmented_control.root(
                *[
                    rx.segmented_control.item(label, value=kind, data_testid=f"period-{kind}")
                    for kind, label in PERIODS
                ],
                value=DashboardState.period,
                on_change=DashboardState.set_period,
                data_testid="period-selector",
            ),
            rx.tooltip(
                rx.icon_button(
                    rx.icon("refresh-cw", size=16),
                    variant="soft",
                    color_scheme="gray",
                    on_click=DashboardState.load,
                    data_testid="dashboard-refresh",
                ),
                content="Refresh the figures",
            ),
            align="center",
            spacing="2",
        ),
        rx.cond(
            DashboardState.period == "custom",
            rx.hstack(
                rx.input(
                    type="date",
                    value=DashboardState.custom_start,
                    on_change=DashboardState.set_custom_start,
                    size="2",
                    data_testid="custom-start",
                ),
                rx.text("to", size="2", color_scheme="gray"),
                rx.input(
                    type="date",
                    value=DashboardState.custom_end,
                    on_change=DashboardState.set_custom_end,
                    size="2",
                    data_testid="custom-end",
                ),
                rx.button("Apply", on_click=DashboardState.load, data_testid="custom-apply"),
                align="center",
                spacing="2",
            ),
        ),
        align="end",
        spacing="2",
    )


def _toolbar() -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.heading("Overview", size="5"),
            rx.text(
                rx.text.strong(DashboardState.period_label, data_testid="period-label"),
                " · times in ",
                DashboardState.timezone,
                size="2",
                color_scheme="gray",
            ),
            spacing="1",
        ),
        rx.spacer(),
        _period_selector(),
        direction=rx.breakpoints(initial="column", sm="row"),
        gap="3",
        align="start",
        width="100%",
    )


def _summary() -> rx.Component:
    s = DashboardState.summary
    counts = rx.grid(
        metric_card(
            "Conversations",
            s.get("total", EMPTY),
            "messages-square",
            "summary-total",
            "created in the period",
        ),
        metric_card(
            "Waiting",
            s.get("waiting", EMPTY),
            "hourglass",
            "summary-waiting",
            "not picked up yet",
            "amber",
        ),
        metric_card(
            "Assigned",
            s.get("assigned", EMPTY),
            "user-check",
            "summary-assigned",
            "with a CSR now",
            "blue",
        ),
        metric_card(
            "Resolved",
            s.get("resolved", EMPTY),
            "circle-check",
            "summary-resolved",
            "closed as resolved",
            "grass",
        ),
        metric_card(
            "Abandoned",
            s.get("abandoned", EMPTY),
            "circle-x",
            "summary-abandoned",
            "customer went silent",
            "tomato",
        ),
        columns=rx.breakpoints(initial="2", sm="3", lg="5"),
        spacing="3",
        width="100%",
    )
    quality = rx.grid(
        metric_card(
            "Rated", s.get("rated", EMPTY), "star", "summary-rated", "customers who rated", "amber"
        ),
        metric_card(
            "Avg. wait",
            s.get("average_wait", EMPTY),
            "timer",
            "summary-average-wait",
            "opened → picked up",
            "violet",
        ),
        metric_card(
            "Avg. resolution",
            s.get("average_resolution", EMPTY),
            "clock",
            "summary-average-resolution",
            "opened → resolved",
            "cyan",
        ),
        metric_card(
            "Satisfaction",
            s.get("satisfaction", EMPTY),
            "smile",
            "summary-satisfaction",
            "ratings of 4 or 5 out of 5",
            "grass",
        ),
        columns=rx.breakpoints(initial="2", lg="4"),
        spacing="3",
        width="100%",
    )
    return rx.vstack(counts, quality, spacing="3", width="100%", data_testid="summary")


def _card_title(icon: str, title: str, subtitle: rx.Var | str = "") -> rx.Component:
    return rx.hstack(
        rx.icon(icon, size=18, color=rx.color("gray", 11)),
        rx.heading(title, size="3"),
        rx.spacer(),
        rx.text(subtitle, size="1", color_scheme="gray"),
        align="center",
        width="100%",
    )


def _chart_card() -> rx.Component:
    chart = rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.x_axis(data_key="label", tick_line=False, tick={"fontSize": 12}),
        rx.recharts.y_axis(allow_decimals=False, tick_line=False, width=32, tick={"fontSize": 12}),
        rx.recharts.graphing_tooltip(cursor={"fill": rx.color("gray", 3)}),
        rx.recharts.legend(icon_type="circle", icon_size=8, wrapper_style={"fontSize": "12px"}),
        rx.foreach(
            DashboardState.chart_sources,
            lambda source: rx.recharts.bar(
                data_key=source["key"],
                name=source["label"],
                stack_id="sources",
                fill=source["color"],
                max_bar_size=36,
                # No animation: a period switch shows the new bars where they belong at once.
                is_animation_active=False,
            ),
        ),
        data=DashboardState.chart,
        bar_category_gap="20%",
        margin={"top": 8, "right": 8, "left": 0, "bottom": 0},
    )
    return rx.card(
        rx.vstack(
            _card_title(
                "chart-column-stacked",
                "Conversations over time",
                rx.cond(
                    DashboardState.granularity == "month",
                    "per month, by source",
                    "per day, by source",
                ),
            ),
            rx.cond(
                DashboardState.chart_sources.length() == 0,
                rx.center(
                    rx.text("No conversations in this period.", size="2", color_scheme="gray"),
                    height="260px",
                    width="100%",
                ),
                rx.recharts.responsive_container(chart, width="100%", height=260),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        data_testid="tickets-chart",
    )


def _source_row(source: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.box(width="8px", height="8px", border_radius="50%", background=source["color"]),
            rx.text(source["label"], size="2"),
            rx.spacer(),
            rx.text(source["count"], size="2", weight="bold", data_testid="source-count"),
            rx.text(
                source["share"], size="1", color_scheme="gray", width="36px", text_align="right"
            ),
            align="center",
            width="100%",
        ),
        rx.box(
            rx.box(
                width=source["share"],
                height="100%",
                background=source["color"],
                border_radius="3px",
            ),
            width="100%",
            height="6px",
            background=rx.color("gray", 3),
            border_radius="3px",
        ),
        spacing="1",
        width="100%",
        data_testid="source-row",
        data_source=source["key"],
    )


def _sources_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            _card_title("waypoints", "Conversion sources"),
            rx.cond(
                DashboardState.sources.length() == 0,
                rx.text("No conversations in this period.", size="2", color_scheme="gray"),
                rx.vstack(
                    rx.foreach(DashboardState.sources, _source_row), spacing="3", width="100%"
                ),
            ),
            spacing="4",
            width="100%",
        ),
        width="100%",
        height="100%",
        data_testid="sources-card",
    )


def _averages_card() -> rx.Component:
    a = DashboardState.averages
    return rx.card(
        rx.vstack(
            _card_title("message-circle", "Per conversation"),
            figure_row(
                "Messages per conversation",
                a.get("messages", EMPTY),
                "avg-messages",
                "customer and CSR messages",
            ),
            rx.separator(size="4"),
            figure_row(
                "Average rating", a.get("rating", EMPTY), "avg-rating", "of the rated conversations"
            ),
            rx.separator(size="4"),
            figure_row(
                "Average chat time",
                a.get("chat_time", EMPTY),
                "avg-chat-time",
                "picked up → resolved",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        data_testid="averages-card",
    )


def _engagement_card() -> rx.Component:
    e = DashboardState.engagement
    return rx.card(
        rx.vstack(
            _card_title("megaphone", "Engagement"),
            figure_row(
                "Active offers",
                e.get("active_offers", EMPTY),
                "active-offers",
                "published, not expired",
            ),
            rx.separator(size="4"),
            figure_row(
                "Active campaigns",
                e.get("active_campaigns", EMPTY),
                "active-campaigns",
                "chat blasts queued or sending",
            ),
            rx.separator(size="4"),
            figure_row(
                "Offers sent in chat",
                e.get("offers_sent", EMPTY),
                "offers-sent",
                "offer cards in the period",
            ),
            rx.separator(size="4"),
            figure_row(
                "Offer claim rate",
                e.get("claim_rate", EMPTY),
                "claim-rate",
                "share of those cards claimed",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        data_testid="engagement-card",
    )


def _activity_row(item: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.center(
            rx.icon(
                rx.match(
                    item["kind"],
                    ("assigned", "user-check"),
                    ("forwarded", "forward"),
                    ("released", "undo-2"),
                    ("resolved", "circle-check"),
                    ("abandoned", "circle-x"),
                    "activity",
                ),
                size=14,
            ),
            width="26px",
            height="26px",
            border_radius="50%",
            background=rx.color("gray", 3),
            flex_shrink="0",
        ),
        rx.text(item["label"], size="2"),
        rx.text(item["reference"], size="1", color_scheme="gray", font_family="monospace"),
        rx.spacer(),
        rx.text(
            rx.moment(item["at"], from_now=True),
            size="1",
            color_scheme="gray",
            white_space="nowrap",
        ),
        align="center",
        width="100%",
        data_testid="activity-item",
        data_reference=item["reference"],
        data_kind=item["kind"],
    )


def _activity_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            _card_title("history", "Your recent activity"),
            rx.cond(
                DashboardState.activity.length() == 0,
                rx.text(
                    "Nothing yet: pick up a ticket from the queue.", size="2", color_scheme="gray"
                ),
                rx.vstack(
                    rx.foreach(DashboardState.activity, _activity_row), spacing="2", width="100%"
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        data_testid="activity-card",
    )


def _live_counts() -> rx.Component:
    return rx.grid(
        stat_card("Waiting", LiveState.counts.get("waiting", 0), "hourglass", "count-waiting"),
        stat_card("Assigned", LiveState.counts.get("assigned", 0), "user-check", "count-assigned"),
        stat_card(
            "Resolved", LiveState.counts.get("resolved", 0), "circle-check", "count-resolved"
        ),
        stat_card("Abandoned", LiveState.counts.get("abandoned", 0), "circle-x", "count-abandoned"),
        columns=rx.breakpoints(initial="2", md="4"),
        spacing="3",
        width="100%",
    )


def _section(title: str, hint: str) -> rx.Component:
    return rx.hstack(
        rx.heading(title, size="4"),
        rx.text(hint, size="2", color_scheme="gray"),
        align="baseline",
        spacing="3",
        padding_top="8px",
    )


def _period_figures() -> rx.Component:
    return rx.vstack(
        _summary(),
        rx.grid(
            rx.box(_chart_card(), grid_column=rx.breakpoints(initial="auto", lg="span 2")),
            _sources_card(),
            columns=rx.breakpoints(initial="1", lg="3"),
            spacing="4",
            width="100%",
        ),
        rx.grid(
            _averages_card(),
            _engagement_card(),
            _activity_card(),
            columns=rx.breakpoints(initial="1", md="2", lg="3"),
            spacing="4",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )


def dashboard_page() -> rx.Component:
    return staff_page(
        "Dashboard",
        rx.vstack(
            _toolbar(),
            # Only figures loaded for the user now logged in on this tab, never a previous one's.
            rx.cond(
                DashboardState.viewer_id == AuthState.user_id,
                _period_figures(),
                rx.center(rx.spinner(size="3"), height="480px", width="100%"),
            ),
            _section("Right now", "the whole queue, live"),
            _live_counts(),
            rx.flex(
                _waiting_card(),
                _team_card(),
                spacing="4",
                width="100%",
                direction=rx.breakpoints(initial="column", md="row"),
            ),
            # Fires when mounted and then every minute; the handler skips fresh figures.
            rx.moment(
                interval=REFRESH_SECONDS * 1000,
                on_change=DashboardState.refresh_if_stale,
                display="none",
            ),
            spacing="5",
            width="100%",
            on_mount=DashboardState.load,
        ),
    )


def _team_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.icon("users", size=18), rx.heading("Team", size="4"), align="center"),
            rx.foreach(LiveState.team, _team_member),
            spacing="3",
            width="100%",
        ),
        width="100%",
        max_width=rx.breakpoints(initial="100%", md="400px"),
        data_testid="team-card",
    )
