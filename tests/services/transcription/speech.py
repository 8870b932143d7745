"""Real speech for the transcription tests and benchmark: espeak-ng clips, encoded with
PyAV the way browsers record them, and a word error rate to score transcripts."""

from __future__ import annotations

import io
import re
import subprocess
import wave
from dataclasses import dataclass

import av
import numpy as np


@dataclass(frozen=True)
class Clip:
    """A sentence spoken by one espeak-ng voice at one speed, optionally over noise."""

    name: str
    text: str
    voice: str
    words_per_minute: int
    noise_snr_db: float | None = None


# No numbers or abbreviations: Whisper may write "3" for "three", which is not an error.
CLIPS = (
    Clip("balance", "Hello, I would like to check the balance on my credit card.", "en-us", 150),
    Clip("refund", "My order arrived damaged yesterday and I need a refund.", "en-gb", 135),
    Clip("bill", "Could you send me the latest bill by email instead of paper?", "en-us+f3", 175),
    Clip(
        "noisy",
        "Please call me back this afternoon about my internet connection.",
        "en-us",
        150,
        noise_snr_db=15.0,
    ),
)
FORMATS = ("webm", "mp4", "ogg", "wav", "mp3")


@dataclass(frozen=True)
class Spoken:
    clip: Clip
    pcm: np.ndarray  # int16 mono
    rate: int

    @property
    def seconds(self) -> float:
        return self.pcm.size / self.rate


def speak(clip: Clip, *, seed: int = 7) -> Spoken:
    """The clip as int16 mono PCM from espeak-ng, with white noise mixed in if asked."""
    wav = subprocess.run(
        ["espeak-ng", "-v", clip.voice, "-s", str(clip.words_per_minute), "--stdout", clip.text],
        check=True,
        capture_output=True,
    ).stdout
    pcm, rate = read_wav(wav)
    # Half a second of room tone either side, as a person pressing record would leave.
    pad = np.zeros(rate // 2, dtype=np.int16)
    pcm = np.concatenate([pad, pcm, pad])
    if clip.noise_snr_db is not None:
        pcm = add_noise(pcm, clip.noise_snr_db, seed=seed)
    return Spoken(clip, pcm, rate)


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    # espeak-ng's --stdout header leaves the sizes at their maximum; read to the end.
    with wave.open(io.BytesIO(data)) as w:
        rate, width = w.getframerate(), w.getsampwidth()
        frames = w.readframes(w.getnframes())
    assert width == 2, width
    return np.frombuffer(frames[: len(frames) // 2 * 2], dtype=np.int16).copy(), rate


def add_noise(pcm: np.ndarray, snr_db: float, *, seed: int) -> np.ndarray:
    """White noise at ``snr_db`` below the speech's power."""
    speech = pcm.astype(np.float64)
    voiced = speech[np.abs(speech) > 300]
    power = float(np.mean(voiced**2)) if voiced.size else 1.0
    noise = np.random.default_rng(seed).normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), pcm.size)
    return np.clip(speech + noise, -32768, 32767).astype(np.int16)


def encode(pcm: np.ndarray, rate: int, fmt: str) -> bytes:
    """Encode as a browser or an upload would: WebM/Opus (live: no duration, as Chrome
    writes it), MP4/AAC (Safari), Ogg/Opus (Firefox), WAV or MP3."""
    codec, out_rate, bit_rate, options = {
        "webm": ("libopus", 48000, 32000, {"live": "1"}),
        "mp4": ("aac", 48000, 64000, {}),
        "ogg": ("libopus", 48000, 32000, {}),
        "wav": ("pcm_s16le", rate, 0, {}),
        "mp3": ("libmp3lame", 44100, 64000, {}),
    }[fmt]
    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt, options=options) as out:
        stream = out.add_stream(codec, rate=out_rate, layout="mono")
        if bit_rate:
            stream.bit_rate = bit_rate
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = rate
        frame.pts = 0
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=out_rate)
        for chunk in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(chunk):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def silent_opus(seconds: float, fmt: str = "ogg") -> bytes:
    """A long silent Opus file in a moment: one encoded packet repeated (two hours ≈ 2 MB)."""
    step = 5760  # 120 ms at 48 kHz, Opus's longest frame
    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as out:
        stream = out.add_stream(
            "libopus", rate=48000, layout="mono", options={"frame_duration": "120"}
        )
        stream.bit_rate = 6000
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 48000), dtype=np.int16), format="s16", layout="mono"
        )
        frame.sample_rate = 48000
        frame.pts = 0
        template = list(stream.encode(frame))[-1]
        for i in range(int(seconds * 48000 / step)):
            packet = av.Packet(bytes(template))
            packet.stream = stream
            packet.time_base = template.time_base
            packet.pts = packet.dts = i * step
            packet.duration = step
            out.mux(packet)
    return buf.getvalue()


def tone_burst(seconds: float = 3.0, rate: int = 16000) -> np.ndarray:
    """Quiet, then a 440 Hz tone in the middle third, then quiet; float32."""
    t = np.arange(int(seconds * rate)) / rate
    wave_ = 0.5 * np.sin(2 * np.pi * 440 * t)
    third = t.size // 3
    wave_[:third] = 0
    wave_[2 * third :] = 0
    return wave_.astype(np.float32)


def words(text: str) -> list[str]:
    """Lower-case words without punctuation; hyphens join ("e-mail" is "email")."""
    return re.findall(r"[a-z0-9']+", text.lower().replace("-", ""))


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(substitutions + deletions + insertions, reference words): Levenshtein over words."""
    ref, hyp = words(reference), words(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1], len(ref)


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate of one transcript."""
    errors, total = word_errors(reference, hypothesis)
    return errors / max(1, total)


def corpus_wer(pairs: list[tuple[str, str]]) -> float:
    """Word error rate over several transcripts: all errors over all reference words."""
    errors = total = 0
    for reference, hypothesis in pairs:
        e, n = word_errors(reference, hypothesis)
        errors, total = errors + e, total + n
    return errors / max(1, total)
