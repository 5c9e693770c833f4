"""Small bar charts drawn server-side as SVG: no script, no third-party chart library."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


def bars(counts: dict[str, int], width: float = 600, height: float = 120) -> list[Bar]:
    """Bars for `counts` in key order (the template escapes the labels)."""
    items = sorted(counts.items())
    if not items:
        return []
    top = max(value for _, value in items) or 1
    step = width / len(items)
    return [
        Bar(label, value, i * step + 1, height - value / top * height, max(step - 2, 1), value / top * height)
        for i, (label, value) in enumerate(items)
    ]
