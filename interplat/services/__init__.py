"""Domain logic. Functions take a keyword-only ``session`` plus plain values; no Reflex here."""
