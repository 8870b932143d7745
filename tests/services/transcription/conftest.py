"""Speech clips and models shared by the transcription tests; each is made once per run."""

from __future__ import annotations

import shutil

import pytest

from interplat.config import Settings
from interplat.services.transcription import Backend, get_backend

from . import speech


@pytest.fixture(scope="session")
def spoken() -> dict[str, speech.Spoken]:
    if shutil.which("espeak-ng") is None:  # a skipped test proves nothing: fail with the fix
        pytest.fail("espeak-ng is missing: run scripts/install-system-deps.sh (make system-deps)")
    return {clip.name: speech.speak(clip) for clip in speech.CLIPS}


@pytest.fixture(scope="session")
def encoded(spoken: dict[str, speech.Spoken]) -> dict[tuple[str, str], bytes]:
    """Every clip in every browser and upload format."""
    return {
        (name, fmt): speech.encode(clip.pcm, clip.rate, fmt)
        for name, clip in spoken.items()
        for fmt in speech.FORMATS
    }


@pytest.fixture(scope="session")
def base_model() -> Backend:
    return get_backend(Settings(stt_model="base"))


@pytest.fixture(scope="session")
def tiny_model() -> Backend:
    return get_backend(Settings(stt_model="tiny.en"))
