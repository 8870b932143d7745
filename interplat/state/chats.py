"""The chat workspace: the CSR's chats on the left, one thread in the centre, the customer
on the right; kept live by ``realtime`` (``apply_event``)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import reflex as rx

from .. import realtime, routes
from ..db import session_scope
from ..services import auth, card_numbers, chat_actions, chat_workspace, talk_now
from ..services.auth import Principal
from ..services.errors import DomainError
from ..services.ticket_list import TicketPublic
from .auth import AuthState
from .threads import backend_url, recorder_problem, thread_rows, voice_send_problem

T = TypeVar("T")


@dataclass
class Workspace:
    """Everything one refresh reads, as plain rows for state vars."""

    chats: list[dict[str, str]]
    detail: dict[str, Any] = field(default_factory=dict)


def _as_principal(token: str, work: Callable[[Any, Principal], T]) -> T:
    """Run ``work(session, principal)`` for this tab's token in one unit of work."""
    with session_scope() as session:
        return work(session, auth.resolve_session(session=session, token=token))


def _iso(value: Any) -> str:
    return value.isoformat() if value else ""


def _ticket_row(ticket: TicketPublic) -> dict[str, str]:
    return {
        "id": ticket.id,
        "reference": ticket.reference,
        "status": ticket.status,
        "source": ticket.source,
        "created_at": _iso(ticket.created_at),
        "assignee_name": ticket.assignee_name or "",
        "rating": str(ticket.rating) if ticket.rating is not None else "",
    }


def _read_workspace(session: Any, principal: Principal, selected: str) -> Workspace:
    chats = [
        {
            "ticket_id": c.ticket_id,
            "reference": c.reference,
            "customer_name": c.customer_name,
            "initials": "".join(p[0] for p in c.customer_name.split()[:2]).upper() or "?",
            "source": c.source,
            "last_message": c.last_message,
            "last_message_at": _iso(c.last_message_at),
            "waiting_since": _iso(c.waiting_since),
            "unread": str(c.unread) if c.unread else "",
        }
        for c in chat_workspace.my_chats(session=session, principal=principal)
    ]
    if not selected:
        return Workspace(chats)
    chat = chat_workspace.open_chat(
        session=session, principal=principal, ticket_id=uuid.UUID(selected)
    )
    suggestions = chat_workspace.suggested_replies(
        session=session, principal=principal, ticket_id=uuid.UUID(selected)
    )
    customer = chat.customer
    detail = {
        "ticket": _ticket_row(chat.ticket),
        "thread": thread_rows(chat.thread),
        "customer": {
            "name": customer.name,
            "phone": customer.phone,
            "email": customer.email,
            "first_active": _iso(customer.first_active),
            "device": customer.device,
            "app_version": customer.app_version,
            "source": customer.source,
            "registration_source": customer.registration_source,
            "in_my_loop": "yes" if customer.in_my_loop else "",
            "offers_off": "" if customer.offers_allowed else "yes",
        },
        "past": [_ticket_row(t) for t in customer.past_tickets],
        "can_reply": chat.can_reply,
        "call": _call_label(session, principal, selected) if chat.can_reply else "",
        "suggestions": [{"text": s.text, "source": s.source} for s in suggestions],
    }
    # Reading it marked it read: the list shows that at once.
    for row in chats:
        if row["ticket_id"] == selected:
            row["unread"] = ""
    return Workspace(chats, detail)


CALL_LABELS = {
    "queued": "Calling…",
    "initiated": "Calling…",
    "ringing": "Ringing…",
    "in-progress": "On a call",
}


def _call_label(session: Any, principal: Principal, ticket_id: str) -> str:
    live = talk_now.active_call(
        session=session, principal=principal, ticket_id=uuid.UUID(ticket_id)
    )
    return CALL_LABELS.get(live.status, "On a call") if live else ""


