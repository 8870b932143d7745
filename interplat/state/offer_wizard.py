"""The three-step offer wizard (details, redemption, publish) and its live phone preview."""

from __future__ import annotations

import asyncio
import uuid
import zoneinfo
from dataclasses import fields

import reflex as rx

from .. import routes
from ..db import session_scope
from ..services import access, enterprises, offers
from ..services.auth import Principal
from ..services.errors import DomainError, NotAuthenticated, ValidationFailed
from ..services.offer_fields import OfferDraft, draft_of, step_of
from .auth import AuthState

DRAFT_FIELDS = tuple(f.name for f in fields(OfferDraft))


def _open(enterprise_id: uuid.UUID, offer_id: str) -> tuple[OfferDraft, dict[str, str], str]:
    """The draft to start from (a saved offer's, or a blank one with a fresh code), the
    enterprise's brand for the phone, and its time zone."""
    with session_scope() as session:
        enterprise = enterprises.get_enterprise(session=session, enterprise_id=enterprise_id)
        zone = zoneinfo.ZoneInfo(enterprise.timezone or "UTC")
        if offer_id:
            offer = offers.get_offer(
                session=session, enterprise_id=enterprise_id, offer_id=uuid.UUID(offer_id)
            )
            draft = draft_of(offer, zone)
        else:
            draft = OfferDraft(
                coupon_code=offers.new_code(session=session, enterprise_id=enterprise_id)
            )
        brand = enterprises.brand_of(enterprise)
        look = {
            "name": brand.brand_name,
            "tagline": brand.tagline,
            "logo_url": brand.logo_url,
            "color": brand.primary_color,
        }
        return draft, look, enterprise.timezone or "UTC"


