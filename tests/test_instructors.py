"""INSTRUCTORS.md agrees with the course: the schedule, the files and modules it names."""

from __future__ import annotations

import importlib
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
    for (_, end), (start, _) in zip(slots, slots[1:]):
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


def test_every_section_it_names_is_a_heading_of_that_notebook():
    import nbformat

    for chapter in CHAPTERS:
        if not chapter.exists():
            continue
        block = GUIDE.split(f"### {chapter.number} · ", 1)[1]
        block = re.split(r"\n##+ ", block, maxsplit=1)[0]
        nb = nbformat.read(ROOT / "notebooks" / chapter.filename, as_version=4)
        headings = {
            line[3:].strip()
            for cell in nb.cells
            if cell.cell_type == "markdown"
            for line in cell.source.splitlines()
            if line.startswith("## ")
        }
        for name in re.findall(r"\*\*([^*]+)\*\*", block):
            name = " ".join(name.split())
            if name != "Authorize":  # Swagger UI's button, not a section
                assert any(h.startswith(name) for h in headings), f"{chapter.number}: no section {name!r}"
