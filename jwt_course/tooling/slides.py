"""Course tooling: slide metadata in the lessons, and reveal.js decks that work offline.

Used by ``make slides`` and by the tests; learners never need it.

    python -m jwt_course.tooling.slides tag notebooks/03_bearer_flow_fastapi.ipynb  # set slide types
    python -m jwt_course.tooling.slides tag --check notebooks/*.ipynb              # exit 1 if stale
    python -m jwt_course.tooling.slides export                                     # every lesson -> slides/
    python -m jwt_course.tooling.slides export --out DIR notebooks/01_jwt_by_hand.ipynb

(``make slides`` runs the export; ``python -m jwt_course._slides`` still works, for old scripts.)

``tag`` sets ``cell.metadata.slideshow.slide_type`` by these rules, and touches nothing else:

- the first cell (the title) and every Markdown cell with a ``#`` or ``##`` heading: ``slide``;
- a Markdown cell with a ``###`` heading: ``subslide``;
- an instructor note (a Markdown cell that is a ``<details class="instructor-note">`` block, is tagged
  ``instructor-note``, or starts with ``**Instructor note:**`` or ``> Speaker notes:``): ``notes``;
- other Markdown right after a code cell: ``subslide`` (the next step of the talk); else ``-``;
- a code cell before the first ``##`` heading or in a "Setup" / "Clean-up" section: ``skip``;
- a code cell right after Markdown: ``fragment`` (it appears after its paragraph, on a click);
  a code cell right after another code cell: ``subslide``.

Each value the tagger sets is also recorded as ``slideshow.jwt_course_auto``. A slide type a
person chose (in JupyterLab's property inspector, or by hand) has no such record, or one that
no longer matches, and is never changed. To hand a cell back to the tagger, delete its
``slideshow`` metadata.

``export`` renders each lesson with nbconvert's reveal template, minus everything it would load
from a CDN (jQuery, require.js, MathJax, Mermaid, reveal.js itself), and copies the vendored
reveal.js (``vendor/reveal.js``) next to the decks. Lessons use no LaTeX math or Mermaid
diagrams; a deck would show them as plain text.

Every slide fits reveal.js's 1200x800 canvas, whatever the notebook's cells look like:

- before rendering (:func:`prepare`, on a copy): a Markdown cell is split at each ``#``/``##``/``###``
  heading, so a section never opens with the previous section's closing paragraph; an instructor
  note inside a larger cell becomes its own cell; every instructor note becomes a speaker note
  (``<aside class="notes">``, its ``<details>`` wrapper removed), never slide body;
- in the deck's CSS: code, output and table cells wrap (long lines and tokens break, nothing scrolls
  sideways or is clipped), images and pictures shrink to the canvas;
- in the deck, before reveal.js starts (``FIT_SCRIPT``, :mod:`jwt_course.tooling.slides_deck`): each slide
  is laid out on the 1200 px canvas and measured with every fragment in place; what does not fit
  moves to a continuation sub-slide (which names the section it continues), split between cells,
  between blocks of a Markdown cell, between table rows (the header repeated) or list items, or
  between lines of a long code block or output.
"""

from __future__ import annotations

import argparse
import copy
import functools
import os
import re
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import nbformat

from ..course import ROOT
from .slides_deck import TEMPLATE

__all__ = [
    "HEIGHT",
    "LESSONS",
    "ROOT",
    "SLIDES",
    "VENDOR",
    "WIDTH",
    "deck_name",
    "export",
    "human_choice",
    "is_instructor_note",
    "lessons",
    "main",
    "note_text",
    "prepare",
    "slide_types",
    "tag",
    "tag_file",
]

LESSONS = ROOT / "notebooks"
SLIDES = ROOT / "slides"
VENDOR = ROOT / "vendor" / "reveal.js"
REVEAL_DIR = "reveal.js"  # the folder next to the decks, and the URL prefix inside them

AUTO = "jwt_course_auto"
NOTES_PREFIXES = ("**Instructor note:**", "> Speaker notes:")
NOTE_TAG = "instructor-note"
NOTE_DETAILS = re.compile(r"""^\s*<details\b[^>]*\bclass\s*=\s*["'][^"']*\binstructor-note\b""", re.IGNORECASE)
# an instructor note inside a larger Markdown cell: a <details> block, or a paragraph with the prefix
EMBEDDED_NOTE = re.compile(
    r"""^[ \t]*<details\b[^>]*\bclass\s*=\s*["'][^"']*\binstructor-note\b.*?</details>[ \t]*$"""
    r"|^[ \t]*\*\*Instructor note:\*\*.*?(?=\n[ \t]*\n|\Z)",
    re.IGNORECASE | re.DOTALL | re.MULTILINE,
)
DETAILS_WRAPPER = re.compile(
    r"^\s*<details\b[^>]*>\s*(<summary\b.*?</summary>)?|</details>\s*$", re.IGNORECASE | re.DOTALL
)
SETUP_SECTION = re.compile(r"^(\d+\.\s*)?(set-?up|clean-?up|clean up)\s*$", re.IGNORECASE)
HEADING = re.compile(r"^(#{1,3}) +(.*)$")
FENCE = re.compile(r"^\s*(```|~~~)")

