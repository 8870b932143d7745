"""The customer's branded chat page."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import reflex as rx

from .. import realtime, routes
from ..db import session_scope
from ..services import customer_chat
from ..services.errors import DomainError
from .threads import backend_url, recorder_problem, thread_row, thread_rows, voice_send_problem


def _load(code: str, count_visit: bool) -> customer_chat.ChatView:
    with session_scope() as session:
        return customer_chat.load_chat(session=session, code=code, count_visit=count_visit)


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
    _typed_at: float = 0.0

    @rx.var
    def code(self) -> str:
        return self.router.url.path.rstrip("/").rsplit("/", 1)[-1]

    @rx.event
    async def load(self):
        code = self.code
        view = await asyncio.to_thread(_load, code, True)
        self.apply_view(view)
        self.start_error = ""
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

    def show_typing(self) -> None:
        """Called by ``realtime`` when the representative types."""
        self.csr_typing += 1

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
        return rx.set_value("chat-body", "")

    @rx.event
    async def upload(self, files: list[rx.UploadFile]):
        """Photos, videos and files: each checked and sent on its own."""
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

    @rx.event
    def toggle_recording(self):
        """The microphone button: start recording, or stop and send what was said."""
        self.send_error = ""
        if self.recorder == "":
            return rx.call_script(
                "window.interplatRecorder.start()", callback=CustomerChatState.recording_started
            )
        if self.recorder == "recording":
            self.recorder = "sending"
            url = backend_url(f"{routes.API_PREFIX}/chat/{self.code}/voice")
            return rx.call_script(
                f"window.interplatRecorder.send({json.dumps(url)})",
                callback=CustomerChatState.voice_sent,
            )
        return None

    @rx.event
    def cancel_recording(self):
        self.recorder = ""
        return rx.call_script("window.interplatRecorder.cancel()")

    @rx.event
    def recording_started(self, outcome: str):
        if outcome == "recording":
            self.recorder = "recording"
            return
        self.recorder = ""
        self.send_error = recorder_problem(outcome)

    @rx.event
    async def voice_sent(self, result: dict[str, Any]):
        self.recorder = ""
        if problem := voice_send_problem(result):
            self.send_error = problem
            return
        self.apply_view(await asyncio.to_thread(_load, self.code, False))
