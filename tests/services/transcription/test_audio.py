"""Decoding what browsers record, the limits, bad files, and the waveform."""

from __future__ import annotations

import io
import time

import av
import numpy as np
import pytest

from interplat.services.transcription import audio

from . import speech


@pytest.mark.parametrize("fmt", speech.FORMATS)
def test_every_browser_format_decodes_to_16k_mono_with_its_true_duration(spoken, encoded, fmt):
    clip = spoken["balance"]
    samples = audio.decode(encoded[("balance", fmt)])
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert float(np.abs(samples).max()) <= 1.0
    # Encoder priming may add a few ms (AAC: 21 ms); nothing more.
    assert abs(audio.duration_ms(samples) - clip.seconds * 1000) < 40
    assert float(np.abs(samples).max()) > 0.1  # the speech is there, not silence


def test_chrome_webm_has_no_duration_in_its_header_and_is_still_measured(spoken, encoded):
    data = encoded[("refund", "webm")]
    with av.open(io.BytesIO(data)) as container:
        assert container.duration is None  # as Chrome's MediaRecorder writes it
    assert audio.duration_ms(audio.decode(data)) == pytest.approx(
        spoken["refund"].seconds * 1000, abs=20
    )


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "invalid_audio"),
        (b"hello, this is not audio at all", "invalid_audio"),
        (b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 8, "invalid_audio"),  # WebM magic, then junk
        (b"OggS" + b"\x00" * 64, "invalid_audio"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "invalid_audio"),
    ],
    ids=["empty", "text", "webm-magic-junk", "ogg-header-only", "wav-header-only"],
)
def test_empty_or_corrupt_files_are_a_clear_error(data, code):
    with pytest.raises(audio.InvalidAudio) as err:
        audio.decode(data)
    assert err.value.code == code and err.value.field == "audio"
    assert err.value.message.endswith(".")


def jpeg_bytes() -> bytes:
    """A real JPEG picture, as a person might rename holiday.jpg to voice.webm."""
    buf = io.BytesIO()
    with av.open(buf, "w", format="mjpeg") as out:
        stream = out.add_stream("mjpeg", rate=1)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuvj420p"
        frame = av.VideoFrame.from_ndarray(
            np.random.default_rng(1).integers(0, 255, (48, 64, 3), dtype=np.uint8), format="rgb24"
        )
        for packet in [*stream.encode(frame.reformat(format="yuvj420p")), *stream.encode(None)]:
            out.mux(packet)
    return buf.getvalue()


def test_a_jpeg_renamed_webm_is_rejected_as_not_a_recording():
    data = jpeg_bytes()
    assert data[:3] == b"\xff\xd8\xff"
    with pytest.raises(audio.InvalidAudio, match="not a recording"):
        audio.decode(data)


def test_a_video_without_sound_is_rejected():
    buf = io.BytesIO()
    with av.open(buf, "w", format="webm") as out:
        stream = out.add_stream("libvpx", rate=5)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), dtype=np.uint8), format="rgb24")
        for packet in [*stream.encode(frame.reformat(format="yuv420p")), *stream.encode(None)]:
            out.mux(packet)
    with pytest.raises(audio.InvalidAudio, match="no sound"):
        audio.decode(buf.getvalue())


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_a_recording_cut_short_plays_up_to_the_cut_or_is_rejected_cleanly(encoded, cut):
    data = encoded[("balance", "webm")]
    try:
        samples = audio.decode(data[: int(len(data) * cut)])
    except audio.InvalidAudio:
        return
    assert 0 < samples.size < audio.decode(data).size


def test_a_two_hour_file_is_refused_by_the_duration_limit_without_decoding_it_all():
    data = speech.silent_opus(2 * 3600)
    assert len(data) < 3 * 1024 * 1024  # under the byte limit: the duration must catch it
    started = time.perf_counter()
    with pytest.raises(audio.AudioTooLong, match="5 minutes") as err:
        audio.decode(data, max_seconds=300)
    assert time.perf_counter() - started < 5
    assert err.value.http_status == 413


def test_a_clip_at_the_limit_passes_and_just_over_it_fails(spoken, encoded):
    data = encoded[("bill", "ogg")]
    seconds = spoken["bill"].seconds
    assert audio.decode(data, max_seconds=seconds + 0.5).size > 0
    with pytest.raises(audio.AudioTooLong, match="seconds"):
        audio.decode(data, max_seconds=seconds - 1)


def test_files_over_the_byte_limit_are_refused_before_decoding(encoded):
    data = encoded[("balance", "wav")]
    with pytest.raises(audio.AudioTooLarge) as err:
        audio.decode(data, max_bytes=len(data) - 1)
    assert err.value.code == "audio_too_large"


def test_sniffing_picks_only_the_accepted_containers(encoded):
    assert {fmt: audio.sniff_format(encoded[("refund", fmt)]) for fmt in speech.FORMATS} == {
        "webm": "matroska",
        "mp4": "mp4",
        "ogg": "ogg",
        "wav": "wav",
        "mp3": "mp3",
    }
    assert audio.sniff_format(b"#EXTM3U\n#EXT-X-VERSION:3\nhttp://127.0.0.1/a.ts\n") is None
    assert audio.sniff_format(b"ffconcat version 1.0\nfile '/etc/passwd'\n") is None


def test_waveform_has_the_bars_asked_for_normalised_to_the_loudest():
    bars = audio.waveform(speech.tone_burst(), bars=64)
    assert len(bars) == 64
    assert max(bars) == 1.0 and min(bars) == 0.0
    # The tone fills the middle third only.
    assert all(b == 0.0 for b in bars[:20]) and all(b == 0.0 for b in bars[44:])
    assert all(b > 0.9 for b in bars[23:41])


def test_waveform_of_silence_and_of_tiny_clips_is_flat():
    assert audio.waveform(np.zeros(16000, dtype=np.float32)) == [0.0] * 64
    assert audio.waveform(np.zeros(0, dtype=np.float32), bars=8) == [0.0] * 8
    few = audio.waveform(np.array([0.5, -0.25], dtype=np.float32), bars=4)
    assert len(few) == 4 and max(few) == 1.0


def test_waveform_of_speech_moves_with_the_words(spoken, encoded):
    bars = audio.waveform(audio.decode(encoded[("refund", "webm")]))
    assert bars[0] < 0.05 and bars[-1] < 0.05  # the half second of quiet either side
    assert sum(b > 0.3 for b in bars) > 20
