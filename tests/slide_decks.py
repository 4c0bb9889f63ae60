"""The lesson decks, exported once per test run, and how to measure their slides in Chromium.

Both tests/test_slides.py and tests/test_browser_render.py need every deck; exporting them costs
seconds per lesson, so the first pytest worker to ask exports them into a folder shared by all
workers of the run (beside pytest's per-worker temporary folders) under a file lock, and the
others reuse that folder.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from jwt_course.tooling import slides, slides_deck

LESSONS = slides.lessons()


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for path in [*LESSONS, Path(slides.__file__), Path(slides_deck.__file__)]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every lesson's deck (by notebook file name), exported once per run and content."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, shared by its xdist workers (pytest removes old runs)
    out = root / f"slides-{_fingerprint()}"
    done = out / "decks.json"
    with (root / "slides.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            decks = slides.export(LESSONS, out)
            done.write_text(json.dumps({p.name: d.name for p, d in zip(LESSONS, decks, strict=False)}))
    return {name: out / deck for name, deck in json.loads(done.read_text()).items()}


# Run in a deck once reveal.js is ready: every slide, all fragments shown, its content measured
# on the unscaled canvas (every element's box, so content that sticks out or is clipped counts).
MEASURE = """
// viewDistance: every slide laid out at once (reveal.js hides far ones), so none needs a visit
Reveal.configure({transition: "none", backgroundTransition: "none", margin: 0, minScale: 1, maxScale: 1,
                  viewDistance: 1000, mobileViewDistance: 1000});
const found = [];
let heading = "";
// every fragment shown first (they change no layout), so the deck is laid out once, not once per slide
document.querySelectorAll(".slides .fragment").forEach((f) => f.classList.add("visible"));
const scale = Reveal.getScale();
for (const slide of Reveal.getSlides()) {
  const at = Reveal.getIndices(slide);
  const box = slide.getBoundingClientRect();
  let right = slide.scrollWidth, bottom = slide.scrollHeight, left = 0;
  const clipped = [];
  for (const el of slide.querySelectorAll("*")) {
    if (el.closest("aside.notes") || !el.getClientRects().length) continue;
    const r = el.getBoundingClientRect();
    right = Math.max(right, (r.right - box.left) / scale);
    bottom = Math.max(bottom, (r.bottom - box.top) / scale);
    left = Math.min(left, (r.left - box.left) / scale);
    const style = getComputedStyle(el);
    if ((style.overflowX !== "visible" && el.scrollWidth > el.clientWidth + 1) ||
        (style.overflowY !== "visible" && el.scrollHeight > el.clientHeight + 1)) {
      clipped.push(el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ")[0] : ""));
    }
  }
  const h = slide.querySelector("h1, h2, h3");
  if (h) heading = h.textContent.replace("¶", "").trim();
  const cell = slide.querySelector('[id^="cell-id="]');
  found.push({
    h: at.h, v: at.v, width: Math.round(right - left), height: Math.round(bottom),
    clipped: clipped, heading: heading, cell: cell ? cell.id.slice(8) : "",
    continued: slide.hasAttribute("data-jwt-continued"),
  });
}
return found;
"""


def too_big(measured: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The slides that are taller or wider than the canvas, or clip content."""
    return [s for s in measured if s["height"] > slides.HEIGHT or s["width"] > slides.WIDTH or s["clipped"]]


def describe(deck: str, slide: dict[str, Any]) -> str:
    """One line naming the slide (as reveal.js's URL hash does) and its size."""
    clipped = f", clips {', '.join(sorted(set(slide['clipped'])))}" if slide["clipped"] else ""
    return (
        f"{deck} #/{slide['h']}/{slide['v']} ({slide['heading'][:50]!r}, cell {slide['cell']}): "
        f"{slide['width']}x{slide['height']} px{clipped}"
    )
