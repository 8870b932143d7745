"""The dev phone page: a customer's handset driving the production IVR and SMS paths."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Any

import reflex as rx

from .. import scheduler
from ..config import get_settings
from ..db import session_scope
from ..services import dev_phone
from ..services.errors import DomainError

INBOX_WATCH_SECONDS = 20.0
INBOX_POLL_SECONDS = 1.0


class DevPhoneState(rx.State):
    enabled: bool = True
    numbers: list[dict[str, str]] = []
    number: str = ""
    caller: str = "+14155550123"
    tab: str = "phone"
    # the call in progress (a dev_phone.CallScreen, flattened)
    call_sid: str = ""
    spoken: list[str] = []
    gather_action: str = ""
    no_key_action: str = ""
    transfer: str = ""
    ended: bool = True
    keys: str = ""
    inbox: list[dict[str, str]] = []
    text_reply: str = ""
    error: str = ""
    watching: bool = False
    # a "talk now" call ringing on this handset (a dev_phone.IncomingCall, flattened)
    incoming_id: str = ""
    incoming_title: str = ""
    incoming_answered: bool = False

    @rx.var
    def in_call(self) -> bool:
        return bool(self.call_sid) and not self.ended

    @rx.var
    def listening(self) -> bool:
        return self.in_call and self.gather_action != ""

    @rx.var
    def inbox_count(self) -> int:
        return len(self.inbox)

    @rx.event
    def load(self):
        self.enabled = dev_phone.enabled()
        if not self.enabled:
            return
        with session_scope() as session:
            found = dev_phone.dialable_numbers(session=session)
        self.numbers = [
            {
                "number": n.number,
                "title": f"{n.brand_name} · {n.label or n.number}",
                "purpose": n.purpose,
            }
            for n in found
        ]
        if self.numbers and self.number not in {n["number"] for n in self.numbers}:
            menus = [n for n in self.numbers if n["purpose"] == "ivr"] or self.numbers
            self.number = menus[0]["number"]
        self._refresh_inbox()
        self._refresh_incoming()

    @rx.event
    def check_incoming(self, _tick: str = ""):
        """Polled while the page is open: a CSR's call may ring at any moment."""
        if self.enabled:
            self._refresh_incoming()

    @rx.event
    def answer_incoming(self):
        self._incoming_step(dev_phone.answer_incoming)

    @rx.event
    def decline_incoming(self):
        self._incoming_step(dev_phone.decline_incoming)

    @rx.event
    def hang_up_incoming(self):
        self._incoming_step(dev_phone.hang_up_incoming)

    @rx.event
    def set_number(self, value: str):
        self.number = value

    @rx.event
    def set_caller(self, value: str):
        self.caller = value

    @rx.event
    def show(self, tab: str | list[str]):
        tab = tab if isinstance(tab, str) else (tab[0] if tab else "phone")
        self.tab = tab
        if tab == "messages":
            self._refresh_inbox()

    @rx.event
    def dial(self):
        self.error, self.keys, self.spoken, self.transfer = "", "", [], ""
        return self._step(
            lambda session: dev_phone.call(
                session=session, caller=self.caller, number=self.number, base_url=_base()
            )
        )

    @rx.event
    def press(self, digit: str):
        self.keys += digit
        return self._step(
            lambda session: dev_phone.press(
                session=session, screen=self._screen(), digit=digit, base_url=_base()
            )
        )

    @rx.event
    def wait_out(self):
        return self._step(
            lambda session: dev_phone.wait(session=session, screen=self._screen(), base_url=_base())
        )

    @rx.event
    def hang_up(self):
        return self._step(lambda session: dev_phone.hang_up(session=session, screen=self._screen()))

    @rx.event
    def send_text(self, form: dict[str, Any]):
        self.error = self.text_reply = ""
        try:
            with session_scope() as session:
                self.text_reply = dev_phone.send_text(
                    session=session,
                    caller=self.caller,
                    number=self.number,
                    body=str(form.get("body", "")),
                )
        except DomainError as exc:
            self.error = exc.message
            return None
        self._refresh_inbox()
        return rx.set_value("dev-text-body", "")

    @rx.event(background=True)
    async def watch_inbox(self):
        """Poll the inbox for a while after a call: the SMS leaves off the request path."""
        async with self:
            if self.watching:
                return
            self.watching = True
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + INBOX_WATCH_SECONDS
            while loop.time() < deadline:
                await asyncio.sleep(INBOX_POLL_SECONDS)
                phone = self.caller
                try:
                    texts = await asyncio.to_thread(_inbox, phone)
                except DomainError:
                    return
                async with self:
                    changed = len(texts) != len(self.inbox)
                    self.inbox = texts
                if changed:
                    return
        finally:
            async with self:
                self.watching = False

    def _step(self, action: Any):
        self.error = ""
        try:
            with session_scope() as session:
                screen = action(session)
        except DomainError as exc:
            self.error = exc.message
            return None
        self.call_sid, self.spoken = screen.call_sid, list(screen.spoken)
        self.gather_action, self.no_key_action = screen.gather_action, screen.no_key_action
        self.transfer, self.ended = screen.transfer, screen.ended
        if self.ended:
            scheduler.nudge_sms_delivery()
            return DevPhoneState.watch_inbox
        return None

    def _screen(self) -> dev_phone.CallScreen:
        return dev_phone.CallScreen(
            call_sid=self.call_sid,
            caller=self.caller,
            number=self.number,
            spoken=list(self.spoken),
            gather_action=self.gather_action,
            no_key_action=self.no_key_action,
            transfer=self.transfer,
            ended=self.ended,
        )

    def _incoming_step(self, action: Any) -> None:
        self.error = ""
        try:
            with session_scope() as session:
                action(session=session, call_id=self.incoming_id)
        except DomainError as exc:
            self.error = exc.message
        self._refresh_incoming()

    def _refresh_incoming(self) -> None:
        try:
            with session_scope() as session:
                call = dev_phone.incoming_call(session=session, phone=self.caller)
        except DomainError:
            call = None
        self.incoming_id = call.call_id if call else ""
        self.incoming_title = call.title if call else ""
        self.incoming_answered = bool(call and call.answered)

    def _refresh_inbox(self) -> None:
        try:
            self.inbox = _inbox(self.caller)
        except DomainError:
            self.inbox = []


def _inbox(phone: str) -> list[dict[str, str]]:
    with session_scope() as session:
        return [asdict(text) for text in dev_phone.inbox(session=session, phone=phone)]


def _base() -> str:
    return get_settings().public_base_url
