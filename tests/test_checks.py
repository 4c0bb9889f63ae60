"""The checker framework: verdicts, hints and solutions, never a traceback."""

from __future__ import annotations

import pytest

from jwt_course.checks import Exercise, Failure
from jwt_course.checks.ch00 import q0


class Double(Exercise):
    label = "qx"
    name = "double"
    hints = ("Multiply by two.", "return 2 * x")
    solution_code = "def double(x):\n    return 2 * x\n"

    def verify(self, answer):
        for x in (0, 1, 5):
            self.expect_equal(f"double({x})", self.call(answer, x), 2 * x)


qx = Double()


def test_right_answer_is_correct():
    assert qx.evaluate(lambda x: 2 * x).status == "correct"


def test_wrong_answer_shows_one_counter_example():
    verdict = qx.evaluate(lambda x: x + 1)
    assert verdict.status == "incorrect"
    assert "double(0) returned 1, expected 0" in verdict.message


def test_stub_returning_none_is_not_solved():
    def double(x): ...  # your code here

    assert qx.evaluate(double).status == "not solved"


def test_not_implemented_is_not_solved():
    def double(x):
        raise NotImplementedError

    assert qx.evaluate(double).status == "not solved"


def test_missing_name_is_not_solved_and_says_what_to_define():
    verdict = qx.evaluate(namespace={})
    assert verdict.status == "not solved"
    assert "define `double`" in verdict.message


def test_exception_in_learner_code_is_one_line():
    verdict = qx.evaluate(lambda x: 1 / 0)
    assert verdict.status == "incorrect"
    assert verdict.message.endswith("raised ZeroDivisionError: division by zero")
    assert "Traceback" not in verdict.message


def test_non_callable_answer_is_reported():
    assert "expected a function, got int" in qx.evaluate(3).message


def test_check_prints_and_finds_the_callers_name(capsys):
    # check() looks the answer up in the caller's globals, as in a notebook cell
    globals()["double"] = lambda x: 2 * x
    try:
        qx.check()
    finally:
        del globals()["double"]
    assert capsys.readouterr().out.strip() == "qx: correct!"


def test_check_never_raises_even_on_failure(capsys):
    qx.check(lambda x: None if x else 0)
    assert "not solved yet" in capsys.readouterr().out


def test_hint_numbers_are_clamped(capsys):
    qx.hint(99)
    assert capsys.readouterr().out.startswith("qx hint 2/2: return 2 * x")
    qx.hint()
    assert "more: qx.hint(2)" in capsys.readouterr().out


def test_solution_prints_the_model_answer(capsys):
    qx.solution()
    assert "return 2 * x" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (lambda t: tuple(t.split(".")), "incorrect"),  # accepts a two-part token
        (lambda t: t.split("."), "incorrect"),  # accepts a two-part token too
        (lambda t: (lambda a, b, c: (a, b, c))(*t.split(".")), "correct"),
        (lambda t: None, "not solved"),
    ],
)
def test_warm_up_checker(answer, status):
    assert q0.evaluate(answer).status == status


def test_failure_is_an_exception_with_the_message():
    with pytest.raises(Failure, match="returned 3, expected 4"):
        Exercise.expect_equal("f()", 3, 4)


# -- the table framework (jwt_course.checks.cases) -------------------------------------

from jwt_course.checks import VERDICTS_ENV, model_answers  # noqa: E402
from jwt_course.checks.cases import Case, Raises, Returns, Satisfies, TableExercise  # noqa: E402
from jwt_course.checks.differential import Differential  # noqa: E402


class Halve(TableExercise):
    label = "qh"
    name = "halve"

    def cases(self):
        return [
            Case("halve even numbers", Returns(2.0), (4,)),
            Case("halve odd numbers to a float", Returns(1.5), (3,), note="3 / 2 is 1.5"),
            Case("refuse a string", Raises((TypeError,)), ("4",)),
        ]

    def differentials(self):
        return [Differential("halve every integer", lambda n: n / 2, lambda st: st.tuples(st.integers(-1000, 1000)))]


qh = Halve()


