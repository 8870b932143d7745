"""The branded chat a customer opens from an SMS link, or starts from an entry link (phone first)."""

from __future__ import annotations

import reflex as rx

from ..components.chat import media_body, recorder_script, typing_hint
from ..components.customer import brand_header, customer_layout, hosted_mark
from ..state.customer import CustomerChatState as S

UPLOAD_ID = "chat-upload"
ACCEPT_UPLOADS = {
    "image/*": [],
    "video/*": [],
    "application/pdf": [".pdf"],
    "text/plain": [".txt"],
}


def _bubble(message: rx.Var) -> rx.Component:
    mine = message["sender_kind"] == "customer"
    return rx.hstack(
        rx.box(
            rx.cond(
                ~mine & (message["sender_name"] != ""),
                rx.text(message["sender_name"], size="1", weight="bold", color=S.primary_color),
            ),
            media_body(message, rx.cond(mine, "white", S.primary_color)),
            padding="8px 12px",
            border_radius="14px",
            max_width="80%",
            background=rx.cond(mine, S.primary_color, rx.color("gray", 3)),
            color=rx.cond(mine, "white", rx.color("gray", 12)),
        ),
        justify=rx.cond(mine, "end", "start"),
        width="100%",
        data_testid="chat-message",
    )


def _thread() -> rx.Component:
    return rx.vstack(
        rx.foreach(S.thread, _bubble),
        spacing="2",
        width="100%",
        padding="16px 12px",
        flex="1",
    )


def _recording_bar() -> rx.Component:
    """While the microphone is open: elapsed time, cancel, and send."""
    return rx.hstack(
        rx.box(
            width="10px",
            height="10px",
            border_radius="50%",
            background=rx.color("red", 9),
            flex_shrink="0",
        ),
        rx.text(
            rx.cond(S.recorder == "sending", "Sending…", "Recording"),
            size="2",
            weight="medium",
        ),
        rx.text("0:00", id="voice-elapsed", size="2", color_scheme="gray"),
        rx.spacer(),
        rx.icon_button(
            rx.icon("x"),
            type="button",
            size="3",
            radius="full",
            variant="soft",
            color_scheme="gray",
            on_click=S.cancel_recording,
            disabled=S.recorder == "sending",
            aria_label="Cancel recording",
            data_testid="voice-cancel",
        ),
        rx.icon_button(
            rx.icon("send-horizontal"),
            type="button",
            size="3",
            radius="full",
            background=S.primary_color,
            on_click=S.toggle_recording,
            loading=S.recorder == "sending",
            aria_label="Send voice message",
            data_testid="voice-send",
        ),
        align="center",
        spacing="2",
        width="100%",
        height="40px",
        data_testid="voice-recording",
    )


def _composer() -> rx.Component:
    return rx.form(
        recorder_script(),
        rx.vstack(
            rx.cond(
                S.send_error != "",
                rx.text(S.send_error, color_scheme="red", size="1", data_testid="send-error"),
            ),
            rx.cond(
                S.recorder != "",
                _recording_bar(),
                rx.hstack(
                    rx.input(
                        id="chat-body",
                        name="body",
                        placeholder="Type a message",
                        width="100%",
                        size="3",
                        radius="full",
                        data_testid="chat-input",
                        auto_complete="off",
                        on_change=S.typing,
                    ),
                    rx.upload.root(
                        rx.icon_button(
                            rx.icon("paperclip"),
                            type="button",
                            size="3",
                            radius="full",
                            variant="soft",
                            loading=S.uploading,
                            aria_label="Send a photo, video or file",
                        ),
                        id=UPLOAD_ID,
                        accept=ACCEPT_UPLOADS,
                        max_size=25 * 1024 * 1024,
                        multiple=True,
                        no_drag=True,
                        on_drop=S.upload(rx.upload_files(upload_id=UPLOAD_ID)),
                        data_testid="attach",
                    ),
                    rx.icon_button(
                        rx.icon("mic"),
                        type="button",
                        size="3",
                        radius="full",
                        variant="soft",
                        on_click=S.toggle_recording,
                        aria_label="Record a voice message",
                        data_testid="voice-record",
                    ),
                    rx.icon_button(
                        rx.icon("send-horizontal"),
                        type="submit",
                        size="3",
                        radius="full",
                        background=S.primary_color,
                        aria_label="Send",
                        data_testid="chat-send",
                    ),
                    width="100%",
                ),
            ),
            width="100%",
            spacing="1",
        ),
        on_submit=S.send,
        reset_on_submit=True,
        width="100%",
        padding="8px 12px",
        border_top=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 1),
        position="sticky",
        bottom="0",
    )


