"""The blasts page: past blasts with live progress and figures, and the "New blast" form."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import reflex as rx

from .. import routes, scheduler
from ..db import session_scope
from ..models import ChatBlast
from ..services import access, blast_stats, blasts, offers, targeting
from ..services.auth import Principal
from ..services.errors import DomainError, NotAuthenticated
from .auth import AuthState

POLL_SECONDS = 1.0
AUDIENCE_FIELDS = {"audience", "store_id", "yards", "min_age", "max_age", "city", "region"}
AUDIENCE_FIELDS |= {"tags", "all_tags", "contacted_days"}
TEXT_FIELDS = {"name", "message", "attachment", "offer_id", "url", "search"}
INLINE_FIELDS = {"name", "message", "url", "image", "offer_id", "store_ids", "yards"}
INLINE_FIELDS |= {"min_age", "max_age", "contacted_within_days"}
STATUS_LABELS = {"draft": "Draft", "queued": "Queued", "sending": "Sending", "sent": "Sent"}


def blast_row(blast: ChatBlast, stats: blast_stats.BlastStats) -> dict[str, str]:
    """A blast as the list shows it: strings only."""
    percent = 100 if blast.status == "sent" else stats.done * 100 // max(stats.total, 1)
    excluded = ", ".join(f"{n:,} {why}" for why, n in stats.excluded.items())
    return {
        "id": str(blast.id),
        "name": blasts.blast_name(blast),
        "status": blast.status,
        "status_label": STATUS_LABELS.get(blast.status, blast.status),
        "percent": str(percent),
        "progress": f"{stats.done:,} / {stats.total:,}",
        "sent": f"{stats.sent:,}",
        "delivered": f"{stats.delivered:,}",
        "opened": f"{stats.opened:,}",
        "claimed": f"{stats.claimed:,}",
        "excluded": excluded,
        "audience": blast.target_kind.replace("_", "-"),
        "created": f"{blast.created_at:%b %-d, %H:%M} UTC",
    }


def _rows(principal: Principal) -> list[dict[str, str]]:
    with session_scope() as session:
        return [
            blast_row(b, s)
            for b, s in blast_stats.list_blasts(session=session, principal=principal)
        ]


def _choices(principal: Principal) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    with session_scope() as session:
        found, stores = blasts.choices(session=session, principal=principal)
        return (
            [{"id": str(o.id), "title": o.title} for o in found],
            [{"id": str(s.id), "name": s.name} for s in stores],
        )


class BlastsState(rx.State):
    rows: list[dict[str, str]] = []
    offers: list[dict[str, str]] = []
    stores: list[dict[str, str]] = []
    form_open: bool = False
    form: dict[str, str] = {}
    picked: list[dict[str, str]] = []
    found: list[dict[str, str]] = []
    image_name: str = ""
    preview: str = ""
    error: str = ""
    error_field: str = ""
    sending: bool = False
    _image_id: str = ""
    _watching: bool = False

    @rx.var
    def general_error(self) -> str:
        """An error no single field shows (the audience, the offer's state)."""
        return "" if self.error_field in INLINE_FIELDS else self.error

    @rx.event
    async def load(self):
        try:
            principal = await self._principal()
            self.rows = await asyncio.to_thread(_rows, principal)
            self.offers, self.stores = await asyncio.to_thread(_choices, principal)
        except NotAuthenticated:
            return rx.redirect(routes.login_path(routes.BLASTS))
        offer = self.router.url.query_parameters.get("offer", "")[:36]
        if offer and any(o["id"] == offer for o in self.offers):
            self._reset_form()
            self.form = {**self.form, "attachment": "offer", "offer_id": offer}
            self.form_open = True
            await self._preview()
        return BlastsState.watch

    def _reset_form(self) -> None:
        self.form = {"attachment": "none", "audience": "loop", "yards": "500", "name": ""}
        self.picked, self.found, self._image_id, self.image_name = [], [], "", ""
        self.error = self.error_field = self.preview = ""

    @rx.event
    async def open_form(self):
        self._reset_form()
        self.form_open = True
        await self._preview()

    @rx.event
    def close_form(self):
        self.form_open = False

    @rx.event
    async def set_field(self, name: str, value: Any):
        if name not in TEXT_FIELDS | AUDIENCE_FIELDS:
            return
        text = ("1" if value else "") if isinstance(value, bool) else str(value)[:1000]
        self.form = {**self.form, name: text}
        if name == "search":
            await self._search(text)
        elif name in AUDIENCE_FIELDS:
            await self._preview()

    @rx.event
    async def pick(self, customer_id: str, label: str):
        if all(p["id"] != customer_id for p in self.picked):
            self.picked = [*self.picked, {"id": customer_id, "label": label}]
        self.found, self.form = [], {**self.form, "search": ""}
        await self._preview()

    @rx.event
    async def unpick(self, customer_id: str):
        self.picked = [p for p in self.picked if p["id"] != customer_id]
        await self._preview()

    @rx.event
    async def upload_image(self, files: list[rx.UploadFile]):
        """The blast's picture: checked (an image, at most 5 MB) and kept, or a message."""
        if not files:
            return
        data = await files[0].read()
        try:
            principal = await self._principal()
            with session_scope() as session:
                image = offers.store_offer_image(
                    session=session,
                    enterprise_id=principal.enterprise_id,
                    data=data,
                    filename=files[0].name or "image",
                )
                self._image_id = str(image.id)
            self.image_name, self.error = files[0].name or "image", ""
        except DomainError as exc:
            self.error, self.error_field = exc.message, "image"

    def _audience_params(self) -> dict[str, Any]:
        f = self.form
        return {
            "store_ids": [f["store_id"]] if f.get("store_id") else [],
            "yards": f.get("yards", ""),
            "min_age": f.get("min_age", ""),
            "max_age": f.get("max_age", ""),
            "city": f.get("city", ""),
            "region": f.get("region", ""),
            "tags": [
                t.strip() for t in f.get("tags", "").replace(";", ",").split(",") if t.strip()
            ],
            "all_tags": f.get("all_tags") == "1",
            "contacted_within_days": f.get("contacted_days", ""),
            "customer_ids": [p["id"] for p in self.picked],
        }

    async def _preview(self) -> None:
        try:
            principal = await self._principal()
            audience = targeting.audience_from_params(
                self.form.get("audience", ""), self._audience_params()
            )

            def count() -> blasts.Preview:
                with session_scope() as session:
                    return blasts.preview_blast(
                        session=session, principal=principal, audience=audience
                    )

            self.preview = (await asyncio.to_thread(count)).summary()
        except DomainError as exc:
            self.preview = f"Choose the audience: {exc.message}"

    async def _search(self, text: str) -> None:
        principal = await self._principal()

        def find() -> list[dict[str, str]]:
            with session_scope() as session:
                found = blasts.search_customers(session=session, principal=principal, text=text)
                return [
                    {"id": str(c.id), "label": f"{c.display_name} · {c.phone or c.email}"}
                    for c in found
                ]

        self.found = await asyncio.to_thread(find)

    @rx.event
    async def send(self):
        """Save the blast and start the background job; the list then shows its progress."""
        self.error = self.error_field = ""
        f = self.form
        try:
            principal = await self._principal()
            draft = blasts.BlastDraft(
                name=f.get("name", ""),
                message=f.get("message", ""),
                audience=targeting.audience_from_params(
                    f.get("audience", ""), self._audience_params()
                ),
                attachment=f.get("attachment", "none"),
                offer_id=f.get("offer_id", ""),
                image_id=self._image_id,
                url=f.get("url", ""),
            )

            def create() -> uuid.UUID:
                with session_scope() as session:
                    blast = blasts.create_blast(session=session, principal=principal, draft=draft)
                    blasts.start_blast(session=session, principal=principal, blast_id=blast.id)
                    return blast.id

            await asyncio.to_thread(create)
        except DomainError as exc:
            self.error, self.error_field = exc.message, exc.field or ""
            return None
        scheduler.nudge_blasts()
        self.form_open = False
        self.rows = await asyncio.to_thread(_rows, principal)
        # Drop "?offer=" so a reload shows the list rather than a new form for it.
        forget_offer = rx.call_script("history.replaceState(null, '', location.pathname)")
        return [rx.toast.success("Sending the blast."), forget_offer, BlastsState.watch]

    @rx.event(background=True)
    async def watch(self):
        """While a blast is queued or sending, refresh the list every second."""
        async with self:
            if self._watching:
                return
            self._watching = True
        try:
            for _ in range(1800):
                async with self:
                    if not any(r["status"] in blasts.RUNNING for r in self.rows):
                        return
                    principal = await self._principal()
                rows = await asyncio.to_thread(_rows, principal)
                async with self:
                    self.rows = rows
                await asyncio.sleep(POLL_SECONDS)
        finally:
            async with self:
                self._watching = False

    async def _principal(self) -> Principal:
        auth = await self.get_state(AuthState)
        return access.require_workspace(auth.principal())
