"""Thread messages as the chat pages hold them: flat rows of strings, ready to render.

Both sides of a chat show the same messages; the services give ``MessagePublic`` and the
pages want plain strings (Reflex state vars, ``rx.cond`` on ""), so each message becomes
one row here: the voice message's waveform as an SVG path, its length as "0:07", and
media URLs pointing at the backend (another port under ``make dev``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import reflex as rx

from ..services.messages import MessagePublic

# The waveform's drawing box: one bar per peak, 2 units wide with a 1 unit gap.
WAVE_HEIGHT = 24
BAR_PITCH = 3
CARD_KINDS = ("offer", "payment_request")


def backend_url(path: str) -> str:
    """An absolute URL on the backend for a path the API serves ("" stays "")."""
    if not path:
        return ""
    return rx.config.get_config().api_url.rstrip("/") + path


def waveform_path(peaks: Sequence[float]) -> str:
    """An SVG path of vertical bars, centred, at least 2 units tall so silence still shows."""
    mid = WAVE_HEIGHT / 2
    parts = []
    for i, peak in enumerate(peaks):
        height = max(2.0, min(1.0, max(0.0, peak)) * WAVE_HEIGHT)
        parts.append(f"M{i * BAR_PITCH + 1} {mid - height / 2:.1f}v{height:.1f}")
    return "".join(parts)


def clock(milliseconds: int) -> str:
    """A clip's length as a player shows it: 0:07, 1:32."""
    seconds = round(milliseconds / 1000)
    return f"{seconds // 60}:{seconds % 60:02d}"


def thread_row(message: MessagePublic) -> dict[str, str]:
    return {
        "id": message.id,
        "sender_kind": message.sender_kind,
        "sender_name": message.sender_name,
        # A card whose offer or bill is gone shows the message's own text.
        "kind": message.kind if message.card or message.kind not in CARD_KINDS else "text",
        "body": message.body,
        "created_at": message.created_at,
        "transcribing": "1" if message.transcribing else "",
        "transcript": message.transcript,
        "transcript_error": message.transcript_error,
        "duration": clock(message.duration_ms) if message.kind == "voice" else "",
        "wave": waveform_path(message.waveform),
        "wave_width": str(max(1, len(message.waveform)) * BAR_PITCH),
        "media_url": backend_url(message.media_url),
        "content_type": message.content_type,
        # The assistant's quick replies, one a line (rows hold strings only).
        "quick_replies": "\n".join(message.quick_replies),
        "receipt": message.receipt,
        # A card's fields flattened, so every value stays a string the page can compare.
        **{f"card_{key}": value for key, value in message.card.items()},
    }


def thread_rows(thread: Sequence[MessagePublic]) -> list[dict[str, str]]:
    return [thread_row(m) for m in thread]


def recorder_problem(outcome: str) -> str:
    """What to tell a person whose microphone did not start (``window.interplatRecorder``)."""
    return {
        "denied": "Allow the microphone to send a voice message.",
        "unsupported": "This browser cannot record voice messages.",
    }.get(outcome, "The microphone could not be started.")


def voice_send_problem(result: Any) -> str:
    """What went wrong sending a recording ("" when it was stored)."""
    if isinstance(result, dict) and result.get("id") and not result.get("error"):
        return ""
    error = result.get("error") if isinstance(result, dict) else ""
    return str(error or "The voice message could not be sent.")
