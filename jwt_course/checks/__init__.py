"""Exercise checkers, in the style of Kaggle's learntools.

In a notebook::

    from jwt_course.checks.ch01 import q1
    def b64url_encode(data: bytes) -> str:
        ...
    q1.check()      # finds b64url_encode in the notebook and prints a verdict
    q1.hint()
    q1.solution()   # prints the marked block of solutions/01_*.ipynb

``check()`` never raises: an unsolved exercise prints "not solved yet", a wrong answer
prints the broken requirement and one concrete counter-example, an exception in the
learner's code prints its type and message (no traceback).

Writing a checker (usage note for every chapter)
------------------------------------------------

1. Subclass :class:`jwt_course.checks.cases.TableExercise`; set ``label``, ``name`` and
   ``hints``, and return the cases from ``cases()`` as data: each
   :class:`~jwt_course.checks.cases.Case` holds the input (``args`` or an ``act`` on the
   subject), the expected outcome (``Returns``, ``Raises``, ``Satisfies`` or your own
   :class:`~jwt_course.checks.cases.Expect`), the requirement it protects (worded as in the
   exercise text) and, in ``shown``/``note``, how the counter-example reads. The framework
   runs the table in order and reports the first failing case. Put a case a stub fails
   first (a stub's ``None`` on the first case reads "not solved yet").
2. Stateful answers (a store, an auth class): override ``subject(answer)``, a context
   manager that builds what the cases act on (``act=lambda s: s.store.get(...)``).
3. Pure functions: return :class:`~jwt_course.checks.differential.Differential` objects from
   ``differentials()``: the learner's function is compared with a reference on
   hypothesis-generated inputs (bounded, derandomised, no example database, quiet), and the
   shrunk first disagreement is reported.
4. Hostile inputs come from :mod:`jwt_course.checks.corpus` (alg confusion with the
   legitimate key, ``none``, header and encoding variants, missing claims, time edges,
   injection ids, prefix roles): draw from it rather than writing new forgeries.
5. Model answers have one source: the cell of ``solutions/NN_name.ipynb`` that holds
   ``# BEGIN SOLUTION`` and calls ``qN.check()``. ``make exercises`` (or
   ``make notebooks NOTEBOOKS=solutions/...``) writes those cells to
   ``jwt_course/data/model_answers.json``; ``qN.solution()`` prints from there. Do not set
   ``solution_code`` in a checker (a test fails if one does, or if the data file is stale).
6. A boundary catches ``jwt.PyJWTError`` (it covers ``InvalidKeyError``): model answers
   and hints say so.

Verdicts are data: :class:`Verdict` has a machine-readable ``status`` (``"correct"``,
``"incorrect"``, ``"not solved"``), the ``requirement`` that broke and the
``counterexample``. When ``JWT_COURSE_VERDICTS`` names a file, every ``check()`` appends
its verdict there as one JSON line (``jwt-course progress`` reads it).
"""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from typing import Any, ClassVar, Literal

__all__ = ["VERDICTS_ENV", "Exercise", "Failure", "NotSolved", "Verdict", "model_answers"]

_MISSING: Any = object()

#: Environment variable naming a file where every ``check()`` appends its verdict (JSON lines).
VERDICTS_ENV = "JWT_COURSE_VERDICTS"
_MODEL_ANSWERS = "model_answers.json"


class NotSolved(Exception):
    """The learner's answer is still the stub (``...``, ``None`` or missing)."""


class Failure(Exception):
    """The answer is wrong; the message is one concrete counter-example.

    ``requirement`` names the stated requirement it breaks, ``counterexample`` the input
    and what happened (both also part of the message).
    """

    def __init__(self, message: str, *, requirement: str = "", counterexample: str = "") -> None:
        super().__init__(message)
        self.requirement = requirement
        self.counterexample = counterexample


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one answer, as data."""

    status: Literal["correct", "incorrect", "not solved"]
    message: str
    label: str = ""
    requirement: str = ""
    counterexample: str = ""

    @property
    def correct(self) -> bool:
        """True when the answer passed every case."""
        return self.status == "correct"


@cache
def model_answers() -> dict[str, dict[str, str]]:
    """``{"01": {"q1": code, ...}, ...}``: the solutions notebooks' marked cells (package data)."""
    try:
        text = resources.files("jwt_course").joinpath("data", _MODEL_ANSWERS).read_text("utf-8")
    except FileNotFoundError:
        return {}
    data: dict[str, dict[str, str]] = json.loads(text)
    return data


