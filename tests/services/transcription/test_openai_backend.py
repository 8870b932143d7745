"""openai-whisper on the shipped CTranslate2 weights: an exact conversion that decodes like
faster-whisper on the same weights, on speech espeak-ng makes at test time."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import faster_whisper
import numpy as np
import pytest
import torch
import whisper

from interplat.services.transcription import audio as audio_io
from interplat.services.transcription.base import ModelUnavailable, TranscriptionError
from interplat.services.transcription.convert import (
    cached_checkpoint,
    convert_ct2_model,
    read_model_bin,
)
from interplat.services.transcription.openai_backend import OpenAIWhisperBackend
from interplat.services.transcription.weights import resolve_ct2_model

from . import speech

MODELS = ("tiny.en", "base")
# OpenAI's published dimensions for these two models.
DIMS = {
    "tiny.en": dict(n_vocab=51864, n_audio_state=384, n_audio_head=6, n_audio_layer=4),
    "base": dict(n_vocab=51865, n_audio_state=512, n_audio_head=8, n_audio_layer=6),
}


@pytest.fixture(scope="session")
def ct2_dirs() -> dict[str, Path]:
    return {name: resolve_ct2_model(name) for name in MODELS}


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("whisper-cache")


@pytest.fixture(scope="session")
def backends(ct2_dirs: dict[str, Path], cache_dir: Path) -> dict[str, OpenAIWhisperBackend]:
    return {name: OpenAIWhisperBackend(name, cache_dir=cache_dir) for name in MODELS}


@pytest.fixture(scope="session")
def reference_models(ct2_dirs: dict[str, Path]) -> dict[str, Any]:
    """faster-whisper in float32 on the same folders: the same numbers openai-whisper sees."""
    return {
        name: faster_whisper.WhisperModel(
            str(path), device="cpu", compute_type="float32", cpu_threads=2
        )
        for name, path in ct2_dirs.items()
    }


@pytest.fixture(scope="session")
def clips(spoken: dict[str, speech.Spoken]) -> dict[str, np.ndarray]:
    """The shared espeak-ng clips as Chrome records them, through the app's own decoder."""
    return {
        name: audio_io.decode(speech.encode(clip.pcm, clip.rate, "webm"))
        for name, clip in spoken.items()
    }


def reference_transcript(model: Any, audio: np.ndarray, beam_size: int) -> tuple[str, list[float]]:
    segments, _ = model.transcribe(
        audio,
        beam_size=beam_size,
        temperature=0.0,
        condition_on_previous_text=False,
        vad_filter=False,
    )
    segments = list(segments)
    return "".join(s.text for s in segments).strip(), [
        t for s in segments for t in (s.start, s.end)
    ]


@pytest.mark.parametrize("name", MODELS)
def test_conversion_copies_every_tensor_exactly(
    name: str, ct2_dirs: dict[str, Path], backends: dict[str, OpenAIWhisperBackend]
) -> None:
    _, ct2 = read_model_bin(ct2_dirs[name] / "model.bin")
    checkpoint = convert_ct2_model(ct2_dirs[name])
    dims, state = checkpoint["dims"], checkpoint["model_state_dict"]
    n = dims["n_audio_state"]

    assert dims == {
        "n_mels": 80,
        "n_audio_ctx": 1500,
        "n_text_ctx": 448,
        "n_text_state": n,
        "n_text_head": dims["n_audio_head"],
        "n_text_layer": dims["n_audio_layer"],
        **DIMS[name],
    }
    qkv = ct2["encoder/layer_1/self_attention/linear_0/weight"]
    assert np.array_equal(state["encoder.blocks.1.attn.query.weight"], qkv[:n])
    assert np.array_equal(state["encoder.blocks.1.attn.key.weight"], qkv[n : 2 * n])
    assert np.array_equal(state["encoder.blocks.1.attn.value.weight"], qkv[2 * n :])
    kv_bias = ct2["decoder/layer_2/attention/linear_1/bias"]
    assert not kv_bias[:n].any()  # the key bias that is dropped
    assert np.array_equal(state["decoder.blocks.2.cross_attn.value.bias"], kv_bias[n:])
    assert "decoder.blocks.2.cross_attn.key.bias" not in state
    assert np.allclose(
        state["encoder.positional_embedding"],
        whisper.model.sinusoids(1500, n).numpy(),
        atol=1e-3,
    )

    # What the backend runs: fp32 parameters, equal to the fp16 originals.
    model = backends[name]._model
    assert model.decoder.token_embedding.weight.dtype == torch.float32
    for param, ct2_name in [
        (model.decoder.token_embedding.weight, "decoder/projection/weight"),
        (model.decoder.blocks[0].mlp[2].weight, "decoder/layer_0/ffn/linear_1/weight"),
        (model.encoder.conv1.weight, "encoder/conv1/weight"),
    ]:
        assert np.array_equal(param.detach().numpy(), ct2[ct2_name].astype(np.float32))


