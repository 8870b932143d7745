"""The tickets page: the enterprise's tickets filtered, searched, paged and exported."""

from __future__ import annotations

import asyncio
import uuid
import zoneinfo

import reflex as rx

from .. import routes
from ..db import session_scope
from ..services import access, enterprises, ticket_export, ticket_list, users
from ..services.auth import Principal
from ..services.errors import DomainError, NotAuthenticated
from ..services.ticket_list import TicketPublic, TicketQuery
from .auth import AuthState
from .paging import page_range

PAGE_SIZE = 25
ANY = "all"  # what the selects show for "no filter" (a select item cannot hold "")


def ticket_row(ticket: TicketPublic, zone: zoneinfo.ZoneInfo) -> dict[str, str]:
    """A ticket as the table renders it: strings only, times on the enterprise's clock."""
    created = ticket.created_at.astimezone(zone)
    return {
        "id": ticket.id,
        "reference": ticket.reference,
        "status": ticket.status,
        "source": ticket.source,
        "customer_name": ticket.customer_name,
        "customer_phone": ticket.customer_phone,
        "csr": ticket.assignee_name or "",
        "rating": "" if ticket.rating is None else str(ticket.rating),
        "created": created.strftime("%b %-d, %Y · %H:%M"),
        "created_iso": ticket.created_at.isoformat(),
        "chat_href": routes.workspace_chat_path(ticket.id),
        "with_assistant": "1" if ticket.assistant_state == "active" else "",
    }


def _team(enterprise_id: uuid.UUID) -> tuple[list[dict[str, str]], str]:
    with session_scope() as session:
        team = users.list_team(session=session, enterprise_id=enterprise_id)
        zone = enterprises.get_enterprise(session=session, enterprise_id=enterprise_id).timezone
    members = sorted(team, key=lambda m: m.full_name.lower())
    return [{"id": m.user_id, "name": m.full_name} for m in members], zone


def _page(enterprise_id: uuid.UUID, query: TicketQuery, offset: int) -> ticket_list.TicketPage:
    with session_scope() as session:
        filters = ticket_list.filters_from_query(
            session=session, enterprise_id=enterprise_id, query=query
        )
        return ticket_list.list_tickets(
            session=session,
            enterprise_id=enterprise_id,
            filters=filters,
            offset=offset,
            limit=PAGE_SIZE,
        )


def _export(enterprise_id: uuid.UUID, query: TicketQuery) -> ticket_export.TicketExport:
    with session_scope() as session:
        filters = ticket_list.filters_from_query(
            session=session, enterprise_id=enterprise_id, query=query
        )
        return ticket_export.export_tickets(
            session=session, enterprise_id=enterprise_id, filters=filters
        )


class TicketsState(rx.State):
    rows: list[dict[str, str]] = []
    total: int = 0
    offset: int = 0
    status: str = ANY
    source: str = ANY
    assignee: str = ANY
    date_from: str = ""
    date_to: str = ""
    search: str = ""
    team: list[dict[str, str]] = []
    timezone: str = "UTC"
    error: str = ""
    loaded: bool = False
    exporting: bool = False

    @rx.var
    def filtered(self) -> bool:
        return bool(
            self.search.strip()
            or self.date_from
            or self.date_to
            or {self.status, self.source, self.assignee} != {ANY}
        )

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
        """When the page shows: the team for the CSR filter, then the first page."""
        try:
            principal = await self._principal()
            self.team, self.timezone = await asyncio.to_thread(_team, principal.enterprise_id)
        except NotAuthenticated:
            return rx.redirect(routes.login_path(routes.TICKETS))
        except DomainError as exc:
            self.error, self.loaded = exc.message, True
            return None
        return await self._refresh(keep_offset=True)

    @rx.event
    async def set_status(self, value: str):
        self.status = value
        return await self._refresh()

    @rx.event
    async def set_source(self, value: str):
        self.source = value
        return await self._refresh()

    @rx.event
    async def set_assignee(self, value: str):
        self.assignee = value
        return await self._refresh()

    @rx.event
    async def set_date_from(self, value: str):
        self.date_from = value
        return await self._refresh()

    @rx.event
    async def set_date_to(self, value: str):
        self.date_to = value
        return await self._refresh()

    @rx.event
    async def set_search(self, value: str):
        self.search = value
        return await self._refresh()

    @rx.event
    async def clear_filters(self):
        self.status = self.source = self.assignee = ANY
        self.date_from = self.date_to = self.search = ""
        return await self._refresh()

    @rx.event
    async def next_page(self):
        if not self.has_next:
            return None
        self.offset += PAGE_SIZE
        return await self._refresh(keep_offset=True)

    @rx.event
    async def previous_page(self):
        self.offset = max(0, self.offset - PAGE_SIZE)
        return await self._refresh(keep_offset=True)

    @rx.event
    async def export(self):
        """Download every ticket of the current filter as CSV."""
        if self.exporting:
            return
        self.exporting = True
        yield None
        try:
            principal = await self._principal()
            result = await asyncio.to_thread(_export, principal.enterprise_id, self._query())
        except NotAuthenticated:
            yield rx.redirect(routes.login_path(routes.TICKETS))
            return
        except DomainError as exc:
            yield rx.toast.error(exc.message)
            return
        finally:
            self.exporting = False
        yield rx.download(data=result.content, filename=result.filename, mime_type="text/csv")
        if result.truncated:
            yield rx.toast.warning(result.notice)
        else:
            yield rx.toast.success(result.notice)

    async def _principal(self) -> Principal:
        """Always the logged-in user's enterprise, re-read from their session."""
        auth = await self.get_state(AuthState)
        return access.require_workspace(auth.principal())

    def _query(self) -> TicketQuery:
        def chosen(value: str) -> str:
            return "" if value == ANY else value

        return TicketQuery(
            status=chosen(self.status),
            source=chosen(self.source),
            assignee_id=chosen(self.assignee),
            date_from=self.date_from,
            date_to=self.date_to,
            search=self.search,
        )

    async def _refresh(self, keep_offset: bool = False):
        """Reload the rows (a changed filter starts again at the first page)."""
        if not keep_offset:
            self.offset = 0
        try:
            principal = await self._principal()
            page = await asyncio.to_thread(
                _page, principal.enterprise_id, self._query(), self.offset
            )
            if not page.items and self.offset > 0:  # tickets went away: show the last page
                self.offset = max(0, (page.total - 1) // PAGE_SIZE * PAGE_SIZE)
                page = await asyncio.to_thread(
                    _page, principal.enterprise_id, self._query(), self.offset
                )
        except NotAuthenticated:
            self.rows, self.total = [], 0
            return rx.redirect(routes.login_path(routes.TICKETS))
        except DomainError as exc:
            self.error, self.rows, self.total = exc.message, [], 0
            self.loaded = True
            return None
        zone = zoneinfo.ZoneInfo(self.timezone)
        self.rows = [ticket_row(t, zone) for t in page.items]
        self.total, self.error, self.loaded = page.total, "", True
        return None
