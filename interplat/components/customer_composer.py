"""The customer's composer: text, attachments and the voice recorder."""

from __future__ import annotations

import reflex as rx

from ..state.customer import CustomerChatState as S
from .chat import recorder_script

UPLOAD_ID = "chat-upload"
ACCEPT_UPLOADS = {
    "image/*": [],
    "video/*": [],
    "application/pdf": [".pdf"],
    "text/plain": [".txt"],
}


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


def composer() -> rx.Component:
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
