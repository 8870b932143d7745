"""The chat workspace: the CSR's chats, the open thread with its composer, the customer."""

from __future__ import annotations

import reflex as rx

from ..components.chat import media_body, receipt, recorder_script, typing_hint
from ..components.chat_cards import card_or
from ..components.common import empty_state
from ..components.customer_composer import ACCEPT_UPLOADS
from ..components.rfp_composer import rfp_button, rfp_dialog
from ..components.shell import staff_page
from ..state.chats import ChatsState as S
from ..state.live import LiveState

UPLOAD_ID = "reply-upload"
ACCEPT = {
    **ACCEPT_UPLOADS,
    "text/csv": [".csv"],
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": [".docx"],
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": [".xlsx"],
}
BORDER = f"1px solid {rx.color('gray', 5)}"


def _chat_item(chat: rx.Var) -> rx.Component:
    active = chat["ticket_id"] == S.selected
    return rx.hstack(
        rx.avatar(fallback=chat["initials"], size="3", radius="full", variant="soft"),
        rx.vstack(
            rx.hstack(
                rx.text(
                    chat["customer_name"],
                    size="2",
                    weight="bold",
                    overflow="hidden",
                    text_overflow="ellipsis",
                    white_space="nowrap",
                    min_width="0",
                ),
                rx.spacer(),
                rx.cond(
                    chat["waiting_since"] != "",
                    rx.text(
                        rx.moment(chat["waiting_since"], from_now=True, from_now_during=1000),
                        size="1",
                        color=rx.color("orange", 11),
                        white_space="nowrap",
                        data_testid="chat-waiting",
                    ),
                ),
                width="100%",
                align="center",
            ),
            rx.hstack(
                rx.text(
                    rx.cond(chat["last_message"] != "", chat["last_message"], "No messages yet"),
                    size="1",
                    color_scheme="gray",
                    trim="end",
                    overflow="hidden",
                    text_overflow="ellipsis",
                    white_space="nowrap",
                    flex="1",
                    min_width="0",
                ),
                rx.cond(
                    chat["unread"] != "",
                    rx.badge(
                        chat["unread"],
                        color_scheme="red",
                        variant="solid",
                        radius="full",
                        data_testid="chat-unread",
                    ),
                ),
                width="100%",
                align="center",
            ),
            spacing="1",
            flex="1",
            min_width="0",
        ),
        on_click=S.select(chat["ticket_id"]),
        cursor="pointer",
        padding="10px 12px",
        border_radius="10px",
        width="100%",
        align="center",
        background=rx.cond(active, rx.color("accent", 4), "transparent"),
        _hover={"background": rx.cond(active, rx.color("accent", 4), rx.color("gray", 3))},
        data_testid="chat-item",
        data_ticket=chat["ticket_id"],
        data_name=chat["customer_name"],
    )


def _chat_list() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("My chats", size="3"),
            rx.badge(S.chats.length(), variant="soft", radius="full"),
            rx.spacer(),
            rx.tooltip(
                rx.icon_button(
                    rx.icon("inbox", size=16),
                    size="2",
                    variant="soft",
                    on_click=LiveState.pull_next,
                    disabled=LiveState.unserved == 0,
                    aria_label="Pull the next ticket",
                ),
                content="Pull the next waiting ticket",
            ),
            width="100%",
            align="center",
            padding="4px 4px 8px",
        ),
        rx.cond(
            S.chats.length() == 0,
            rx.text(
                "No open chats. Pull a ticket from the queue to start.",
                size="2",
                color_scheme="gray",
                padding="8px 4px",
            ),
        ),
        rx.foreach(S.chats, _chat_item),
        spacing="1",
        width="300px",
        min_width="300px",
        height="100%",
        overflow_y="auto",
        padding="12px",
        border_right=BORDER,
        data_testid="chat-list",
    )


def _bubble(message: rx.Var) -> rx.Component:
    mine = message["sender_kind"] == "csr"
    automated = message["sender_kind"] == "system"
    bot = message["sender_kind"] == "assistant"  # the automated assistant, not this CSR
    return rx.cond(
        message["kind"] == "event",
        rx.center(
            rx.text(message["body"], size="1", color_scheme="gray"),
            width="100%",
            padding="2px 0",
            data_testid="thread-event",
        ),
        rx.hstack(
            rx.box(
                rx.hstack(
                    rx.cond(bot, rx.icon("bot", size=14, data_testid="assistant-label")),
                    rx.text(
                        rx.cond(
                            automated,
                            "Automated",
                            rx.cond(mine | bot, message["sender_name"], S.customer["name"]),
                        ),
                        size="1",
                        weight="bold",
                    ),
                    rx.text(
                        rx.moment(message["created_at"], format="HH:mm"),
                        size="1",
                        color_scheme="gray",
                    ),
                    spacing="2",
                ),
                card_or(message, media_body(message, rx.color("accent", 10))),
                rx.cond(mine, receipt(message["receipt"])),
                padding="8px 12px",
                border_radius="12px",
                max_width="70%",
                background=rx.cond(
                    mine,
                    rx.color("accent", 3),
                    rx.cond(
                        bot,
                        rx.color("violet", 2),
                        rx.cond(automated, rx.color("gray", 2), rx.color("gray", 3)),
                    ),
                ),
                border=rx.cond(automated | bot, f"1px dashed {rx.color('gray', 6)}", "none"),
            ),
            justify=rx.cond(mine, "end", "start"),
            width="100%",
            data_testid="thread-message",
            data_sender=message["sender_kind"],
            data_kind=message["kind"],
        ),
    )


