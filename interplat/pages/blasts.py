"""Chat blasts: the list with live progress and figures, and the "New blast" form."""

from __future__ import annotations

import reflex as rx

from ..components.common import empty_state
from ..components.shell import staff_page
from ..state.blasts import BlastsState as S

UPLOAD_ID = "blast-image"
AUDIENCES = (
    ("loop", "My loop"),
    ("geofence", "Near a store"),
    ("demographic", "Demographics"),
    ("hand_picked", "Hand-picked"),
)
ATTACHMENTS = (("none", "None"), ("offer", "Offer"), ("image", "Image"), ("url", "Link"))
FIGURES = (
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("opened", "Opened"),
    ("claimed", "Claimed"),
)


def _field(label: str, control: rx.Component, name: str = "") -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", weight="medium"),
        control,
        rx.cond(
            (S.error != "") & (S.error_field == name),
            rx.text(S.error, size="1", color_scheme="red", data_testid=f"blast-error-{name}"),
        ),
        spacing="1",
        width="100%",
    )


def _input(name: str, **props) -> rx.Component:
    return rx.input(
        value=S.form.get(name, ""),
        on_change=lambda v: S.set_field(name, v),
        data_testid=f"blast-{name.replace('_', '-')}",
        **props,
    )


def _select(name: str, options, **props) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(data_testid=f"blast-{name.replace('_', '-')}", **props),
        rx.select.content(*[rx.select.item(label, value=v) for v, label in options]),
        value=S.form.get(name, ""),
        on_change=lambda v: S.set_field(name, v),
    )


def _dynamic_select(name: str, items, key: str, label: str, placeholder: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(placeholder=placeholder, data_testid=f"blast-{name.replace('_', '-')}"),
        rx.select.content(rx.foreach(items, lambda o: rx.select.item(o[label], value=o[key]))),
        value=S.form.get(name, ""),
        on_change=lambda v: S.set_field(name, v),
    )


def _attachment() -> rx.Component:
    kind = S.form.get("attachment", "none")
    return rx.vstack(
        _field("Attachment", _select("attachment", ATTACHMENTS, width="160px")),
        rx.match(
            kind,
            (
                "offer",
                _field(
                    "Offer",
                    _dynamic_select(
                        "offer_id", S.offers, "id", "title", "Choose a published offer"
                    ),
                    "offer_id",
                ),
            ),
            (
                "image",
                _field(
                    "Image",
                    rx.upload.root(
                        rx.button(
                            rx.icon("image-up", size=16),
                            rx.cond(S.image_name != "", S.image_name, "Choose an image"),
                            variant="soft",
                        ),
                        id=UPLOAD_ID,
                        multiple=False,
                        on_drop=S.upload_image(rx.upload_files(upload_id=UPLOAD_ID)),
                    ),
                    "image",
                ),
            ),
            ("url", _field("Link", _input("url", placeholder="https://…"), "url")),
            rx.fragment(),
        ),
        spacing="3",
        width="100%",
    )


def _picker() -> rx.Component:
    return rx.vstack(
        _input("search", placeholder="Search name, phone or email"),
        rx.foreach(
            S.found,
            lambda c: rx.button(
                c["label"],
                variant="ghost",
                size="1",
                on_click=S.pick(c["id"], c["label"]),
                data_testid="blast-found",
            ),
        ),
        rx.hstack(
            rx.foreach(
                S.picked,
                lambda c: rx.badge(
                    c["label"],
                    rx.icon("x", size=12, on_click=S.unpick(c["id"]), cursor="pointer"),
                    variant="soft",
                ),
            ),
            wrap="wrap",
            spacing="2",
        ),
        width="100%",
    )


