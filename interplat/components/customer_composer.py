"""The customer's composer: text, attachments and the voice recorder."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ArrayVar, ObjectVar

from ..services import attachments
from ..state.customer import CustomerChatState as S
from ..state.hands_free import HandsFreeState as H
from .chat import level_meter, recorder_script
from .hands_free import hands_free, switch_row
from .upload_tray import upload_progress, upload_tray

UPLOAD_ID = "chat-upload"
# What the picker offers; the server sniffs the bytes and has the last word.
ACCEPT_UPLOADS = {
    "image/*": [],
    "video/*": [],
    "application/pdf": [".pdf"],
    "text/plain": [".txt"],
    "text/csv": [".csv"],
    **{content_type: [suffix] for suffix, content_type in attachments.ZIP_SUFFIXES.items()},
}
# The largest kind (video); smaller per-kind limits are the server's to tell.
PICKER_MAX_BYTES = attachments.VIDEO[1]


def _report_rejected(rejected: rx.Var) -> rx.event.EventSpec:
    """Each refused file's name and react-dropzone's error codes (a browser ``File``
    does not survive the trip to the server)."""

    def summary(item: rx.Var) -> dict[str, rx.Var]:
        entry = item.to(ObjectVar, dict[str, Any])
        errors = entry["errors"].to(ArrayVar, list[dict[str, Any]])
        return {
            "name": entry["file"].to(ObjectVar, dict[str, Any])["name"],
            "codes": errors.map(lambda e: e.to(ObjectVar, dict[str, Any])["code"]),
        }

    return S.upload_rejected(rejected.to(ArrayVar, list[dict[str, Any]]).map(summary))


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
            rx.cond(
                S.recorder == "sending",
                "Sending…",
                rx.cond(S.hands_free_reply, "Listening…", "Recording"),
            ),
            size="2",
            weight="medium",
            data_testid="voice-status",
        ),
        rx.text("0:00", id="voice-elapsed", size="2", color_scheme="gray"),
        level_meter(),
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
        hands_free(),
        rx.vstack(
            switch_row(),
            upload_tray(UPLOAD_ID, PICKER_MAX_BYTES, ACCEPT_UPLOADS, S.primary_color),
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
                        max_size=PICKER_MAX_BYTES,
                        multiple=True,
                        no_drag=True,
                        on_drop=S.upload(
                            rx.upload_files(upload_id=UPLOAD_ID, on_upload_progress=upload_progress)
                        ),
                        on_drop_rejected=_report_rejected,
                        data_testid="attach",
                    ),
                    rx.icon_button(
                        rx.icon("mic"),
                        type="button",
                        size="3",
                        radius="full",
                        variant="soft",
                        on_click=H.tap_microphone,
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
