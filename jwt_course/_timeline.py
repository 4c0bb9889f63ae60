"""Events and spans on named lanes, drawn on one time axis."""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import _drawing as draw
from ._drawing import Picture

_LANE_COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9")


@dataclass(frozen=True)
class _Item:
    lane: str
    label: str
    start: float
    end: float | None  # None: an event


class Timeline:
    """Events (instants) and spans (intervals) on named lanes, drawn on one time axis.

    Times are the numbers the cell passes (a fixed clock's seconds, a step count), so the picture
    is the same on every run; ``unit`` is printed after each tick.
    """

    def __init__(self, unit: str = "s") -> None:
        self.unit = unit
        self._items: list[_Item] = []

    def event(self, lane: str, label: str, at: float) -> None:
        """Record an instant ``at`` on ``lane``."""
        self._items.append(_Item(lane, label, _finite(at, "at"), None))

    def span(self, lane: str, label: str, start: float, end: float) -> None:
        """Record an interval from ``start`` to ``end`` on ``lane``."""
        start, end = _finite(start, "start"), _finite(end, "end")
        if end < start:
            raise ValueError(f"a span ends before it starts: start={start:g}, end={end:g}")
        self._items.append(_Item(lane, label, start, end))

    def diagram(self, title: str, alt: str) -> Picture:
        """The lanes top to bottom in order of first use, time left to right."""
        if not self._items:
            raise ValueError("nothing recorded: call event() or span() first")
        return _timeline(self._items, self.unit, title, alt)


def _finite(value: float, name: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return number


def _ticks(low: float, high: float) -> list[float]:
    raw = (high - low) / 8
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    return [round(first + i * step, 10) for i in range(int((high - first) / step + 1e-9) + 1)]


def _timeline(items: list[_Item], unit: str, title: str, alt: str) -> Picture:
    lanes = list(dict.fromkeys(item.lane for item in items))
    low = min(item.start for item in items)
    high = max(item.end if item.end is not None else item.start for item in items)
    if high == low:
        high = low + 1
    label_w = max(draw.text_width(lane, 13) for lane in lanes) + 24
    margin = 20.0
    left = margin + label_w
    plot_w = max(360.0, min(760.0, draw.MAX_WIDTH - left - 60))
    width = left + plot_w + 60

    def px(t: float) -> float:
        return left + (t - low) / (high - low) * plot_w

    # give each label a level above its lane's line, so that no two labels overlap
    levels: dict[str, list[list[tuple[float, float]]]] = {lane: [] for lane in lanes}
    placed: list[tuple[_Item, int, float]] = []
    for item in items:
        size_w = draw.text_width(item.label, 12)
        x0 = px(item.start) - (size_w / 2 if item.end is None else 0)
        x0 = max(left - 8, min(x0, width - margin - size_w))  # never over the lane names
        interval = (x0 - 6, x0 + size_w + 6)
        rows = levels[item.lane]
        level = next(
            (k for k, row in enumerate(rows) if all(b <= interval[0] or a >= interval[1] for a, b in row)), len(rows)
        )
        if level == len(rows):
            rows.append([])
        rows[level].append(interval)
        placed.append((item, level, x0))
    heights = {lane: 30 + 16 * max(1, len(levels[lane])) for lane in lanes}
    shapes: list[draw.Shape] = [draw.Text(margin, 26, title, size=16, bold=True)]
    y = 44.0
    base: dict[str, float] = {}
    for i, lane in enumerate(lanes):
        y += heights[lane]
        base[lane] = y
        colour = _LANE_COLOURS[i % len(_LANE_COLOURS)]
        shapes.append(draw.Text(margin, y + 4, lane, size=13, bold=True, fill=colour))
        shapes.append(draw.Line(left, y, left + plot_w, y, stroke="#c8c8c8", width=1))
    axis = y + 22
    shapes.append(draw.Line(left, axis, left + plot_w, axis, stroke="#333333", width=1))
    for tick in _ticks(low, high):
        shapes.append(draw.Line(px(tick), axis, px(tick), axis + 5, stroke="#333333", width=1))
        shapes.append(
            draw.Text(px(tick), axis + 19, f"{tick:g} {unit}".strip(), size=11, anchor="middle", fill="#333333")
        )
    placed.sort(key=lambda entry: entry[0].end is None)  # events on top of spans
    for item, level, x0 in placed:
        colour = _LANE_COLOURS[lanes.index(item.lane) % len(_LANE_COLOURS)]
        y0 = base[item.lane]
        if item.end is None:
            x = px(item.start)
            shapes.append(draw.Poly(((x, y0 - 9), (x + 9, y0), (x, y0 + 9), (x - 9, y0)), "#1a1a1a"))
            shapes.append(draw.Poly(((x, y0 - 6), (x + 6, y0), (x, y0 + 6), (x - 6, y0)), colour))
        else:
            x1, x2 = px(item.start), max(px(item.end), px(item.start) + 3)
            shapes.append(draw.Rect(x1, y0 - 6, x2 - x1, 12, fill=colour, rx=3))
        shapes.append(draw.Text(x0, y0 - 14 - 16 * level, item.label, size=12, fill="#1a1a1a"))
    ordered = sorted(enumerate(items), key=lambda pair: (pair[1].start, pair[0]))
    text = [title] + [
        f"{item.lane}: {item.label} at {item.start:g} {unit}".rstrip()
        if item.end is None
        else f"{item.lane}: {item.label} from {item.start:g} to {item.end:g} {unit}".rstrip()
        for _, item in ordered
    ]
    return Picture(shapes, math.ceil(width), math.ceil(axis + 32), alt, "\n".join(text))
