"""The "Bulk requests from CSV" dialog (on the payments page): upload, preview, create."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import reflex as rx

from ..config import get_settings
from ..db import session_scope
from ..services import access, payment_requests, rfp_bulk
from ..services.auth import Principal
from ..services.errors import DomainError
from .auth import AuthState

PICK, PREVIEW, CREATING, DONE = "pick", "preview", "creating", "done"


def _folder() -> Path:
    folder = get_settings().upload_dir / "rfp-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _check(principal: Principal, data: bytes, name: str) -> rfp_bulk.CheckedRfps:
    with session_scope() as session:
        return rfp_bulk.check_file(session=session, principal=principal, data=data, filename=name)


def _create(principal: Principal, data: bytes, name: str) -> tuple[str, bytes, int]:
    """Check again (invoices may have been used since the preview) and create; commits."""
    with session_scope() as session:
        summary, checked = payment_requests.bulk_from_csv(
            session=session, principal=principal, data=data, filename=name
        )
    return summary.notice, rfp_bulk.rejected_csv(checked), summary.rejected


class RfpBulkState(rx.State):
    dialog_open: bool = False
    stage: str = PICK
    file_error: str = ""
    file_name: str = ""
    file_key: str = ""  # the upload kept on the server between preview and create
    summary: str = ""
    notes: list[str] = []
    ready: int = 0
    rejected: int = 0
    problem_rows: list[dict[str, str]] = []
    result: str = ""

    @rx.var
    def create_label(self) -> str:
        return f"Send {self.ready:,} request{'' if self.ready == 1 else 's'}"

    @rx.event
    def set_open(self, value: bool):
        if self.stage == CREATING:
            return
        self.dialog_open = value
        if value:
            self.stage, self.file_error, self.result = PICK, "", ""

    @rx.event
    def start_over(self):
        self.stage, self.file_error = PICK, ""

    @rx.event
    async def upload(self, files: list[rx.UploadFile]):
        """Read, check and preview the chosen file; nothing is created yet."""
        if not files:
            return
        file = files[0]
        data = await file.read(rfp_bulk.MAX_BYTES + 1)
        name = Path(file.name or "upload.csv").name
        try:
            principal = await self._principal()
            checked = await asyncio.to_thread(_check, principal, data, name)
        except DomainError as exc:
            self.file_error, self.stage = exc.message, PICK
            return
        key = uuid.uuid4().hex
        await asyncio.to_thread((_folder() / f"{key}.csv").write_bytes, data)
        report = rfp_bulk.rejected_csv(checked)
        await asyncio.to_thread((_folder() / f"{key}-rejected.csv").write_bytes, report)
        self.file_key, self.file_name, self.file_error = key, name, ""
        self.summary, self.notes = checked.summary, checked.notes
        self.rejected = checked.rejected
        self.ready = len(checked.frame) - checked.rejected
        self.problem_rows = rfp_bulk.preview_rows(checked, only_problems=True)
        self.stage = PREVIEW

    @rx.event(background=True)
    async def create(self):
        """Create and queue the requests off the event loop."""
        async with self:
            if self.stage != PREVIEW or not self.ready:
                return
            self.stage = CREATING
            principal = await self._principal()
            key, name = self.file_key, self.file_name

        def work() -> tuple[str, bytes, int]:
            return _create(principal, (_folder() / f"{key}.csv").read_bytes(), name)

        try:
            notice, report, _ = await asyncio.to_thread(work)
        except DomainError as exc:
            async with self:
                self.stage, self.file_error = PICK, exc.message
            return
        await asyncio.to_thread((_folder() / f"{key}-rejected.csv").write_bytes, report)
        from ..scheduler import nudge_sms_delivery  # the SMS and email leave now

        nudge_sms_delivery()
        async with self:
            self.stage, self.result = DONE, notice
        yield rx.toast.success(notice)

    @rx.event
    async def download_rejected(self):
        path = _folder() / f"{self.file_key}-rejected.csv"
        if not self.file_key or not path.exists():
            return rx.toast.error("The report is no longer available. Upload the file again.")
        data = await asyncio.to_thread(path.read_bytes)
        stem = Path(self.file_name).stem or "requests"
        return rx.download(data=data, filename=f"{stem}-rejected.csv", mime_type="text/csv")

    async def _principal(self) -> Principal:
        auth = await self.get_state(AuthState)
        return access.require_workspace(auth.principal())
