"""Transcription benchmark: the same spoken clips through every backend in one run.

For faster-whisper base int8, tiny.en int8 and openai-whisper on the same base weights
(when PyTorch and its backend are installed), each in its own process so memory is its
own, it prints:

- RTF 5 s: wall time over audio time for the four ~5 s clips, transcribed as the worker
  does (one thread per core, one shared model);
- RTF long: the same for one 23 s message alone;
- latency: median wall time for one ~5 s WebM message from bytes to text, alone;
- CPU/s: CPU seconds per audio second (steadier than wall time on a busy machine);
- peak RSS of the process and the word error rate over all clips.

Goals (on the long message): RTF ≤ 0.15 for base and ≤ 0.05 for tiny.en;
faster-whisper ≥ 3x faster than openai-whisper at equal WER.

    python bench/transcription_bench.py [--rows base,tiny.en,openai-base] [--repeat 3]
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.services.transcription import speech  # noqa: E402

ROWS = {
    "base": ("faster-whisper", "base", "faster-whisper base int8"),
    "base-en": ("faster-whisper", "base", "  same, INTERPLAT_STT_LANGUAGE=en"),
    "tiny.en": ("faster-whisper", "tiny.en", "faster-whisper tiny.en int8"),
    "openai-base": ("openai-whisper", "base", "openai-whisper base (same weights)"),
}
GOALS = {"base": 0.15, "tiny.en": 0.05}
LONG = speech.Clip(
    "long",
    "Hello, I am calling about the bill I received last week. "
    "It shows a charge for a service I cancelled in the spring. "
    "I already spoke to someone on the phone and they promised a refund. "
    "Could you please check my account and tell me when the money will arrive? "
    "You can reach me at this number in the afternoon, or send me a message here. "
    "Thank you very much for your help.",
    "en-us",
    160,
)


def clips() -> list[tuple[speech.Clip, bytes, float]]:
    """(clip, WebM/Opus bytes as Chrome records them, seconds) for every benchmark clip."""
    out = []
    for clip in (*speech.CLIPS, LONG):
        said = speech.speak(clip)
        out.append((clip, speech.encode(said.pcm, said.rate, "webm"), said.seconds))
    return out


def load(backend: str, model: str):
    if backend == "openai-whisper":
        from interplat.services.transcription.openai_backend import OpenAIWhisperBackend

        return OpenAIWhisperBackend(model)
    from interplat.services.transcription.faster_backend import FasterWhisperBackend

    return FasterWhisperBackend(model)


def measure(backend: str, model: str, repeat: int, language: str | None) -> dict[str, float]:
    """One row, in this process (the parent runs each row in a child of its own)."""
    from interplat.services.transcription import audio
    from interplat.services.transcription.faster_backend import cores

    data = clips()
    short, (long_clip, long_bytes, long_seconds) = data[:-1], data[-1]
    started = time.perf_counter()
    transcribe = functools.partial(load(backend, model).transcribe, language=language)
    load_s = time.perf_counter() - started
    transcribe(audio.decode(short[0][1]))  # warm-up: first-call allocations

    latencies = []
    for _ in range(repeat):
        started = time.perf_counter()
        transcribe(audio.decode(short[0][1]))
        latencies.append(time.perf_counter() - started)

    cpu, started = time.process_time(), time.perf_counter()
    with ThreadPoolExecutor(cores()) as pool:
        results = list(pool.map(lambda c: transcribe(audio.decode(c[1])), short))
    short_wall, short_cpu = time.perf_counter() - started, time.process_time() - cpu
    short_seconds = sum(seconds for _, _, seconds in short)

    cpu, started = time.process_time(), time.perf_counter()
    long_result = transcribe(audio.decode(long_bytes))
    long_wall, long_cpu = time.perf_counter() - started, time.process_time() - cpu

    pairs = [(c.text, r.text) for (c, _, _), r in zip(short, results, strict=True)]
    pairs.append((long_clip.text, long_result.text))
    return {
        "load_s": load_s,
        "rtf_short": short_wall / short_seconds,
        "rtf_long": long_wall / long_seconds,
        "latency_s": statistics.median(latencies),
        "latency_audio_s": short[0][2],
        "cpu_per_s": (short_cpu + long_cpu) / (short_seconds + long_seconds),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "wer": speech.corpus_wer(pairs),
    }


def openai_available() -> str:
    """Why the openai-whisper row cannot run here, or "" when it can."""
    if importlib.util.find_spec("interplat.services.transcription.openai_backend") is None:
        return "its backend module is not in this tree"
    for module in ("torch", "whisper"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install -e '.[whisper]')"
    return ""


def run_row(name: str, repeat: int) -> dict[str, float] | None:
    """Measure one row in a fresh process, so its peak memory is its own."""
    proc = subprocess.run(
        [sys.executable, __file__, "--child", name, "--repeat", str(repeat)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        print(f"  {name}: failed\n{proc.stderr[-2000:]}")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default=",".join(ROWS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", default="")
    args, _ = parser.parse_known_args()  # run_all.py passes every benchmark the same argv
    if args.child:
        backend, model, _ = ROWS[args.child]
        language = "en" if args.child.endswith("-en") else None
        print(json.dumps(measure(backend, model, args.repeat, language)))
        return

    load1, _, _ = os.getloadavg()
    print(f"transcription: {len(speech.CLIPS)} clips of ~5 s and one of ~23 s, WebM/Opus;")
    print(f"{os.cpu_count()} cores, load average {load1:.1f} at start")
    header = f"{'backend':36s} {'RTF 5s':>7s} {'RTF long':>8s} {'latency':>8s} {'CPU/s':>6s} {'peak RSS':>9s} {'WER':>6s} {'load':>6s}"
    print(header)
    measured: dict[str, dict[str, float]] = {}
    for name in [n.strip() for n in args.rows.split(",") if n.strip() in ROWS]:
        label = ROWS[name][2]
        if ROWS[name][0] == "openai-whisper" and (why := openai_available()):
            print(f"{label:36s} skipped: {why}")
            continue
        row = run_row(name, args.repeat)
        if row is None:
            continue
        measured[name] = row
        print(
            f"{label:36s} {row['rtf_short']:7.3f} {row['rtf_long']:8.3f}"
            f" {row['latency_s']:7.2f}s {row['cpu_per_s']:6.3f} {row['peak_mb']:6.0f} MB"
            f" {row['wer']:6.1%} {row['load_s']:5.1f}s",
            flush=True,
        )
    for name, goal in GOALS.items():
        if name in measured:
            rtf = measured[name]["rtf_long"]
            verdict = "met" if rtf <= goal else "missed"
            print(f"goal RTF ≤ {goal} for {name} (long message): {rtf:.3f}, {verdict}")
    if "base" in measured and "openai-base" in measured:
        fast, ref = measured["base"], measured["openai-base"]
        print(
            f"faster-whisper base vs openai-whisper base: {ref['rtf_long'] / fast['rtf_long']:.1f}x"
            f" faster on the long message, {ref['rtf_short'] / fast['rtf_short']:.1f}x on 5 s clips,"
            f" openai-whisper needs {ref['peak_mb'] / fast['peak_mb']:.1f}x the memory;"
            f" WER {fast['wer']:.1%} vs {ref['wer']:.1%} (goal ≥ 3x at equal WER)"
        )


if __name__ == "__main__":
    main()
