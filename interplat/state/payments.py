"""The payments page: requests for payment filtered, paged, totalled and exported, and the
"New request" dialog. The page re-reads every 5 s while open (``tick``), so payments that
settle elsewhere show up without a reload."""

from __future__ import annotations

import asyncio
import uuid
import zoneinfo

import reflex as rx

from .. import routes
from ..db import session_scope
from ..services import access, blasts, enterprises, payment_export, payment_list, users
from ..services.auth import Principal
from ..services.errors import DomainError, NotAuthenticated
from ..services.payment_list import PaymentQuery, PaymentRow
from .auth import AuthState
from .paging import page_range

PAGE_SIZE = 25
ANY = "all"  # what the selects show for "no filter" (a select item cannot hold "")


def _when(value, zone: zoneinfo.ZoneInfo) -> str:  # type: ignore[no-untyped-def]
    return value.astimezone(zone).strftime("%b %-d, %Y · %H:%M") if value else ""


def payment_row(row: PaymentRow, zone: zoneinfo.ZoneInfo) -> dict[str, str]:
    """A request as the table renders it: strings only, times on the enterprise's clock."""
    return {
        "id": row.id,
        "invoice": row.invoice_number or "—",
        "description": row.description,
        "customer_name": row.customer_name,
        "customer_phone": row.customer_phone,
        "amount": row.amount,
        "status": row.status,
        "created": _when(row.created_at, zone),
        "sent": _when(row.sent_at, zone),
        "paid": _when(row.paid_at, zone),
        "csr": row.sender_name,
        "refunded": row.refunded,
    }


def _setup(principal: Principal) -> tuple[list[dict[str, str]], str]:
    with session_scope() as session:
        team = users.list_team(session=session, enterprise_id=principal.enterprise_id)
        zone = enterprises.get_enterprise(
            session=session, enterprise_id=principal.enterprise_id
        ).timezone
    members = sorted(team, key=lambda m: m.full_name.lower())
    return [{"id": m.user_id, "name": m.full_name} for m in members], zone


def _read(principal: Principal, query: PaymentQuery, offset: int):  # type: ignore[no-untyped-def]
    with session_scope() as session:
        page = payment_list.list_requests(
            session=session, principal=principal, query=query, offset=offset, limit=PAGE_SIZE
        )
        totals = payment_list.period_totals(session=session, principal=principal, query=query)
    return page, [t.formatted() for t in totals]


def _export(principal: Principal, query: PaymentQuery) -> payment_export.PaymentExport:
    with session_scope() as session:
        return payment_export.export_requests(session=session, principal=principal, query=query)


def _customers(principal: Principal, text: str) -> list[dict[str, str]]:
    with session_scope() as session:
        found = blasts.search_customers(session=session, principal=principal, text=text)
    return [
        {"id": str(c.id), "name": c.display_name, "contact": c.phone or c.email or ""}
        for c in found
    ]


