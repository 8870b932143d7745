"""openai-whisper (the reference implementation) on the shipped weights, converted once."""

from __future__ import annotations

import base64
import gzip
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ...config import get_settings
from .base import SAMPLE_RATE, ModelUnavailable, Transcript, TranscriptionError
from .convert import cached_checkpoint
from .weights import resolve_ct2_model

INSTALL_HINT = (
    "openai-whisper is not installed: run `pip install -e .[whisper]` "
    "or set INTERPLAT_STT_BACKEND=faster-whisper."
)


def _import_whisper() -> tuple[Any, Any]:
    """torch and whisper, or ModelUnavailable saying how to get them."""
    try:
        import torch
        import whisper
    except ImportError as exc:
        raise ModelUnavailable(INSTALL_HINT) from exc
    return torch, whisper


class OpenAIWhisperBackend:
    """Transcribes with openai-whisper in fp32 on the CPU; load once, call many times."""

    name = "openai-whisper"

    def __init__(
        self, model: str, *, beam_size: int | None = None, cache_dir: Path | None = None
    ) -> None:
        """Load ``model`` ("base", "tiny.en", a CTranslate2 folder or an openai ``.pt`` file).

        Args:
            model: as in INTERPLAT_STT_MODEL.
            beam_size: 1 decodes greedily; defaults to 1 for tiny.en and 5 otherwise.
            cache_dir: where converted checkpoints live; defaults to INTERPLAT_STT_CACHE_DIR.
        """
        torch, whisper = _import_whisper()
        self.model_name = model
        self.beam_size = beam_size or (1 if model == "tiny.en" else 5)
        checkpoint = _checkpoint(model, cache_dir or get_settings().stt_cache_dir)
        self._model = whisper.load_model(str(checkpoint), device="cpu")
        # load_model knows alignment heads only for its own model names; ours ride along
        # in the checkpoint (mmap: the tensors are not read a second time).
        heads = torch.load(checkpoint, mmap=True, weights_only=True).get("alignment_heads")
        if heads:
            self._model.set_alignment_heads(_encode_heads(heads, self._model.dims))
        # whisper installs kv-cache hooks on the shared modules during each decode.
        self._lock = threading.Lock()

    @property
    def alignment_heads(self) -> list[tuple[int, int]]:
        """The (layer, head) pairs used for word timestamps."""
        dense = self._model.alignment_heads.to_dense()
        return [(int(layer), int(head)) for layer, head in dense.nonzero().tolist()]

    def transcribe(self, audio: np.ndarray, *, language: str | None = None) -> Transcript:
        """Transcribe float32 mono 16 kHz samples; ``language=None`` detects it."""
        samples = np.ascontiguousarray(audio, dtype=np.float32)
        with self._lock:
            result = self._model.transcribe(
                samples,
                language=language,
                task="transcribe",
                temperature=0.0,
                beam_size=self.beam_size if self.beam_size > 1 else None,
                fp16=False,
                condition_on_previous_text=False,
                verbose=None,
            )
        return Transcript(
            text=str(result["text"]).strip(),
            language=str(result["language"]),
            duration_ms=round(len(samples) * 1000 / SAMPLE_RATE),
            segments=[
                (float(s["start"]), float(s["end"]), str(s["text"]).strip())
                for s in result["segments"]
            ],
        )


def _checkpoint(model: str, cache_dir: Path) -> Path:
    """An openai-whisper checkpoint for ``model``: a ``.pt`` as given, else converted."""
    given = Path(model).expanduser()
    if given.is_file() and given.suffix == ".pt":
        return given
    ct2_dir = resolve_ct2_model(model)
    label = model if model in ("base", "tiny.en") else ct2_dir.name
    try:
        return cached_checkpoint(ct2_dir, cache_dir, label)
    except ModelUnavailable:
        raise
    except TranscriptionError as exc:
        raise ModelUnavailable(
            f"{exc.message} Set INTERPLAT_STT_MODEL to base, tiny.en or another model folder."
        ) from exc


def _encode_heads(heads: list[list[int]], dims: Any) -> bytes:
    """(layer, head) pairs in the base85+gzip mask format of ``set_alignment_heads``."""
    mask = np.zeros((dims.n_text_layer, dims.n_text_head), dtype=bool)
    for layer, head in heads:
        mask[layer, head] = True
    return base64.b85encode(gzip.compress(mask.tobytes()))