@pytest.mark.parametrize("name", MODELS)
def test_alignment_heads_are_openais(name: str, backends: dict[str, OpenAIWhisperBackend]) -> None:
    official = whisper._ALIGNMENT_HEADS[name]
    model = whisper.model.Whisper(backends[name]._model.dims)
    model.set_alignment_heads(official)
    expected = [tuple(pair) for pair in model.alignment_heads.to_dense().nonzero().tolist()]
    assert backends[name].alignment_heads == expected
    assert len(expected) == 8  # not the last-half default, which has 12 or 24


def test_checkpoint_is_converted_once_and_loads_as_given(
    ct2_dirs: dict[str, Path], cache_dir: Path, backends: dict[str, OpenAIWhisperBackend]
) -> None:
    (converted,) = cache_dir.glob("openai-tiny.en-*.pt")
    before = converted.stat().st_mtime_ns
    assert cached_checkpoint(ct2_dirs["tiny.en"], cache_dir, "tiny.en") == converted
    assert converted.stat().st_mtime_ns == before
    assert [p.name for p in cache_dir.iterdir() if p.suffix != ".pt"] == []  # no temp files

    direct = OpenAIWhisperBackend(str(converted))
    assert direct.alignment_heads == backends["tiny.en"].alignment_heads


def test_replaced_weights_are_converted_again(ct2_dirs: dict[str, Path], tmp_path: Path) -> None:
    folder = tmp_path / "tiny"
    shutil.copytree(ct2_dirs["tiny.en"], folder)
    first = cached_checkpoint(folder, tmp_path / "cache", "tiny")
    stat = (folder / "model.bin").stat()
    os.utime(folder / "model.bin", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))

    second = cached_checkpoint(folder, tmp_path / "cache", "tiny")
    assert second != first
    assert list((tmp_path / "cache").iterdir()) == [second]  # the old one is gone


def test_broken_model_folder_names_the_setting(ct2_dirs: dict[str, Path], tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    shutil.copy(ct2_dirs["tiny.en"] / "config.json", broken / "config.json")
    with (ct2_dirs["tiny.en"] / "model.bin").open("rb") as full:
        (broken / "model.bin").write_bytes(full.read(100_000))
    with pytest.raises(ModelUnavailable, match="truncated.*INTERPLAT_STT_MODEL"):
        OpenAIWhisperBackend(str(broken), cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache").exists()

    (broken / "model.bin").write_bytes(b"\xff\xd8\xff\xe0 a JPEG, not weights")
    with pytest.raises(TranscriptionError, match="not supported"):
        read_model_bin(broken / "model.bin")


# All eight pairs gave identical text here, mistakes included (tiny.en: "check the mountains
# on my credit card"); base, the slow one (4-20 s a clip on 2 busy cores), runs on one clip.
@pytest.mark.parametrize(
    ("name", "clip"), [("base", "noisy")] + [("tiny.en", clip.name) for clip in speech.CLIPS]
)
def test_same_text_as_faster_whisper_on_the_same_weights(
    name: str,
    clip: str,
    backends: dict[str, OpenAIWhisperBackend],
    reference_models: dict[str, Any],
    clips: dict[str, np.ndarray],
    spoken: dict[str, speech.Spoken],
) -> None:
    audio = clips[clip]
    transcript = backends[name].transcribe(audio)
    text, spans = reference_transcript(reference_models[name], audio, backends[name].beam_size)

    assert transcript.text == text
    assert transcript.language == "en"
    assert transcript.duration_ms == pytest.approx(len(audio) / 16, abs=1)
    times = [t for start, end, _ in transcript.segments for t in (start, end)]
    assert times == pytest.approx(spans, abs=0.02)
    # Equal garbage would be equal too: the words must be mostly the script's.
    assert speech.wer(spoken[clip].clip.text, transcript.text) < 0.4, transcript.text


@pytest.mark.parametrize("module", ["torch", "whisper"])
def test_missing_dependency_names_the_setting(module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail
    with pytest.raises(ModelUnavailable) as error:
        OpenAIWhisperBackend("tiny.en")
    assert "INTERPLAT_STT_BACKEND" in error.value.message
    assert "pip install -e .[whisper]" in error.value.message
