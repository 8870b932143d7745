"""Choosing and sharing a backend by settings."""

from __future__ import annotations

import sys

import pytest

from interplat.config import Settings, SpeechBackend
from interplat.services import transcription
from interplat.services.transcription import ModelUnavailable, get_backend
from interplat.services.transcription.faster_backend import FasterWhisperBackend


def test_the_model_is_loaded_once_per_backend_and_model(tiny_model):
    settings = Settings(stt_model="tiny.en")
    assert get_backend(settings) is tiny_model
    assert get_backend(Settings(stt_model="tiny.en")) is tiny_model
    assert isinstance(tiny_model, FasterWhisperBackend) and tiny_model.name == "faster-whisper"


def test_openai_whisper_without_its_libraries_names_the_setting(monkeypatch: pytest.MonkeyPatch):
    # As on a machine that installed the project without the whisper extra.
    monkeypatch.setitem(sys.modules, "interplat.services.transcription.openai_backend", None)
    monkeypatch.setattr(transcription, "_backends", {})
    settings = Settings(stt_backend=SpeechBackend.OPENAI_WHISPER, stt_model="tiny.en")
    with pytest.raises(ModelUnavailable, match="INTERPLAT_STT_BACKEND"):
        get_backend(settings)
    assert transcription._backends == {}  # a failure is not cached: fixing it takes effect


def test_a_missing_model_is_a_clear_error_and_not_cached(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(transcription, "_backends", {})
    with pytest.raises(ModelUnavailable, match="INTERPLAT_STT_MODEL"):
        get_backend(Settings(stt_model="no-such-model"))
    assert transcription._backends == {}