def _audience() -> rx.Component:
    return rx.vstack(
        _field("Recipients", _select("audience", AUDIENCES, width="200px")),
        rx.match(
            S.form.get("audience", "loop"),
            (
                "geofence",
                rx.hstack(
                    _field(
                        "Store",
                        _dynamic_select("store_id", S.stores, "id", "name", "Choose a store"),
                        "store_ids",
                    ),
                    _field("Within (yards)", _input("yards", type="number", min=1), "yards"),
                    spacing="3",
                    width="100%",
                ),
            ),
            (
                "demographic",
                rx.grid(
                    _field("Age from", _input("min_age", type="number", min=0), "min_age"),
                    _field("Age to", _input("max_age", type="number", min=0), "max_age"),
                    _field("City", _input("city")),
                    _field("Region", _input("region")),
                    _field("Tags (comma-separated)", _input("tags")),
                    _field(
                        "Contacted in the last … days",
                        _input("contacted_days", type="number", min=1),
                        "contacted_within_days",
                    ),
                    rx.checkbox(
                        "Must have all the tags",
                        checked=S.form.get("all_tags", "") == "1",
                        on_change=lambda v: S.set_field("all_tags", v),
                    ),
                    columns="2",
                    spacing="3",
                    width="100%",
                ),
            ),
            ("hand_picked", _picker()),
            rx.fragment(),
        ),
        rx.callout(
            S.preview,
            icon="users",
            size="1",
            color_scheme="blue",
            width="100%",
            data_testid="blast-preview",
        ),
        spacing="3",
        width="100%",
    )


def _form() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("New blast"),
            rx.vstack(
                _field("Name", _input("name", placeholder="Spring lunch offer"), "name"),
                _field(
                    "Message",
                    rx.text_area(
                        value=S.form.get("message", ""),
                        on_change=lambda v: S.set_field("message", v),
                        rows="3",
                        max_length=1000,
                        data_testid="blast-message",
                    ),
                    "message",
                ),
                _attachment(),
                _audience(),
                rx.cond(
                    S.general_error != "",
                    rx.callout(
                        S.general_error, color_scheme="red", size="1", data_testid="blast-error"
                    ),
                ),
                rx.hstack(
                    rx.button("Cancel", variant="soft", color_scheme="gray", on_click=S.close_form),
                    rx.button(
                        rx.icon("send", size=16), "Send", on_click=S.send, data_testid="blast-send"
                    ),
                    justify="end",
                    width="100%",
                ),
                spacing="4",
            ),
            max_width="620px",
            data_testid="blast-form",
        ),
        open=S.form_open,
        on_open_change=lambda open_: rx.cond(open_, S.open_form, S.close_form),
    )


def _figure(row: rx.Var, key: str, label: str) -> rx.Component:
    return rx.vstack(
        rx.text(row[key], size="4", weight="bold", data_testid=f"blast-{key}"),
        rx.text(label, size="1", color_scheme="gray"),
        spacing="0",
        align="center",
        min_width="72px",
    )


def _card(row: rx.Var) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.hstack(
                    rx.text(row["name"], weight="bold", size="3", data_testid="blast-name"),
                    rx.badge(row["status_label"], variant="soft", data_testid="blast-status"),
                    align="center",
                ),
                rx.text(row["created"], " · ", row["audience"], size="1", color_scheme="gray"),
                rx.box(
                    rx.box(
                        width=row["percent"] + "%",
                        height="100%",
                        background=rx.color("accent", 9),
                        border_radius="4px",
                        transition="width 0.4s",
                    ),
                    width="260px",
                    height="6px",
                    background=rx.color("gray", 4),
                    border_radius="4px",
                    data_testid="blast-progress",
                    data_percent=row["percent"],
                ),
                rx.text(row["progress"], " done", size="1", color_scheme="gray"),
                rx.cond(
                    row["excluded"] != "",
                    rx.text("Excluded: ", row["excluded"], size="1", color_scheme="gray"),
                ),
                spacing="1",
            ),
            rx.spacer(),
            *[_figure(row, key, label) for key, label in FIGURES],
            align="center",
            width="100%",
        ),
        width="100%",
        data_testid="blast-row",
        data_status=row["status"],
    )


def blasts_page() -> rx.Component:
    return staff_page(
        "Blasts",
        rx.vstack(
            rx.hstack(
                rx.text(
                    "Send a message or an offer to many customers at once.", color_scheme="gray"
                ),
                rx.spacer(),
                rx.button(
                    rx.icon("plus", size=16),
                    "New blast",
                    on_click=S.open_form,
                    data_testid="blast-new",
                ),
                width="100%",
                align="center",
            ),
            rx.cond(
                S.rows.length() > 0,
                rx.vstack(rx.foreach(S.rows, _card), spacing="3", width="100%"),
                empty_state("megaphone", "No chat blasts yet", "Your first blast will show here."),
            ),
            _form(),
            spacing="4",
            width="100%",
        ),
    )