TEMPLATE_NAME = "jwt_course_slides.html.j2"
WIDTH, HEIGHT = 1200, 800  # reveal.js's canvas, in CSS pixels (the template reads them from the exporter)

# ---------------------------------------------------------------------------- tagging


def _headings(source: str) -> list[tuple[int, str]]:
    """The Markdown headings of a cell as (level, text), ignoring fenced code."""
    found = []
    fenced = False
    for line in source.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and (match := HEADING.match(line)):
            found.append((len(match.group(1)), match.group(2).strip()))
    return found


def is_instructor_note(cell: Any) -> bool:
    """Whether ``cell`` is an instructor note (either form, or tagged ``instructor-note``)."""
    if cell.get("cell_type") != "markdown":
        return False
    source = cell.get("source", "")
    tags = cell.get("metadata", {}).get("tags", [])
    return (
        source.lstrip().startswith(NOTES_PREFIXES)
        or bool(NOTE_DETAILS.match(source))
        or (isinstance(tags, list) and NOTE_TAG in tags)
    )


def note_text(source: str) -> str:
    """An instructor note's Markdown for the speaker view: the ``<details>``/``<summary>`` wrapper removed."""
    return DETAILS_WRAPPER.sub("", source).strip()


def _slideshow(cell: Any) -> dict[str, Any]:
    value = cell.get("metadata", {}).get("slideshow", {})
    return value if isinstance(value, dict) else {}


def human_choice(cell: Any) -> str | None:
    """The slide type a person set on this cell, or None if the tagger may decide it."""
    slideshow = _slideshow(cell)
    if not slideshow:
        return None
    current = slideshow.get("slide_type", "-")
    if AUTO in slideshow and slideshow[AUTO] == current:
        return None
    return str(current)


def slide_types(nb: Any) -> list[str]:
    """The slide type of every cell: a person's choice where there is one, else the rules'."""
    types: list[str] = []
    section: str | None = None  # the text of the last ## heading seen
    previous: str | None = None  # cell_type of the last cell that shows on a slide
    for index, cell in enumerate(nb.cells):
        kind = cell.cell_type
        headings = _headings(cell.source) if kind == "markdown" else []
        for level, text in headings:
            if level == 2:
                section = text
        chosen = human_choice(cell)
        if chosen is not None:
            slide_type = chosen
        elif index == 0:
            slide_type = "slide"
        elif kind == "markdown":
            if is_instructor_note(cell):
                slide_type = "notes"
            elif any(level <= 2 for level, _ in headings):
                slide_type = "slide"
            elif headings or previous == "code":
                slide_type = "subslide"
            else:
                slide_type = "-"
        elif kind == "code":
            if section is None or SETUP_SECTION.match(section):
                slide_type = "skip"
            elif previous == "markdown":
                slide_type = "fragment"
            else:
                slide_type = "subslide"
        else:
            slide_type = "-"
        if slide_type not in ("skip", "notes"):
            previous = kind
        types.append(slide_type)
    return types


def tag(nb: Any) -> int:
    """Set the rules' slide types on ``nb`` in place; return how many cells changed."""
    changed = 0
    for cell, slide_type in zip(nb.cells, slide_types(nb), strict=False):
        if human_choice(cell) is not None:
            continue
        wanted = {"slide_type": slide_type, AUTO: slide_type}
        slideshow = _slideshow(cell)
        if {key: slideshow.get(key) for key in wanted} != wanted:
            cell.metadata["slideshow"] = {**slideshow, **wanted}
            changed += 1
    return changed


def tag_file(path: Path, check: bool = False) -> int:
    """Tag one notebook file (rewritten only if something changed); return the cells changed."""
    nb = nbformat.read(path, as_version=4)
    changed = tag(nb)
    if changed and not check:
        nbformat.write(nb, path)
    return changed


# ---------------------------------------------------------------------------- preparing a deck


def _split_at_headings(source: str) -> list[str]:
    """``source`` cut before each ``#``/``##``/``###`` heading outside fenced code (empty parts dropped)."""
    parts: list[list[str]] = [[]]
    fenced = False
    for line in source.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and HEADING.match(line) and any(text.strip() for text in parts[-1]):
            parts.append([])
        parts[-1].append(line)
    return [text for part in parts if (text := "\n".join(part).strip())]


