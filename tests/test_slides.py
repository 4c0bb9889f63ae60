"""Slides: every lesson carries slide metadata and exports to a reveal.js deck that works offline."""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from jwt_course.tooling import slides

from slide_decks import exported

LESSONS = slides.lessons()
ids = [path.name for path in LESSONS]


class _Deck(HTMLParser):
    """What a deck loads (script src, link href, ...) and how many leaf <section> slides it has."""

    LOADS: ClassVar[dict[str, str]] = {
        "script": "src",
        "link": "href",
        "img": "src",
        "iframe": "src",
        "source": "src",
        "embed": "src",
    }

    def __init__(self, html: str) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.inline_scripts: list[str] = []
        self.leaf_sections = 0
        self._open_sections: list[bool] = []  # per open <section>: has a nested <section>
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in self.LOADS and values.get(self.LOADS[tag]):
            self.loads.append(values[self.LOADS[tag]] or "")
        if tag == "script":
            self._in_script = not values.get("src")
        if tag == "section":
            if self._open_sections:
                self._open_sections[-1] = True
            self._open_sections.append(False)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False
        if tag == "section" and not self._open_sections.pop():
            self.leaf_sections += 1

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline_scripts.append(data)


@pytest.fixture(scope="module")
def decks(tmp_path_factory) -> dict[str, Path]:
    return exported(tmp_path_factory)  # exported once per run, shared with the browser test


def _retag_hint(path: Path) -> str:
    return f"{path.name} needs slide metadata: run `python -m jwt_course.tooling.slides tag notebooks/{path.name}`"


# ---------------------------------------------------------------------------- the lessons


def test_there_are_lessons():
    assert len(LESSONS) >= 3


@pytest.mark.parametrize("path", LESSONS, ids=ids)
def test_lesson_carries_up_to_date_slide_metadata(path):
    nb = nbformat.read(path, as_version=4)
    changed = slides.tag(copy.deepcopy(nb))
    assert changed == 0, _retag_hint(path)
    types = slides.slide_types(nb)
    assert types[0] == "slide", _retag_hint(path)
    for cell, slide_type in zip(nb.cells, types, strict=False):
        if cell.cell_type == "markdown" and re.search(r"^## ", cell.source, re.MULTILINE):
            assert slide_type == "slide" or slides.human_choice(cell), _retag_hint(path)


@pytest.mark.parametrize("path", LESSONS, ids=ids)
def test_lesson_exports_to_a_deck(path, decks):
    deck = decks[path.name]
    assert deck.name == path.stem + ".slides.html"
    assert "Reveal.initialize" in deck.read_text()


@pytest.mark.parametrize("path", LESSONS, ids=ids)
def test_deck_loads_nothing_from_the_network(path, decks):
    deck = decks[path.name]
    html = deck.read_text()
    parsed = _Deck(html)
    assert parsed.loads, "the deck loads reveal.js"
    for url in parsed.loads:
        if url.startswith("data:"):
            continue
        assert not re.match(r"^([a-z][a-z0-9+.-]*:|//|/)", url, re.IGNORECASE), f"{deck.name} loads {url}"
        assert (deck.parent / url).is_file(), f"{deck.name} loads {url}, which is not beside it"
    for script in parsed.inline_scripts:
        assert not re.search(r"""(import|from)\s*\(?\s*['"](https?:)?//""", script), script[:200]
    assert not re.search(r"""@import|url\(\s*['"]?(https?:)?//""", html), "CSS that fetches from the network"


@pytest.mark.parametrize("path", LESSONS, ids=ids)
def test_deck_has_one_section_per_slide_and_subslide(path, decks):
    nb = slides.prepare(nbformat.read(path, as_version=4))
    types = [cell.metadata.slideshow.slide_type for cell in nb.cells]
    shown = [t for t in types if t not in ("skip", "notes")]
    # nbconvert makes the first cell that shows a slide, whatever its type
    expected = sum(t in ("slide", "subslide") for t in shown) + (shown[0] not in ("slide", "subslide"))
    assert _Deck(decks[path.name].read_text()).leaf_sections == expected