class Exercise:
    """One exercise: subclass it, set the class attributes, write ``verify``."""

    #: label shown in verdicts, e.g. "q1"
    label: ClassVar[str] = "q?"
    #: name of the function or variable the learner defines in the notebook
    name: ClassVar[str] = ""
    hints: ClassVar[tuple[str, ...]] = ()

    @property
    def chapter(self) -> str:
        """``"01"`` for a checker defined in ``jwt_course.checks.ch01``."""
        module = type(self).__module__.rsplit(".", 1)[-1]
        return module[2:] if module.startswith("ch") else module

    @property
    def solution_code(self) -> str:
        """The model answer: the marked cell of ``solutions/NN_name.ipynb`` (one source)."""
        return model_answers().get(self.chapter, {}).get(self.label, "")

    def verify(self, answer: Any) -> None:
        """Raise :class:`Failure` with a counter-example if ``answer`` is wrong."""
        raise NotImplementedError

    # -- helpers for verify() -------------------------------------------------

    @staticmethod
    def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call the learner's function; a stub or ``None`` result means not solved."""
        if not callable(fn):
            raise Failure(f"expected a function, got {type(fn).__name__}")
        try:
            result = fn(*args, **kwargs)
        except (NotSolved, Failure):
            raise
        except NotImplementedError:
            raise NotSolved from None
        except Exception as exc:  # the learner's bug, reported as one line
            shown = ", ".join([*map(_short, args), *(f"{k}={_short(v)}" for k, v in kwargs.items())])
            raise Failure(
                f"{getattr(fn, '__name__', 'your function')}({shown}) raised {type(exc).__name__}: {exc}"
            ) from None
        if result is None or result is Ellipsis:
            raise NotSolved
        return result

    @staticmethod
    def expect_equal(what: str, got: Any, expected: Any) -> None:
        """Fail with both values shown unless ``got == expected``."""
        if got != expected:
            raise Failure(f"{what} returned {_short(got)}, expected {_short(expected)}")

    # -- the learner-facing API ----------------------------------------------

    def evaluate(self, answer: Any = _MISSING, *, namespace: dict[str, Any] | None = None) -> Verdict:
        """Check an answer and return the verdict without printing it."""
        if answer is _MISSING:
            answer = (namespace or {}).get(self.name, _MISSING)
        try:
            if answer is _MISSING or answer is None or answer is Ellipsis:
                raise NotSolved
            self.verify(answer)
        except NotSolved:
            where = f" (define `{self.name}` above)" if answer is _MISSING else ""
            message = f"{self.label}: not solved yet{where}. Stuck? {self.label}.hint()"
            return Verdict("not solved", message, self.label)
        except Failure as failure:
            return Verdict(
                "incorrect",
                f"{self.label}: not quite. {failure}",
                self.label,
                failure.requirement,
                failure.counterexample,
            )
        except Exception as exc:  # an answer so unusual the checker tripped over it: still a verdict
            message = f"{self.label}: not quite. The checker could not use your answer: {type(exc).__name__}: {exc}"
            return Verdict("incorrect", message, self.label)
        return Verdict("correct", f"{self.label}: correct!", self.label)

    def check(self, answer: Any = _MISSING) -> None:
        """Print a verdict for ``answer`` (by default: the notebook's ``name``)."""
        own = answer is _MISSING
        frame = inspect.currentframe()
        caller = frame.f_back.f_globals if frame is not None and frame.f_back else {}
        verdict = self.evaluate(answer, namespace=caller)
        print(verdict.message)
        _record(verdict, own=own)

    def hint(self, number: int = 1) -> None:
        """Print hint ``number`` (1-based); the last hint is the most direct."""
        if not self.hints:
            print(f"{self.label}: no hint for this one.")
            return
        number = max(1, min(number, len(self.hints)))
        more = f" (more: {self.label}.hint({number + 1}))" if number < len(self.hints) else ""
        print(f"{self.label} hint {number}/{len(self.hints)}: {self.hints[number - 1]}{more}")

    def solution(self) -> None:
        """Print the model solution (the solutions notebook's marked cell)."""
        code = self.solution_code.strip() or "(no model answer recorded: run `make exercises`)"
        print(f"{self.label} solution:\n{code}")

    def __repr__(self) -> str:
        return f"<exercise {self.label}: {self.name}; .check() .hint() .solution()>"


def _record(verdict: Verdict, *, own: bool) -> None:
    path = os.environ.get(VERDICTS_ENV)
    if not path:
        return
    line = json.dumps({**asdict(verdict), "own": own})
    try:
        with open(path, "a", encoding="utf-8") as sink:
            sink.write(line + "\n")
    except OSError:
        pass  # progress reporting must never break a learner's check()


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
