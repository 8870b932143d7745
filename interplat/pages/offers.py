"""Offers: every offer of the enterprise, searched and filtered, copied and archived."""

from __future__ import annotations

import reflex as rx

from .. import routes
from ..components.common import empty_state, pager
from ..components.shell import staff_page
from ..state.offers import OffersState as S

STATE_BADGES = {
    "draft": ("Draft", "gray"),
    "published": ("Published", "grass"),
    "expired": ("Expired", "orange"),
    "archived": ("Archived", "red"),
}
FILTERS = (
    ("current", "Current"),
    ("draft", "Drafts"),
    ("published", "Published"),
    ("archived", "Archived"),
    ("all", "All offers"),
)
COLUMNS = (("Offer", "auto"), ("Deal", "150px"), ("Expires", "130px"), ("State", "150px"))


def state_badge(state: rx.Var) -> rx.Component:
    return rx.badge(
        rx.match(state, *[(k, label) for k, (label, _) in STATE_BADGES.items()], state),
        color_scheme=rx.match(state, *[(k, c) for k, (_, c) in STATE_BADGES.items()], "gray"),
        variant="soft",
        radius="full",
        data_testid="offer-state",
    )


def _thumb(row: rx.Var) -> rx.Component:
    return rx.cond(
        row["image_url"] != "",
        rx.image(
            src=row["image_url"],
            alt="",
            width="56px",
            height="56px",
            object_fit="cover",
            border_radius="8px",
            flex_shrink="0",
        ),
        rx.center(
            rx.icon("tag", size=22, color=rx.color("accent", 10)),
            width="56px",
            height="56px",
            border_radius="8px",
            background=rx.color("accent", 3),
            flex_shrink="0",
        ),
    )


def _actions(row: rx.Var) -> rx.Component:
    def act(icon: str, label: str, testid: str, **props) -> rx.Component:
        return rx.tooltip(
            rx.icon_button(
                rx.icon(icon, size=16),
                variant="ghost",
                color_scheme="gray",
                size="2",
                aria_label=label,
                data_testid=testid,
                **props,
            ),
            content=label,
        )

    return rx.hstack(
        rx.link(act("pencil", "Edit", "offer-edit"), href=row["edit_href"]),
        act("copy", "Duplicate", "offer-duplicate", on_click=S.duplicate(row["id"])),
        rx.cond(
            row["state"] == "archived",
            act("archive-restore", "Restore", "offer-unarchive", on_click=S.unarchive(row["id"])),
            act(
                "archive",
                "Archive",
                "offer-archive",
                on_click=S.ask_archive(row["id"], row["title"]),
            ),
        ),
        spacing="1",
        justify="end",
    )


def _row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.hstack(
                _thumb(row),
                rx.vstack(
                    rx.link(
                        row["title"],
                        href=row["edit_href"],
                        weight="medium",
                        size="2",
                        color=rx.color("gray", 12),
                        data_testid="offer-title",
                    ),
                    rx.text(row["excerpt"], size="1", color_scheme="gray", max_width="420px"),
                    spacing="1",
                ),
                align="center",
                spacing="3",
            )
        ),
        rx.table.cell(
            rx.vstack(
                rx.cond(row["deal"] != "", rx.badge(row["deal"], variant="surface")),
                rx.cond(
                    row["code"] != "",
                    rx.code(row["code"], size="1", variant="ghost"),
                    rx.cond(
                        row["redemption"] == "online",
                        rx.text("Online", size="1", color_scheme="gray"),
                    ),
                ),
                spacing="1",
            )
        ),
        rx.table.cell(
            rx.text(rx.cond(row["expires"] != "", row["expires"], "No expiry"), size="2")
        ),
        rx.table.cell(
            rx.vstack(
                state_badge(row["state"]),
                rx.text(row["visibility"], size="1", color_scheme="gray"),
                spacing="1",
            )
        ),
        rx.table.cell(_actions(row)),
        align="center",
        _hover={"background": rx.color("gray", 2)},
        data_testid="offer-row",
        data_state=row["state"],
        data_title=row["title"],
    )


def _toolbar() -> rx.Component:
    return rx.hstack(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            placeholder="Search title, text or coupon code",
            value=S.search,
            on_change=S.set_search,
            width="340px",
            data_testid="offers-search",
        ),
        rx.select.root(
            rx.select.trigger(width="150px", data_testid="offers-filter"),
            rx.select.content(*[rx.select.item(label, value=v) for v, label in FILTERS]),
            value=S.status,
            on_change=S.set_status,
        ),
        rx.spacer(),
        rx.link(
            rx.button(rx.icon("plus", size=16), "New offer", data_testid="offers-new"),
            href=routes.OFFER_NEW,
        ),
        align="center",
        spacing="3",
        width="100%",
    )


def _table() -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(
                            rx.text(name, size="1", weight="medium", color_scheme="gray"),
                            width=width,
                        )
                        for name, width in COLUMNS
                    ],
                    rx.table.column_header_cell("", width="130px"),
                    background=rx.color("gray", 2),
                )
            ),
            rx.table.body(rx.foreach(S.rows, _row)),
            variant="ghost",
            width="100%",
            data_testid="offers-table",
        ),
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="10px",
        overflow="hidden",
        width="100%",
    )


def _pager() -> rx.Component:
    return pager(S, "offers")


def _archive_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Archive this offer?"),
            rx.alert_dialog.description(
                "“",
                S.confirm_title,
                "” leaves the list and its cards in chats show it as ended. "
                "You can restore it from the Archived filter.",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Cancel", variant="soft", color_scheme="gray"),
                    on_click=S.cancel_archive,
                ),
                rx.alert_dialog.action(
                    rx.button("Archive", color_scheme="red", data_testid="archive-confirm"),
                    on_click=S.archive,
                ),
                justify="end",
                spacing="3",
                padding_top="12px",
            ),
            max_width="440px",
        ),
        open=S.confirm_id != "",
    )


def _results() -> rx.Component:
    return rx.cond(
        ~S.loaded,
        rx.center(rx.spinner(size="3"), padding="64px", width="100%"),
        rx.cond(
            S.rows.length() > 0,
            rx.vstack(_table(), _pager(), spacing="3", width="100%"),
            rx.cond(
                (S.search != "") | (S.status != "current"),
                empty_state(
                    "search-x",
                    "No offers match",
                    "Try another search or filter.",
                    data_testid="offers-empty",
                ),
                empty_state(
                    "tag",
                    "No offers yet",
                    "Build your first offer with the three-step wizard: New offer.",
                    data_testid="offers-empty",
                ),
            ),
        ),
    )


def offers_page() -> rx.Component:
    return staff_page(
        "Offers",
        rx.vstack(
            _toolbar(),
            rx.cond(
                S.error != "",
                rx.callout(S.error, icon="triangle-alert", color_scheme="red", width="100%"),
            ),
            _results(),
            _archive_dialog(),
            spacing="4",
            width="100%",
        ),
    )