def test_reveal_js_is_vendored_small_and_licensed():
    vendor = slides.VENDOR
    assert "Permission is hereby granted, free of charge" in (vendor / "LICENSE").read_text()  # MIT
    for name in ("dist/reveal.js", "dist/reveal.css", "dist/theme/white.css", "plugin/notes/notes.js"):
        assert (vendor / name).is_file(), name
    size = sum(p.stat().st_size for p in vendor.rglob("*") if p.is_file())
    assert size < 400_000, f"vendor/reveal.js is {size} bytes"
    for css in vendor.rglob("*.css"):
        assert "@import" not in css.read_text(), f"{css.name} imports a file that is not vendored"


# ---------------------------------------------------------------------------- the tagger


def _lesson() -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.cells = [
        new_markdown_cell("# 99 · A title\n\nWhat you'll learn."),  # 0 slide
        new_code_cell("import jwt"),  # 1 skip: before the first ## heading
        new_markdown_cell("## Setup"),  # 2 slide
        new_code_cell("SECRET = b'x' * 32"),  # 3 skip: setup section
        new_markdown_cell("## 1. Encode"),  # 4 slide
        new_code_cell("token = jwt.encode({}, SECRET)", outputs=[new_output("stream", text="ok\n")]),  # 5 fragment
        new_code_cell("print(token)"),  # 6 subslide: code after code
        new_markdown_cell("Now decode it."),  # 7 subslide: prose after code
        new_markdown_cell("More prose."),  # 8 -
        new_code_cell("jwt.decode(token, SECRET, algorithms=['HS256'])"),  # 9 fragment
        new_markdown_cell("Wrap-up of 1.\n\n### A detail"),  # 10 subslide
        new_markdown_cell("**Instructor note:** run this live."),  # 11 notes
        new_markdown_cell("```python\n## not a heading\n```\nprose"),  # 12 -: fenced
        new_markdown_cell("End of 1.\n\n## 2. Cleanup in `finally`"),  # 13 slide
        new_code_cell("try: pass\nfinally: pass"),  # 14 fragment (not a clean-up section)
        new_markdown_cell("## Clean-up"),  # 15 slide
        new_code_cell("del token"),  # 16 skip
        new_markdown_cell("> Speaker notes: all done"),  # 17 notes
        new_markdown_cell("## Key points\n\n- one"),  # 18 slide
    ]
    return nb


EXPECTED = [
    "slide", "skip", "slide", "skip", "slide", "fragment", "subslide", "subslide", "-", "fragment",
    "subslide", "notes", "-", "slide", "fragment", "slide", "skip", "notes", "slide",
]  # fmt: skip


def _without_slideshow(nb: nbformat.NotebookNode) -> dict:
    plain = copy.deepcopy(nb)
    for cell in plain.cells:
        cell.metadata.pop("slideshow", None)
    return plain


def test_tagger_applies_the_rules():
    nb = _lesson()
    assert slides.tag(nb) == len(nb.cells)
    assert [cell.metadata.slideshow.slide_type for cell in nb.cells] == EXPECTED


def test_tagger_changes_nothing_but_slide_metadata():
    nb = _lesson()
    before = _without_slideshow(nb)
    slides.tag(nb)
    assert _without_slideshow(nb) == before


def test_tagger_is_idempotent():
    nb = _lesson()
    slides.tag(nb)
    once = copy.deepcopy(nb)
    assert slides.tag(nb) == 0
    assert nb == once


def test_tagger_keeps_a_slide_type_a_person_chose():
    nb = _lesson()
    nb.cells[9].metadata["slideshow"] = {"slide_type": "slide"}  # set by hand, no record
    slides.tag(nb)
    nb.cells[5].metadata.slideshow.slide_type = "-"  # changed later in JupyterLab's inspector
    nb.cells[6].metadata["slideshow"] = {"jwt_course_auto": "subslide"}  # reset to default there
    assert slides.tag(nb) == 0
    assert nb.cells[9].metadata.slideshow == {"slide_type": "slide"}
    assert nb.cells[5].metadata.slideshow.slide_type == "-"
    assert "slide_type" not in nb.cells[6].metadata.slideshow


