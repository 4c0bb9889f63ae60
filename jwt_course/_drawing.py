"""A tiny drawing model for :mod:`jwt_course.pictures`: shapes in pixels, written as SVG and PNG.

Both writers take the same list of shapes, so the SVG (what nbval compares, what nbconvert,
reveal.js and GitHub show) and the PNG (what an untrusted notebook shows in JupyterLab) are the
same picture. The SVG uses presentation attributes only: no ``<style>``, no ids, no scripts, no
external references, so it survives sanitizers and several pictures can share one HTML page.
"""

from __future__ import annotations

import base64
import functools
import io
import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

FONT = "DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, monospace"
MAX_WIDTH = 1040.0  # px: a picture fits a notebook column and a slide without shrinking much
CHAR = 0.602  # advance of one character of DejaVu Sans Mono, in em
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """``text`` with characters XML cannot hold (controls, lone surrogates) replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def text_width(text: str, size: float) -> float:
    """The width of ``text`` in pixels at ``size`` px, in the monospace font (wide characters: 2)."""
    cells = sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
    return cells * CHAR * size


def fit(text: str, width: float, size: float) -> str:
    """``text`` cut with an ellipsis so that it is at most ``width`` pixels wide."""
    if text_width(text, size) <= width:
        return text
    keep = max(1, int(width / (CHAR * size)) - 1)
    while keep > 1 and text_width(text[:keep] + "…", size) > width:
        keep -= 1
    return text[:keep] + "…"


def wrap(text: str, width: float, size: float) -> list[str]:
    """``text`` broken into lines at most ``width`` pixels wide (hard breaks, nothing dropped)."""
    per_line = max(1, int(width / (CHAR * size)))
    lines: list[str] = []
    for line in text.splitlines() or [""]:
        while text_width(line, size) > width and len(line) > 1:
            cut = line.rfind(" ", 1, per_line + 1)
            cut = cut if cut > per_line // 2 else per_line
            lines.append(line[:cut].rstrip())
            line = line[cut:].lstrip(" ") if line[cut : cut + 1] == " " else line[cut:]
        lines.append(line)
    return lines


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str = "none"
    stroke: str = "none"
    rx: float = 0.0


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = "#333333"
    width: float = 1.5
    dashed: bool = False


@dataclass(frozen=True)
class Poly:
    points: tuple[tuple[float, float], ...]
    fill: str = "#333333"


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # the baseline
    text: str
    size: float = 14.0
    fill: str = "#1a1a1a"
    anchor: str = "start"  # start | middle | end
    bold: bool = False


Shape = Rect | Line | Poly | Text


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def render_svg(shapes: list[Shape], width: float, height: float, alt: str) -> str:
    """The shapes as one standalone SVG document, with ``alt`` as its title and aria-label."""
    alt = clean(alt)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" height="{_n(height)}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" role="img" aria-label={quoteattr(alt)} '
        f'font-family="{FONT}" style="max-width: 100%; height: auto">',
        f"<title>{escape(alt)}</title>",
        f'<rect x="0" y="0" width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>',
    ]
    for shape in shapes:
        if isinstance(shape, Rect):
            out.append(
                f'<rect x="{_n(shape.x)}" y="{_n(shape.y)}" width="{_n(shape.w)}" height="{_n(shape.h)}" '
                f'rx="{_n(shape.rx)}" fill="{shape.fill}" stroke="{shape.stroke}"/>'
            )
        elif isinstance(shape, Line):
            dash = ' stroke-dasharray="6 4"' if shape.dashed else ""
            out.append(
                f'<line x1="{_n(shape.x1)}" y1="{_n(shape.y1)}" x2="{_n(shape.x2)}" y2="{_n(shape.y2)}" '
                f'stroke="{shape.stroke}" stroke-width="{_n(shape.width)}"{dash}/>'
            )
        elif isinstance(shape, Poly):
            points = " ".join(f"{_n(x)},{_n(y)}" for x, y in shape.points)
            out.append(f'<polygon points="{points}" fill="{shape.fill}"/>')
        else:
            weight = ' font-weight="bold"' if shape.bold else ""
            out.append(
                f'<text x="{_n(shape.x)}" y="{_n(shape.y)}" font-size="{_n(shape.size)}" fill="{shape.fill}" '
                f'text-anchor="{shape.anchor}" xml:space="preserve"{weight}>{escape(clean(shape.text))}</text>'
            )
    out.append("</svg>")
    return "\n".join(out) + "\n"


SCALE = 2  # PNG pixels per SVG pixel (sharp on high-density screens)


def render_png(shapes: list[Shape], width: float, height: float) -> bytes:
    """The same shapes drawn by matplotlib (Agg) as PNG bytes, ``SCALE`` times the SVG's size."""
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch, Polygon

    dpi = 100 * SCALE
    figure = Figure(figsize=(width / 100, height / 100), dpi=dpi)
    axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    axes.set_xlim(0, width)
    axes.set_ylim(height, 0)
    axes.axis("off")
    points_per_px = 72 / 100
    for order, shape in enumerate(shapes):
        if isinstance(shape, Rect):
            axes.add_patch(
                FancyBboxPatch(
                    (shape.x, shape.y),
                    shape.w,
                    shape.h,
                    boxstyle=f"round,pad=0,rounding_size={shape.rx}" if shape.rx else "square,pad=0",
                    facecolor=shape.fill if shape.fill != "none" else "none",
                    edgecolor=shape.stroke if shape.stroke != "none" else "none",
                    linewidth=points_per_px,
                    zorder=order,
                )
            )
        elif isinstance(shape, Line):
            axes.plot(
                [shape.x1, shape.x2],
                [shape.y1, shape.y2],
                color=shape.stroke,
                linewidth=shape.width * points_per_px,
                linestyle=(0, (4, 2.7)) if shape.dashed else "-",
                solid_capstyle="butt",
                zorder=order,
            )
        elif isinstance(shape, Poly):
            axes.add_patch(
                Polygon(list(shape.points), closed=True, facecolor=shape.fill, edgecolor="none", zorder=order)
            )
        else:
            axes.text(
                shape.x,
                shape.y,
                clean(shape.text),
                fontsize=shape.size * points_per_px,
                color=shape.fill,
                ha={"start": "left", "middle": "center", "end": "right"}[shape.anchor],
                va="baseline",
                family="DejaVu Sans Mono",
                fontweight="bold" if shape.bold else "normal",
                parse_math=False,
                zorder=order,
            )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None}, facecolor="#ffffff")
    return buffer.getvalue()


class Picture:
    """A drawing with alt text: SVG and PNG for people, ``text`` for tests and screen readers."""

    def __init__(self, shapes: list[Shape], width: float, height: float, alt: str, text: str) -> None:
        if not alt.strip():
            raise ValueError("a picture needs alt text: say what it shows")
        self.alt = alt
        self.text = text
        self.width = width
        self.height = height
        self._shapes = shapes
        self.svg = render_svg(shapes, width, height, alt)

    @functools.cached_property
    def png(self) -> bytes:
        """The picture as PNG (drawn by matplotlib, at twice the SVG's size)."""
        return render_png(self._shapes, self.width, self.height)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
        data = {
            "image/svg+xml": self.svg,
            "image/png": base64.b64encode(self.png).decode("ascii"),
            "text/plain": self.text,
        }
        size = {"width": round(self.width), "height": round(self.height)}
        return data, {"image/png": size}

    def __repr__(self) -> str:
        return self.text
