"""The dev phone: play a customer's handset against the platform IVR with no Twilio account."""

from __future__ import annotations

import reflex as rx

from ..state.dev_phone import DevPhoneState as S

KEYPAD = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#")
INCOMING_POLL_MS = 1500


def _number_item(item: rx.Var) -> rx.Component:
    return rx.select.item(item["title"], value=item["number"])


def _dial_panel() -> rx.Component:
    return rx.vstack(
        rx.text("Your number", size="1", color_scheme="gray"),
        rx.input(
            value=S.caller,
            on_change=S.set_caller,
            disabled=S.in_call,
            width="100%",
            data_testid="dev-caller",
        ),
        rx.text("Call", size="1", color_scheme="gray"),
        rx.select.root(
            rx.select.trigger(width="100%", data_testid="dev-number"),
            rx.select.content(rx.foreach(S.numbers, _number_item)),
            value=S.number,
            on_change=S.set_number,
            disabled=S.in_call,
        ),
        rx.text(S.number, size="1", color_scheme="gray", data_testid="dev-number-value"),
        spacing="1",
        width="100%",
    )


def _spoken(line: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.icon("volume-2", size=14, flex_shrink="0", margin_top="3px"),
        rx.text(line, size="2"),
        align="start",
        spacing="2",
        padding="8px 10px",
        border_radius="10px",
        background=rx.color("gray", 3),
        width="100%",
        data_testid="dev-spoken",
    )


def _call_log() -> rx.Component:
    return rx.vstack(
        rx.foreach(S.spoken, _spoken),
        rx.cond(
            S.transfer != "",
            rx.callout(
                "Transferred to " + S.transfer,
                icon="phone-forwarded",
                size="1",
                width="100%",
                data_testid="dev-transfer",
            ),
        ),
        rx.cond(
            S.call_sid != "",
            rx.text(
                rx.cond(S.ended, "Call ended", rx.cond(S.listening, "Listening…", "On the line")),
                size="1",
                color_scheme="gray",
                data_testid="dev-call-status",
            ),
        ),
        spacing="2",
        width="100%",
        min_height="120px",
    )


def _keypad() -> rx.Component:
    return rx.grid(
        *[
            rx.button(
                key,
                on_click=S.press(key),
                disabled=~S.listening,
                variant="soft",
                size="3",
                radius="full",
                data_testid=f"dev-key-{key}",
            )
            for key in KEYPAD
        ],
        columns="3",
        spacing="2",
        width="100%",
    )


def _incoming_call() -> rx.Component:
    """A CSR's "talk now" call: ringing (Answer / Decline), then on the line (Hang up)."""
    return rx.vstack(
        rx.hstack(
            rx.icon("phone-incoming", size=18),
            rx.text(S.incoming_title, size="2", weight="bold", data_testid="dev-incoming-title"),
            align="center",
            spacing="2",
        ),
        rx.text(
            rx.cond(S.incoming_answered, "On the line", "Ringing…"),
            size="1",
            color_scheme="gray",
            data_testid="dev-incoming-status",
        ),
        rx.cond(
            S.incoming_answered,
            rx.button(
                rx.icon("phone-off", size=16),
                "Hang up",
                on_click=S.hang_up_incoming,
                color_scheme="red",
                width="100%",
                data_testid="dev-incoming-hang-up",
            ),
            rx.hstack(
                rx.button(
                    rx.icon("phone-off", size=16),
                    "Decline",
                    on_click=S.decline_incoming,
                    color_scheme="red",
                    data_testid="dev-incoming-decline",
                ),
                rx.button(
                    rx.icon("phone", size=16),
                    "Answer",
                    on_click=S.answer_incoming,
                    color_scheme="green",
                    data_testid="dev-incoming-answer",
                ),
                justify="between",
                width="100%",
            ),
        ),
        spacing="2",
        padding="12px",
        border_radius="12px",
        background=rx.color("green", 3),
        width="100%",
        data_testid="dev-incoming",
    )


