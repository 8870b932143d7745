"""Live figures every staff page shows (queue counts, team presence), pushed by realtime."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import reflex as rx
from sqlmodel import Session

from .. import realtime, routes
from ..db import session_scope
from ..services import auth as auth_service
from ..services import chat_actions, users
from ..services.errors import DomainError
from .auth import AuthState

HEARTBEAT_SECONDS = 60


def _as_principal(token: str, work: Callable[[Session, auth_service.Principal], Any]) -> Any:
    with session_scope() as session:
        return work(session, auth_service.resolve_session(session=session, token=token))


def _touch(token: str) -> bool:
    with session_scope() as session:
        return auth_service.touch_session(session=session, token=token)


class LiveState(rx.State):
    _beating: bool = False
    counts: dict[str, int] = {}
    team: list[dict[str, str]] = []
    waiting: list[dict[str, str]] = []
    my_presence: str = "offline"
    sound: str = rx.LocalStorage("on", name="interplat_sound", sync=True)
    last_event: str = ""
    events_seen: int = 0

    @rx.var
    def unserved(self) -> int:
        return self.counts.get("waiting", 0)

    @rx.var
    def sound_on(self) -> bool:
        return self.sound != "off"

    @rx.event
    def toggle_sound(self):
        self.sound = "off" if self.sound_on else "on"

    @rx.event
    async def pull_next(self):
        """The header's "Pull ticket": the oldest waiting ticket, opened in the workspace."""
        return await self._open_taken(
            lambda session, principal: chat_actions.pull_next(session=session, principal=principal)
        )

    @rx.event
    async def take(self, ticket_id: str):
        """A ticket picked from the header's dropdown of waiting tickets."""
        return await self._open_taken(
            lambda session, principal: (
                chat_actions.take_ticket(
                    session=session, principal=principal, ticket_id=uuid.UUID(ticket_id)
                ).id
            )
        )

    async def _open_taken(self, work: Callable[[Session, auth_service.Principal], Any]):
        token = (await self.get_state(AuthState)).session_token
        try:
            taken = await asyncio.to_thread(_as_principal, token, work)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        if taken is None:
            return rx.toast.info("Nobody is waiting right now.")
        return rx.redirect(routes.workspace_chat_path(taken))

    @rx.event
    async def connect(self):
        """After the guard: register this tab for its enterprise's events and load figures."""
        auth = await self.get_state(AuthState)
        if not auth.enterprise_id:
            return
        realtime.register(
            self.router.session.client_token, realtime.Client(auth.enterprise_id, "staff")
        )
        snapshot = await asyncio.to_thread(realtime.staff_snapshot, auth.enterprise_id)
        self._apply_snapshot(snapshot)
        me = next((m for m in self.team if m["user_id"] == auth.user_id), None)
        self.my_presence = me["presence"] if me else "offline"
        return LiveState.heartbeat

    @rx.event(background=True)
    async def heartbeat(self):
        """While this tab stays connected, tell the server every minute that it is open
        (availability counts only staff whose tab checked in recently)."""
        from ..interplat import app

        async with self:
            if self._beating:
                return
            self._beating = True
            token = (await self.get_state(AuthState)).session_token
            client = self.router.session.client_token
        token_manager = app.event_namespace._token_manager  # type: ignore[union-attr]
        try:
            while await token_manager.is_token_connected(client):
                if not await asyncio.to_thread(_touch, token):
                    break  # logged out or revoked: nothing to keep alive
                await asyncio.sleep(HEARTBEAT_SECONDS)
        finally:
            async with self:
                self._beating = False

    @rx.event
    async def set_presence(self, presence: str):
        """The header's online/away switch."""
        auth = await self.get_state(AuthState)
        try:
            principal = auth.principal()
            with session_scope() as session:
                users.set_presence(session=session, principal=principal, presence=presence)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.my_presence = presence
        return None

    def apply_event(self, kind: str, data: dict[str, Any], snapshot: dict[str, Any]) -> None:
        """Called by ``realtime`` when an event of this tab's enterprise arrives."""
        self.last_event = kind
        self.events_seen += 1
        if snapshot:
            self._apply_snapshot(snapshot)

    def _apply_snapshot(self, snapshot: dict[str, Any]) -> None:
        self.counts = snapshot["counts"]
        self.team = snapshot["team"]
        self.waiting = snapshot.get("waiting", [])