class OfferWizardState(rx.State):
    offer_id: str = ""  # "" while creating
    step: int = 1
    title: str = ""
    body: str = ""
    terms: str = ""
    expires_on: str = ""
    image_attachment_id: str = ""
    redemption_kind: str = "coupon"
    discount_kind: str = "percent"
    discount: str = ""
    original_price: str = ""
    currency: str = "USD"
    coupon_code: str = ""
    redemption_url: str = ""
    visibility: str = "draft"
    errors: dict[str, str] = {}
    image_url: str = ""
    uploading: bool = False
    saving: bool = False
    coupon_qr: str = ""
    preview: dict[str, str] = {}
    preview_claimed: bool = False
    brand: dict[str, str] = {}
    timezone: str = "UTC"
    loaded: bool = False
    missing: str = ""
    saved_id: str = ""
    saved_title: str = ""
    saved_status: str = ""

    @rx.var
    def blast_href(self) -> str:
        return routes.blast_offer_path(self.saved_id) if self.saved_id else routes.BLASTS

    @rx.event
    async def load(self):
        """Open the wizard on a new offer, or on ``?offer=<id>`` to edit."""
        offer_id = self.router.url.query_parameters.get("offer", "")[:36]
        if self.router.url.path.rstrip("/") == routes.OFFER_NEW:
            offer_id = ""
        return await self._start(offer_id)

    @rx.event
    async def create_another(self):
        return await self._start("")

    @rx.event
    def set_field(self, field: str, value: str):
        """A wizard field changed: keep it, drop its message, redraw the phone."""
        if field in DRAFT_FIELDS:
            self._set(field, str(value))

    @rx.event
    async def regenerate_code(self):
        try:
            principal = await self._principal()
            with session_scope() as session:
                code = offers.new_code(session=session, enterprise_id=principal.enterprise_id)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self._set("coupon_code", code)
        return None

    @rx.event
    async def upload_image(self, files: list[rx.UploadFile]):
        """The offer's picture: checked (an image, at most 5 MB) and kept, or a message."""
        if not files:
            return
        self.uploading = True
        yield
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
                image_id = str(image.id)
        except DomainError as exc:
            self.errors = {**self.errors, "image": exc.message}
        else:
            self.errors = {k: v for k, v in self.errors.items() if k != "image"}
            self.image_attachment_id = image_id
            self._redraw()
        finally:
            self.uploading = False

    @rx.event
    def remove_image(self):
        self.image_attachment_id = ""
        self._redraw()

    @rx.event
    def toggle_claimed(self, _message_id: str = ""):
        """The phone's claim button: show what the customer gets (the code or the link)."""
        self.preview_claimed = not self.preview_claimed
        self._redraw()

    @rx.event
    async def next_step(self):
        """Check this step's fields; go on only when they pass."""
        try:
            principal = await self._principal()
            with session_scope() as session:
                errors = offers.step_errors(
                    session=session,
                    enterprise_id=principal.enterprise_id,
                    step=self.step,
                    draft=self._draft(),
                    offer_id=uuid.UUID(self.offer_id) if self.offer_id else None,
                )
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.errors = {_shown_as(k): v for k, v in errors.items()}
        if not errors and self.step < 3:
            self.step += 1
            self.preview_claimed = self.step == 2
            self._redraw()
        return None

    @rx.event
    def back(self):
        self.step = max(1, self.step - 1)
        self.errors = {}

    @rx.event
    def go_to(self, step: int):
        """The stepper: back to any earlier step (forward only through Next)."""
        if 1 <= step < self.step:
            self.step, self.errors = step, {}

    @rx.event
    async def save(self):
        """Save the offer; a refused field sends the wizard back to its step."""
        if self.saving:
            return None
        self.saving = True
        try:
            principal = await self._principal()
            offer = await asyncio.to_thread(self._store, principal, self._draft(), self.offer_id)
        except ValidationFailed as exc:
            field = exc.field or "title"
            self.step, self.errors = step_of(field), {_shown_as(field): exc.message}
            return None
        except DomainError as exc:
            return rx.toast.error(exc.message)
        finally:
            self.saving = False
        self.offer_id = self.saved_id = str(offer.id)
        self.saved_title, self.saved_status = offer.title, offer.status
        return rx.toast.success(f"Saved “{offer.title}”.")

    @staticmethod
    def _store(principal: Principal, draft: OfferDraft, offer_id: str):
        with session_scope() as session:
            if offer_id:
                return offers.update_offer(
                    session=session,
                    enterprise_id=principal.enterprise_id,
                    offer_id=uuid.UUID(offer_id),
                    draft=draft,
                )
            return offers.create_offer(
                session=session,
                enterprise_id=principal.enterprise_id,
                draft=draft,
                created_by_id=principal.user_id,
            )

    async def _start(self, offer_id: str):
        try:
            principal = await self._principal()
            draft, self.brand, self.timezone = await asyncio.to_thread(
                _open, principal.enterprise_id, offer_id
            )
        except NotAuthenticated:
            return rx.redirect(routes.login_path(routes.OFFERS))
        except (DomainError, ValueError) as exc:
            self.missing = getattr(exc, "message", "This offer does not exist.")
            self.loaded = True
            return None
        for name in DRAFT_FIELDS:
            setattr(self, name, getattr(draft, name))
        self.offer_id, self.step, self.errors, self.missing = offer_id, 1, {}, ""
        self.saved_id = self.saved_title = self.saved_status = ""
        self.preview_claimed, self.loaded = False, True
        self._redraw()
        return None

    async def _principal(self) -> Principal:
        auth = await self.get_state(AuthState)
        return access.require_workspace(auth.principal())

    def _set(self, field: str, value: str) -> None:
        setattr(self, field, value)
        self.errors = {k: v for k, v in self.errors.items() if k not in (field, _shown_as(field))}
        self._redraw()

    def _draft(self) -> OfferDraft:
        return OfferDraft(**{name: getattr(self, name) for name in DRAFT_FIELDS})

    def _redraw(self) -> None:
        """The phone's card, the coupon's QR and the image, from the fields as they are."""
        enterprise_id = uuid.UUID(int=0)
        draft = self._draft()
        offer = offers.preview_offer(draft, enterprise_id, zoneinfo.ZoneInfo(self.timezone))
        self.preview = offers.offer_preview_row(
            offer, claimed=self.preview_claimed, zone=self.timezone
        )
        self.coupon_qr = offers.coupon_qr(self.coupon_code)
        self.image_url = offers.image_url(self.image_attachment_id)


def _shown_as(field: str) -> str:
    """The field a message sits next to (``image_attachment_id`` is the image picker)."""
    return "image" if field == "image_attachment_id" else field
