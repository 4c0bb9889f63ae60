"""Checker cases as data: a table of named cases that the framework runs in order.

A :class:`Case` is one line of a checker's table: the input, the expected outcome, the
requirement it protects and how its counter-example reads. :class:`TableExercise` runs the
table (then any differential checks) and turns the first failing case into a message::

    q5: not quite. Requirement: verify the two parts exactly as received.
    Counter-example: verify_hs256(<RFC 7515 A.1 token>, <its key>) returned False; expected True.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from . import Exercise, Failure, NotSolved

__all__ = [
    "Case",
    "Expect",
    "Outcome",
    "Raises",
    "Returns",
    "Satisfies",
    "TableExercise",
    "outcome_of",
    "run_table",
    "short",
]


def short(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters (long tokens stay readable)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Outcome:
    """What one call of the learner's code did: returned a value or raised."""

    value: Any = None
    error: BaseException | None = None

    @property
    def raised(self) -> bool:
        """True when the call raised."""
        return self.error is not None

    def show(self) -> str:
        """``returned 'x'`` or ``raised ValueError: ...``."""
        if self.error is not None:
            text = str(self.error)
            detail = f": {text[:120]}" if text else ""
            return f"raised {type(self.error).__name__}{detail}"
        return f"returned {short(self.value)}"


def outcome_of(call: Callable[[], Any]) -> Outcome:
    """Run ``call``; ``NotImplementedError`` means the answer is still a stub."""
    try:
        return Outcome(call())
    except NotImplementedError:
        raise NotSolved from None
    except (NotSolved, Failure):
        raise
    except Exception as exc:  # the learner's exception is an outcome like any other
        return Outcome(error=exc)


class Expect:
    """An expected outcome: subclass and implement :meth:`accepts` and :meth:`describe`."""

    def accepts(self, outcome: Outcome) -> bool:
        """True when ``outcome`` is what the requirement asks for."""
        raise NotImplementedError

    def describe(self) -> str:
        """What should have happened, as a verb phrase: ``return False``."""
        raise NotImplementedError

    def counterexample(self, call: str, outcome: Outcome) -> str:
        """The counter-example's words; override to explain an outcome in the case's own terms."""
        return f"{call} {outcome.show()}; expected it to {self.describe()}"


@dataclass(frozen=True)
class Returns(Expect):
    """The call returns ``value`` (``True``/``False``/``None`` compared by identity)."""

    value: Any

    def accepts(self, outcome: Outcome) -> bool:
        if outcome.raised:
            return False
        if self.value is None or isinstance(self.value, bool):
            return outcome.value is self.value
        try:
            return type(outcome.value) is type(self.value) and bool(outcome.value == self.value)
        except Exception:  # an answer whose == raises is not this value
            return False

    def describe(self) -> str:
        return f"return {short(self.value)}"


@dataclass(frozen=True)
class Raises(Expect):
    """The call raises one of ``types`` (any exception by default)."""

    types: tuple[type[BaseException], ...] = (Exception,)
    what: str = "raise an error"

    def accepts(self, outcome: Outcome) -> bool:
        return outcome.error is not None and isinstance(outcome.error, self.types)

    def describe(self) -> str:
        return self.what


@dataclass(frozen=True)
class Satisfies(Expect):
    """The call returns a value for which ``predicate`` is true."""

    predicate: Callable[[Any], bool]
    what: str

    def accepts(self, outcome: Outcome) -> bool:
        if outcome.raised:
            return False
        try:
            return bool(self.predicate(outcome.value))
        except Exception:
            return False

    def describe(self) -> str:
        return self.what


@dataclass(frozen=True)
class Case:
    """One line of a checker's table.

    ``args``/``kwargs`` are passed to the learner's function; for a stateful subject give
    ``act`` instead (called with the subject). ``shown`` is how the call reads in a message
    (default ``name(args)``), ``note`` says why the expected outcome is right.
    """

    requirement: str
    expect: Expect
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    act: Callable[[Any], Any] | None = None
    shown: str = ""
    note: str = ""

    def run(self, subject: Any) -> Outcome:
        """Perform the case on ``subject`` (the learner's function, or what ``act`` expects)."""
        if self.act is not None:
            act = self.act
            return outcome_of(lambda: act(subject))
        return outcome_of(lambda: subject(*self.args, **self.kwargs))

    def call_text(self, name: str) -> str:
        """How the call reads in a message."""
        if self.shown:
            return self.shown
        shown = [*map(short, self.args), *(f"{k}={short(v)}" for k, v in self.kwargs.items())]
        return f"{name}({', '.join(shown)})"


def _looks_unsolved(outcome: Outcome) -> bool:
    return not outcome.raised and (outcome.value is None or outcome.value is Ellipsis)


def failure_for(case: Case, name: str, outcome: Outcome) -> Failure:
    """The :class:`Failure` for ``case`` failing with ``outcome``: requirement, then counter-example."""
    requirement = case.requirement.rstrip(".")
    counterexample = case.expect.counterexample(case.call_text(name), outcome)
    note = f" ({case.note})" if case.note else ""
    return Failure(
        f"Requirement: {requirement}. Counter-example: {counterexample}{note}.",
        requirement=requirement,
        counterexample=counterexample,
    )


def run_table(name: str, subject: Any, cases: Iterable[Case]) -> int:
    """Run ``cases`` in order on ``subject``; raise for the first that fails; return how many ran.

    A stub is "not solved": ``NotImplementedError`` anywhere, or ``None``/``...`` where a
    value was expected before any case passed.
    """
    passed = 0
    for case in cases:
        outcome = case.run(subject)
        if case.expect.accepts(outcome):
            passed += 1
            continue
        if passed == 0 and _looks_unsolved(outcome):
            raise NotSolved
        raise failure_for(case, name, outcome)
    return passed


class TableExercise(Exercise):
    """An exercise checked by a table of :class:`Case` objects (and optional differentials)."""

    def cases(self) -> Sequence[Case]:
        """The table, in the order it runs (build tokens here, not at import time)."""
        raise NotImplementedError

    def differentials(self) -> Sequence[Any]:
        """:class:`~jwt_course.checks.differential.Differential` checks run after the table."""
        return ()

    @contextmanager
    def subject(self, answer: Any) -> Iterator[Any]:
        """What the cases act on; by default the learner's function itself."""
        if not callable(answer):
            raise Failure(f"`{self.name}` should be a function, got {type(answer).__name__}")
        yield answer

    def verify(self, answer: Any) -> None:
        with self.subject(answer) as subject:
            run_table(self.name, subject, self.cases())
            for differential in self.differentials():
                differential.run(self.name, subject)