def _without_notes(source: str) -> tuple[str, list[str]]:
    """``source`` minus the instructor notes inside it, and those notes."""
    notes = [match.group(0).strip() for match in EMBEDDED_NOTE.finditer(source)]
    return re.sub(r"\n{3,}", "\n\n", EMBEDDED_NOTE.sub("", source)), notes


def _markdown_cell(template: Any, source: str, cell_id: str, slideshow: dict[str, Any] | None) -> Any:
    cell = copy.deepcopy(template)
    cell.source = source
    cell["id"] = cell_id[:64]
    cell.metadata.pop("slideshow", None)
    if slideshow:
        cell.metadata["slideshow"] = slideshow
    return cell


def _split_cell(cell: Any) -> list[Any]:
    body, notes = _without_notes(cell.source)
    parts = _split_at_headings(body)
    if len(parts) <= 1 and not notes:
        return [cell]
    choice = human_choice(cell)
    headed = next((k for k, text in enumerate(parts) if HEADING.match(text)), 0)
    cells = []
    for k, text in enumerate(parts):
        keeps = choice in ("skip", "notes") or (choice is not None and k == headed)
        cells.append(
            _markdown_cell(
                cell, text, cell.id if k == 0 else f"{cell.id}-{k}", {"slide_type": choice} if keeps else None
            )
        )
    for k, note in enumerate(notes):
        cells.append(_markdown_cell(cell, note, f"{cell.id}-note{k}", {"slide_type": "notes"}))
    return cells


def prepare(nb: Any) -> Any:
    """A copy of ``nb`` ready to render as a deck (see the module's docstring); ``nb`` is not changed.

    Markdown cells are split at headings and around embedded instructor notes, every cell gets
    the slide type the rules give it (a person's choice is kept), and every instructor note is a
    speaker note with its ``<details>`` wrapper removed.
    """
    prepared = copy.deepcopy(nb)
    cells = []
    for cell in prepared.cells:
        is_plain_markdown = cell.cell_type == "markdown" and not is_instructor_note(cell)
        cells.extend(_split_cell(cell) if is_plain_markdown else [cell])
    prepared.cells = cells
    for cell, slide_type in zip(prepared.cells, slide_types(prepared), strict=False):
        if is_instructor_note(cell) or _slideshow(cell).get("slide_type") == "notes":
            slide_type = "notes"
            cell.source = note_text(cell.source)
        cell.metadata["slideshow"] = {"slide_type": slide_type}
    return prepared


# ---------------------------------------------------------------------------- export


SVG_LABEL = re.compile(r"""<svg\b[^>]*?\baria-label\s*=\s*("[^"]*"|'[^']*')""", re.IGNORECASE)


def _svg_alt(svg: str) -> str:
    """The ``aria-label`` of an SVG document (unescaped), or ``""``."""
    import html

    match = SVG_LABEL.search(svg)
    return html.unescape(match.group(1)[1:-1]) if match else ""


# nbconvert's HTMLExporter ends by parsing the whole page with BeautifulSoup (html.parser) to add two
# attributes, then serializing it again: half of a deck's export time. The same two edits, made on the
# tags themselves (script, style and comment bodies left alone, as the parser leaves them):
NO_ALT = "No description has been provided for this image"
_ATTRS = r"""(?:[^>"']|"[^"]*"|'[^']*')*"""
_TAG_OR_RAW_TEXT = re.compile(
    r"<!--.*?-->|<(script|style)\b.*?</\1\s*>|<(img|div)\b(" + _ATTRS + r")>", re.IGNORECASE | re.DOTALL
)
_ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
FOCUSABLE = ("jp-Cell-inputWrapper", "jp-OutputArea-output")  # nbconvert gives these tabindex="0"


def _soup_edits(tag: re.Match[str]) -> str:
    """One tag as nbconvert's BeautifulSoup pass leaves it: alt on an ``img``, tabindex on cell parts."""
    name, attrs = tag.group(2), tag.group(3)
    if name is None:
        return tag.group(0)
    closing = "/" if attrs.rstrip().endswith("/") else ""
    body = attrs.rstrip()[:-1] if closing else attrs
    found = {m.group(1).lower(): m.group(2) for m in _ATTRIBUTE.finditer(body)}
    if name.lower() == "img":
        if "alt" in found:
            return tag.group(0)
        return f'<{name}{body.rstrip()} alt="{NO_ALT}"{closing}>'
    classes = (found.get("class") or "").strip("\"'").split()
    if (
        name.lower() != "div"
        or not any(c in classes for c in FOCUSABLE)
        or found.get("tabindex") in ('"0"', "'0'", "0")
    ):
        return tag.group(0)
    if "tabindex" in found:
        body = _ATTRIBUTE.sub(lambda m: 'tabindex="0"' if m.group(1).lower() == "tabindex" else m.group(0), body)
        return f"<{name}{body}{closing}>"
    return f'<{name}{body.rstrip()} tabindex="0"{closing}>'


