"""The customer's branded chat page."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import reflex as rx

from .. import realtime, routes
from ..config import get_settings
from ..db import session_scope
from ..services import (
    attachments,
    card_numbers,
    chat_cards,
    chat_sessions,
    customer_chat,
    customer_choices,
    locations,
)
from ..services.errors import DomainError
from .threads import backend_url, recorder_problem, thread_row, thread_rows, voice_send_problem


def _load(code: str, count_visit: bool) -> customer_chat.ChatView:
    with session_scope() as session:
        return customer_chat.load_chat(session=session, code=code, count_visit=count_visit)


def _resume(code: str, cookie: str) -> str | None:
    with session_scope() as session:
        return chat_sessions.resume_chat(session=session, code=code, cookie=cookie)


def rejected_upload_problem(item: dict[str, Any]) -> str:
    """Why the file picker refused one file (``{name, codes}``, react-dropzone's error
    codes), in words."""
    name = str(item.get("name") or "file")
    codes = {str(code) for code in item.get("codes") or []}
    if "file-too-large" in codes:
        limit = attachments.VIDEO[1] // attachments.MB
        return f"{name}: too large to send; the limit is {limit} MB."
    if "file-invalid-type" in codes:
        return f"{name}: this type of file cannot be sent; send {attachments.ACCEPTED_UPLOADS}."
    return f"{name}: this file cannot be sent."


def start_recorder_script(silence: float, max_wait: float = 0) -> str:
    """Open the microphone; ``silence`` seconds of quiet after speech end it (0: never),
    as do ``max_wait`` seconds without any speech (0: never)."""
    options = json.dumps({"silence": max(0.0, silence), "maxWait": max(0.0, max_wait)})
    return f"window.interplatRecorder.start({options})"


class CustomerChatState(rx.State):
    view_state: str = "loading"
    brand_name: str = ""
    tagline: str = ""
    logo_url: str = ""
    primary_color: str = "#1F3A93"
    accent_color: str = "#C9A227"
    contact_phone: str = ""
    reference: str = ""
    thread: list[dict[str, str]] = []
    ticket_open: bool = False
    send_error: str = ""
    listing_name: str = ""
    start_error: str = ""
    # The voice recorder: "" idle, "recording", "sending".
    recorder: str = ""
    # Bumped when the representative types; the page keys a short-lived hint on it.
    csr_typing: int = 0
    uploading: bool = False
    # The recording under way is a hands-free reply (sent with ``hands_free=1``).
    hands_free_reply: bool = False
    # After the end: the rating panel until rated, then the confirmation in the thread.
    can_rate: bool = False
    rating: int = 0
    rating_comment: str = ""
    rating_choice: int = 0
    rating_error: str = ""
    # The header menu's "Join <enterprise>'s loop" switch.
    in_loop: bool = False
    # Expired or revoked link: "Start a new chat" opens this entry link's start page.
    new_chat_path: str = ""
    # Signed ids of the customers whose chats this browser opened (services/chat_sessions).
    chat_session: str = rx.Cookie(
        "",
        name=chat_sessions.COOKIE_NAME,
        max_age=chat_sessions.COOKIE_MAX_AGE,
        same_site="lax",
        path="/",
    )
    _typed_at: float = 0.0

    @rx.var
    def code(self) -> str:
        return self.router.url.path.rstrip("/").rsplit("/", 1)[-1]

    @rx.event
    async def load(self):
        code = self.code
        view = await asyncio.to_thread(_load, code, True)
        if view.state == "expired" and (
            fresh := await asyncio.to_thread(_resume, code, self.chat_session)
        ):
            # This browser opened the chat before and it is still open: carry on, on a live link.
            return rx.redirect(routes.chat_path(fresh), replace=True)
        self.apply_view(view)
        # The tab's state outlives a reload; hints and errors of the last visit do not.
        self.start_error, self.send_error, self.csr_typing = "", "", 0
        if view.state == "ok" and view.customer_id:
            self.chat_session = chat_sessions.remember(
                self.chat_session, uuid.UUID(view.customer_id)
            )
        if view.state == "ok" and view.ticket_id:
            # Live: new messages, transcripts and the ticket's end arrive without reload.
            realtime.register(
                self.router.session.client_token,
                realtime.Client(view.enterprise_id, "customer", view.ticket_id, code),
            )

    def apply_view(self, view: customer_chat.ChatView) -> None:
        """Show a freshly loaded view (on open, and when ``realtime`` pushes a change)."""
        self.view_state = view.state
        if view.brand is not None:
            self.brand_name = view.brand.brand_name
            self.tagline = view.brand.tagline
            self.logo_url = view.brand.logo_url
            self.primary_color = view.brand.primary_color
            self.accent_color = view.brand.accent_color
        self.contact_phone = view.contact_phone
        self.reference = view.reference
        self.thread = thread_rows(view.thread)
        self.ticket_open = view.ticket_open
        self.listing_name = view.listing_name
        self.new_chat_path = view.new_chat_path
        self.can_rate, self.rating = view.can_rate, view.rating
        self.rating_comment, self.in_loop = view.rating_comment, view.in_loop

    def show_typing(self) -> None:
        """Called by ``realtime`` when the representative types."""
        self.csr_typing += 1

    @rx.event
    def choose_rating(self, stars: int):
        self.rating_choice, self.rating_error = stars, ""

    @rx.event
    def rate(self, form: dict[str, str]):
        """Send the rating once; the thread then shows it instead of the panel."""
        if not self.can_rate:
            return
        if not 1 <= self.rating_choice <= 5:
            self.rating_error = "Tap a star to rate the conversation."
            return
        try:
            with session_scope() as session:
                customer_choices.rate_chat(
                    session=session,
                    code=self.code,
                    rating=self.rating_choice,
                    comment=form.get("comment", ""),
                )
        except DomainError as exc:
            self.rating_error = exc.message
            return
        self.can_rate, self.rating = False, self.rating_choice
        self.rating_comment = form.get("comment", "").strip()

    @rx.event
    def set_loop(self, joined: bool):
        """The header menu's loop switch: offers and news on or off (service messages stay)."""
        try:
            with session_scope() as session:
                customer_choices.set_loop(session=session, code=self.code, joined=joined)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.in_loop = joined
        return rx.toast.success(
            f"You joined {self.brand_name}'s loop."
            if joined
            else "You will not get offers or news."
        )

    @rx.event
    async def claim_offer(self, message_id: str):
        """ "Get my code" on an offer card: recorded once, then the code or link shows."""
        try:
            with session_scope() as session:
                chat_cards.claim_offer(
                    session=session, code=self.code, message_id=uuid.UUID(message_id)
                )
        except (DomainError, ValueError) as exc:
            return rx.toast.error(getattr(exc, "message", "This offer is not available."))
        self.apply_view(await asyncio.to_thread(_load, self.code, False))
        return None

    @rx.event
    def typing(self, _value: str = ""):
        """The customer typed: tell the representative, at most every couple of seconds."""
        now = time.monotonic()
        if self.view_state == "ok" and self.ticket_open and now - self._typed_at > 2:
            self._typed_at = now
            with session_scope() as session:
                customer_chat.announce_customer_typing(session=session, code=self.code)

    @rx.event
    def start(self, form: dict[str, str]):
        # A second tap queued behind the first would otherwise start a second conversation.
        if self.view_state != "start":
            return None
        self.start_error = ""
        try:
            with session_scope() as session:
                code = customer_chat.start_chat_from_entry(
                    session=session, code=self.code, first_name=form.get("first_name", "")
                )
        except DomainError as exc:
            self.start_error = exc.message
            return None
        self.view_state = "loading"
        return rx.redirect(routes.chat_path(code))

    @rx.event
    def send(self, form: dict[str, str]):
        self.send_error = ""
        try:
            with session_scope() as session:
                message = customer_chat.send_customer_text(
                    session=session, code=self.code, body=form.get("body", "")
                )
        except DomainError as exc:
            self.send_error = exc.message
            return None
        if all(row["id"] != message.id for row in self.thread):  # the push may come first
            self.thread = [*self.thread, thread_row(message)]
        # A card number was taken out before storing: say so, where errors show.
        self.send_error = card_numbers.redact_card_numbers(form.get("body", "")).warning
        return rx.set_value("chat-body", "")

    @rx.event
    async def upload(self, files: list[rx.UploadFile]):
        """Photos, videos and files: each checked and sent on its own."""
        if not files:  # the picker refused them all; ``upload_rejected`` says why
            return None
        self.send_error, problems = "", []
        self.uploading = True
        for file in files:
            data, name = await file.read(), file.name or "file"
            try:
                with session_scope() as session:
                    customer_chat.send_customer_attachment(
                        session=session, code=self.code, data=data, filename=name
                    )
            except DomainError as exc:
                problems.append(f"{name}: {exc.message}")
        self.uploading = False
        self.send_error = " ".join(problems)
        self.apply_view(await asyncio.to_thread(_load, self.code, False))
        return rx.call_script("window.interplatUploads && window.interplatUploads.done()")

    @rx.event
    def upload_rejected(self, rejected: list[dict[str, Any]]):
        """Files the picker refused before sending (too large, or not a type we take)."""
        self.send_error = " ".join(rejected_upload_problem(item) for item in rejected)

    @rx.event
    def toggle_recording(self):
        """The microphone button: start recording, or stop and send what was said."""
        self.send_error = ""
        if self.recorder == "":
            self.hands_free_reply = False
            return rx.call_script(
                start_recorder_script(get_settings().voice_silence_seconds),
                callback=CustomerChatState.recording_started,
            )
        if self.recorder == "recording":
            return self._send_recording()
        return None

    def _send_recording(self):
        self.recorder = "sending"
        query = "?hands_free=1" if self.hands_free_reply else ""
        url = backend_url(f"{routes.API_PREFIX}/chat/{self.code}/voice{query}")
        return rx.call_script(
            f"window.interplatRecorder.send({json.dumps(url)})",
            callback=CustomerChatState.voice_sent,
        )

    def _drop_recording(self):
        self.recorder, self.hands_free_reply = "", False
        return rx.call_script("window.interplatRecorder.cancel()")

    @rx.event
    def cancel_recording(self):
        return self._drop_recording()

    @rx.event
    def recording_started(self, outcome: str):
        if outcome == "recording":
            self.recorder = "recording"
            # Resolves when the recorder stops by itself (a pause after speech, or none).
            return rx.call_script(
                "window.interplatRecorder.waitForEnd()",
                callback=CustomerChatState.recording_ended,
            )
        self.recorder, self.hands_free_reply = "", False
        self.send_error = recorder_problem(outcome)
        return None

    @rx.event
    def recording_ended(self, reason: str):
        """A pause after speech sends the recording, as the send button would; a
        hands-free reply nobody spoke is dropped. A tap already handled "manual"."""
        if self.recorder != "recording":
            return None
        if reason == "silence":
            return self._send_recording()
        if reason == "nothing":
            return self._drop_recording()
        return None

    @rx.event
    async def voice_sent(self, result: dict[str, Any]):
        self.recorder, self.hands_free_reply = "", False
        if isinstance(result, dict) and result.get("declined"):
            return  # a hands-free "no": nothing was stored
        if problem := voice_send_problem(result):
            self.send_error = problem
            return
        self.apply_view(await asyncio.to_thread(_load, self.code, False))

    @rx.event
    async def send_quick_reply(self, text: str):
        """A tapped "Yes", "No" or "Live chat" under the assistant's message (a double
        tap sends it once)."""
        self.send_error, code = "", self.code

        def tap() -> None:
            with session_scope() as session:
                customer_chat.send_quick_reply(session=session, code=code, text=text)

        try:
            await asyncio.to_thread(tap)
        except DomainError as exc:
            self.send_error = exc.message
            return
        self.apply_view(await asyncio.to_thread(_load, code, False))

    @rx.event
    def location_shared(self, result: dict[str, Any]):
        """The browser's position after the customer agreed to share it (or why not)."""
        if not isinstance(result, dict) or "lat" not in result:
            return rx.toast.error(
                "We could not get your location. Allow it in your browser and try again."
            )
        try:
            with session_scope() as session:
                locations.share_location(
                    session=session,
                    code=self.code,
                    latitude=float(result["lat"]),
                    longitude=float(result["lon"]),
                )
        except (DomainError, TypeError, ValueError) as exc:
            return rx.toast.error(
                getattr(exc, "message", "Your browser sent a location we cannot use.")
            )
        return rx.toast.success(f"Thanks! {self.brand_name} can now tell you about offers nearby.")
