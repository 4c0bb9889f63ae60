"""Course tooling: slide metadata in the lessons, and reveal.js decks that work offline.

Used by ``make slides`` and by the tests; learners never need it.

    python -m jwt_course._slides tag notebooks/03_bearer_flow_fastapi.ipynb  # set slide types
    python -m jwt_course._slides tag --check notebooks/*.ipynb              # exit 1 if stale
    python -m jwt_course._slides export                        # every lesson -> slides/
    python -m jwt_course._slides export --out DIR notebooks/01_jwt_by_hand.ipynb

``tag`` sets ``cell.metadata.slideshow.slide_type`` by these rules, and touches nothing else:

- the first cell (the title) and every Markdown cell with a ``#`` or ``##`` heading: ``slide``;
- a Markdown cell with a ``###`` heading: ``subslide``;
- a Markdown cell starting with ``**Instructor note:**`` or ``> Speaker notes:``: ``notes``;
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
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "notebooks"
SLIDES = ROOT / "slides"
VENDOR = ROOT / "vendor" / "reveal.js"
REVEAL_DIR = "reveal.js"  # the folder next to the decks, and the URL prefix inside them

AUTO = "jwt_course_auto"
NOTES_PREFIXES = ("**Instructor note:**", "> Speaker notes:")
SETUP_SECTION = re.compile(r"^(\d+\.\s*)?(set-?up|clean-?up|clean up)\s*$", re.IGNORECASE)
HEADING = re.compile(r"^(#{1,3}) +(.*)$")
FENCE = re.compile(r"^\s*(```|~~~)")

TEMPLATE_NAME = "jwt_course_slides.html.j2"
# nbconvert's reveal template with every CDN reference removed or pointed at the local copy.
TEMPLATE = """\
{%- extends 'index.html.j2' -%}

{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}

{%- block html_head_css -%}
<style type="text/css">
/* A slide taller than the screen scrolls instead of being cut off; wide code scrolls sideways. */
.reveal .slides section:not(.stack) { max-height: 100%; overflow-y: auto; scrollbar-width: thin; }
.reveal pre, .reveal table { overflow-x: auto; }
.reveal table { display: block; max-width: 100%; }
:root {
    --jp-ui-font-size1: 18px;
    --jp-content-font-size1: 18px;
    --jp-code-font-size: 16px;
}
</style>
{%- endblock html_head_css -%}

{% block footer_js %}
<script src="{{ resources.reveal.url_prefix }}/dist/reveal.js"></script>
<script src="{{ resources.reveal.url_prefix }}/plugin/notes/notes.js"></script>
<script>
Reveal.initialize({
    controls: true,
    progress: true,
    hash: true,
    transition: "{{ resources.reveal.transition | default('slide', true) }}",
    slideNumber: "{{ resources.reveal.number }}",
    width: {{ resources.reveal.width | default('960', true) }},
    height: {{ resources.reveal.height | default('700', true) }},
    plugins: [RevealNotes],
});
</script>
{% endblock footer_js %}
"""


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
            if cell.source.lstrip().startswith(NOTES_PREFIXES):
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
    for cell, slide_type in zip(nb.cells, slide_types(nb)):
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


# ---------------------------------------------------------------------------- export


def _exporter() -> Any:
    from jinja2 import DictLoader
    from nbconvert import SlidesExporter

    return SlidesExporter(
        extra_loaders=[DictLoader({TEMPLATE_NAME: TEMPLATE})],
        template_file=TEMPLATE_NAME,
        reveal_url_prefix=REVEAL_DIR,
        reveal_theme="white",
        reveal_number="c/t",
        reveal_width="1200",
        reveal_height="800",
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )


def deck_name(notebook: Path) -> str:
    """``notebooks/03_bearer_flow_fastapi.ipynb`` -> ``03_bearer_flow_fastapi.slides.html``."""
    return notebook.stem + ".slides.html"


def export(notebooks: Iterable[Path], out: Path = SLIDES) -> list[Path]:
    """Write one deck per notebook into ``out``, with reveal.js beside them; return the decks."""
    exporter = _exporter()
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(VENDOR, out / REVEAL_DIR, dirs_exist_ok=True)
    decks = []
    for notebook in notebooks:
        nb = nbformat.read(notebook, as_version=4)
        html, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": notebook.stem}})
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
        prog="python -m jwt_course._slides", description=(__doc__ or "").split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    tagger = commands.add_parser("tag", help="set slide types in notebooks by the rules (idempotent)")
    tagger.add_argument("notebooks", nargs="+", type=Path)
    tagger.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a notebook needs tagging"
    )
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
            print(f"run: python -m jwt_course._slides tag {' '.join(stale)}")
            return 1
        return 0

    for deck in export(args.notebooks or lessons(), args.out):
        print(f"wrote {_display(deck)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
