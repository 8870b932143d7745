"""The payments page's detail dialog: one request, its attempts and refunds, the conversation
around each payment event, and the refund and cancel actions."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
import zoneinfo
from typing import Any

import reflex as rx

from ..db import session_scope
from ..services import payment_delivery, payment_detail, payment_export, payment_requests
from ..services.auth import Principal
from ..services.errors import DomainError
from ..services.messages import MessagePublic
from .auth import AuthState
from .payments import PaymentsState, payment_row

MARKER_LABELS = {
    "rfp_sent": "Request sent",
    "rfp_viewed": "Bill opened",
    "rfp_cancelled": "Request cancelled",
    "payment_succeeded": "Payment received",
    "payment_failed": "Payment failed",
    "refund": "Refunded",
}


def create_and_deliver(
    principal: Principal,
    customer_id: uuid.UUID,
    amount: str,
    currency: str,
    invoice: str,
    description: str,
) -> str:
    """The "New request" dialog's work: a checked request, sent by the best channel."""
    with session_scope() as session:
        request = payment_requests.create_request(
            session=session,
            principal=principal,
            customer_id=customer_id,
            amount_minor=payment_detail.parse_amount(amount, currency),
            currency=currency,
            invoice_number=invoice,
            description=description,
        )
        return payment_delivery.deliver(session=session, principal=principal, request=request)


SENDERS = {"customer": "Customer", "csr": "Staff", "system": "System", "assistant": "Assistant"}


def _message(m: MessagePublic, zone: zoneinfo.ZoneInfo) -> dict[str, str]:
    body = m.body or m.transcript or m.card.get("text", "")
    kind = m.kind if m.kind in ("image", "video", "file") else "text"
    if m.kind == "payment_request":
        body = f"Request for payment {m.card.get('amount', '')} {m.card.get('invoice', '')}"
    when = dt.datetime.fromisoformat(m.created_at).astimezone(zone).strftime("%b %-d · %H:%M")
    name = m.sender_name or SENDERS.get(m.sender_kind, m.sender_kind)
    return {"row": "message", "kind": kind, "body": body, "sender_kind": m.sender_kind,
            "sender_name": name, "media_url": m.media_url, "filename": m.filename,
            "when": when}  # fmt: skip


def _marker(marker: Any, zone: zoneinfo.ZoneInfo) -> dict[str, str]:
    return {
        "row": "marker",
        "label": MARKER_LABELS.get(marker.kind, marker.kind.replace("_", " ").capitalize()),
        "kind": marker.kind,
        "when": marker.created_at.astimezone(zone).strftime("%b %-d, %Y · %H:%M"),
    }


def conversation_rows(markers: list[Any], zone: zoneinfo.ZoneInfo) -> list[dict[str, str]]:
    """One timeline: the messages around every payment event (each once, in order), with
    each event as a divider right after the message it followed."""
    seen: dict[str, MessagePublic] = {}
    after: dict[str, list[Any]] = {}
    for marker in markers:
        for m in (*marker.before, *marker.after):
            seen[m.id] = m
        anchor = marker.before[-1].id if marker.before else ""
        after.setdefault(anchor, []).append(marker)
    out = [_marker(k, zone) for k in after.get("", [])]
    for m in sorted(seen.values(), key=lambda m: (m.created_at, m.id)):
        out.append(_message(m, zone))
        out.extend(_marker(k, zone) for k in after.get(m.id, []))
    return out