@functools.cache
def _exporter() -> Any:
    from nbconvert import SlidesExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class Exporter(SlidesExporter):
        # returns HTML text, not a notebook, as HTMLExporter's does (which also ignores [override])
        def from_notebook_node(  # type: ignore[override]
            self, nb: Any, resources: dict[str, Any] | None = None, **kw: Any
        ) -> tuple[str, dict[str, Any]]:
            # HTMLExporter.from_notebook_node (nbconvert 7.17) without its BeautifulSoup pass
            me: Any = self  # nbconvert's helpers below are untyped
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight = me.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = me._init_resources(resources)
            data_type = WidgetsDataTypeFilter(notebook_metadata=me._nb_metadata, parent=self, resources=resources)
            me.register_filter("highlight_code", highlight)
            me.register_filter("filter_data_type", data_type)
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _TAG_OR_RAW_TEXT.sub(_soup_edits, html), resources

    make: Any = Exporter
    return make(**_exporter_options())


def _exporter_options() -> dict[str, Any]:
    from jinja2 import DictLoader

    return {
        "extra_loaders": [DictLoader({TEMPLATE_NAME: TEMPLATE})],
        "template_file": TEMPLATE_NAME,
        "reveal_url_prefix": REVEAL_DIR,
        "reveal_theme": "white",
        "reveal_number": "c/t",
        "reveal_width": str(WIDTH),
        "reveal_height": str(HEIGHT),
        "exclude_input_prompt": True,
        "exclude_output_prompt": True,
        "embed_images": True,
        "filters": {"svg_alt": _svg_alt},
    }


def deck_name(notebook: Path) -> str:
    """``notebooks/03_bearer_flow_fastapi.ipynb`` -> ``03_bearer_flow_fastapi.slides.html``."""
    return notebook.stem + ".slides.html"


def _render(notebook: Path) -> str:
    nb = prepare(nbformat.read(notebook, as_version=4))
    html, _ = _exporter().from_notebook_node(nb, resources={"metadata": {"name": notebook.stem}})
    return str(html)


def export(notebooks: Iterable[Path], out: Path = SLIDES, jobs: int | None = None) -> list[Path]:
    """Write one deck per notebook into ``out``, with reveal.js beside them; return the decks.

    Decks render in ``jobs`` processes (default: one per CPU, at most one per notebook).
    """
    notebooks = list(notebooks)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(VENDOR, out / REVEAL_DIR, dirs_exist_ok=True)
    jobs = min(jobs or os.cpu_count() or 1, len(notebooks))
    if jobs > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(jobs) as pool:
            pages = list(pool.map(_render, notebooks))
    else:
        pages = [_render(notebook) for notebook in notebooks]
    decks = []
    for notebook, html in zip(notebooks, pages, strict=False):
        deck = out / deck_name(notebook)
        deck.write_text(html, encoding="utf-8")
        decks.append(deck)
    return decks


def lessons() -> list[Path]:
    """Every lesson notebook, in course order."""
    return sorted(LESSONS.glob("[0-9][0-9]_*.ipynb"))


# ---------------------------------------------------------------------------- command line


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m jwt_course.tooling.slides", description=(__doc__ or "").split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    tagger = commands.add_parser("tag", help="set slide types in notebooks by the rules (idempotent)")
    tagger.add_argument("notebooks", nargs="+", type=Path)
    tagger.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook needs tagging")
    exporter = commands.add_parser("export", help="export lessons to reveal.js decks that work offline")
    exporter.add_argument("notebooks", nargs="*", type=Path, help="default: every lesson in notebooks/")
    exporter.add_argument("--out", type=Path, default=SLIDES, help="output folder (default: slides/)")
    args = parser.parse_args(argv)

    if args.command == "tag":
        stale = []
        for path in args.notebooks:
            changed = tag_file(path, check=args.check)
            if changed:
                stale.append(_display(path))
                verb = "would change" if args.check else "changed"
                print(f"{_display(path)}: {verb} the slide type of {changed} cell(s)")
            else:
                print(f"{_display(path)}: up to date")
        if args.check and stale:
            print(f"run: python -m jwt_course.tooling.slides tag {' '.join(stale)}")
            return 1
        return 0

    for deck in export(args.notebooks or lessons(), args.out):
        print(f"wrote {_display(deck)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
