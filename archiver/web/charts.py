"""Small bar charts drawn server-side as SVG: no script, no third-party chart library."""

from __future__ import annotations

from dataclasses import dataclass

GAP_HEIGHT = 6.0  # a month with no article: a short mark on the baseline, drawn apart from the bars


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    gap: bool = False  # a month with none between the first and the last (coverage charts)


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


def month_bars(counts: dict[str, int], months: list[str], width: float = 600, height: float = 120) -> list[Bar]:
    """One bar per month of `months` (every month of a span, in order); a month absent from `counts` is a gap."""
    if not months:
        return []
    top = max(counts.values(), default=0) or 1
    step = width / len(months)
    out = []
    for i, month in enumerate(months):
        value = counts.get(month, 0)
        tall = GAP_HEIGHT if not value else value / top * height
        out.append(Bar(month, value, i * step + 1, height - tall, max(step - 2, 1), tall, gap=not value))
    return out