def test_tagger_updates_its_own_choices_when_the_notebook_changes():
    nb = _lesson()
    slides.tag(nb)
    nb.cells[7].source = "## 2. A new section"  # an author turned a paragraph into a section
    assert slides.tag(nb) == 1
    assert nb.cells[7].metadata.slideshow.slide_type == "slide"


def test_tag_command_checks_and_writes_notebooks(tmp_path, capsys):
    path = tmp_path / "99_demo.ipynb"
    nbformat.write(_lesson(), path)
    assert slides.main(["tag", "--check", str(path)]) == 1
    assert "python -m jwt_course.tooling.slides tag" in capsys.readouterr().out
    assert slides.main(["tag", str(path)]) == 0
    written = path.read_text()
    assert slides.main(["tag", str(path)]) == 0
    assert path.read_text() == written
    assert slides.main(["tag", "--check", str(path)]) == 0


def test_the_old_module_name_still_runs_the_same_command(tmp_path, monkeypatch, capsys):
    # jwt_course._slides moved to jwt_course.tooling.slides; `python -m jwt_course._slides` stays for old scripts
    import runpy
    import sys

    path = tmp_path / "99_demo.ipynb"
    nbformat.write(_lesson(), path)
    monkeypatch.setattr(sys, "argv", ["python -m jwt_course._slides", "tag", "--check", str(path)])
    monkeypatch.delitem(sys.modules, "jwt_course._slides", raising=False)  # run as __main__, not re-run
    with pytest.raises(SystemExit) as exited:
        runpy.run_module("jwt_course._slides", run_name="__main__")
    assert exited.value.code == 1
    assert "python -m jwt_course.tooling.slides tag" in capsys.readouterr().out

    from jwt_course import _slides

    assert _slides.tag is slides.tag and _slides.export is slides.export and _slides.ROOT == slides.ROOT


def test_the_export_writes_the_page_nbconvert_would_write(tmp_path):
    # The exporter skips nbconvert's BeautifulSoup pass (half its time) and makes that pass's edits itself
    # (alt on images, tabindex on cell parts); parsed and serialized again, its page is nbconvert's.
    from bs4 import BeautifulSoup
    from nbconvert import SlidesExporter

    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    nb = _lesson()
    nb.cells += [
        new_markdown_cell('An image: <img src="x.png"> and <img alt="kept" src=y.png/>, <div class="x">div</div>'),
        new_code_cell("pictures", outputs=[
            new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}),
            new_output("execute_result", execution_count=2, data={
                "text/html": '<div class="jp-OutputArea-output" tabindex="-1"><img src="z.png"></div>'
                             "<script>let s = '<img src=q>';</script><!-- <img src=c> -->",
            }),
        ]),
    ]  # fmt: skip
    prepared = slides.prepare(nb)
    ours, _ = slides._exporter().from_notebook_node(copy.deepcopy(prepared), resources={"metadata": {"name": "x"}})
    theirs, _ = SlidesExporter(**slides._exporter_options()).from_notebook_node(
        copy.deepcopy(prepared), resources={"metadata": {"name": "x"}}
    )
    assert ours.count("tabindex=") > 5 and slides.NO_ALT in ours
    assert str(BeautifulSoup(ours, features="html.parser")) == theirs


# ---------------------------------------------------------------------------- speaker notes


