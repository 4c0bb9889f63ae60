"""Exercise checkers, in the style of Kaggle's learntools.

Each exercise is one small :class:`Exercise` subclass. In a notebook::

    from jwt_course.checks.ch01 import q1
    def b64url_encode(data: bytes) -> str:
        ...
    q1.check()      # finds b64url_encode in the notebook and prints a verdict
    q1.hint()
    q1.solution()

``check()`` never raises: an unsolved exercise prints "not solved yet", a wrong
answer prints one concrete counter-example, an exception in the learner's code
prints its type and message (no traceback).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

__all__ = ["Exercise", "Failure", "NotSolved", "Verdict"]

_MISSING: Any = object()


class NotSolved(Exception):
    """The learner's answer is still the stub (``...``, ``None`` or missing)."""


class Failure(Exception):
    """The answer is wrong; the message is one concrete counter-example."""


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one answer."""

    status: Literal["correct", "incorrect", "not solved"]
    message: str

    @property
    def correct(self) -> bool:
        """True when the answer passed every case."""
        return self.status == "correct"


class Exercise:
    """One exercise: subclass it, set the class attributes, write ``verify``."""

    #: label shown in verdicts, e.g. "q1"
    label: ClassVar[str] = "q?"
    #: name of the function or variable the learner defines in the notebook
    name: ClassVar[str] = ""
    hints: ClassVar[tuple[str, ...]] = ()
    solution_code: ClassVar[str] = ""

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
                f"{getattr(fn, '__name__', 'your function')}({shown}) raised "
                f"{type(exc).__name__}: {exc}"
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
            return Verdict("not solved", f"{self.label}: not solved yet{where}. Stuck? {self.label}.hint()")
        except Failure as failure:
            return Verdict("incorrect", f"{self.label}: not quite. {failure}")
        return Verdict("correct", f"{self.label}: correct!")

    def check(self, answer: Any = _MISSING) -> None:
        """Print a verdict for ``answer`` (by default: the notebook's ``name``)."""
        frame = inspect.currentframe()
        caller = frame.f_back.f_globals if frame is not None and frame.f_back else {}
        print(self.evaluate(answer, namespace=caller).message)

    def hint(self, number: int = 1) -> None:
        """Print hint ``number`` (1-based); the last hint is the most direct."""
        if not self.hints:
            print(f"{self.label}: no hint for this one.")
            return
        number = max(1, min(number, len(self.hints)))
        more = f" (more: {self.label}.hint({number + 1}))" if number < len(self.hints) else ""
        print(f"{self.label} hint {number}/{len(self.hints)}: {self.hints[number - 1]}{more}")

    def solution(self) -> None:
        """Print a model solution."""
        print(f"{self.label} solution:\n{self.solution_code.strip()}")

    def __repr__(self) -> str:
        return f"<exercise {self.label}: {self.name}; .check() .hint() .solution()>"


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