def _thread() -> rx.Component:
    # Reversed column: the view stays pinned to the newest message as messages arrive.
    return rx.box(
        rx.vstack(rx.foreach(S.thread, _bubble), spacing="2", width="100%", padding="16px"),
        display="flex",
        flex_direction="column-reverse",
        overflow_y="auto",
        flex="1",
        width="100%",
        data_testid="thread",
    )


def _chat_header() -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.heading(S.customer["name"], size="4", data_testid="chat-customer-name"),
            rx.hstack(
                rx.text(
                    S.ticket["reference"], size="1", font_family="monospace", white_space="nowrap"
                ),
                rx.badge(S.ticket["source"], variant="soft", size="1"),
                rx.badge(
                    S.ticket["status"], variant="outline", size="1", data_testid="chat-status"
                ),
                spacing="2",
                align="center",
            ),
            spacing="1",
        ),
        rx.spacer(),
        rx.cond(
            S.can_reply,
            rx.hstack(
                rx.cond(
                    S.call != "",
                    rx.badge(
                        rx.icon("phone-call", size=14),
                        S.call,
                        color_scheme="green",
                        size="2",
                        class_name="ip-pulse",
                        data_testid="call-status",
                    ),
                    rx.button(
                        rx.icon("phone", size=16),
                        "Talk now",
                        variant="soft",
                        on_click=S.talk_now,
                        data_testid="talk-now",
                    ),
                ),
                rx.menu.root(
                    rx.menu.trigger(
                        rx.button(
                            rx.icon("forward", size=16),
                            "Forward",
                            variant="soft",
                            color_scheme="gray",
                            data_testid="chat-forward",
                        )
                    ),
                    rx.menu.content(
                        rx.foreach(
                            LiveState.team,
                            lambda member: rx.menu.item(
                                member["full_name"],
                                on_click=S.forward(member["user_id"]),
                                data_testid="forward-to",
                            ),
                        )
                    ),
                ),
                rx.button(
                    rx.icon("undo-2", size=16),
                    "Release",
                    variant="soft",
                    color_scheme="gray",
                    on_click=S.release,
                    data_testid="chat-release",
                ),
                rx.menu.root(
                    rx.menu.trigger(
                        rx.button(
                            rx.icon("circle-check", size=16),
                            "Close",
                            color_scheme="green",
                            data_testid="chat-close",
                        )
                    ),
                    rx.menu.content(
                        rx.menu.item(
                            "Resolved", on_click=S.end("resolved"), data_testid="close-resolved"
                        ),
                        rx.menu.item(
                            "Abandoned",
                            on_click=S.end("abandoned"),
                            color_scheme="red",
                            data_testid="close-abandoned",
                        ),
                    ),
                ),
                spacing="2",
                # Narrow columns wrap the actions under each other instead of overflowing.
                flex_wrap="wrap",
                justify="end",
            ),
        ),
        width="100%",
        align="center",
        padding="12px 16px",
        border_bottom=BORDER,
    )


def _suggestions() -> rx.Component:
    return rx.cond(
        S.suggestions.length() > 0,
        rx.hstack(
            rx.icon("sparkles", size=14, color=rx.color("accent", 10)),
            rx.foreach(
                S.suggestions,
                lambda s: rx.button(
                    s["text"],
                    size="1",
                    variant="surface",
                    radius="full",
                    on_click=S.insert(s["text"]),
                    max_width="320px",
                    overflow="hidden",
                    text_overflow="ellipsis",
                    white_space="nowrap",
                    display="block",
                    data_testid="suggestion",
                ),
            ),
            spacing="2",
            align="center",
            padding="0 16px 6px",
            overflow_x="auto",
            width="100%",
            data_testid="suggestions",
        ),
    )


