"""What every paged table says under its rows."""

from __future__ import annotations


def page_range(offset: int, shown: int, total: int) -> str:
    """ "26–50 of 312" (``offset`` of the first row shown, zero-based); "0 of 0" when empty."""
    if not shown:
        return f"0 of {total:,}"
    return f"{offset + 1:,}–{offset + shown:,} of {total:,}"
