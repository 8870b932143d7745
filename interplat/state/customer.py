"""The customer's branded chat page."""

from __future__ import annotations

from dataclasses import asdict

import reflex as rx

from .. import routes
from ..db import session_scope
from ..services import customer_chat
from ..services.errors import DomainError


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

    @rx.var
    def code(self) -> str:
        return self.router.url.path.rstrip("/").rsplit("/", 1)[-1]

    @rx.event
    def load(self):
        with session_scope() as session:
            view = customer_chat.load_chat(session=session, code=self.code)
        self.view_state = view.state
        if view.brand is not None:
            self.brand_name = view.brand.brand_name
            self.tagline = view.brand.tagline
            self.logo_url = view.brand.logo_url
            self.primary_color = view.brand.primary_color
            self.accent_color = view.brand.accent_color
        self.contact_phone = view.contact_phone
        self.reference = view.reference
        self.thread = [asdict(m) for m in view.thread]
        self.ticket_open = view.ticket_open
        self.listing_name = view.listing_name
        self.start_error = ""

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
        self.thread = [*self.thread, asdict(message)]
        return rx.set_value("chat-body", "")
