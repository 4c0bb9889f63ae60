"""Course tooling: run notebooks in place and generate exercises from solutions.

Used by the Makefile (``make notebooks``, ``make exercises``) and by the tests;
learners never need it.

    python -m jwt_course.tooling.notebooks execute notebooks/01_jwt_by_hand.ipynb
    python -m jwt_course.tooling.notebooks execute solutions/01_jwt_by_hand.ipynb  # + its exercise
    python -m jwt_course.tooling.notebooks exercises                               # every exercise

Both also write ``jwt_course/data/model_answers.json``: each solution cell that holds a
``# BEGIN SOLUTION`` block and calls ``qN.check()``, markers removed, cut before the check.
``qN.solution()`` prints from that file, so the notebook is the model answer's one source.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from ..course import ROOT

__all__ = [
    "EXERCISES",
    "MODEL_ANSWERS",
    "ROOT",
    "SANITIZER",
    "SOLUTIONS",
    "STUB",
    "MarkerError",
    "execute",
    "execute_in_place",
    "keep_measurements",
    "main",
    "make_exercise",
    "model_answer_cells",
    "model_answers",
    "model_answers_text",
    "sanitize",
    "sanitizer_patterns",
    "strip_solutions",
    "write_exercise",
    "write_model_answers",
]

SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
SANITIZER = ROOT / "nbval_sanitize.cfg"
MODEL_ANSWERS = ROOT / "jwt_course" / "data" / "model_answers.json"

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION\s*$")
END = re.compile(r"^[ \t]*# END SOLUTION\s*$")
STUB = "...  # your code here"
OWN_CHECK = re.compile(r"^\s*(q\d+)\.check\(\s*\)\s*$")
IGNORE_OUTPUT = "# NBVAL_IGNORE_OUTPUT"
EXECUTE_TIMEOUT_S = 60


class MarkerError(ValueError):
    """A solution cell has unbalanced ``# BEGIN SOLUTION`` / ``# END SOLUTION`` markers."""


def strip_solutions(source: str) -> str:
    """Replace every marked solution block in one cell's source by a stub that runs."""
    out: list[str] = []
    inside = False
    for number, line in enumerate(source.splitlines(), start=1):
        begin = BEGIN.match(line)
        if begin:
            if inside:
                raise MarkerError(f"line {number}: BEGIN SOLUTION inside another block")
            inside = True
            out.append(begin.group("indent") + STUB)
        elif END.match(line):
            if not inside:
                raise MarkerError(f"line {number}: END SOLUTION without BEGIN")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise MarkerError("BEGIN SOLUTION without END SOLUTION")
    return "\n".join(out)


def model_answer_cells(nb: nbformat.NotebookNode) -> dict[str, str]:
    """``{"q1": code, ...}``: each marked solution cell, markers dropped, cut before ``qN.check()``."""
    found: dict[str, str] = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or "# BEGIN SOLUTION" not in cell.source:
            continue
        kept: list[str] = []
        label = None
        for line in cell.source.splitlines():
            own = OWN_CHECK.match(line)
            if own:
                label = own.group(1)
                break
            if not (BEGIN.match(line) or END.match(line)):
                kept.append(line)
        if label is not None:
            found[label] = "\n".join(kept).strip("\n") + "\n"
    return found


def model_answers() -> dict[str, dict[str, str]]:
    """Every chapter's model answers, keyed by chapter number (``"01"``) then label."""
    return {
        path.name[:2]: model_answer_cells(nbformat.read(path, as_version=4))
        for path in sorted(SOLUTIONS.glob("*.ipynb"))
    }


def model_answers_text() -> str:
    """The content of ``jwt_course/data/model_answers.json`` as it should be committed."""
    return json.dumps(model_answers(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_model_answers() -> Path:
    """(Re)write ``jwt_course/data/model_answers.json`` from solutions/."""
    MODEL_ANSWERS.write_text(model_answers_text(), encoding="utf-8")
    return MODEL_ANSWERS


def make_exercise(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return the exercise notebook for a solution notebook: stubs, no outputs."""
    exercise: nbformat.NotebookNode = nbformat.from_dict(solution)
    for cell in exercise.cells:
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source)
            cell.outputs = []
            cell.execution_count = None
        elif cell.cell_type == "markdown":
            cell.source = cell.source.replace("(solutions)", "(exercises)")
    return exercise


def execute(nb: nbformat.NotebookNode, cwd: Path) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in a fresh kernel; an error stops the run."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)  # timestamps of an earlier run
    client = NotebookClient(
        nb,
        timeout=EXECUTE_TIMEOUT_S,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute()
    return nb


def sanitizer_patterns() -> list[tuple[str, str]]:
    """The (regex, replacement) pairs of ``nbval_sanitize.cfg``, read as nbval reads them."""
    return re.findall(r"^regex: (.*)$\n^replace: (.*)$", SANITIZER.read_text(), re.MULTILINE)


def sanitize(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Replace what differs on every run (ports, addresses) in text outputs before saving.

    nbval applies the same patterns to both sides when it compares, so a saved
    ``127.0.0.1:PORT`` matches a fresh run's real port, and no per-run value is committed.
    """
    patterns = sanitizer_patterns()

    def clean(text: str) -> str:
        for regex, replacement in patterns:
            text = re.sub(regex, replacement, text)
        return text

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = clean(output["text"])
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/") and isinstance(value, str):
                    output["data"][mime] = clean(value)
    return nb


def execute_in_place(path: Path) -> None:
    """Run the notebook at ``path`` in a fresh kernel and save it, sanitized, with its outputs."""
    nb = nbformat.read(path, as_version=4)
    execute(nb, path.parent)
    nbformat.write(sanitize(nb), path)


def write_exercise(solution_path: Path) -> Path:
    """Regenerate and run ``exercises/NN_name.ipynb`` from one solution notebook."""
    EXERCISES.mkdir(exist_ok=True)
    target = EXERCISES / solution_path.name
    solution = nbformat.read(solution_path, as_version=4)
    exercise = make_exercise(solution)
    execute(exercise, EXERCISES)
    keep_measurements(exercise, solution)
    nbformat.write(sanitize(exercise), target)
    return target


def keep_measurements(exercise: nbformat.NotebookNode, solution: nbformat.NotebookNode) -> None:
    """Give ``# NBVAL_IGNORE_OUTPUT`` cells the solution notebook's committed outputs.

    Those cells are measurements, identical in both notebooks; copying the solution's
    figures keeps ``make exercises`` from rewriting them on every run (a dirty git tree).
    """
    for ours, theirs in zip(exercise.cells, solution.cells, strict=True):
        if ours.cell_type == "code" and ours.source.lstrip().startswith(IGNORE_OUTPUT):
            if ours.source == theirs.source:
                ours.outputs = theirs.get("outputs", [])


def main(argv: list[str]) -> int:
    if argv[:1] == ["execute"]:
        for name in argv[1:]:
            path = Path(name).resolve()
            print(f"executing {name}", flush=True)
            execute_in_place(path)
            if path.parent == SOLUTIONS:
                print(f"writing   {write_exercise(path).relative_to(ROOT)}", flush=True)
                print(f"writing   {write_model_answers().relative_to(ROOT)}", flush=True)
        return 0
    if argv == ["exercises"]:
        print(f"writing   {write_model_answers().relative_to(ROOT)}", flush=True)
        for path in sorted(SOLUTIONS.glob("*.ipynb")):
            print(f"writing   {write_exercise(path).relative_to(ROOT)}", flush=True)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
