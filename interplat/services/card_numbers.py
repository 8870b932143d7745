"""Card numbers never enter a chat thread: found in text, they are replaced before storing.

A card number here is 13 to 19 digits, written together or in groups separated by single
spaces or dashes, that passes the Luhn check — what people type or say when they read a
card aloud ("4242 4242 4242 4242"). Other long numbers (a phone number, a tracking number)
fail the Luhn check nine times out of ten and stay; the tenth is removed, which errs on
the safe side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Groups of digits separated by one space or dash: a card and whatever digits follow it
# ("4242 4242 4242 4242 123") are one run, searched for the card inside.
_RUN = re.compile(r"(?<![\d-])\d+(?:[ -]\d+)*")


@dataclass(frozen=True)
class Redacted:
    text: str
    # The last four digits of each number removed (what the sender is told).
    removed: list[str] = field(default_factory=list)

    @property
    def warning(self) -> str:
        """What to tell the sender ("" when nothing was removed)."""
        if not self.removed:
            return ""
        endings = ", ".join(self.removed)
        return (
            f"For your safety the card number ending {endings} was removed. "
            "Please never send card details in a chat."
        )


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = ord(ch) - 48
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _card_in(groups: list[str], start: int) -> int:
    """The end (exclusive) of the longest card number starting at ``groups[start]``, or 0."""
    for end in range(len(groups), start, -1):
        digits = "".join(groups[start:end])
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            return end
    return 0


def _redact_run(run: str, removed: list[str]) -> str:
    groups, separators = re.split(r"[ -]", run), re.findall(r"[ -]", run)
    out, i = [], 0
    while i < len(groups):
        end = _card_in(groups, i)
        if end:
            last4 = "".join(groups[i:end])[-4:]
            removed.append(last4)
            out.append(f"[card ending {last4} removed]")
            i = end
        else:
            out.append(groups[i])
            i += 1
        if i < len(groups):
            out.append(separators[i - 1])
    return "".join(out)


def redact_card_numbers(text: str) -> Redacted:
    """``text`` with every card number replaced by "[card ending 4242 removed]"."""
    if not text or sum(ch.isdigit() for ch in text) < 13:
        return Redacted(text)
    removed: list[str] = []
    cleaned = _RUN.sub(lambda m: _redact_run(m.group(0), removed), text)
    return Redacted(cleaned, removed)