def _detail(principal: Principal, request_id: str, timezone: str) -> dict[str, Any]:
    zone = zoneinfo.ZoneInfo(timezone)
    with session_scope() as session:
        seen = payment_detail.payment_detail(
            session=session, principal=principal, request_id=uuid.UUID(request_id)
        )
    attempts = [
        {"id": a.id, "status": a.status, "amount": a.amount, "card": (
            f"{a.card_brand.capitalize()} •••• {a.card_last4}" if a.card_last4 else ""),
         "failure": f"{a.failure_message} ({a.failure_code})" if a.failure_code else "",
         "when": a.created_at.astimezone(zone).strftime("%b %-d, %Y · %H:%M"),
         "refundable": str(a.refundable_minor)}
        for a in seen.attempts
    ]  # fmt: skip
    refunds = [
        {"amount": r.amount, "reason": r.reason, "status": r.status,
         "when": r.created_at.astimezone(zone).strftime("%b %-d, %Y · %H:%M")}
        for a in seen.attempts for r in a.refunds
    ]  # fmt: skip
    refundable = next((a for a in seen.attempts if a.refundable_minor > 0), None)
    head = payment_row(seen.request, zone) | {
        "due": seen.due_date,
        "attachment_url": seen.attachment_url,
        "bill_href": seen.bill_href,
    }
    return {
        "head": head,
        "lines": [vars(li) | {"quantity": str(li.quantity)} for li in seen.line_items],
        "attempts": attempts,
        "refunds": refunds,
        "conversation": conversation_rows(seen.markers, zone),
        "can_refund": seen.can_refund,
        "can_cancel": seen.can_cancel,
        "refund_payment_id": refundable.id if refundable else "",
        # The form starts at what remains (an admin types less for a partial refund).
        "refund_amount": payment_export.decimal_text(
            refundable.refundable_minor if refundable else 0, seen.request.currency
        ),
    }


class PaymentDetailState(rx.State):
    open: bool = False
    request_id: str = ""
    head: dict[str, str] = {}
    lines: list[dict[str, str]] = []
    attempts: list[dict[str, str]] = []
    refunds: list[dict[str, str]] = []
    conversation: list[dict[str, str]] = []
    can_refund: bool = False
    can_cancel: bool = False
    refund_payment_id: str = ""
    refund_amount: str = ""
    refund_reason: str = ""
    refund_error: str = ""
    busy: bool = False
    error: str = ""

    @rx.event
    async def show(self, request_id: str):
        """Open the dialog on one request."""
        self.request_id, self.open = request_id, True
        self.refund_reason = self.refund_error = ""
        return await self._reload()

    @rx.event
    def set_open(self, value: bool):
        self.open = value

    @rx.event
    def set_refund_amount(self, value: str):
        self.refund_amount = value

    @rx.event
    def set_refund_reason(self, value: str):
        self.refund_reason = value

    @rx.event
    async def refund(self):
        """Refund the typed amount (blank: all that remains) of the paid attempt."""
        if self.busy or not self.refund_payment_id:
            return
        self.busy = True
        yield None
        principal = (await self.get_state(AuthState)).principal()
        try:
            await asyncio.to_thread(self._refund, principal)
        except DomainError as exc:
            self.refund_error = exc.message
            return
        finally:
            self.busy = False
        self.refund_reason = self.refund_error = ""
        yield rx.toast.success("Refund issued.")
        await self._reload()
        yield PaymentsState.tick("")

    def _refund(self, principal: Principal) -> None:
        with session_scope() as session:
            payment_detail.refund(
                session=session,
                principal=principal,
                request_id=uuid.UUID(self.request_id),
                payment_id=uuid.UUID(self.refund_payment_id),
                amount=self.refund_amount,
                reason=self.refund_reason,
            )

    @rx.event
    async def cancel(self):
        """Withdraw this unpaid request."""
        principal = (await self.get_state(AuthState)).principal()
        try:
            with session_scope() as session:
                payment_detail.cancel(
                    session=session, principal=principal, request_id=uuid.UUID(self.request_id)
                )
        except DomainError as exc:
            yield rx.toast.error(exc.message)
            return
        yield rx.toast.success("Request cancelled.")
        await self._reload()
        yield PaymentsState.tick("")

    async def _reload(self) -> None:
        principal = (await self.get_state(AuthState)).principal()
        timezone = (await self.get_state(PaymentsState)).timezone
        try:
            seen = await asyncio.to_thread(_detail, principal, self.request_id, timezone)
        except DomainError as exc:
            self.error, self.head = exc.message, {}
            return
        self.error = ""
        for name, value in seen.items():
            setattr(self, name, value)
