"""The templates' filters: times, numbers, and the words and tones of statuses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

#: Statuses by the tone of their badge (the word is always shown too).
_TONES = {
    "accent": {"open", "in-progress", "in_progress", "ongoing", "processing", "annotate", "review"},
    "ok": {"completed", "created", "done", "accepted", "ready"},
    "warn": {"pending", "todo", "not_started", "not-started", "stuck"},
    "bad": {"failed", "cancelled", "rejected", "revoked", "abandoned"},
}


def tone(status: object) -> str:
    """The badge colour of a status: accent, ok, warn, bad or neutral."""
    text = str(status)
    if text.startswith("invalidated"):
        return "bad"
    return next((name for name, words in _TONES.items() if text in words), "neutral")


def words(status: object) -> str:
    """`in_progress`, `in-progress` → `in progress`; `invalidated:duplicate` → `invalidated: duplicate`."""
    return str(status).replace("_", " ").replace("-", " ").replace(":", ": ")


def when(micros: int | None) -> str:
    """Microseconds since the epoch → `2026-12-01 08:12 UTC`."""
    if micros is None:
        return "—"
    return datetime.fromtimestamp(micros / 1_000_000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def iso(micros: int | None) -> str:
    """For `<time datetime=...>`."""
    if micros is None:
        return ""
    return datetime.fromtimestamp(micros / 1_000_000, UTC).isoformat(timespec="seconds")


def num(value: int | None) -> str:
    """1234567 → 1,234,567."""
    return "—" if value is None else f"{value:,}"


FILTERS: dict[str, Callable[..., Any]] = {"tone": tone, "words": words, "when": when, "iso": iso, "num": num}
