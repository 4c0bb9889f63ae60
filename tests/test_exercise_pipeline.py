"""solutions/ is the single source of exercises/: the generator and the staleness check."""

from __future__ import annotations

import nbformat
import pytest

from jwt_course.tooling.notebooks import EXERCISES, SOLUTIONS, STUB, MarkerError, make_exercise, strip_solutions

SOLUTION_FILES = sorted(SOLUTIONS.glob("*.ipynb"))


def test_block_is_replaced_by_an_indented_stub():
    source = "def f(x):\n    # BEGIN SOLUTION\n    y = x + 1\n    return y\n    # END SOLUTION\n\nq1.check()"
    assert strip_solutions(source) == f"def f(x):\n    {STUB}\n\nq1.check()"


def test_generated_stub_runs_and_returns_none():
    namespace: dict = {}
    exec(strip_solutions("def f(x):\n    # BEGIN SOLUTION\n    return x\n    # END SOLUTION"), namespace)
    assert namespace["f"](1) is None


def test_code_outside_markers_is_kept():
    assert strip_solutions("a = 1\nb = 2") == "a = 1\nb = 2"


@pytest.mark.parametrize(
    "source",
    [
        "# BEGIN SOLUTION\nx = 1",
        "x = 1\n# END SOLUTION",
        "# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION",
    ],
)
def test_unbalanced_markers_are_an_error(source):
    with pytest.raises(MarkerError):
        strip_solutions(source)


def test_make_exercise_clears_outputs_and_keeps_the_solution_notebook_intact():
    solution = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("def f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION")]
    )
    solution.cells[0].outputs = [nbformat.v4.new_output("stream", text="q1: correct!\n")]
    exercise = make_exercise(solution)
    assert exercise.cells[0].outputs == []
    assert "return 1" not in exercise.cells[0].source
    assert "return 1" in solution.cells[0].source


def test_every_solution_has_an_exercise_and_back():
    exercises = {p.name for p in EXERCISES.glob("*.ipynb")}
    assert exercises == {p.name for p in SOLUTION_FILES}


@pytest.mark.parametrize("path", SOLUTION_FILES, ids=lambda p: p.name)
def test_solution_notebook_has_marked_solutions(path):
    nb = nbformat.read(path, as_version=4)
    assert any("# BEGIN SOLUTION" in cell.source for cell in nb.cells if cell.cell_type == "code")


@pytest.mark.parametrize("path", SOLUTION_FILES, ids=lambda p: p.name)
def test_committed_exercise_is_up_to_date(path):
    expected = make_exercise(nbformat.read(path, as_version=4))
    committed = nbformat.read(EXERCISES / path.name, as_version=4)
    got = [(c.cell_type, c.source) for c in committed.cells]
    want = [(c.cell_type, c.source) for c in expected.cells]
    assert got == want, f"exercises/{path.name} is stale: run `make exercises`"
    assert not any("SOLUTION" in source for _, source in got)


def test_sanitizer_file_has_patterns_nbval_reads():
    from jwt_course.tooling.notebooks import sanitizer_patterns

    assert ("127\\.0\\.0\\.1:\\d+", "127.0.0.1:PORT") in sanitizer_patterns()


def test_saved_outputs_are_sanitized():
    from jwt_course.tooling.notebooks import sanitize

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(server)")])
    nb.cells[0].outputs = [
        nbformat.v4.new_output("stream", text="<Server http://127.0.0.1:41234 running>\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": "<obj at 0x7f3a2b1c9d10>"}),
    ]
    sanitize(nb)
    assert nb.cells[0].outputs[0].text == "<Server http://127.0.0.1:PORT running>\n"
    assert nb.cells[0].outputs[1].data["text/plain"] == "<obj at 0xADDRESS>"


# -- one source for each model answer -----------------------------------------------------


def test_model_answer_cell_drops_markers_and_stops_before_the_check():
    from jwt_course.tooling.notebooks import model_answer_cells

    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "HELPER = 1\n\ndef f(x):\n    # BEGIN SOLUTION\n    return x + HELPER\n    # END SOLUTION\n\n\nq3.check()\nprint('after')"
            )
        ]
    )
    assert model_answer_cells(nb) == {"q3": "HELPER = 1\n\ndef f(x):\n    return x + HELPER\n"}


def test_a_cell_that_only_demonstrates_a_wrong_answer_is_not_a_model_answer():
    from jwt_course.tooling.notebooks import model_answer_cells

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("def g(x):\n    return 0\n\nq3.check(g)")])
    assert model_answer_cells(nb) == {}


def test_committed_model_answers_match_the_solutions_notebooks():
    from jwt_course.tooling.notebooks import MODEL_ANSWERS, model_answers_text

    assert MODEL_ANSWERS.read_text("utf-8") == model_answers_text(), "stale: run `make exercises`"


@pytest.mark.parametrize("path", SOLUTION_FILES, ids=lambda p: p.name)
def test_every_marked_cell_is_some_exercises_model_answer(path):
    from jwt_course.tooling.notebooks import model_answer_cells

    nb = nbformat.read(path, as_version=4)
    marked = [c for c in nb.cells if c.cell_type == "code" and "# BEGIN SOLUTION" in c.source]
    assert len(model_answer_cells(nb)) == len(marked), "a marked cell calls no qN.check()"


@pytest.mark.parametrize("path", SOLUTION_FILES, ids=lambda p: p.name)
def test_no_checker_keeps_its_own_copy_of_the_model_answer(path):
    # qN.solution() must print the notebook's cell (package data), not a string in the checker
    import importlib

    module = importlib.import_module(f"jwt_course.checks.ch{path.name[:2]}")
    copies = [name for name, q in vars(module).items() if "solution_code" in vars(type(q))]
    assert copies == [], f"remove solution_code from {copies}: it comes from {path.name}"


def test_model_answers_ship_as_package_data():
    import tomllib

    from jwt_course.tooling.notebooks import ROOT

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "data/*.json" in data["jwt_course"]


def test_measured_outputs_are_copied_from_the_solution_so_make_exercises_is_stable():
    from jwt_course.tooling.notebooks import keep_measurements

    source = "# NBVAL_IGNORE_OUTPUT\nprint(timeit())"
    solution = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    solution.cells[0].outputs = [nbformat.v4.new_output("stream", text="0.04 µs\n")]
    exercise = make_exercise(solution)
    exercise.cells[0].outputs = [nbformat.v4.new_output("stream", text="0.05 µs\n")]  # a fresh run
    keep_measurements(exercise, solution)
    assert exercise.cells[0].outputs[0].text == "0.04 µs\n"
