"""What every speech-to-text backend promises: float32 16 kHz mono in, a Transcript out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..errors import DomainError

SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class Transcript:
    """What was said: the text, the detected language, and timed segments in seconds."""

    text: str
    language: str
    duration_ms: int
    segments: list[tuple[float, float, str]]


class Backend(Protocol):
    name: str

    def transcribe(self, audio: np.ndarray, *, language: str | None = None) -> Transcript:
        """Transcribe float32 mono 16 kHz samples in [-1, 1]."""
        ...


class TranscriptionError(DomainError):
    code = "transcription_failed"
    http_status = 422


class ModelUnavailable(TranscriptionError):
    """No usable model; the message names the setting to change."""

    code = "model_unavailable"
    http_status = 503
