"""Hands-free mode on the customer's chat: new representative messages are read aloud,
then the page asks "Reply?" and listens; what the customer says is sent as a voice reply.

The first tap on the microphone offers the mode; the choice is kept in the browser's
session storage, so it survives a reload and ends with the tab. The reply is posted with
``hands_free=1``: the server hears it at once and stores nothing for "no", "stop" or
silence (``api.customer_chat``).
"""

from __future__ import annotations

import json

import reflex as rx

from ..config import get_settings
from .customer import CustomerChatState, start_recorder_script

# How long the page waits for the customer to start answering before it gives up.
LISTEN_SECONDS = 8.0
# The pause that ends a spoken reply when auto-stop is switched off for tapped recordings.
REPLY_SILENCE_SECONDS = 2.0
NO_CSR_MESSAGE = {"id": "", "text": "", "key": "none", "ready": "1"}


class HandsFreeState(CustomerChatState):
    # "" until offered, then "on" or "off".
    mode: str = rx.SessionStorage("", name="interplat_hands_free")
    offer_open: bool = False
    # The newest representative message already accounted for (read, or there on open).
    _heard_id: str = ""
    _watching: bool = False

    @rx.var
    def newest_csr(self) -> dict[str, str]:
        """The representative's latest message and whether its text is ready to read
        (a voice message's transcript may still be on its way)."""
        for row in reversed(self.thread):
            if row["sender_kind"] != "csr":
                continue
            voice = row["kind"] == "voice"
            ready = not voice or row["transcribing"] == ""
            text = (row["transcript"] if voice else row["body"]) or ""
            key = row["id"] + ("" if ready else ":pending")
            return {"id": row["id"], "text": text, "key": key, "ready": "1" if ready else ""}
        return NO_CSR_MESSAGE

    @rx.event
    def tap_microphone(self):
        """The composer's microphone: the first tap of a session offers hands-free mode."""
        if self.mode == "" and self.recorder == "":
            self.offer_open = True
            return None
        return CustomerChatState.toggle_recording

    @rx.event
    def answer_offer(self, enable: bool):
        """Enable or "Not now"; either way the recording the tap asked for starts."""
        self.offer_open = False
        self.mode = "on" if enable else "off"
        return CustomerChatState.toggle_recording

    @rx.event
    def dismiss_offer(self, is_open: bool):
        if not is_open:
            self.offer_open = False

    @rx.event
    def switch(self, on: bool):
        """The composer's switch; turning it off also stops reading and listening."""
        self.mode = "on" if on else "off"
        if on:
            return None
        if self.hands_free_reply and self.recorder == "recording":
            self.recorder, self.hands_free_reply = "", False
            return rx.call_script("window.interplatHandsFree.quiet(true)")
        return rx.call_script("window.interplatHandsFree.quiet(false)")

    @rx.event
    def csr_message_shown(self):
        """The newest representative message as rendered: read a new one aloud when on."""
        newest = self.newest_csr
        if not self._watching:  # what the page opened with is not news
            self._watching, self._heard_id = True, newest["id"]
            return None
        if not newest["ready"] or newest["id"] in ("", self._heard_id):
            return None
        self._heard_id = newest["id"]
        if self.mode != "on" or self.recorder != "" or not self.ticket_open:
            return None
        return rx.call_script(
            f"window.interplatHandsFree.readAloud({json.dumps(newest['text'])})",
            callback=HandsFreeState.listen,
        )

    @rx.event
    def listen(self, _said: str = ""):
        """After "Reply?": record the answer, ended by a pause, or dropped if none comes."""
        if self.mode != "on" or self.recorder != "" or not self.ticket_open:
            return None
        self.send_error, self.hands_free_reply = "", True
        silence = get_settings().voice_silence_seconds or REPLY_SILENCE_SECONDS
        return rx.call_script(
            start_recorder_script(silence, LISTEN_SECONDS),
            callback=CustomerChatState.recording_started,
        )
