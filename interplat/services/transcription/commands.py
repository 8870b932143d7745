"""Spoken commands for hands-free mode: a short utterance that means reply, yes, no or stop.

Only short transcripts count (a sentence that happens to contain "no" is a message, not
a command), and Whisper's punctuation, capitals and filler words are ignored.
"""

from __future__ import annotations

import re
from typing import Literal

Command = Literal["reply", "yes", "no", "stop"]

MAX_WORDS = 4
FILLER = frozenset({"uh", "um", "er", "ah", "oh", "please", "ok", "okay", "so", "well", "now"})
PHRASES: dict[str, Command] = {
    "reply": "reply",
    "respond": "reply",
    "answer": "reply",
    "send a reply": "reply",
    "reply to this": "reply",
    "yes": "yes",
    "yeah": "yes",
    "yep": "yes",
    "yup": "yes",
    "sure": "yes",
    "correct": "yes",
    "confirm": "yes",
    "ok": "yes",
    "okay": "yes",
    "no": "no",
    "nope": "no",
    "nah": "no",
    "no thanks": "no",
    "no thank you": "no",
    "stop": "stop",
    "cancel": "stop",
    "quit": "stop",
    "exit": "stop",
    "end": "stop",
    "never mind": "stop",
    "nevermind": "stop",
    "stop listening": "stop",
}
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def parse_command(transcript: str) -> Command | None:
    """The command a short utterance gives, or ``None`` for anything else."""
    words = _WORD.findall(transcript.casefold())
    if not words or len(words) > MAX_WORDS:
        return None
    # "Okay" alone is an answer; "okay, stop" is a stop.
    spoken = [w for w in words if w not in FILLER] or words
    phrase = " ".join(spoken)
    if phrase in PHRASES:
        return PHRASES[phrase]
    # "Yes, yes." or "Stop. Stop." repeat one command word.
    found = {PHRASES.get(word) for word in spoken}
    if len(found) == 1 and None not in found:
        return found.pop()
    return None