def _canned_picker() -> rx.Component:
    return rx.popover.root(
        rx.popover.trigger(
            rx.icon_button(
                rx.icon("book-open-text", size=18),
                variant="soft",
                color_scheme="gray",
                type="button",
                aria_label="Canned replies",
                on_click=S.search_canned(""),
                data_testid="canned-open",
            )
        ),
        rx.popover.content(
            rx.vstack(
                rx.input(
                    placeholder="Search canned replies or /shortcut",
                    on_change=S.search_canned.debounce(250),
                    width="100%",
                    data_testid="canned-search",
                ),
                rx.cond(
                    S.canned.length() == 0,
                    rx.text("No canned replies match.", size="1", color_scheme="gray"),
                ),
                rx.foreach(
                    S.canned,
                    lambda c: rx.popover.close(
                        rx.box(
                            rx.hstack(
                                rx.text(c["title"], size="2", weight="bold"),
                                rx.cond(
                                    c["shortcut"] != "", rx.code("/" + c["shortcut"], size="1")
                                ),
                                spacing="2",
                            ),
                            rx.text(
                                c["body"],
                                size="1",
                                color_scheme="gray",
                                trim="end",
                                white_space="nowrap",
                                overflow="hidden",
                                text_overflow="ellipsis",
                            ),
                            on_click=S.insert(c["body"]),
                            cursor="pointer",
                            padding="6px 8px",
                            border_radius="6px",
                            width="100%",
                            _hover={"background": rx.color("gray", 3)},
                            data_testid="canned-item",
                        )
                    ),
                ),
                spacing="2",
                width="360px",
                max_height="360px",
                overflow_y="auto",
            ),
            side="top",
            align="start",
        ),
    )


def _recording_bar() -> rx.Component:
    return rx.hstack(
        rx.box(
            width="10px",
            height="10px",
            border_radius="50%",
            background=rx.color("red", 9),
            class_name="ip-pulse",
        ),
        rx.text(
            rx.cond(S.recorder == "sending", "Sending…", "Recording"), size="2", weight="medium"
        ),
        rx.text("0:00", id="voice-elapsed", size="2", color_scheme="gray"),
        rx.spacer(),
        rx.button(
            "Cancel",
            variant="soft",
            color_scheme="gray",
            on_click=S.cancel_recording,
            type="button",
            disabled=S.recorder == "sending",
        ),
        rx.button(
            rx.icon("send-horizontal", size=16),
            "Send voice",
            on_click=S.toggle_recording,
            type="button",
            loading=S.recorder == "sending",
            data_testid="voice-send",
        ),
        width="100%",
        align="center",
        padding="12px 16px",
        data_testid="voice-recording",
    )


def _composer() -> rx.Component:
    return rx.vstack(
        _suggestions(),
        rx.cond(
            S.recorder != "",
            _recording_bar(),
            rx.form(
                rx.hstack(
                    _canned_picker(),
                    rx.upload.root(
                        rx.icon_button(
                            rx.icon("paperclip", size=18),
                            variant="soft",
                            color_scheme="gray",
                            type="button",
                            aria_label="Attach",
                            loading=S.uploading,
                        ),
                        id=UPLOAD_ID,
                        accept=ACCEPT,
                        max_size=25 * 1024 * 1024,
                        multiple=True,
                        no_drag=True,
                        on_drop=S.upload(rx.upload_files(upload_id=UPLOAD_ID)),
                        data_testid="attach",
                    ),
                    rx.icon_button(
                        rx.icon("mic", size=18),
                        variant="soft",
                        color_scheme="gray",
                        type="button",
                        on_click=S.toggle_recording,
                        aria_label="Record a voice message",
                        data_testid="voice-record",
                    ),
                    rfp_button(),
                    rx.text_area(
                        id="reply-body",
                        name="body",
                        placeholder="Write a reply — Enter sends, Shift+Enter for a new line",
                        enter_key_submit=True,
                        rows="1",
                        resize="vertical",
                        on_change=S.typing,
                        flex="1",
                        data_testid="reply-input",
                    ),
                    rx.button(
                        rx.icon("send-horizontal", size=16),
                        "Send",
                        type="submit",
                        data_testid="reply-send",
                    ),
                    width="100%",
                    align="end",
                    spacing="2",
                ),
                on_submit=S.send,
                reset_on_submit=False,
                width="100%",
                padding="10px 16px 14px",
            ),
        ),
        rfp_dialog(),
        spacing="0",
        width="100%",
        border_top=BORDER,
        background=rx.color("gray", 1),
    )


