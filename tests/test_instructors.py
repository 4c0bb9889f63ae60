"""INSTRUCTORS.md agrees with the course: the schedule, the files and modules it names."""

from __future__ import annotations

import importlib
import itertools
import re

import pytest

from jwt_course.course import CHAPTERS, ROOT

GUIDE = (ROOT / "INSTRUCTORS.md").read_text()


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda ch: ch.number)
def test_schedule_gives_each_chapter_its_course_map_time(chapter):
    row = next((line for line in GUIDE.splitlines() if f"| {chapter.number} · {chapter.title}" in line), None)
    assert row is not None, f"chapter {chapter.number} is not in the schedule"
    start, end = re.findall(r"\d\d:\d\d", row)[:2]
    minutes = lambda hhmm: int(hhmm[:2]) * 60 + int(hhmm[3:])  # noqa: E731
    assert minutes(end) - minutes(start) == chapter.minutes
    assert row.rstrip().endswith(f"| {chapter.minutes} |")


def test_schedule_slots_follow_each_other():
    slots = re.findall(r"^\| (\d\d:\d\d) - (\d\d:\d\d) \|", GUIDE, re.MULTILINE)
    assert len(slots) >= len(CHAPTERS)
    for (_, end), (start, _) in itertools.pairwise(slots):
        assert end == start


def test_every_file_it_names_exists():
    paths = set(re.findall(r"\b((?:notebooks|exercises|solutions|jwt_course|vendor)/[\w./-]*\w)", GUIDE))
    assert paths
    for path in paths - {p for p in paths if "NN" in p}:  # NN_name: a pattern, not a file
        assert (ROOT / path).exists(), path


def test_every_module_it_names_imports():
    names = set(re.findall(r"\bjwt_course\.\w+", GUIDE))
    assert names
    for name in names:
        importlib.import_module(name)


def entry(chapter) -> str:
    """The chapter's entry under "Chapter by chapter": from its ### heading to the next heading."""
    block = GUIDE.split(f"### {chapter.number} · ", 1)[1]
    return re.split(r"\n##+ ", block, maxsplit=1)[0]


def headings(chapter, level: str) -> set[str]:
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / chapter.filename, as_version=4)
    return {
        line[len(level) :].strip()
        for cell in nb.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith(level)
    }


def test_every_section_it_names_is_a_heading_of_that_notebook():
    # **bold** names a section (## heading), *italic* a subsection (### heading).
    for chapter in CHAPTERS:
        if not chapter.exists():
            continue
        block = entry(chapter)
        sections, subsections = headings(chapter, "## "), headings(chapter, "### ")
        for name in re.findall(r"\*\*([^*]+)\*\*", block):
            name = " ".join(name.split())
            if name != "Authorize":  # Swagger UI's button, not a section
                assert any(h.startswith(name) for h in sections), f"{chapter.number}: no section {name!r}"
        for name in re.findall(r"(?<!\*)\*([^*]+)\*(?!\*)", block):
            name = " ".join(name.split())
            assert any(h.startswith(name) for h in subsections), f"{chapter.number}: no subsection {name!r}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda ch: ch.number)
def test_each_written_chapter_has_an_entry_from_its_notebook(chapter):
    if not chapter.exists():
        pytest.skip("notebook not written yet")
    assert not re.search(r"being written|as its plan|follow the plan", GUIDE, re.IGNORECASE)
    block = entry(chapter)
    assert block.startswith(f"{chapter.title} (`notebooks/{chapter.filename}`)")
    assert "Objectives:" in block and "Live" in block
    named = set(re.findall(r"\*\*([^*]+)\*\*", block)) - {"Authorize"}
    assert named, f"{chapter.number}: names no section to run live"


@pytest.mark.parametrize("chapter", [ch for ch in CHAPTERS if ch.has_exercises], ids=lambda ch: ch.number)
def test_exercise_sets_match_the_checkers(chapter):
    if not chapter.exists():
        pytest.skip("notebook not written yet")
    checks = importlib.import_module(f"jwt_course.checks.ch{chapter.number}")
    count = len([name for name in vars(checks) if re.fullmatch(r"q\d+", name)])
    assert f"Exercises (`exercises/{chapter.filename}`, q1-q{count})" in entry(chapter)


def test_the_quiz_entry_matches_the_quiz():
    from jwt_course.quiz import Choice, quiz

    chapter = next(ch for ch in CHAPTERS if ch.number == "07")
    block = " ".join(entry(chapter).split())
    choices = sum(isinstance(q, Choice) for q in quiz)
    assert f"has {len(quiz)} questions" in block
    assert f"q1-q{choices} multiple choice, q{choices + 1}-q{len(quiz)} code" in block