class ChatsState(rx.State):
    chats: list[dict[str, str]] = []
    selected: str = ""
    ticket: dict[str, str] = {}
    thread: list[dict[str, str]] = []
    customer: dict[str, str] = {}
    past: list[dict[str, str]] = []
    can_reply: bool = False
    call: str = ""  # the talk-now call's state, "" when there is none
    suggestions: list[dict[str, str]] = []
    canned: list[dict[str, str]] = []
    canned_query: str = ""
    error: str = ""
    loaded: bool = False
    recorder: str = ""  # "" | recording | sending
    uploading: bool = False
    # Bumped by events; the page keys short-lived hints on them.
    customer_typing: int = 0
    notice: int = 0
    notice_text: str = ""
    notice_ticket: str = ""

    async def _token(self) -> str:
        return (await self.get_state(AuthState)).session_token

    async def _run(self, work: Callable[[Any, Principal], T]) -> T:
        return await asyncio.to_thread(_as_principal, await self._token(), work)

    async def _refresh(self) -> None:
        selected = self.selected
        try:
            found = await self._run(lambda s, p: _read_workspace(s, p, selected))
        except DomainError as exc:
            if not selected:
                raise
            # The open chat went away (another tenant's id in the URL, say): show the list.
            self.error, self.selected = exc.message, ""
            found = await self._run(lambda s, p: _read_workspace(s, p, ""))
        self.chats = found.chats
        detail = found.detail
        self.ticket = detail.get("ticket", {})
        self.thread = detail.get("thread", [])
        self.customer = detail.get("customer", {})
        self.past = detail.get("past", [])
        self.can_reply = bool(detail.get("can_reply", False))
        self.call = detail.get("call", "")
        self.suggestions = detail.get("suggestions", [])
        self.loaded = True

    @rx.event
    async def load(self):
        """On page load: the chat named by ``?ticket=`` (or none), and live updates."""
        auth_state = await self.get_state(AuthState)
        if not auth_state.user_id:
            return
        self.selected = self.router.url.query_parameters.get("ticket", "")[:36]
        try:
            uuid.UUID(self.selected or "00000000-0000-0000-0000-000000000000")
        except ValueError:
            self.selected = ""
        self.error = ""
        await self._refresh()
        realtime.register(
            self.router.session.client_token,
            realtime.Client(auth_state.enterprise_id, "staff", workspace=True),
        )

    @rx.event
    async def select(self, ticket_id: str):
        self.selected, self.error, self.canned = ticket_id, "", []
        await self._refresh()
        return rx.call_script(
            "window.history.replaceState(null, '', "
            + json.dumps(routes.workspace_chat_path(ticket_id))
            + ")"
        )

    async def apply_event(self, kind: str, data: dict[str, Any]) -> None:
        """Called by ``realtime`` for every event of this tab's enterprise."""
        ticket_id = str(data.get("ticket_id", ""))
        if kind == chat_actions.TYPING:
            if ticket_id == self.selected and data.get("sender_kind") == "customer":
                self.customer_typing += 1
            return
        mine = {c["ticket_id"]: c for c in self.chats}
        concerns_me = kind.startswith(("ticket.", "call.")) or ticket_id in mine
        if not (concerns_me or ticket_id == self.selected):
            return
        before = {t: c["unread"] for t, c in mine.items()}
        if kind.startswith("message.") and ticket_id != self.selected:
            # Another chat moved: its line in the list changes, the open chat does not.
            self.chats = (await self._run(lambda s, p: _read_workspace(s, p, ""))).chats
        else:
            await self._refresh()
        for chat in self.chats:
            grew = int(chat["unread"] or 0) > int(before.get(chat["ticket_id"], "") or 0)
            if grew and chat["ticket_id"] != self.selected:
                self.notice += 1
                self.notice_text = f"New message from {chat['customer_name']}"
                self.notice_ticket = chat["ticket_id"]

    @rx.event
    async def send(self, form: dict[str, str]):
        body, ticket_id = form.get("body", ""), self.selected
        if not ticket_id:
            return None
        try:
            await self._run(
                lambda s, p: chat_actions.send_reply(
                    session=s, principal=p, ticket_id=uuid.UUID(ticket_id), body=body
                )
            )
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._refresh()
        if warning := card_numbers.redact_card_numbers(body).warning:
            return [rx.set_value("reply-body", ""), rx.toast.warning(warning)]
        return rx.set_value("reply-body", "")

    @rx.event
    async def typing(self, _value: str = ""):
        """The CSR typed in the composer: tell the customer (throttled in the service)."""
        auth_state = await self.get_state(AuthState)
        if self.selected and self.can_reply:
            chat_actions.announce_typing(
                enterprise_id=uuid.UUID(auth_state.enterprise_id),
                ticket_id=uuid.UUID(self.selected),
                sender_kind="csr",
            )

    @rx.event
    async def upload(self, files: list[rx.UploadFile]):
        """Images, videos and files from the composer, each checked and sent on its own."""
        ticket_id = self.selected
        if not ticket_id:
            return None
        problems = []
        self.uploading = True
        for file in files:
            data = await file.read()
            name = file.name or "file"
            try:
                await self._run(
                    lambda s, p, data=data, name=name: chat_actions.send_attachment(
                        session=s,
                        principal=p,
                        ticket_id=uuid.UUID(ticket_id),
                        data=data,
                        filename=name,
                    )
                )
            except DomainError as exc:
                problems.append(f"{name}: {exc.message}")
        self.uploading = False
        await self._refresh()
        if problems:
            return rx.toast.error(" ".join(problems))
        return None

    @rx.event
    async def toggle_recording(self):
        """The microphone: start, or stop and send as a voice message."""
        if self.recorder == "":
            return rx.call_script(
                "window.interplatRecorder.start()", callback=ChatsState.recording_started
            )
        if self.recorder == "recording" and self.selected:
            self.recorder = "sending"
            url = backend_url(f"{routes.API_PREFIX}/v1/tickets/{self.selected}/voice-messages")
            token = await self._token()
            return rx.call_script(
                f"window.interplatRecorder.send({json.dumps(url)}, {json.dumps(token)})",
                callback=ChatsState.voice_sent,
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
            return None
        self.recorder = ""
        return rx.toast.error(recorder_problem(outcome))

    @rx.event
    async def voice_sent(self, result: dict[str, Any]):
        self.recorder = ""
        if problem := voice_send_problem(result):
            return rx.toast.error(problem)
        await self._refresh()
        return None

    @rx.event
    async def search_canned(self, query: str):
        self.canned_query, ticket_id = query, self.selected
        if not ticket_id:
            return
        found = await self._run(
            lambda s, p: chat_workspace.canned_replies(
                session=s, principal=p, ticket_id=uuid.UUID(ticket_id), query=query
            )
        )
        self.canned = [
            {"id": c.id, "title": c.title, "shortcut": c.shortcut, "body": c.body} for c in found
        ]

    @rx.event
    def insert(self, text: str):
        """Put a canned or suggested reply in the composer, to edit before sending."""
        return [rx.set_value("reply-body", text), rx.set_focus("reply-body")]

    @rx.event
    async def end(self, outcome: str):
        return await self._action(
            lambda s, p, t: chat_actions.end_chat(
                session=s, principal=p, ticket_id=t, outcome=outcome
            ),
            "Chat resolved." if outcome == "resolved" else "Chat closed as abandoned.",
        )

    @rx.event
    async def talk_now(self):
        """Call the customer and bridge the call to this CSR's phone."""
        ticket_id = self.selected
        if not ticket_id:
            return None
        try:
            started = await self._run(
                lambda s, p: talk_now.start_call(
                    session=s, principal=p, ticket_id=uuid.UUID(ticket_id)
                )
            )
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._refresh()
        return rx.toast.info(
            f"Calling {started.customer_phone}; your phone {started.csr_phone} rings first."
        )

    @rx.event
    async def release(self):
        return await self._action(
            lambda s, p, t: chat_actions.release_chat(session=s, principal=p, ticket_id=t),
            "Chat released to the queue.",
        )

    @rx.event
    async def forward(self, user_id: str):
        return await self._action(
            lambda s, p, t: chat_actions.forward_chat(
                session=s, principal=p, ticket_id=t, to_user_id=uuid.UUID(user_id)
            ),
            "Chat forwarded.",
        )

    async def _action(self, work: Callable[[Any, Principal, uuid.UUID], Any], done: str):
        ticket_id = uuid.UUID(self.selected) if self.selected else None
        if ticket_id is None:
            return None
        try:
            await self._run(lambda s, p: work(s, p, ticket_id))
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.selected = ""
        await self._refresh()
        return rx.toast.success(done)
