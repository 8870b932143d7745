"""The chat composer's "Request payment" dialog: fill in the bill, send it into the open chat."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import reflex as rx

from ..services import attachments, payment_fields, payment_requests
from ..services.auth import Principal
from ..services.errors import DomainError, ValidationFailed
from .chats import ChatsState

MAX_PDF = payment_fields.MAX_ATTACHMENT_BYTES


def _send(session: Any, principal: Principal, ticket_id: str, form: dict[str, str], pdf: str):
    """Create the request for the chat's customer and post it as a card (one transaction)."""
    from ..services.access import access_ticket

    ticket = access_ticket(session=session, principal=principal, ticket_id=uuid.UUID(ticket_id))
    currency = (form.get("currency") or "USD").upper()
    due = (form.get("due_date") or "").strip()
    try:
        due_date = dt.date.fromisoformat(due) if due else None
    except ValueError as exc:
        raise ValidationFailed("The due date is not a date.", field="due_date") from exc
    request = payment_requests.create_request(
        session=session,
        principal=principal,
        customer_id=ticket.customer_id,
        ticket_id=ticket.id,
        amount_minor=payment_fields.parse_amount(form.get("amount", ""), currency),
        currency=currency,
        invoice_number=form.get("invoice_number", ""),
        description=form.get("description", ""),
        line_items=payment_fields.parse_line_items(form.get("line_items", ""), currency),
        due_date=due_date,
        attachment_id=uuid.UUID(pdf) if pdf else None,
    )
    payment_requests.send_in_chat(session=session, principal=principal, request=request)


def _store_pdf(session: Any, principal: Principal, data: bytes, name: str) -> str:
    if not data.startswith(b"%PDF-") or len(data) > MAX_PDF:
        raise ValidationFailed("Attach a PDF invoice of at most 10 MB.", field="attachment")
    stored = attachments.store_attachment(
        session=session,
        enterprise_id=principal.enterprise_id,
        data=data,
        filename=name,
        content_type="application/pdf",
    )
    return str(stored.id)


class RfpComposerState(rx.State):
    dialog_open: bool = False
    error: str = ""
    sending: bool = False
    pdf_id: str = ""
    pdf_name: str = ""

    @rx.event
    def set_open(self, value: bool):
        self.dialog_open = value
        if value:
            self.error, self.pdf_id, self.pdf_name = "", "", ""

    @rx.event
    async def attach(self, files: list[rx.UploadFile]):
        if not files:
            return
        data = await files[0].read(MAX_PDF + 1)
        name = files[0].name or "invoice.pdf"
        chats = await self.get_state(ChatsState)
        try:
            self.pdf_id = await chats._run(lambda s, p: _store_pdf(s, p, data, name))
        except DomainError as exc:
            self.error = exc.message
            return
        self.pdf_name, self.error = name, ""

    @rx.event
    async def send(self, form: dict[str, str]):
        chats = await self.get_state(ChatsState)
        ticket_id, pdf = chats.selected, self.pdf_id
        if not ticket_id:
            return None
        self.sending = True
        try:
            await chats._run(lambda s, p: _send(s, p, ticket_id, form, pdf))
        except DomainError as exc:
            self.error, self.sending = exc.message, False
            return None
        self.sending, self.dialog_open = False, False
        await chats._refresh()
        return rx.toast.success("Payment request sent.")