def _conversation() -> rx.Component:
    return rx.cond(
        S.selected == "",
        rx.center(
            empty_state(
                "messages-square",
                "Pick a chat",
                "Choose a chat on the left, or pull the next waiting ticket from the queue.",
                max_width="460px",
            ),
            flex="1",
            height="100%",
            padding="24px",
        ),
        rx.vstack(
            _chat_header(),
            _thread(),
            typing_hint(S.customer_typing, S.customer["name"]),
            rx.cond(
                S.can_reply,
                _composer(),
                rx.cond(
                    S.ticket["status"] == "waiting",
                    # Waiting (perhaps with the assistant): any CSR may take it from here.
                    rx.hstack(
                        rx.text(
                            "This chat is waiting for a representative.",
                            size="2",
                            color_scheme="gray",
                        ),
                        rx.button(
                            rx.icon("hand", size=16),
                            "Take this chat",
                            on_click=LiveState.take(S.selected),
                            data_testid="chat-take",
                        ),
                        justify="center",
                        align="center",
                        spacing="3",
                        padding="14px",
                        width="100%",
                        border_top=BORDER,
                    ),
                    rx.center(
                        rx.text(
                            "This chat is not assigned to you: you can read it, not reply.",
                            size="2",
                            color_scheme="gray",
                        ),
                        padding="14px",
                        width="100%",
                        border_top=BORDER,
                    ),
                ),
            ),
            spacing="0",
            flex="1",
            height="100%",
            min_width="0",
        ),
    )


def _fact(label: str, value: rx.Var, testid: str = "") -> rx.Component:
    return rx.cond(
        value != "",
        rx.vstack(
            rx.text(label, size="1", color_scheme="gray"),
            rx.text(value, size="2", data_testid=testid or None),
            spacing="0",
        ),
    )


def _past_ticket(ticket: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.text(ticket["reference"], size="1", font_family="monospace"),
        rx.badge(ticket["status"], size="1", variant="soft"),
        rx.spacer(),
        rx.text(
            rx.moment(ticket["created_at"], format="MMM D, YYYY"), size="1", color_scheme="gray"
        ),
        width="100%",
        align="center",
        data_testid="past-ticket",
    )


def _customer_panel() -> rx.Component:
    return rx.cond(
        S.selected != "",
        rx.vstack(
            rx.hstack(
                rx.avatar(fallback=S.customer["name"].to(str)[:1], size="4", radius="full"),
                rx.vstack(
                    rx.text(S.customer["name"], weight="bold", size="3"),
                    rx.cond(
                        S.customer["in_my_loop"] != "",
                        rx.badge(
                            rx.icon("users", size=12),
                            "In my loop",
                            color_scheme="green",
                            variant="soft",
                            data_testid="in-my-loop",
                        ),
                    ),
                    rx.cond(
                        S.customer["offers_off"] != "",
                        rx.badge(
                            rx.icon("bell-off", size=12),
                            "No offers or news",
                            color_scheme="orange",
                            variant="soft",
                            data_testid="offers-off",
                        ),
                    ),
                    spacing="1",
                ),
                align="center",
                spacing="3",
            ),
            rx.separator(),
            _fact("Phone", S.customer["phone"], "customer-phone"),
            _fact("Email", S.customer["email"]),
            rx.vstack(
                rx.text("First active", size="1", color_scheme="gray"),
                rx.text(rx.moment(S.customer["first_active"], format="MMM D, YYYY"), size="2"),
                spacing="0",
            ),
            _fact("Device", S.customer["device"]),
            _fact("App version", S.customer["app_version"]),
            _fact("This conversation came from", S.customer["source"], "customer-source"),
            _fact("Registered through", S.customer["registration_source"]),
            rx.separator(),
            rx.text("Past tickets", size="2", weight="bold"),
            rx.cond(
                S.past.length() == 0,
                rx.text("None before this one.", size="1", color_scheme="gray"),
            ),
            rx.foreach(S.past, _past_ticket),
            spacing="3",
            width="280px",
            min_width="280px",
            height="100%",
            overflow_y="auto",
            padding="16px",
            border_left=BORDER,
            data_testid="customer-panel",
        ),
    )


def _notice() -> rx.Component:
    """A new message in a chat that is not open: a card for a few seconds, and a chime."""
    return rx.cond(
        S.notice > 0,
        rx.fragment(
            rx.card(
                rx.hstack(
                    rx.icon("message-circle", size=16),
                    rx.text(S.notice_text, size="2"),
                    align="center",
                    spacing="2",
                ),
                key=S.notice.to_string(),
                class_name="ip-linger-long",
                position="fixed",
                top="76px",
                right="24px",
                z_index="50",
                cursor="pointer",
                on_click=S.select(S.notice_ticket),
                data_testid="new-message-notice",
            ),
            rx.cond(
                LiveState.sound_on,
                rx.el.audio(src="/notify.wav", auto_play=True, key=S.notice.to_string()),
            ),
        ),
    )


def chats_page() -> rx.Component:
    return staff_page(
        "Chats",
        rx.hstack(
            recorder_script(),
            _chat_list(),
            _conversation(),
            _customer_panel(),
            _notice(),
            spacing="0",
            width="100%",
            height="calc(100vh - 65px)",
            align="stretch",
            data_testid="chat-workspace",
        ),
        full_bleed=True,
    )
