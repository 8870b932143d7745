"""The "Import CSV" dialog of My loop: upload, preview with problems, import with progress."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import reflex as rx

from ..config import get_settings
from ..db import session_scope
from ..services import access, loop_bulk, loop_import
from ..services.auth import Principal
from ..services.errors import DomainError
from .auth import AuthState
from .loop import LoopState

PICK, PREVIEW, IMPORTING, DONE = "pick", "preview", "importing", "done"


def _folder() -> Path:
    folder = get_settings().upload_dir / "loop-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _check(principal: Principal, data: bytes, name: str) -> loop_import.CheckedImport:
    with session_scope() as session:
        return loop_import.check_file(
            session=session, principal=principal, data=data, filename=name
        )


class LoopImportState(rx.State):
    dialog_open: bool = False
    stage: str = PICK
    file_error: str = ""
    file_name: str = ""
    file_key: str = ""  # the upload kept on the server between preview and import
    summary: str = ""
    notes: list[str] = []
    ready: int = 0
    rejected: int = 0
    problem_rows: list[dict[str, str]] = []
    first_rows: list[dict[str, str]] = []
    show_problems: bool = True
    progress: int = 0
    result: str = ""

    @rx.var
    def import_label(self) -> str:
        return f"Import {self.ready:,} customer{'' if self.ready == 1 else 's'}"

    @rx.event
    def set_open(self, value: bool):
        if self.stage == IMPORTING:  # the import goes on; the dialog stays
            return
        self.dialog_open = value
        if value:
            self.stage, self.file_error, self.progress = PICK, "", 0

    @rx.event
    def set_show_problems(self, value: str | list[str]):
        self.show_problems = value == "problems"

    @rx.event
    def start_over(self):
        self.stage, self.file_error, self.progress = PICK, "", 0

    @rx.event
    async def upload(self, files: list[rx.UploadFile]):
        """Read, check and preview the chosen file; nothing is imported yet."""
        if not files:
            return
        file = files[0]
        data = await file.read(loop_import.MAX_BYTES + 1)
        name = Path(file.name or "upload.csv").name
        try:
            principal = await self._principal()
            checked = await asyncio.to_thread(_check, principal, data, name)
        except DomainError as exc:
            self.file_error, self.stage = exc.message, PICK
            return
        key = uuid.uuid4().hex
        await asyncio.to_thread((_folder() / f"{key}.csv").write_bytes, data)
        await asyncio.to_thread(
            (_folder() / f"{key}-rejected.csv").write_bytes, loop_import.rejected_csv(checked)
        )
        self.file_key, self.file_name, self.file_error = key, name, ""
        self.summary, self.notes = checked.summary(), checked.notes
        self.ready, self.rejected = checked.ready, checked.rejected
        self.problem_rows = loop_import.preview_rows(checked, only_problems=True)
        self.first_rows = loop_import.preview_rows(checked, only_problems=False, limit=20)
        self.show_problems = bool(self.problem_rows)
        self.stage = PREVIEW

    @rx.event(background=True)
    async def run_import(self):
        """Import the good rows off the event loop, pushing the progress bar as chunks land."""
        async with self:
            if self.stage != PREVIEW or not self.ready:
                return
            self.stage, self.progress = IMPORTING, 0
            principal = await self._principal()
            key, name = self.file_key, self.file_name
        done = {"rows": 0, "of": 1}

        def work() -> loop_bulk.ImportSummary:
            data = (_folder() / f"{key}.csv").read_bytes()
            checked = _check(principal, data, name)  # again: the loop may have changed
            with session_scope() as session:
                return loop_bulk.import_checked(
                    session=session,
                    principal=principal,
                    checked=checked,
                    progress=lambda rows, of: done.update(rows=rows, of=of),
                )

        task = asyncio.ensure_future(asyncio.to_thread(work))
        while not task.done():
            await asyncio.wait({task}, timeout=0.25)
            async with self:
                self.progress = int(100 * done["rows"] / max(done["of"], 1))
        try:
            summary = task.result()
        except DomainError as exc:
            async with self:
                self.stage, self.file_error = PICK, exc.message
            return
        async with self:
            self.stage, self.progress, self.result = DONE, 100, summary.notice
            table = await self.get_state(LoopState)
            await table.refresh()
        yield rx.toast.success(summary.notice)

    @rx.event
    async def download_rejected(self):
        path = _folder() / f"{self.file_key}-rejected.csv"
        if not self.file_key or not path.exists():
            return rx.toast.error("The report is no longer available. Upload the file again.")
        data = await asyncio.to_thread(path.read_bytes)
        stem = Path(self.file_name).stem or "loop"
        return rx.download(data=data, filename=f"{stem}-rejected.csv", mime_type="text/csv")

    async def _principal(self) -> Principal:
        auth = await self.get_state(AuthState)
        return access.require_workspace(auth.principal())
