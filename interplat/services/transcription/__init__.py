"""Speech to text behind one interface, the backend chosen by ``INTERPLAT_STT_BACKEND``.

``get_backend()`` loads a model once per process and per (backend, model); loading takes
seconds and hundreds of MB, so callers share the instance (backends are thread-safe).
"""

from __future__ import annotations

import threading

from ...config import Settings, SpeechBackend, get_settings
from .base import Backend, ModelUnavailable, Transcript, TranscriptionError

__all__ = ["Backend", "ModelUnavailable", "Transcript", "TranscriptionError", "get_backend"]

_backends: dict[tuple[str, str], Backend] = {}
_lock = threading.Lock()


def get_backend(settings: Settings | None = None) -> Backend:
    """The configured backend, loaded on first use and shared afterwards.

    Raises:
        ModelUnavailable: the model or the backend's libraries are missing; the message
            names the setting to change.
    """
    settings = settings or get_settings()
    key = (str(settings.stt_backend), settings.stt_model)
    with _lock:
        backend = _backends.get(key)
        if backend is None:
            backend = _load(settings.stt_backend, settings.stt_model)
            _backends[key] = backend
        return backend


def _load(kind: SpeechBackend, model: str) -> Backend:
    if kind == SpeechBackend.OPENAI_WHISPER:
        # Imported here: the backend pulls in PyTorch, an optional extra.
        try:
            from .openai_backend import OpenAIWhisperBackend

            return OpenAIWhisperBackend(model)
        except ImportError as exc:
            raise ModelUnavailable(
                "INTERPLAT_STT_BACKEND=openai-whisper needs PyTorch and openai-whisper "
                "(pip install -e '.[whisper]'); or set INTERPLAT_STT_BACKEND=faster-whisper."
            ) from exc
    from .faster_backend import FasterWhisperBackend

    return FasterWhisperBackend(model)
