"""Voice clips as browsers record them, decoded with PyAV into what Whisper reads.

Chrome's MediaRecorder writes WebM/Opus without a duration in the header, Safari writes
MP4/AAC, Firefox Ogg/Opus; uploads may also be WAV or MP3. Every clip is decoded from
bytes, resampled to 16 kHz mono float32, and measured by its decoded samples.

The container is chosen from the file's first bytes rather than by FFmpeg's probe, so a
playlist or concat file can never make the demuxer open other files or URLs.
"""

from __future__ import annotations

import io
import logging

import av
import numpy as np

from ...config import get_settings
from ..errors import ValidationFailed
from .base import SAMPLE_RATE

log = logging.getLogger(__name__)

ACCEPTED = "WebM, MP4, Ogg, WAV or MP3"
SILENCE_PEAK = 1e-3  # -60 dBFS: quieter than this draws as a flat line


class InvalidAudio(ValidationFailed):
    """Not a voice clip that can be played: empty, corrupt, or not audio at all."""

    code = "invalid_audio"


class AudioTooLarge(InvalidAudio):
    code = "audio_too_large"
    http_status = 413


class AudioTooLong(InvalidAudio):
    code = "audio_too_long"
    http_status = 413


def decode(
    data: bytes, *, max_bytes: int | None = None, max_seconds: float | None = None
) -> np.ndarray:
    """The clip as float32 mono 16 kHz samples in [-1, 1].

    Args:
        data: the file as uploaded.
        max_bytes: largest accepted file; ``INTERPLAT_VOICE_MAX_BYTES`` when ``None``.
        max_seconds: longest accepted clip; ``INTERPLAT_VOICE_MAX_SECONDS`` when ``None``.
            Decoding stops as soon as a clip runs past it, so a two-hour file costs no
            more than one at the limit.

    Raises:
        InvalidAudio: empty, corrupt or not audio (``AudioTooLarge``/``AudioTooLong`` past
            the limits).
    """
    settings = get_settings()
    max_bytes = settings.voice_max_bytes if max_bytes is None else max_bytes
    max_seconds = settings.voice_max_seconds if max_seconds is None else max_seconds
    if not data:
        raise InvalidAudio("The voice message is empty.", field="audio")
    if len(data) > max_bytes:
        raise AudioTooLarge(
            f"Voice messages are limited to {max_bytes // (1024 * 1024)} MB.", field="audio"
        )
    container_format = sniff_format(data)
    if container_format is None:
        raise InvalidAudio(f"This file is not a recording we can play ({ACCEPTED}).", field="audio")
    samples = _decode(data, container_format, int(max_seconds * SAMPLE_RATE))
    if samples.size == 0:
        raise InvalidAudio("The recording holds no sound.", field="audio")
    return samples


# What each container is served as, and the file suffix it is stored under.
MEDIA_TYPES = {
    "matroska": ("audio/webm", ".webm"),
    "mp4": ("audio/mp4", ".m4a"),
    "ogg": ("audio/ogg", ".ogg"),
    "wav": ("audio/wav", ".wav"),
    "mp3": ("audio/mpeg", ".mp3"),
}


def media_type(data: bytes) -> tuple[str, str]:
    """(Content-Type, suffix) for a clip, from its bytes, never from what the sender claims."""
    return MEDIA_TYPES.get(sniff_format(data) or "", ("application/octet-stream", ".bin"))


def sniff_format(data: bytes) -> str | None:
    """The FFmpeg demuxer for a clip's container, from its magic bytes; ``None`` if unknown."""
    head = data[:12]
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"  # WebM is Matroska
    if head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    return None


def _decode(data: bytes, container_format: str, max_samples: int) -> np.ndarray:
    chunks: list[np.ndarray] = []
    count = 0
    try:
        with av.open(io.BytesIO(data), mode="r", format=container_format) as container:
            if not container.streams.audio:
                raise InvalidAudio("The file holds no sound track.", field="audio")
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            try:
                for frame in container.decode(stream):
                    for out in resampler.resample(frame):
                        chunk = out.to_ndarray().reshape(-1)
                        chunks.append(chunk)
                        count += chunk.size
                    if count > max_samples:
                        raise AudioTooLong(
                            f"Voice messages are limited to {_seconds(max_samples)}.",
                            field="audio",
                        )
            except av.FFmpegError as exc:
                # A recording cut short mid-packet still plays up to the cut.
                if not count:
                    raise
                log.info("voice clip ends in a damaged packet after %d samples: %s", count, exc)
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    except (av.FFmpegError, ValueError, OSError, EOFError) as exc:
        raise InvalidAudio(
            f"This file is damaged or not a recording we can play ({ACCEPTED}).", field="audio"
        ) from exc
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    return np.clip(np.nan_to_num(samples.astype(np.float32, copy=False)), -1.0, 1.0)


def _seconds(samples: int) -> str:
    seconds = samples // SAMPLE_RATE
    if seconds and seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes > 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def duration_ms(audio: np.ndarray) -> int:
    """How long decoded samples last, in milliseconds."""
    return round(audio.size * 1000 / SAMPLE_RATE)


def waveform(audio: np.ndarray, bars: int = 64) -> list[float]:
    """Peak amplitude of each of ``bars`` equal slices, relative to the loudest (0..1)."""
    if bars <= 0:
        return []
    if audio.size == 0:
        return [0.0] * bars
    peaks = np.array(
        [np.abs(part).max() if part.size else 0.0 for part in np.array_split(audio, bars)]
    )
    loudest = float(peaks.max())
    if loudest < SILENCE_PEAK:
        return [0.0] * bars
    return [round(float(p), 3) for p in np.clip(peaks / loudest, 0.0, 1.0)]