def _ended_or_missing(title: str, text: rx.Var | str) -> rx.Component:
    return rx.vstack(
        rx.icon("link-2-off", size=40, color=rx.color("gray", 9)),
        rx.heading(title, size="5", data_testid="link-problem"),
        rx.text(text, color_scheme="gray", size="2", text_align="center"),
        rx.cond(
            S.contact_phone != "",
            rx.link(
                rx.button(
                    rx.icon("phone"), "Call ", S.brand_name, size="3", background=S.primary_color
                ),
                href="tel:" + S.contact_phone,
            ),
        ),
        align="center",
        spacing="3",
        padding="64px 24px",
        width="100%",
        flex="1",
    )


def _start_panel() -> rx.Component:
    return rx.vstack(
        rx.center(
            rx.icon("messages-square", size=28, color="white"),
            width="56px",
            height="56px",
            border_radius="50%",
            background=S.primary_color,
        ),
        rx.heading(S.listing_name, size="5", text_align="center", data_testid="listing-name"),
        rx.text(
            "Chat with us — a representative will answer here.",
            size="2",
            color_scheme="gray",
            text_align="center",
        ),
        rx.form(
            rx.vstack(
                rx.text(
                    "Your first name (optional)",
                    as_="label",
                    html_for="start-first-name",
                    size="2",
                    weight="medium",
                ),
                rx.input(
                    id="start-first-name",
                    name="first_name",
                    placeholder="e.g. Sam",
                    max_length=100,
                    auto_complete="given-name",
                    size="3",
                    width="100%",
                    data_testid="start-first-name",
                ),
                rx.cond(
                    S.start_error != "",
                    rx.text(S.start_error, color_scheme="red", size="2", data_testid="start-error"),
                ),
                rx.button(
                    rx.icon("message-circle"),
                    "Start chat",
                    type="submit",
                    size="3",
                    width="100%",
                    background=S.primary_color,
                    data_testid="start-chat",
                ),
                spacing="2",
                width="100%",
            ),
            on_submit=S.start,
            width="100%",
            padding_top="8px",
        ),
        align="center",
        spacing="3",
        padding="40px 20px 24px",
        width="100%",
        flex="1",
    )


def customer_chat_page() -> rx.Component:
    return rx.match(
        S.view_state,
        ("loading", rx.center(rx.spinner(size="3"), height="100dvh")),
        (
            "ok",
            customer_layout(
                brand_header(),
                rx.cond(
                    S.reference != "",
                    rx.text(
                        "Conversation ",
                        S.reference,
                        size="1",
                        color_scheme="gray",
                        text_align="center",
                        width="100%",
                        padding_top="8px",
                    ),
                ),
                _thread(),
                typing_hint(S.csr_typing, S.brand_name),
                rx.cond(S.ticket_open, _composer()),
                hosted_mark(),
            ),
        ),
        ("start", customer_layout(brand_header(), _start_panel(), hosted_mark())),
        (
            "expired",
            customer_layout(
                brand_header(),
                _ended_or_missing(
                    "This link has expired",
                    "For your security, chat links work for a limited time. "
                    "Call us and we will send you a new one.",
                ),
                hosted_mark(),
            ),
        ),
        customer_layout(
            _ended_or_missing(
                "We could not find this chat",
                "Check that the link was copied completely, or ask for a new one.",
            ),
            hosted_mark(),
        ),
    )