def _phone_tab() -> rx.Component:
    return rx.vstack(
        _dial_panel(),
        _call_log(),
        rx.cond(S.in_call, _keypad()),
        rx.cond(
            S.in_call,
            rx.hstack(
                rx.button(
                    "Press nothing",
                    on_click=S.wait_out,
                    disabled=~S.listening,
                    variant="outline",
                    data_testid="dev-wait",
                ),
                rx.button(
                    rx.icon("phone-off", size=16),
                    "Hang up",
                    on_click=S.hang_up,
                    color_scheme="red",
                    data_testid="dev-hang-up",
                ),
                justify="between",
                width="100%",
            ),
            rx.button(
                rx.icon("phone", size=16),
                "Call",
                on_click=S.dial,
                color_scheme="green",
                size="3",
                width="100%",
                disabled=S.number == "",
                data_testid="dev-call",
            ),
        ),
        spacing="3",
        width="100%",
    )


def _text(item: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(item["from_number"], size="1", weight="bold"),
            rx.spacer(),
            rx.text(rx.moment(item["sent_at"], format="HH:mm"), size="1", color_scheme="gray"),
            width="100%",
        ),
        rx.text(item["body"], size="2", white_space="pre-wrap", word_break="break-word"),
        rx.cond(
            item["link_path"] != "",
            rx.link(
                rx.button(rx.icon("message-circle", size=14), "Open chat", size="1"),
                href=item["link_path"],
                data_testid="dev-open-link",
            ),
        ),
        spacing="1",
        padding="10px",
        border_radius="10px",
        background=rx.color("accent", 3),
        width="100%",
        data_testid="dev-sms",
    )


def _messages_tab() -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.inbox_count == 0,
            rx.text("No messages yet.", size="2", color_scheme="gray", data_testid="dev-no-sms"),
        ),
        rx.foreach(S.inbox, _text),
        rx.form(
            rx.hstack(
                rx.input(
                    id="dev-text-body",
                    name="body",
                    placeholder="Text the enterprise (try STOP or HELP)",
                    width="100%",
                    data_testid="dev-text-body",
                ),
                rx.icon_button(rx.icon("send-horizontal"), type="submit", data_testid="dev-send"),
                width="100%",
            ),
            on_submit=S.send_text,
            width="100%",
        ),
        rx.cond(
            S.text_reply != "",
            rx.text("Auto-reply: " + S.text_reply, size="1", color_scheme="gray"),
        ),
        spacing="2",
        width="100%",
    )


def _handset() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.icon("smartphone", size=18),
            rx.text("Dev phone", weight="bold"),
            rx.spacer(),
            rx.badge("dev outbox", variant="soft", color_scheme="gray"),
            align="center",
            width="100%",
        ),
        rx.segmented_control.root(
            rx.segmented_control.item("Phone", value="phone", data_testid="dev-tab-phone"),
            rx.segmented_control.item(
                "Messages (" + S.inbox_count.to_string() + ")",
                value="messages",
                data_testid="dev-tab-messages",
            ),
            value=S.tab,
            on_change=S.show,
            width="100%",
        ),
        rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", size="1", width="100%")),
        rx.cond(S.incoming_id != "", _incoming_call()),
        rx.cond(S.tab == "phone", _phone_tab(), _messages_tab()),
        # Polls for a CSR's "talk now" call, which may ring at any moment.
        rx.moment(interval=INCOMING_POLL_MS, on_change=S.check_incoming, display="none"),
        spacing="3",
        width="100%",
        max_width="380px",
        min_height="640px",
        padding="20px 16px",
        border="10px solid #1c1c1e",
        border_radius="36px",
        background=rx.color("gray", 1),
        box_shadow="0 12px 40px rgba(0,0,0,0.18)",
        data_testid="dev-phone",
    )


def dev_phone_page() -> rx.Component:
    return rx.center(
        rx.cond(
            S.enabled,
            rx.vstack(
                _handset(),
                rx.text(
                    "Calls run the same IVR and SMS code as Twilio's webhooks.",
                    size="1",
                    color_scheme="gray",
                ),
                align="center",
                spacing="3",
                width="100%",
            ),
            rx.callout(
                "The dev phone is off: this deployment uses a real carrier.",
                icon="phone-off",
                data_testid="dev-phone-off",
            ),
        ),
        width="100%",
        min_height="100dvh",
        padding="16px",
        background=rx.color("gray", 3),
    )
