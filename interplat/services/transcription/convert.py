"""CTranslate2 Whisper model -> openai-whisper checkpoint, converted once and cached.

The shipped weights are CTranslate2 directories (``model.bin`` + ``config.json``). The
openai-whisper backend needs the ``{"dims", "model_state_dict"}`` dict that
``whisper.load_model(path)`` reads. The fp16 tensors carry over unchanged; only the layout
differs (fused projections, a zero key bias, a tied output projection).
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .base import TranscriptionError

# The layout CTranslate2's ``ModelSpec._serialize`` writes (specs/model_spec.py).
_BINARY_VERSION = 6
_SPEC_NAME = "WhisperSpec"
# Order of CTranslate2's DataType enum; bfloat16 (5) has no numpy dtype and is widened.
_DTYPES = {0: "float32", 1: "int8", 2: "int16", 3: "int32", 4: "float16", 5: "bfloat16"}


class _Reader:
    def __init__(self, data: bytes, path: Path) -> None:
        self.data = memoryview(data)  # slices of a memoryview share the file's bytes
        self.offset = 0
        self.path = path

    def take(self, size: int) -> memoryview:
        if self.offset + size > len(self.data):
            raise TranscriptionError(f"{self.path} is truncated: not a complete CTranslate2 model")
        chunk = self.data[self.offset : self.offset + size]
        self.offset += size
        return chunk

    def unpack(self, fmt: str) -> int:
        (value,) = struct.unpack("<" + fmt, self.take(struct.calcsize(fmt)))
        return int(value)

    def string(self) -> str:
        size = self.unpack("H")  # includes the trailing NUL
        return bytes(self.take(size)[:-1]).decode("utf-8")


def read_model_bin(path: Path) -> tuple[str, dict[str, np.ndarray]]:
    """Read a CTranslate2 ``model.bin``: its spec name and every variable, aliases resolved."""
    try:
        return _read_model_bin(_Reader(path.read_bytes(), path))
    except (ValueError, KeyError) as exc:  # UnicodeDecodeError is a ValueError
        raise TranscriptionError(f"{path} is not a CTranslate2 model: {exc}") from exc


def _read_model_bin(reader: _Reader) -> tuple[str, dict[str, np.ndarray]]:
    path = reader.path
    version = reader.unpack("I")
    if version != _BINARY_VERSION:
        raise TranscriptionError(
            f"{path}: CTranslate2 binary version {version} is not supported "
            f"(expected {_BINARY_VERSION})"
        )
    spec = reader.string()
    reader.unpack("I")  # spec revision
    variables: dict[str, np.ndarray] = {}
    for _ in range(reader.unpack("I")):
        name = reader.string()
        shape = tuple(reader.unpack("I") for _ in range(reader.unpack("B")))
        type_id = reader.unpack("B")
        raw = reader.take(reader.unpack("I"))
        if type_id not in _DTYPES:
            raise TranscriptionError(f"{path}: unknown data type {type_id} for {name}")
        variables[name] = _to_array(raw, _DTYPES[type_id]).reshape(shape)
    for _ in range(reader.unpack("I")):
        alias, target = reader.string(), reader.string()
        variables[alias] = variables[target]
    return spec, variables


def _to_array(raw: memoryview, dtype: str) -> np.ndarray:
    if dtype == "bfloat16":
        # bfloat16 is the top half of a float32.
        return (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
    return np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))


def convert_ct2_model(model_dir: Path) -> dict[str, Any]:
    """Build the openai-whisper checkpoint (numpy arrays) from a CTranslate2 Whisper dir.

    Returns ``{"dims": {...}, "model_state_dict": {...}, "alignment_heads": [[layer, head]]}``;
    ``alignment_heads`` (from config.json) is not part of openai-whisper's format; the
    backend applies it, since without it word timestamps drift by up to 200 ms.
    """
    spec, ct2 = read_model_bin(model_dir / "model.bin")
    if spec != _SPEC_NAME:
        raise TranscriptionError(f"{model_dir} holds a {spec}, not a Whisper model")
    if any(name.endswith("weight_scale") for name in ct2):
        raise TranscriptionError(
            f"{model_dir} is a quantized CTranslate2 model; only float16/float32 ones convert "
            "exactly to openai-whisper"
        )
    dims = _dims(ct2)
    projection = ct2.get("decoder/projection/weight")
    if projection is not None and not np.array_equal(projection, ct2["decoder/embeddings/weight"]):
        # openai-whisper has no output layer of its own: logits use the token embedding.
        raise TranscriptionError(f"{model_dir}: output projection is not tied to the embedding")
    config = json.loads((model_dir / "config.json").read_text())
    return {
        "dims": dims,
        "model_state_dict": _state_dict(ct2, dims),
        "alignment_heads": [
            [int(layer), int(head)] for layer, head in config.get("alignment_heads") or []
        ],
    }


def _state_dict(ct2: dict[str, np.ndarray], dims: dict[str, int]) -> dict[str, np.ndarray]:
    state: dict[str, np.ndarray] = {
        "encoder.conv1.weight": ct2["encoder/conv1/weight"],
        "encoder.conv1.bias": ct2["encoder/conv1/bias"],
        "encoder.conv2.weight": ct2["encoder/conv2/weight"],
        "encoder.conv2.bias": ct2["encoder/conv2/bias"],
        "encoder.positional_embedding": ct2["encoder/position_encodings/encodings"],
        "decoder.token_embedding.weight": ct2["decoder/embeddings/weight"],
        "decoder.positional_embedding": ct2["decoder/position_encodings/encodings"],
        **_layer_norm(ct2, "encoder/layer_norm", "encoder.ln_post"),
        **_layer_norm(ct2, "decoder/layer_norm", "decoder.ln"),
    }
    for i in range(dims["n_audio_layer"]):
        src, dst = f"encoder/layer_{i}", f"encoder.blocks.{i}"
        state.update(_self_attention(ct2, f"{src}/self_attention", dst))
        state.update(_mlp(ct2, f"{src}/ffn", dst))
    for i in range(dims["n_text_layer"]):
        src, dst = f"decoder/layer_{i}", f"decoder.blocks.{i}"
        state.update(_self_attention(ct2, f"{src}/self_attention", dst))
        state.update(_cross_attention(ct2, f"{src}/attention", dst))
        state.update(_mlp(ct2, f"{src}/ffn", dst))
    return state


def _dims(ct2: dict[str, np.ndarray]) -> dict[str, int]:
    n_audio_state, n_mels, _ = ct2["encoder/conv1/weight"].shape
    n_vocab, n_text_state = ct2["decoder/embeddings/weight"].shape

    def layers(prefix: str) -> int:
        return sum(
            1 for name in ct2 if name.startswith(prefix) and name.endswith("/ffn/linear_0/weight")
        )

    return {
        "n_mels": int(n_mels),
        "n_audio_ctx": int(ct2["encoder/position_encodings/encodings"].shape[0]),
        "n_audio_state": int(n_audio_state),
        "n_audio_head": int(ct2["encoder/num_heads"]),
        "n_audio_layer": layers("encoder/layer_"),
        "n_vocab": int(n_vocab),
        "n_text_ctx": int(ct2["decoder/position_encodings/encodings"].shape[0]),
        "n_text_state": int(n_text_state),
        "n_text_head": int(ct2["decoder/num_heads"]),
        "n_text_layer": layers("decoder/layer_"),
    }


def _layer_norm(ct2: dict[str, np.ndarray], src: str, dst: str) -> dict[str, np.ndarray]:
    return {f"{dst}.weight": ct2[f"{src}/gamma"], f"{dst}.bias": ct2[f"{src}/beta"]}


def _linear(ct2: dict[str, np.ndarray], src: str, dst: str) -> dict[str, np.ndarray]:
    return {f"{dst}.weight": ct2[f"{src}/weight"], f"{dst}.bias": ct2[f"{src}/bias"]}


def _split(ct2: dict[str, np.ndarray], src: str, parts: int) -> list[tuple[np.ndarray, np.ndarray]]:
    weights = np.split(ct2[f"{src}/weight"], parts)
    biases = np.split(ct2[f"{src}/bias"], parts)
    return list(zip(weights, biases, strict=True))


def _attention(
    src: str,
    dst: str,
    q: tuple[np.ndarray, np.ndarray],
    k: tuple[np.ndarray, np.ndarray],
    v: tuple[np.ndarray, np.ndarray],
) -> dict[str, np.ndarray]:
    # CTranslate2 fuses a zero bias for the key projection, which openai-whisper lacks.
    if np.any(k[1]):
        raise TranscriptionError(f"{src}: key bias is not zero, cannot convert exactly")
    return {
        f"{dst}.query.weight": q[0],
        f"{dst}.query.bias": q[1],
        f"{dst}.key.weight": k[0],
        f"{dst}.value.weight": v[0],
        f"{dst}.value.bias": v[1],
    }


def _self_attention(ct2: dict[str, np.ndarray], src: str, dst: str) -> dict[str, np.ndarray]:
    q, k, v = _split(ct2, f"{src}/linear_0", 3)
    return {
        **_attention(src, f"{dst}.attn", q, k, v),
        **_linear(ct2, f"{src}/linear_1", f"{dst}.attn.out"),
        **_layer_norm(ct2, f"{src}/layer_norm", f"{dst}.attn_ln"),
    }


def _cross_attention(ct2: dict[str, np.ndarray], src: str, dst: str) -> dict[str, np.ndarray]:
    (q,) = _split(ct2, f"{src}/linear_0", 1)
    k, v = _split(ct2, f"{src}/linear_1", 2)
    return {
        **_attention(src, f"{dst}.cross_attn", q, k, v),
        **_linear(ct2, f"{src}/linear_2", f"{dst}.cross_attn.out"),
        **_layer_norm(ct2, f"{src}/layer_norm", f"{dst}.cross_attn_ln"),
    }


def _mlp(ct2: dict[str, np.ndarray], src: str, dst: str) -> dict[str, np.ndarray]:
    return {
        **_linear(ct2, f"{src}/linear_0", f"{dst}.mlp.0"),
        **_linear(ct2, f"{src}/linear_1", f"{dst}.mlp.2"),
        **_layer_norm(ct2, f"{src}/layer_norm", f"{dst}.mlp_ln"),
    }


def cached_checkpoint(model_dir: Path, cache_dir: Path, label: str) -> Path:
    """Return an openai-whisper checkpoint for ``model_dir``, converting it on first use.

    The file name carries a digest of ``model.bin``'s path, size and mtime, so replaced
    weights are converted again; the write is atomic, so a crash or a concurrent worker
    never leaves a half-written checkpoint behind.
    """
    import torch

    stat = (model_dir / "model.bin").stat()
    key = f"{model_dir.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    safe_label = "".join(c if c.isalnum() or c in "._-" else "_" for c in label)
    target = cache_dir / f"openai-{safe_label}-{digest}.pt"
    if target.is_file():
        return target
    checkpoint = convert_ct2_model(model_dir)
    checkpoint["model_state_dict"] = {
        name: torch.from_numpy(array.copy())
        for name, array in checkpoint["model_state_dict"].items()
    }
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=target.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            torch.save(checkpoint, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    for stale in cache_dir.glob(f"openai-{safe_label}-*.pt"):  # from weights since replaced
        if stale != target:
            stale.unlink(missing_ok=True)
    return target
