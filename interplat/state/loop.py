"""My loop: the table of a CSR's customers (everyone's for admins), add, edit, delete, export."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import reflex as rx
from sqlmodel import Session

from .. import routes
from ..db import session_scope
from ..services import access, loop, loop_bulk, users
from ..services.auth import Principal
from ..services.errors import DomainError, NotAuthenticated
from ..services.loop import LoopEntry, LoopMember, LoopQuery
from .auth import AuthState
from .paging import page_range

PAGE_SIZE = 25
ANY = "all"


def member_row(member: LoopMember) -> dict[str, Any]:
    """A member as the table renders it: strings, and the tags as a list."""
    return {
        "id": member.membership_id,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "name": f"{member.first_name} {member.last_name}".strip() or member.phone,
        "phone": member.phone,
        "email": member.email,
        "tags": list(member.tags),
        "tags_text": "; ".join(member.tags),
        "opted_in": "yes" if member.opted_in else "",
        "added": member.added_at.strftime("%b %-d, %Y"),
        "added_iso": member.added_at.isoformat(),
        "csr": member.csr_name,
    }


def _run(principal: Principal, work: Callable[[Session, Principal], Any]) -> Any:
    with session_scope() as session:
        return work(session, principal)


class LoopState(rx.State):
    rows: list[dict[str, Any]] = []
    total: int = 0
    offset: int = 0
    search: str = ""
    sort: str = "added_at"
    descending: bool = True
    csr: str = ANY
    team: list[dict[str, str]] = []
    everyone: bool = False  # owners/admins see every CSR's loop
    error: str = ""
    loaded: bool = False
    exporting: bool = False
    # The add/edit dialog ("" id = adding).
    editor_open: bool = False
    editing_id: str = ""
    form: dict[str, str] = {}
    form_opted_in: bool = True
    form_error: str = ""
    form_field: str = ""
    saving: bool = False
    # The delete confirmation.
    deleting_id: str = ""
    deleting_name: str = ""

    @rx.var
    def range_label(self) -> str:
        return page_range(self.offset, len(self.rows), self.total)

    @rx.var
    def has_previous(self) -> bool:
        return self.offset > 0

    @rx.var
    def has_next(self) -> bool:
        return self.offset + PAGE_SIZE < self.total

    @rx.event
    async def load(self):
        try:
            principal = await self._principal()
        except NotAuthenticated:
            return rx.redirect(routes.login_path(routes.LOOP))
        self.everyone = loop.sees_everyone(principal)
        if self.everyone:
            team = await asyncio.to_thread(
                _run,
                principal,
                lambda s, p: users.list_team(session=s, enterprise_id=p.enterprise_id),
            )
            members = sorted(team, key=lambda m: m.full_name.lower())
            self.team = [{"id": str(m.user_id), "name": m.full_name} for m in members]
        return await self.refresh(keep_offset=True)

    @rx.event
    async def set_search(self, value: str):
        self.search = value
        return await self.refresh()

    @rx.event
    async def set_csr(self, value: str):
        self.csr = value
        return await self.refresh()

    @rx.event
    async def sort_by(self, column: str):
        """A header click: sort by it, or flip the order when it already sorts."""
        if self.sort == column:
            self.descending = not self.descending
        else:
            self.sort, self.descending = column, column == "added_at"
        return await self.refresh()

    @rx.event
    async def next_page(self):
        if self.has_next:
            self.offset += PAGE_SIZE
        return await self.refresh(keep_offset=True)

    @rx.event
    async def previous_page(self):
        self.offset = max(0, self.offset - PAGE_SIZE)
        return await self.refresh(keep_offset=True)

    @rx.event
    def open_add(self):
        self.editing_id, self.form, self.form_opted_in = "", {}, True
        self.form_error = self.form_field = ""
        self.editor_open = True

    @rx.event
    def open_edit(self, row: dict[str, Any]):
        self.editing_id = row["id"]
        self.form = {k: row[k] for k in ("first_name", "last_name", "phone", "email")}
        self.form["tags"] = row["tags_text"]
        self.form_opted_in = row["opted_in"] == "yes"
        self.form_error = self.form_field = ""
        self.editor_open = True

    @rx.event
    def set_editor_open(self, value: bool):
        self.editor_open = value

    @rx.event
    def set_form_opted_in(self, value: bool):
        self.form_opted_in = value

    @rx.event
    async def save(self, form: dict[str, str]):
        """The dialog's form: add or change, then show the table again."""
        self.form = {k: str(v) for k, v in form.items()}
        entry = LoopEntry(**{k: self.form.get(k, "") for k in LoopEntry.__annotations__})
        editing, opted_in = self.editing_id, self.form_opted_in
        self.saving = True
        yield None

        def work(session: Session, principal: Principal) -> LoopMember:
            if editing:
                return loop.update_member(
                    session=session,
                    principal=principal,
                    membership_id=editing,
                    entry=entry,
                    opted_in=opted_in,
                )
            return loop.add_to_loop(session=session, principal=principal, entry=entry)

        try:
            member = await asyncio.to_thread(_run, await self._principal(), work)
        except DomainError as exc:
            self.form_error, self.form_field, self.saving = exc.message, exc.field or "", False
            return
        self.saving, self.editor_open = False, False
        yield await self.refresh(keep_offset=bool(editing))
        name = f"{member.first_name} {member.last_name}".strip() or member.phone
        yield rx.toast.success(f"Saved {name}." if editing else f"Added {name} to the loop.")

    @rx.event
    def ask_delete(self, row: dict[str, Any]):
        self.deleting_id, self.deleting_name = row["id"], row["name"]

    @rx.event
    def cancel_delete(self, _open: bool = False):
        self.deleting_id = self.deleting_name = ""

    @rx.event
    async def confirm_delete(self):
        membership_id, name = self.deleting_id, self.deleting_name
        self.deleting_id = self.deleting_name = ""
        try:
            await asyncio.to_thread(
                _run,
                await self._principal(),
                lambda s, p: loop.remove_member(
                    session=s, principal=p, membership_id=membership_id
                ),
            )
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self.refresh(keep_offset=True)
        return rx.toast.success(f"Removed {name} from the loop.")

    @rx.event
    async def export(self):
        """Download the current view (search and CSR filter) as CSV."""
        if self.exporting:
            return
        self.exporting = True
        yield None
        query, total = self._query(), self.total
        try:
            result = await asyncio.to_thread(
                _run,
                await self._principal(),
                lambda s, p: loop_bulk.export_loop(
                    session=s, principal=p, query=query, total=total
                ),
            )
        except DomainError as exc:
            yield rx.toast.error(exc.message)
            return
        finally:
            self.exporting = False
        yield rx.download(data=result.content, filename=result.filename, mime_type="text/csv")

    async def _principal(self) -> Principal:
        """Always the logged-in user, re-read from their session."""
        auth = await self.get_state(AuthState)
        return access.require_workspace(auth.principal())

    def _query(self) -> LoopQuery:
        return LoopQuery(
            search=self.search,
            sort=self.sort,
            descending=self.descending,
            csr_id="" if self.csr == ANY else self.csr,
        )

    async def refresh(self, keep_offset: bool = False):
        """Reload the rows (a changed search or sort starts at the first page)."""
        if not keep_offset:
            self.offset = 0
        query, offset = self._query(), self.offset

        def page(s: Session, p: Principal) -> loop.LoopPage:
            found = loop.list_loop(
                session=s, principal=p, query=query, offset=offset, limit=PAGE_SIZE
            )
            if not found.items and offset > 0:  # rows went away: show the last page
                last = max(0, (found.total - 1) // PAGE_SIZE * PAGE_SIZE)
                found = loop.list_loop(
                    session=s, principal=p, query=query, offset=last, limit=PAGE_SIZE
                )
            return found

        try:
            found = await asyncio.to_thread(_run, await self._principal(), page)
        except NotAuthenticated:
            return rx.redirect(routes.login_path(routes.LOOP))
        except DomainError as exc:
            self.error, self.rows, self.total, self.loaded = exc.message, [], 0, True
            return None
        self.rows = [member_row(m) for m in found.items]
        self.total, self.offset, self.error, self.loaded = found.total, found.offset, "", True
        return None