class PaymentsState(rx.State):
    rows: list[dict[str, str]] = []
    totals: list[dict[str, str]] = []
    total: int = 0
    offset: int = 0
    status: str = ANY
    sender: str = ANY
    date_from: str = ""
    date_to: str = ""
    search: str = ""
    team: list[dict[str, str]] = []
    sees_everything: bool = False
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
            or {self.status, self.sender} != {ANY}
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
            self.team, self.timezone = await asyncio.to_thread(_setup, principal)
        except NotAuthenticated:
            return rx.redirect(routes.login_path(routes.PAYMENTS))
        except DomainError as exc:
            self.error, self.loaded = exc.message, True
            return None
        self.sees_everything = payment_list.sees_everything(principal)
        return await self._refresh(keep_offset=True)

    @rx.event
    async def tick(self, _now: str = ""):
        """The 5 s re-read while the page is open (a quiet one: no spinner, same page)."""
        if self.loaded and not self.exporting:
            return await self._refresh(keep_offset=True)
        return None

    @rx.event
    async def set_status(self, value: str):
        self.status = value
        return await self._refresh()

    @rx.event
    async def set_sender(self, value: str):
        self.sender = value
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
        self.status = self.sender = ANY
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
        """Download every request of the current filter as CSV."""
        if self.exporting:
            return
        self.exporting = True
        yield None
        try:
            principal = await self._principal()
            result = await asyncio.to_thread(_export, principal, self._query())
        except NotAuthenticated:
            yield rx.redirect(routes.login_path(routes.PAYMENTS))
            return
        except DomainError as exc:
            yield rx.toast.error(exc.message)
            return
        finally:
            self.exporting = False
        yield rx.download(data=result.content, filename=result.filename, mime_type="text/csv")
        yield rx.toast.success(result.notice)

    async def _principal(self) -> Principal:
        """Always the logged-in user, re-read from their session."""
        auth = await self.get_state(AuthState)
        return access.require_workspace(auth.principal())

    def _query(self) -> PaymentQuery:
        def chosen(value: str) -> str:
            return "" if value == ANY else value

        return PaymentQuery(
            status=chosen(self.status),
            sender_id=chosen(self.sender),
            date_from=self.date_from,
            date_to=self.date_to,
            search=self.search,
        )

    async def _refresh(self, keep_offset: bool = False):
        """Reload rows and totals (a changed filter starts again at the first page)."""
        if not keep_offset:
            self.offset = 0
        try:
            principal = await self._principal()
            page, totals = await asyncio.to_thread(_read, principal, self._query(), self.offset)
            if not page.items and self.offset > 0:  # requests went away: show the last page
                self.offset = max(0, (page.total - 1) // PAGE_SIZE * PAGE_SIZE)
                page, totals = await asyncio.to_thread(_read, principal, self._query(), self.offset)
        except NotAuthenticated:
            self.rows, self.total = [], 0
            return rx.redirect(routes.login_path(routes.PAYMENTS))
        except DomainError as exc:
            self.error, self.rows, self.total, self.totals = exc.message, [], 0, []
            self.loaded = True
            return None
        zone = zoneinfo.ZoneInfo(self.timezone)
        self.rows = [payment_row(r, zone) for r in page.items]
        self.total, self.totals, self.error, self.loaded = page.total, totals, "", True
        return None


class NewRequestState(rx.State):
    """The "New request" dialog: pick a customer, type the amount, send by the best channel."""

    open: bool = False
    customer_query: str = ""
    options: list[dict[str, str]] = []
    customer_id: str = ""
    customer_label: str = ""
    amount: str = ""
    currency: str = "USD"
    invoice: str = ""
    description: str = ""
    error: str = ""
    sending: bool = False

    @rx.event
    def set_open(self, value: bool):
        self.open = value
        if value:
            self.reset()
            self.open = True

    @rx.event
    async def set_customer_query(self, value: str):
        self.customer_query = value
        auth = await self.get_state(AuthState)
        try:
            self.options = await asyncio.to_thread(_customers, auth.principal(), value)
        except DomainError as exc:
            self.options, self.error = [], exc.message

    @rx.event
    def pick(self, customer_id: str, label: str):
        self.customer_id, self.customer_label = customer_id, label
        self.options, self.customer_query = [], ""

    @rx.event
    def set_amount(self, value: str):
        self.amount = value

    @rx.event
    def set_invoice(self, value: str):
        self.invoice = value

    @rx.event
    def set_description(self, value: str):
        self.description = value

    @rx.event
    async def send(self):
        """Create the request and deliver it (open chat, else SMS link, else email link)."""
        from .payment_detail import create_and_deliver

        if self.sending:
            return
        if not self.customer_id:
            self.error = "Pick the customer first."
            return
        self.sending = True
        yield None
        auth = await self.get_state(AuthState)
        try:
            channel = await asyncio.to_thread(
                create_and_deliver,
                auth.principal(),
                uuid.UUID(self.customer_id),
                self.amount,
                self.currency,
                self.invoice,
                self.description,
            )
        except DomainError as exc:
            self.error = exc.message
            return
        finally:
            self.sending = False
        self.open = False
        yield PaymentsState.tick("")
        yield rx.toast.success(f"Request sent by {channel}.")
