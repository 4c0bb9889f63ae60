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
    def double(x):
        ...  # your code here

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