class _Notes(HTMLParser):
    """The text of every ``<aside class="notes">`` in a deck, by the notebook cell id inside it."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.by_cell: dict[str, str] = {}
        self._depth = 0  # open <aside> elements inside a notes aside, the notes aside counting 1
        self._cell: str | None = None
        self._text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "aside" and (self._depth or "notes" in (values.get("class") or "").split()):
            self._depth += 1
        elif self._depth and self._cell is None and (values.get("id") or "").startswith("cell-id="):
            self._cell = (values["id"] or "").removeprefix("cell-id=")

    def handle_endtag(self, tag: str) -> None:
        if tag == "aside" and self._depth:
            self._depth -= 1
            if not self._depth:
                self.by_cell[self._cell or ""] = " ".join("".join(self._text).split())
                self._cell, self._text = None, []

    def handle_data(self, data: str) -> None:
        if self._depth:
            self._text.append(data)


def _notes_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if slides.is_instructor_note(c)]


def _plain(markdown: str) -> str:
    return " ".join(re.sub(r"[*`]", "", re.sub(r"^> ?", "", slides.note_text(markdown), flags=re.MULTILINE)).split())


@pytest.mark.parametrize("path", LESSONS, ids=ids)
def test_lesson_has_speaker_notes_that_reach_the_deck(path, decks):
    nb = nbformat.read(path, as_version=4)
    notes = _notes_cells(nb)
    assert len(notes) >= 3, f"{path.name}: {len(notes)} instructor notes, want at least 3"
    note_ids = [cell.id for cell in notes]
    assert len(set(note_ids)) == len(note_ids), f"{path.name}: two cells share an id"
    for index, cell in enumerate(nb.cells):
        if cell.get("id") in note_ids:
            assert index > 0 and nb.cells[index - 1].get("id") not in note_ids, (
                f"{path.name}: a note follows the cell it is about"
            )
            assert not re.search(r"^#", cell.source, re.MULTILINE), f"{path.name}: a heading in a note"
    in_deck = _Notes(decks[path.name].read_text()).by_cell
    prepared = [c for c in slides.prepare(nb).cells if c.metadata.slideshow.slide_type == "notes"]
    assert len(in_deck) == len(prepared), (
        f"{path.name}: {len(in_deck)} speaker notes in the deck for {len(prepared)} notes"
    )
    for cell in notes:
        assert cell.get("id") in in_deck, f"{path.name}: note {cell.source[:60]!r} is not in the speaker notes"
        assert in_deck[cell.id] == _plain(cell.source), f"{path.name}: note {cell.id} reads differently on the slides"


# ---------------------------------------------------------------------------- preparing a deck


class _Body(HTMLParser):
    """The text of a deck's slides outside speaker notes, scripts and styles."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.text: list[str] = []
        self._hidden = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("aside", "script", "style") or self._hidden:
            self._hidden += tag not in ("br", "img", "hr", "input", "meta", "link")

    def handle_endtag(self, tag: str) -> None:
        if self._hidden and tag not in ("br", "img", "hr", "input", "meta", "link"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)


@pytest.mark.parametrize("path", LESSONS, ids=ids)
def test_no_instructor_note_shows_in_a_slide_body(path, decks):
    body = " ".join(" ".join(_Body(decks[path.name].read_text()).text).split())
    assert "Instructor note" not in body
    for cell in _notes_cells(nbformat.read(path, as_version=4)):
        sentence = _plain(cell.source)[:80]
        assert sentence not in body, f"{path.name}: note {cell.id} shows on a slide"


@pytest.mark.parametrize("path", LESSONS, ids=ids)
def test_every_heading_opens_its_slide(path):
    for cell in slides.prepare(nbformat.read(path, as_version=4)).cells:
        if cell.cell_type == "markdown" and cell.metadata.slideshow.slide_type != "notes":
            later = [h for h in slides._headings("\n".join(cell.source.splitlines()[1:]))]
            assert not later, f"{path.name}: cell {cell.id} holds a heading after its first line: {later}"


