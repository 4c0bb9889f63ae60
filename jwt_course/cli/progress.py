"""``jwt-course progress``: run each exercise notebook in a fresh kernel and count the
checkers' ``correct!`` verdicts."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import EXIT_INVALID, EXIT_OK, CliError

__all__ = ["ChapterProgress", "cmd_progress", "run_exercise_notebook"]


_CHECK_CALL = re.compile(r"\b(q\d+)\.check\(")
# a Verdict's machine-readable status -> the word progress prints
_STATUS = {"correct": "correct", "incorrect": "not quite", "not solved": "not solved yet"}
_EXERCISE_NAME = re.compile(r"^(\d\d)_(\w+)\.ipynb$")


@dataclass
class ChapterProgress:
    """What running one exercise notebook showed."""

    number: str
    slug: str
    verdicts: dict[str, str]
    errors: list[str]

    @property
    def solved(self) -> int:
        """How many exercises printed ``correct!``."""
        return sum(v == "correct" for v in self.verdicts.values())


def _label_key(label: str) -> int:
    return int(label[1:])


def run_exercise_notebook(path: Path, timeout: int = 60) -> ChapterProgress:
    """Run one exercise notebook in a fresh kernel and collect the checkers' verdicts.

    The verdicts are data: the kernel runs with ``JWT_COURSE_VERDICTS`` naming a file, and
    every ``qN.check()`` appends its :class:`jwt_course.checks.Verdict` there as a JSON line
    (written at once, so the verdicts of cells before a crash or time-out still count).
    """
    import json

    import nbformat
    from nbclient import NotebookClient

    from ..checks import VERDICTS_ENV

    match = _EXERCISE_NAME.match(path.name)
    assert match is not None
    number, slug = match.groups()
    nb = nbformat.read(path, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    labels = sorted({m for cell in code for m in _CHECK_CALL.findall(cell.source)}, key=_label_key)
    verdicts = dict.fromkeys(labels, "not run")
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="jwt-course-progress-") as folder:
        sink = Path(folder) / "verdicts.jsonl"
        sink.touch()
        try:
            NotebookClient(
                nb,
                timeout=timeout,
                kernel_name="python3",
                allow_errors=True,
                resources={"metadata": {"path": str(path.parent)}},
            ).execute(
                stderr=subprocess.DEVNULL,  # the kernel's own log, not the cells' stderr
                env={**os.environ, VERDICTS_ENV: str(sink)},
            )
        except Exception as exc:  # no kernel, a dead kernel, a cell over the time limit
            message = str(exc).strip().splitlines()[-1:] or [""]
            errors.append(f"stopped: {type(exc).__name__}: {message[0]}")
        records = [json.loads(line) for line in sink.read_text("utf-8").splitlines() if line.strip()]
    for record in records:
        # only the learner's own check counts: `qN.check()` with no argument; a cell that
        # calls `qN.check(some_wrong_answer)` is the lesson demonstrating a verdict
        if record.get("own") and record.get("label") in verdicts:
            verdicts[record["label"]] = _STATUS.get(record.get("status", ""), "not run")  # the last wins
    for index, cell in enumerate(code, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                errors.append(f"code cell {index} raised {output.get('ename')}: {output.get('evalue')}")
    return ChapterProgress(number, slug, verdicts, errors)


def cmd_progress(args: argparse.Namespace) -> int:
    """``jwt-course progress``: per-chapter count of solved exercises; exit 1 if a notebook errors."""
    folder: Path = args.exercises
    if not folder.is_dir():
        raise CliError(f"no exercises folder at {str(folder)!r} (use --exercises DIR)")
    paths = sorted(p for p in folder.glob("*.ipynb") if _EXERCISE_NAME.match(p.name))
    if args.chapter:
        wanted = {c.zfill(2) for c in args.chapter}
        paths = [p for p in paths if p.name[:2] in wanted]
        missing = wanted - {p.name[:2] for p in paths}
        if missing:
            raise CliError(f"no exercise notebook for chapter {', '.join(sorted(missing))} in {str(folder)!r}")
    if not paths:
        raise CliError(f"no exercise notebooks (NN_name.ipynb) in {str(folder)!r}")
    results = []
    for path in paths:
        print(f"running {path.name} ...", file=sys.stderr, flush=True)
        results.append(run_exercise_notebook(path))
    width = max(len(f"{r.number} {r.slug}") for r in results)
    for r in results:
        by_status: dict[str, list[str]] = {}
        for label, status in r.verdicts.items():
            if status != "correct":
                by_status.setdefault(status, []).append(label)
        todo = "; ".join(f"{status}: {', '.join(labels)}" for status, labels in by_status.items())
        line = f"{r.number} {r.slug:<{width - 3}}  {r.solved}/{len(r.verdicts)} solved"
        print(line + (f"   {todo}" if todo else ""))
        for error in r.errors:
            print(f"   ! {error}")
    solved = sum(r.solved for r in results)
    total = sum(len(r.verdicts) for r in results)
    print(f"{'total':<{width}}  {solved}/{total} solved")
    return EXIT_INVALID if any(r.errors for r in results) else EXIT_OK
