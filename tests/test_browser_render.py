"""In headless Chromium: every slide of every deck fits reveal.js's canvas, and pictures render.

The decks are exported once per run (tests/slide_decks.py) and measured with every fragment
shown: a slide taller or wider than 1200x800, or one that clips content (an element with hidden
or scrolled overflow), fails the test, which names the deck, the slide (#/h/v, as in the deck's
URL), its first cell and its size. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import httpx
import nbformat
import pytest
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from jwt_course.pictures import Picture, Traffic
from jwt_course.tooling import ROOT, slides

from slide_decks import MEASURE, describe, exported, too_big
from webdriver import Browser

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
READY = "return !!(window.Reveal && Reveal.isReady())"


def _open_deck(browser: Browser, deck: Path) -> None:
    browser.get(deck.resolve().as_uri())
    browser.wait_for(READY, 60, f"reveal.js to start in {deck.name}")


def _measure(browser: Browser, deck: Path) -> list[dict]:
    _open_deck(browser, deck)
    return browser.js(MEASURE)


# the first slide showing a picture (an SVG output with alt text): its indices, or null; shown at once
# (no slide or fragment transition), for the screenshot
FIRST_PICTURE = """
const img = [...document.querySelectorAll('.slides img')].find(i => i.src.startsWith('data:image/svg+xml') && i.alt);
if (!img) return null;
const still = document.createElement('style');
still.textContent = '.reveal *, .reveal *::before, .reveal *::after { transition: none !important; }';
document.head.appendChild(still);
const at = Reveal.getIndices(img.closest('section'));
Reveal.slide(at.h, at.v);
img.closest('section').querySelectorAll('.fragment').forEach(f => f.classList.add('visible'));
return [at.h, at.v];
"""


def test_every_slide_of_every_deck_fits_the_canvas(browser, tmp_path_factory):
    decks = exported(tmp_path_factory)
    report, failures = {}, []
    for name, deck in decks.items():
        measured = _measure(browser, deck)
        report[name] = measured
        failures += [describe(deck.name, slide) for slide in too_big(measured)]
        if browser.js(FIRST_PICTURE):  # evidence for issue 15: the lesson's picture on its slide
            browser.settle()
            browser.screenshot(ARTIFACTS / f"slide-picture-{deck.name.split('_')[0]}.png")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "slides-measured.json").write_text(json.dumps(report, indent=1))
    count = sum(len(measured) for measured in report.values())
    assert not failures, f"{len(failures)} of {count} slides do not fit 1200x800:\n" + "\n".join(failures)


# ---------------------------------------------------------------------------- the fitter, on purpose-built cells

LINES = 150


def _crowded_notebook() -> nbformat.NotebookNode:
    """Cells that cannot fit one slide: long code, long output, long prose, a wide table, a long token."""
    code = "\n".join(f"value_{i:03d} = {i}  # a line of code" for i in range(90))
    output = "".join(f"line {i:03d}\n" for i in range(LINES))
    prose = "\n\n".join(f"Paragraph {i:02d}: " + "words that wrap " * 12 for i in range(30))
    header = "| " + " | ".join(f"column {c}" for c in range(10)) + " |\n|" + "---|" * 10 + "\n"
    rows = "".join("| " + " | ".join(f"cell {r}.{c} with text" for c in range(10)) + " |\n" for r in range(40))
    token = "eyJ" + "A" * 600 + ".eyJ" + "B" * 600 + ".sig"
    nb = new_notebook(cells=[
        new_markdown_cell("# 99 · Crowded"),
        new_markdown_cell("## 1. Long code and output"),
        new_code_cell(code, outputs=[new_output("stream", name="stdout", text=output)]),
        new_markdown_cell("## 2. Long prose\n\n" + prose),
        new_markdown_cell("## 3. A wide, long table\n\n" + header + rows),
        new_code_cell("token", outputs=[new_output("execute_result", data={"text/plain": repr(token)}, execution_count=1)]),
    ])  # fmt: skip
    return nb


@pytest.fixture(scope="module")
def crowded_deck(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("crowded")
    path = out / "99_crowded.ipynb"
    nbformat.write(_crowded_notebook(), path)
    (deck,) = slides.export([path], out / "slides", jobs=1)
    return deck


def test_the_fitter_splits_what_does_not_fit(browser, crowded_deck):
    measured = _measure(browser, crowded_deck)
    assert not too_big(measured), "\n".join(describe(crowded_deck.name, s) for s in too_big(measured))
    assert sum(s["continued"] for s in measured) >= 5


def test_the_fitter_loses_and_repeats_nothing(browser, crowded_deck):
    _open_deck(browser, crowded_deck)
    text = browser.js(
        "return [...document.querySelectorAll('.slides section')].filter(s => !s.querySelector('section')).map(s => s.textContent).join('\\n')"
    )
    lines = [line for line in text.split("\n") if line.startswith("line ")]
    assert lines == [f"line {i:03d}" for i in range(LINES)]
    assert [n for n in range(30) if text.count(f"Paragraph {n:02d}:") != 1] == []
    assert [n for n in range(90) if text.count(f"value_{n:03d} =") != 1] == []
    assert [r for r in range(40) if text.count(f"cell {r}.0 with text") != 1] == []


def test_a_split_table_repeats_its_header(browser, crowded_deck):
    _open_deck(browser, crowded_deck)
    tables = browser.js(
        "return [...document.querySelectorAll('.slides table')].map(t => t.tHead ? t.tHead.textContent.trim().split(/\\s+/).length : 0)"
    )
    assert len(tables) > 1 and all(count == 20 for count in tables)


# ---------------------------------------------------------------------------- pictures


def _picture() -> Picture:
    # a real exchange, drawn: a request to a port where nothing listens
    from webdriver import free_port

    url = f"http://127.0.0.1:{free_port()}"
    with Traffic(names={url: "API"}) as traffic:
        with contextlib.suppress(httpx.TransportError):
            httpx.get(url + "/me", timeout=2)
    return traffic.diagram(title="A request nobody answered", alt="The client asks the API for /me; no response")


def _picture_notebook() -> nbformat.NotebookNode:
    data, metadata = _picture()._repr_mimebundle_()
    return new_notebook(cells=[
        new_markdown_cell("# 99 · A picture"),
        new_markdown_cell("## 1. The picture"),
        new_code_cell("traffic.diagram(...)", outputs=[new_output("display_data", data=data, metadata=metadata)]),
    ])  # fmt: skip


IMAGE = """
const img = [...document.querySelectorAll('img')].find(i => i.src.startsWith('data:image/svg+xml'));
if (!img || !img.complete) return null;
img.scrollIntoView();
const r = img.getBoundingClientRect();
return {natural: img.naturalWidth, width: r.width, height: r.height, alt: img.alt};
"""


def test_a_picture_renders_in_a_slide(browser, tmp_path):
    path = tmp_path / "99_picture.ipynb"
    nbformat.write(_picture_notebook(), path)
    (deck,) = slides.export([path], tmp_path / "slides", jobs=1)
    _open_deck(browser, deck)
    browser.js(
        "Reveal.configure({transition: 'none'}); Reveal.slide(1, 0); document.querySelectorAll('.fragment').forEach(f => f.classList.add('visible'))"
    )
    shown = browser.wait_for(IMAGE, 20, "the picture to load")
    assert shown["natural"] > 0 and shown["width"] > 300
    assert shown["alt"] == "The client asks the API for /me; no response"
    browser.settle()  # the fragment's fade-in ended and was painted
    browser.screenshot(ARTIFACTS / "picture-in-slide.png")


def test_a_picture_renders_in_nbconvert_html(browser, tmp_path):
    html, _ = HTMLExporter().from_notebook_node(_picture_notebook())
    page = tmp_path / "picture.html"
    page.write_text(html, encoding="utf-8")
    browser.get(page.as_uri())
    shown = browser.wait_for(IMAGE, 20, "the picture to load")
    assert shown["natural"] > 0 and shown["width"] > 300
    browser.screenshot(ARTIFACTS / "picture-in-nbconvert-html.png")