def _types(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    return [(cell.source.split("\n")[0], cell.metadata.slideshow.slide_type) for cell in nb.cells]


def test_a_markdown_cell_is_split_at_each_heading():
    nb = new_notebook(cells=[
        new_markdown_cell("# Title\n\nIntro."),
        new_markdown_cell("## 1. One\n\nText."),
        new_code_cell("x = 1"),
        new_markdown_cell("End of one.\n\n## 2. Two\n\nMore.\n\n### A detail\n\n```\n## not a heading\n```"),
    ])  # fmt: skip
    assert _types(slides.prepare(nb)) == [
        ("# Title", "slide"), ("## 1. One", "slide"), ("x = 1", "fragment"), ("End of one.", "subslide"),
        ("## 2. Two", "slide"), ("### A detail", "subslide"),
    ]  # fmt: skip


def test_preparing_does_not_change_the_notebook():
    nb = _lesson()
    before = copy.deepcopy(nb)
    slides.prepare(nb)
    assert nb == before


def test_a_heading_part_keeps_the_slide_type_a_person_chose():
    nb = new_notebook(cells=[new_markdown_cell("# T"), new_markdown_cell("Closing words.\n\n## Next")])
    nb.cells[1].metadata["slideshow"] = {"slide_type": "subslide"}  # chosen by hand
    assert _types(slides.prepare(nb))[1:] == [("Closing words.", "-"), ("## Next", "subslide")]


NOTE_DETAILS = (
    '<details class="instructor-note"><summary><b>Instructor note</b> · for workshops; self-paced readers can skip it</summary>\n\n'
    "Ask the room what `exp` means.\n\n</details>"
)


def test_the_tagger_recognises_both_note_forms():
    nb = new_notebook(cells=[
        new_markdown_cell("# T"), new_markdown_cell(NOTE_DETAILS), new_markdown_cell("**Instructor note:** old form"),
    ])  # fmt: skip
    assert slides.slide_types(nb) == ["slide", "notes", "notes"]


def test_a_details_note_becomes_a_speaker_note_without_its_wrapper():
    nb = new_notebook(cells=[new_markdown_cell("# T"), new_markdown_cell(NOTE_DETAILS)])
    note = slides.prepare(nb).cells[1]
    assert note.metadata.slideshow.slide_type == "notes"
    assert note.source == "Ask the room what `exp` means."


def test_a_note_inside_a_larger_cell_leaves_the_slide_body():
    nb = new_notebook(cells=[
        new_markdown_cell("# T"),
        new_markdown_cell(f"Some prose.\n\n{NOTE_DETAILS}\n\nMore prose.\n\n**Instructor note:** skip this when late.\n\nEnd."),
    ])  # fmt: skip
    prepared = slides.prepare(nb)
    body = [c.source for c in prepared.cells if c.metadata.slideshow.slide_type != "notes"]
    notes = [c.source for c in prepared.cells if c.metadata.slideshow.slide_type == "notes"]
    assert body == ["# T", "Some prose.\n\nMore prose.\n\nEnd."]
    assert notes == ["Ask the room what `exp` means.", "**Instructor note:** skip this when late."]


def test_a_note_a_person_typed_as_a_slide_still_becomes_a_speaker_note():
    nb = new_notebook(cells=[new_markdown_cell("# T"), new_markdown_cell(NOTE_DETAILS)])
    nb.cells[1].metadata["slideshow"] = {"slide_type": "slide"}
    assert slides.prepare(nb).cells[1].metadata.slideshow.slide_type == "notes"


def test_the_deck_wraps_instead_of_scrolling_or_clipping(tmp_path):
    path = tmp_path / "99_demo.ipynb"
    nbformat.write(_lesson(), path)
    (deck,) = slides.export([path], tmp_path / "out", jobs=1)
    html = deck.read_text()
    ours = html[html.index("/* Nothing scrolls or is clipped") :]
    ours = ours[: ours.index("</style>")]
    assert "overflow: visible" in ours and not re.search(r"overflow(-[xy])?:\s*(auto|scroll|hidden)", ours)
    assert "white-space: pre-wrap" in ours
    assert "jwtCourseFit(1200, 800)" in html
