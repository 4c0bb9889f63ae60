"""Differential checks: the learner's function against a reference on generated inputs.

:class:`Differential` draws argument tuples from a hypothesis strategy, calls the learner's
function and the reference on each, and reports the first disagreement after hypothesis
has shrunk it. Runs are bounded (``max_examples``), derandomised (the same counter-example
every run, so a notebook's output is stable), quiet (hypothesis prints nothing) and keep
no example database (no ``.hypothesis`` folder in the learner's working directory).
Without hypothesis installed (it comes with the course's ``dev`` extra) the differential
stage is skipped and the case table alone decides.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from . import Failure
from .cases import Outcome, outcome_of, short

__all__ = ["PROFILE", "Differential", "same_outcome"]

#: The hypothesis settings profile the checks use (registered on first use).
PROFILE = "jwt-course-checks"


def same_outcome(got: Outcome, want: Outcome) -> bool:
    """Both raised (any exception), or both returned equal values of the same type."""
    if want.raised or got.raised:
        return want.raised and got.raised
    return type(got.value) is type(want.value) and bool(got.value == want.value)


class _Disagreement(Exception):
    pass


_STORAGE: list[str] = []


@contextmanager
def _private_storage() -> Iterator[None]:
    """Point hypothesis's caches (constants, unicode tables) at a private temporary folder.

    Even with ``database=None`` hypothesis writes caches under ``./.hypothesis``; a
    learner's notebook folder must stay clean. The previous setting is restored after.
    """
    import hypothesis.configuration as configuration

    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        yield
        return
    if not _STORAGE:
        _STORAGE.append(tempfile.mkdtemp(prefix="jwt-course-hypothesis-"))
        atexit.register(shutil.rmtree, _STORAGE[0], True)
    previous = vars(configuration).get("__hypothesis_home_directory")
    configuration.set_hypothesis_home_dir(_STORAGE[0])
    try:
        with _no_module_scan():
            yield
    finally:
        configuration.set_hypothesis_home_dir(previous)


@contextmanager
def _no_module_scan() -> Iterator[None]:
    """Skip hypothesis's scan of every local module's source for constants (~0.5 s on first use).

    The scan only seeds generation with literals found in the code under test; the checks'
    strategies are explicit. It runs when ``len(sys.modules)`` changed since the last scan.
    """
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - a hypothesis without the scan
        yield
        return
    previous = getattr(providers, "_sys_modules_len", None)
    providers._sys_modules_len = len(sys.modules)
    try:
        yield
    finally:
        providers._sys_modules_len = previous


def _settings(max_examples: int) -> Any:
    from hypothesis import HealthCheck, Phase, Verbosity, settings

    if PROFILE not in settings._profiles:  # no public "is registered"
        settings.register_profile(
            PROFILE,
            database=None,  # no .hypothesis folder in the learner's cwd
            derandomize=True,  # the same counter-example on every run
            deadline=None,
            verbosity=Verbosity.quiet,
            print_blob=False,
            report_multiple_bugs=False,
            phases=(Phase.generate, Phase.shrink),
            suppress_health_check=list(HealthCheck),
        )
    return settings(settings.get_profile(PROFILE), max_examples=max_examples)


@dataclass(frozen=True)
class Differential:
    """Compare the learner's function with ``reference`` on ``inputs(st)``-generated args.

    ``inputs`` receives ``hypothesis.strategies`` and returns a strategy of argument
    tuples; ``shown`` formats one argument tuple for the message (default ``name(args)``).
    """

    requirement: str
    reference: Callable[..., Any]
    inputs: Callable[[Any], Any]
    max_examples: int = 80
    compare: Callable[[Outcome, Outcome], bool] = same_outcome
    shown: Callable[[tuple[Any, ...]], str] | None = None

    def run(self, name: str, answer: Callable[..., Any]) -> None:
        """Raise :class:`Failure` with the shrunk first disagreement, if any."""
        try:
            from hypothesis import given as hypothesis_given
            from hypothesis import strategies as st
        except ImportError:  # pragma: no cover - the dev extra installs hypothesis
            return
        found: list[tuple[tuple[Any, ...], Outcome, Outcome]] = []
        given: Any = hypothesis_given

        def check(args: tuple[Any, ...]) -> None:
            got = outcome_of(lambda: answer(*args))
            want = outcome_of(lambda: self.reference(*args))
            if not self.compare(got, want):
                found[:] = [(args, got, want)]  # the last one recorded is the shrunk one
                raise _Disagreement

        probe: Any = _settings(self.max_examples)(given(self.inputs(st))(check))
        try:
            with _private_storage():
                probe()
        except _Disagreement:
            args, got, want = found[-1]
            call = self.shown(args) if self.shown else f"{name}({', '.join(map(short, args))})"
            expected = "raise an error" if want.raised else f"return {short(want.value)}"
            counterexample = f"{call} {got.show()}; expected it to {expected}"
            requirement = self.requirement.rstrip(".")
            raise Failure(
                f"Requirement: {requirement}. Counter-example (generated, then shrunk): {counterexample}.",
                requirement=requirement,
                counterexample=counterexample,
            ) from None
