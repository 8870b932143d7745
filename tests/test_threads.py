"""Thread rows as the chat pages render them: waveform drawing, clip length, media URLs."""

from __future__ import annotations

import re

from interplat.services.messages import MessagePublic
from interplat.state.threads import BAR_PITCH, WAVE_HEIGHT, clock, thread_row, waveform_path


def test_the_waveform_draws_one_centred_bar_per_peak_and_silence_as_a_line():
    path = waveform_path([0.0, 0.5, 1.0])
    bars = re.findall(r"M([\d.]+) ([\d.]+)v([\d.]+)", path)
    assert [float(x) for x, _, _ in bars] == [1, 1 + BAR_PITCH, 1 + 2 * BAR_PITCH]
    heights = [float(h) for _, _, h in bars]
    assert heights == [2.0, WAVE_HEIGHT / 2, WAVE_HEIGHT]
    for _, top, height in bars:  # every bar is centred on the middle line
        assert float(top) + float(height) / 2 == WAVE_HEIGHT / 2


def test_clip_lengths_read_like_a_player():
    assert [clock(ms) for ms in (0, 7400, 59_600, 92_000)] == ["0:00", "0:07", "1:00", "1:32"]


def test_a_voice_row_carries_its_state_and_a_backend_url():
    message = MessagePublic(
        id="m1",
        sender_kind="customer",
        sender_name="You",
        kind="voice",
        body="",
        created_at="2026-11-25T10:00:00+00:00",
        transcribing=True,
        duration_ms=7400,
        waveform=[0.2] * 64,
        media_url="/api/media/abc?exp=1&sig=2",
    )
    row = thread_row(message)
    assert row["transcribing"] == "1" and row["duration"] == "0:07"
    assert row["wave_width"] == str(64 * BAR_PITCH)
    assert row["media_url"].startswith("http") and row["media_url"].endswith(message.media_url)
    assert all(isinstance(v, str) for v in row.values())
    text = thread_row(
        MessagePublic("m2", "csr", "Priya", "text", "Hi", "2026-11-25T10:00:00+00:00")
    )
    assert (text["duration"], text["media_url"], text["transcribing"]) == ("", "", "")


def test_a_paged_tables_range_reads_like_a_person_would_say_it():
    from interplat.state.paging import page_range

    assert page_range(0, 0, 0) == "0 of 0"
    assert page_range(25, 25, 1312) == "26–50 of 1,312"
    assert page_range(0, 3, 3) == "1–3 of 3"
