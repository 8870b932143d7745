"""Plain-text matching shared by suggestions: folding, words, meaningful terms, cosine."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

# Filler words that would make any two messages look alike.
_STOP_WORDS_TEXT = """a about all also am an and any are as at be been but by bye can could day
do does did for from get good got great had has have hello hey hi how i if in is it its just know
like me more much my need nice no not now of ok okay on one or our please really so some than thank
thanks that the their them then there these they this to today too up us very want was we were what
when where which who why will with would yes you your"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
WORD_RE = re.compile(r"\w+")


def cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(n * b[term] for term, n in a.items() if term in b)
    if not dot:
        return 0.0
    return dot / math.sqrt(sum(n * n for n in a.values()) * sum(n * n for n in b.values()))


def words(text: str) -> list[str]:
    """Case- and accent-free words: "Réfund?" and "refund" are the same word."""
    folded = text.casefold()
    if not folded.isascii():
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return WORD_RE.findall(folded)


def terms(words: Iterable[str]) -> list[str]:
    """Words that carry meaning, with a plural ``s`` dropped so "refunds" meets "refund"."""
    stems = (
        w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
        for w in words
        if len(w) > 1 and w not in STOP_WORDS
    )
    return [stem for stem in stems if stem not in STOP_WORDS]