def test_table_reports_the_first_failing_case_with_its_requirement():
    verdict = qh.evaluate(lambda n: float(n // 2))
    assert verdict.status == "incorrect"
    assert verdict.requirement == "halve odd numbers to a float"
    assert verdict.message == (
        "qh: not quite. Requirement: halve odd numbers to a float. "
        "Counter-example: halve(3) returned 1.0; expected it to return 1.5 (3 / 2 is 1.5)."
    )


def test_returns_compares_types_too():
    # 2 == 2.0, but a function that should return the int 2 and returns 2.0 is not the same answer
    from jwt_course.checks.cases import Outcome

    assert not Returns(2).accepts(Outcome(2.0))
    assert not Returns(True).accepts(Outcome(1))


def test_an_exception_is_a_case_outcome_not_a_traceback():
    verdict = qh.evaluate(lambda n: n / 2 if n != 3 else 1 / 0)
    assert "halve(3) raised ZeroDivisionError: division by zero" in verdict.message


def test_an_expected_exception_that_is_missing_is_reported():
    verdict = qh.evaluate(lambda n: float(n) / 2)
    assert "halve('4') returned 2.0; expected it to raise an error" in verdict.message


def test_a_stub_returning_none_on_the_first_case_is_not_solved():
    assert qh.evaluate(lambda n: None).status == "not solved"


def test_none_after_a_passing_case_is_a_wrong_answer():
    verdict = qh.evaluate(lambda n: 2.0 if n == 4 else None)
    assert verdict.status == "incorrect"


def test_differential_reports_a_shrunk_disagreement():
    verdict = qh.evaluate(lambda n: n / 2 if n < 500 else 0)
    assert verdict.status == "incorrect"
    assert verdict.message.endswith("halve(500) returned 0; expected it to return 250.0.")


def test_differential_leaves_no_hypothesis_folder_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    qh.evaluate(lambda n: -1 if n == 7 else n / 2)
    assert list(tmp_path.iterdir()) == []


def test_differential_prints_nothing(capsys):
    qh.evaluate(lambda n: -1 if n == 7 else n / 2)
    assert capsys.readouterr() == ("", "")


def test_satisfies_names_what_it_wanted():
    verdict = Satisfies(lambda v: v > 0, "return a positive number")
    assert verdict.describe() == "return a positive number"


def test_check_records_the_verdict_as_data_when_asked(tmp_path, monkeypatch, capsys):
    sink = tmp_path / "verdicts.jsonl"
    monkeypatch.setenv(VERDICTS_ENV, str(sink))
    qh.check(lambda n: float(n // 2))
    import json

    (record,) = [json.loads(line) for line in sink.read_text().splitlines()]
    assert record["status"] == "incorrect"
    assert record["label"] == "qh"
    assert record["requirement"] == "halve odd numbers to a float"
    assert record["own"] is False  # an answer was passed in: a demonstration, not the learner's own


def test_check_records_nothing_without_the_variable(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(VERDICTS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    qh.check(lambda n: n / 2)
    assert list(tmp_path.iterdir()) == []


def test_solution_prints_the_solutions_notebooks_cell(capsys):
    from jwt_course.checks.ch01 import q1

    q1.solution()
    out = capsys.readouterr().out
    assert out == f"q1 solution:\n{model_answers()['01']['q1'].strip()}\n"
    assert "BEGIN SOLUTION" not in out and "q1.check()" not in out


def test_an_answer_the_checker_trips_over_is_still_a_verdict():
    class Weird:
        def __eq__(self, other):
            raise RuntimeError("no comparing me")

        __hash__ = object.__hash__

    class Trips(Exercise):
        label = "qt"
        name = "weird"

        def verify(self, answer):
            if answer() == 1:  # the checker's own comparison raises
                pass

    verdict = Trips().evaluate(lambda: Weird())
    assert verdict.status == "incorrect"
    assert "RuntimeError: no comparing me" in verdict.message


def test_returns_is_false_for_an_answer_whose_equality_raises():
    from jwt_course.checks.cases import Outcome

    class Weird:
        def __eq__(self, other):
            raise RuntimeError

        __hash__ = object.__hash__

    assert not Returns({"sub": 1}).accepts(Outcome({"sub": Weird()}))
