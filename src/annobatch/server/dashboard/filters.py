"""The templates' filters: times, numbers, and the words and tones of statuses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup, escape

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


def badge(status: object) -> Markup:
    """A status as a small coloured badge with its word (never colour alone)."""
    return Markup(f'<span class="badge tone-{tone(status)}">{escape(words(status))}</span>')


def bar(parts: Sequence[tuple[str, int, str]], label: str = "inputs") -> Markup:
    """A thin stacked bar of counts (`parts`: label, count, css class), drawn in SVG (no inline
    style under the pages' policy), with the counts in a tooltip and in text for screen readers.
    Written here rather than as a template macro: a project page draws a thousand of them."""
    total = sum(n for _, n, _ in parts)
    said = ", ".join(f"{n:,} {name}" for name, n, _ in parts if n)
    rects, x = [], 0
    for _, n, css in parts:
        if n:
            rects.append(f'<rect class="{css}" x="{x}" y="0" width="{n}" height="1"/>')
            x += n
    if not total:
        rects.append('<rect class="empty" x="0" y="0" width="1" height="1"/>')
    text = f"{total:,} {label.removesuffix('s') if total == 1 else label}" + (f": {said}" if said else "")
    return Markup(
        f'<span class="progress" title="{escape(said or "no " + label)}">'
        f'<svg class="bar" viewBox="0 0 {total or 1} 1" preserveAspectRatio="none" aria-hidden="true"'
        f' focusable="false">{"".join(rects)}</svg><span class="sr-only">{escape(text)}</span></span>'
    )


FILTERS: dict[str, Callable[..., Any]] = {
    "tone": tone,
    "words": words,
    "when": when,
    "iso": iso,
    "num": num,
    "badge": badge,
    "bar": bar,
}
