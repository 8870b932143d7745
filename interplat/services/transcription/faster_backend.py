"""faster-whisper (CTranslate2) on the resolved weights: the default backend.

The multilingual base model runs int8 with beam search 5, one CPU thread per request and
one request per core at once (``num_workers``), for throughput under several senders.
tiny.en runs greedy (beam 1) on every core, for the lowest latency on one message.
Voice activity detection is always on: without it Whisper hears "You" in silence.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import SAMPLE_RATE, ModelUnavailable, Transcript
from .weights import resolve_ct2_model


@dataclass(frozen=True)
class Profile:
    """How one model size runs: search width and how the cores are shared."""

    beam_size: int
    cpu_threads: int
    num_workers: int


def cores() -> int:
    """CPU cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def profile_for(model: str) -> Profile:
    """Greedy on every core for tiny models; beam 5, one thread per request otherwise."""
    stem = model.rstrip("/").rsplit("/", 1)[-1].lower()
    if "tiny" in stem:
        return Profile(beam_size=1, cpu_threads=cores(), num_workers=1)
    return Profile(beam_size=5, cpu_threads=1, num_workers=cores())


def _shared_encoder_model() -> type:
    """``WhisperModel`` that encodes the first 30 s window once, not twice.

    faster-whisper 1.2.1 detects the language from an encoder pass over the first window
    and then, transcribing, encodes that same window again: for a voice message (almost
    always under 30 s) that is a third of the work. Language detection here encodes
    exactly the window transcription will (faster-whisper's segment leaves out the last
    feature frame), and ``encode`` answers the repeat from a per-thread, one-entry memo.
    Should a later faster-whisper slice the window differently the memo simply misses:
    the text is the same, only slower.
    """
    from faster_whisper import WhisperModel

    class SharedEncoderWhisperModel(WhisperModel):
        _memo = threading.local()

        def detect_language(self, audio: Any = None, features: Any = None, **kwargs: Any) -> Any:
            window = self.feature_extractor.nb_max_frames
            if audio is None and features is not None and 1 < features.shape[-1] <= window:
                features = features[..., :-1]
            self._memo.remember = True
            try:
                return super().detect_language(audio, features, **kwargs)
            finally:
                self._memo.remember = False

        def encode(self, features: np.ndarray) -> Any:
            memo = self._memo
            last = getattr(memo, "last", None)
            if last is not None:
                memo.last = None
                if last[0].shape == features.shape and np.array_equal(last[0], features):
                    return last[1]
            output = super().encode(features)
            if getattr(memo, "remember", False):
                memo.last = (np.array(features, copy=True), output)
            return output

    return SharedEncoderWhisperModel


class FasterWhisperBackend:
    """One CTranslate2 Whisper model, loaded once; safe to call from several threads."""

    name = "faster-whisper"

    def __init__(self, model: str = "base", *, profile: Profile | None = None) -> None:
        try:
            WhisperModel = _shared_encoder_model()
        except ImportError as exc:  # pragma: no cover - a dependency of the project
            raise ModelUnavailable(
                "faster-whisper is not installed; reinstall the project or set "
                "INTERPLAT_STT_BACKEND=openai-whisper."
            ) from exc
        self.model = model
        self.profile = profile or profile_for(model)
        path = resolve_ct2_model(model)
        try:
            self._whisper = WhisperModel(
                str(path),
                device="cpu",
                compute_type="int8",
                cpu_threads=self.profile.cpu_threads,
                num_workers=self.profile.num_workers,
                local_files_only=True,
            )
        except (RuntimeError, OSError, ValueError) as exc:
            raise ModelUnavailable(
                f"The Whisper model in {path} could not be loaded ({exc}); check "
                "INTERPLAT_STT_MODEL."
            ) from exc

    def transcribe(self, audio: np.ndarray, *, language: str | None = None) -> Transcript:
        """Transcribe float32 mono 16 kHz samples; an empty text when nobody speaks."""
        segments, info = self._whisper.transcribe(
            np.ascontiguousarray(audio, dtype=np.float32),
            language=language,
            beam_size=self.profile.beam_size,
            vad_filter=True,
        )
        # The generator does the decoding: consume it here, in the calling thread.
        timed = [(round(s.start, 2), round(s.end, 2), s.text.strip()) for s in segments]
        return Transcript(
            text=" ".join(text for _, _, text in timed if text),
            language=info.language or (language or ""),
            duration_ms=round(audio.size * 1000 / SAMPLE_RATE),
            segments=timed,
        )
