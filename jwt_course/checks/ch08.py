"""Chapter 08 (bonus): cancellable CPU work, cleanup that survives cancellation, TaskGroup.

A notebook cell already runs inside an event loop, so every checker here runs the
learner's coroutine with ``asyncio.run`` in a fresh loop on a short-lived thread of
its own (:func:`run_isolated`), joins that thread, and reports what it saw. Each checker is
a table of scenarios (:mod:`jwt_course.checks.cases`): a case's ``act`` runs one scenario
and returns its report, and the case's expectation reads the report and says, in words
built from what was observed, which stated requirement broke.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import inspect
import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from ..handmade import b64url_encode
from . import Failure, NotSolved
from .cases import Case, Expect, Outcome, TableExercise

__all__ = ["q1", "q2", "q3", "run_isolated"]

T = TypeVar("T")

#: how long a checker waits for the learner's code before giving up
_LIMIT_S = 10.0


def run_isolated(main: Callable[[], Awaitable[T]], limit: float = _LIMIT_S) -> T:
    """Run ``main()`` with ``asyncio.run`` in a new thread and return its result.

    The notebook's own event loop is busy running the cell that called us, so the
    learner's coroutine gets a loop of its own. Exceptions from ``main`` are re-raised.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(main())  # type: ignore[arg-type]
        except BaseException as exc:  # handed back to the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="jwt_course.checks.ch08", daemon=True)
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        raise Failure(f"your coroutine was still running after {limit:g} s; does every loop end?")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


def _require_async(answer: Any, name: str) -> None:
    if not callable(answer):
        raise Failure(f"expected a function, got {type(answer).__name__}")
    if not inspect.iscoroutinefunction(answer):
        raise Failure(f"{name} must be a coroutine function: define it with `async def`")


class _Report(Expect):
    """A scenario's report, read by ``diagnose`` (a problem in words, or "" when all is well)."""

    def __init__(self, diagnose: Callable[[Any], str], wanted: str) -> None:
        self.diagnose = diagnose
        self.wanted = wanted
        self.problem = ""

    def accepts(self, outcome: Outcome) -> bool:
        if outcome.raised:
            self.problem = ""
            return False
        self.problem = self.diagnose(outcome.value)
        return not self.problem

    def describe(self) -> str:
        return self.wanted + (f"; what happened: {self.problem}" if self.problem else "")


class _Seen(dict):  # type: ignore[type-arg]
    """A scenario's report; it reads as its ``seen`` entry in a counter-example ("returned <seen>")."""

    def __repr__(self) -> str:
        return str(self.get("seen", "?"))


def _seen(report: dict[str, Any], seen: str) -> _Seen:
    return _Seen({**report, "seen": seen})


class _AsyncExercise(TableExercise):
    """A table of scenarios, each run in a fresh event loop of its own."""

    @contextmanager
    def subject(self, answer: Any) -> Iterator[Any]:
        _require_async(answer, self.name)
        yield answer


async def _settle(predicate: Callable[[], bool], seconds: float) -> bool:
    """Give the loop up to ``seconds`` for ``predicate()`` to become true."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


# -- q1: a CPU-bound coroutine that can be cancelled ---------------------------------


def _hs256_token(claims: dict[str, Any], secret: str) -> str:
    header = b64url_encode(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = b64url_encode(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url_encode(signature)}"


_Q1_CANDIDATES = 20_000
#: a cancellable answer may finish the candidate it is on, or yield every few dozen
_Q1_ALLOWED_AFTER_CANCEL = 200
#: the checker watches this many candidates being tried before it calls task.cancel()
_Q1_WATCHED = 3 * _Q1_ALLOWED_AFTER_CANCEL
#: candidates tried in a row on the event loop's thread without suspending, after which the checker hands out no
#: more: ten times the allowed gap, so only an answer that is refused anyway is stopped, and it is stopped early
#: instead of running all 20 000 (with a time.sleep(0) per candidate that took 1.3-2 s)
_Q1_NO_TURN_LIMIT = 10 * _Q1_ALLOWED_AFTER_CANCEL


class _Candidates:
    """The wrong guesses q1's cancel scenario hands out, one at a time.

    The checker's watching loop calls :meth:`turn` each time the event loop gives it a turn. When the loop's own
    thread draws ``_Q1_NO_TURN_LIMIT`` candidates with no turn in between, the answer is not suspending (it is
    refused whatever it does next), so the candidates run out there: ``stopped_at`` says after how many. Candidates
    drawn on another thread (work moved to a thread) are never cut short.
    """

    def __init__(self, total: int) -> None:
        self.total = total
        self.drawn = 0
        self.at_turn = 0
        self.stopped_at = 0
        self.watching = True
        self.loop_thread = threading.get_ident()

    def __iter__(self) -> _Candidates:
        return self

    def __next__(self) -> str:
        if self.stopped_at or self.drawn >= self.total:
            raise StopIteration
        if (
            self.watching
            and self.drawn - self.at_turn >= _Q1_NO_TURN_LIMIT
            and threading.get_ident() == self.loop_thread
        ):
            self.stopped_at = self.drawn
            raise StopIteration
        self.drawn += 1
        return f"guess-{self.drawn - 1:06d}"

    def turn(self) -> None:
        self.at_turn = self.drawn


_CHECKPOINT = (
    "await something that suspends, e.g. `await asyncio.sleep(0)`, inside the loop (an await of a coroutine "
    "that returns without suspending is not a checkpoint, and neither is time.sleep)"
)


class CancellableCrack(_AsyncExercise):
    """Brute-force an HS256 secret without blocking cancellation."""

    label = "q1"
    name = "crack_secret"
    hints = (
        "Cancellation in asyncio is delivered only where a task suspends: at an `await` that really "
        "gives the event loop a turn. A loop that never suspends runs to its end even after task.cancel().",
        "Inside the loop, after each candidate, add `await asyncio.sleep(0)`: it yields to the "
        "event loop for one turn (Kotlin's `yield()` / `ensureActive()`), and that is where a "
        "pending CancelledError is raised. Do not catch it.",
    )

    def cases(self) -> Sequence[Case]:
        token = _hs256_token({"sub": "alice", "role": "user"}, "letmein")
        words = ["123456", "password", "qwerty", "letmein", "dragon"]

        def find(answer: Any) -> dict[str, Any]:
            async def main() -> dict[str, Any]:
                tried: list[str] = []
                try:
                    found: Any = await answer(token, iter(words), tried)
                except Exception as exc:
                    found = exc
                return {"found": found, "tried": tried}

            report = run_isolated(main)
            if report["found"] is None and not report["tried"]:
                raise NotSolved
            return _seen(report, f"{report['found']!r} with tried = {report['tried'][:5]}")

        def found_it(report: dict[str, Any]) -> str:
            found, tried = report["found"], report["tried"]
            if isinstance(found, BaseException):
                return f"it raised {type(found).__name__}: {found}"
            if found != "letmein":
                return f"it returned {found!r}"
            if tried != words[:4]:
                return f"`tried` holds {tried[:6]}; expected {words[:4]} (each candidate tested, in order, up to the match)"
            return ""

        def nothing(answer: Any) -> dict[str, Any]:
            async def main() -> dict[str, Any]:
                tried: list[str] = []
                try:
                    result: Any = await answer(token, iter(["a", "b", "c"]), tried)
                except LookupError as exc:
                    return {"ending": f"LookupError: {exc}", "ok": True}
                except Exception as exc:
                    return {"ending": f"raised {type(exc).__name__}: {exc}", "ok": False}
                return {"ending": f"returned {result!r}", "ok": False}

            report = run_isolated(main)
            return _seen(report, f"<it {report['ending']}>")

        def cancelled(report: dict[str, Any]) -> str:
            if report["stopped_at"]:
                return (
                    f"crack_secret never gave the event loop a turn: it tried {report['stopped_at']} candidates in a "
                    "row without suspending, so cancel() could not be delivered (the checker handed it no more "
                    f"of the {_Q1_CANDIDATES})"
                )
            if report["finished_before_cancel"]:
                return (
                    f"crack_secret never gave the event loop a turn: it tried all {report['total']} candidates "
                    "before cancel() could even be delivered"
                )
            if not report["cancelled"]:
                return f"after task.cancel() the task ended with {report['ending']} instead of CancelledError"
            if report["after_cancel"] > _Q1_ALLOWED_AFTER_CANCEL:
                return (
                    f"after cancel() it kept going for {report['after_cancel']} more candidates (allowed: "
                    f"{_Q1_ALLOWED_AFTER_CANCEL}): work moved to a thread is not stopped by cancel()"
                )
            if report["max_gap"] > _Q1_ALLOWED_AFTER_CANCEL:
                return (
                    f"it ran up to {report['max_gap']} candidates between two checkpoints (allowed: "
                    f"{_Q1_ALLOWED_AFTER_CANCEL}): a cancel() waits that long; check at every candidate (or every "
                    "few dozen)"
                )
            return ""

        return [
            Case(
                "try the candidates in order, append each to `tried`, return the one that matches",
                _Report(found_it, "return 'letmein' with tried == " + repr(words[:4])),
                act=find,
                shown=f"crack_secret(<a token signed with 'letmein'>, iter({words}), tried)",
            ),
            Case(
                "raise LookupError when no candidate matches",
                _Report(lambda r: "" if r["ok"] else f"it {r['ending']}", "raise LookupError"),
                act=nothing,
                shown="crack_secret(<a token signed with 'letmein'>, iter(['a', 'b', 'c']), tried)",
            ),
            Case(
                f"stop within {_Q1_ALLOWED_AFTER_CANCEL} candidates of task.cancel() and end with CancelledError: "
                + _CHECKPOINT,
                _Report(cancelled, "end with CancelledError soon after cancel()"),
                act=lambda answer: self._cancel_report(answer, token),
                shown=f"crack_secret(<token>, <{_Q1_CANDIDATES} wrong candidates>, tried), cancelled once {_Q1_WATCHED} "
                "were tried",
            ),
        ]

    def _cancel_report(self, answer: Any, token: str) -> _Seen:
        report = run_isolated(lambda: self._cancel_midway(answer, token))
        if report["stopped_at"]:
            seen = f"<{report['stopped_at']} candidates in a row, no checkpoint>"
        elif report["finished_before_cancel"]:
            seen = f"<all {report['total']} candidates tried, none cancelled>"
        else:
            seen = f"<{report['ending']}, {report['after_cancel']} candidates after cancel()>"
        return _seen(report, seen)

    @staticmethod
    async def _cancel_midway(answer: Any, token: str) -> dict[str, Any]:
        tried: list[str] = []
        candidates = _Candidates(_Q1_CANDIDATES)
        task = asyncio.create_task(answer(token, candidates, tried))
        # Each time this loop runs, the task has given the loop a turn: the growth of `tried` between two
        # runs is how many candidates it tries between checkpoints.
        seen, max_gap = 0, 0
        deadline = time.monotonic() + 5.0
        while not task.done() and len(tried) < _Q1_WATCHED and time.monotonic() < deadline:
            await asyncio.sleep(0)
            candidates.turn()
            max_gap, seen = max(max_gap, len(tried) - seen), len(tried)
        candidates.watching = False
        finished_before_cancel = task.done()
        at_cancel = len(tried)
        task.cancel()
        ending = "no exception"
        try:
            await task
        except asyncio.CancelledError:
            ending = "CancelledError"
        except Exception as exc:
            ending = type(exc).__name__
        await asyncio.sleep(0.05)  # a thread that was not told to stop keeps going here
        return {
            "finished_before_cancel": finished_before_cancel,
            "stopped_at": candidates.stopped_at,
            "total": len(tried),
            "cancelled": task.cancelled(),
            "ending": ending,
            "after_cancel": len(tried) - at_cancel,
            "max_gap": max_gap,
        }


# -- q2: cleanup that survives cancellation --------------------------------------------


class FakeConnection:
    """An async database connection that records what happened to it."""

    def __init__(self, execute_blocks: bool = False) -> None:
        self.execute_blocks = execute_blocks
        self.executing = False
        self.committed = False
        self.closing = False
        self.closed = False
        self.statements: list[str] = []
        #: tasks waiting in a blocked execute(), which only a cancel() they will never get again would end
        self.stuck: set[asyncio.Task[Any]] = set()

    def beyond_help(self) -> bool:
        """True when no task but the caller's could still close the connection (all others stuck in execute())."""
        others = asyncio.all_tasks() - {asyncio.current_task()}
        return others <= self.stuck

    async def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        if self.closed:
            raise RuntimeError("execute() on a closed connection")
        self.statements.append(sql)
        self.executing = True
        if self.execute_blocks:  # a query stuck on the network: only cancel() ends it
            task = asyncio.current_task()
            if task is not None:
                self.stuck.add(task)
            try:
                await asyncio.Event().wait()
            finally:
                self.stuck.discard(task)
        await asyncio.sleep(0.001)
        self.executing = False

    async def commit(self) -> None:
        if self.closed:
            raise RuntimeError("commit() on a closed connection")
        await asyncio.sleep(0.001)
        self.committed = True

    async def close(self) -> None:
        self.closing = True
        await asyncio.sleep(0.02)  # saying goodbye to the server takes a round trip
        self.closed = True


class SurvivingCleanup(_AsyncExercise):
    """Close a connection even when cancelled, and let the cancellation through."""

    label = "q2"
    name = "save_jti"
    hints = (
        "Open the connection, then put everything after it in try/finally; close in `finally`. "
        "Never catch CancelledError without raising it again.",
        "A second cancel() can arrive while `finally` is awaiting close() (an impatient caller, "
        "a timeout, AnyIO's cancel scopes). `await asyncio.shield(conn.close())` lets the close "
        "finish even then: the shielded close is a task of its own (Kotlin's NonCancellable).",
    )

    def cases(self) -> Sequence[Case]:
        def normal(report: dict[str, Any]) -> str:
            conn = report["conn"]
            if report["error"]:
                return f"it raised {report['error']}"
            if report["result"] != "jti-1":
                return f"it returned {report['result']!r}; return the jti"
            if not conn.statements or not conn.committed:
                return "no INSERT was committed: execute it, then `await conn.commit()`"
            if not conn.closed:
                return "after a normal run the connection was left open: close it"
            return ""

        def after_cancel(second: bool) -> Callable[[dict[str, Any]], str]:
            when = "cancelled during execute()" + (", then again while close() was running" if second else "")

            def diagnose(report: dict[str, Any]) -> str:
                if report.get("stuck"):
                    return str(report["stuck"])
                if report["ending"] != "CancelledError":
                    return (
                        f"{when}, the task {report['ending']} instead of raising CancelledError: re-raise it "
                        "(a swallowed cancellation keeps the task alive)"
                    )
                if not report["closed"]:
                    interrupted = " (close() started but never finished)" if report["closing"] else ""
                    return f"{when}, the connection was never closed{interrupted}"
                return ""

            return diagnose

        return [
            Case(
                "INSERT the jti, commit, close the connection and return the jti",
                _Report(normal, "return 'jti-1'"),
                act=self._normal_path,
                shown="save_jti(connect, 'jti-1')",
            ),
            Case(
                "when cancelled, close the connection in `finally` and let CancelledError out",
                _Report(after_cancel(False), "raise CancelledError, the connection closed"),
                act=lambda answer: self._cancelled(answer, second_cancel=False),
                shown="save_jti(connect, 'jti-2'), cancelled during execute()",
            ),
            Case(
                "close() runs to the end even when a second cancel() arrives during it (shield it)",
                _Report(after_cancel(True), "raise CancelledError, the connection closed"),
                act=lambda answer: self._cancelled(answer, second_cancel=True),
                shown="save_jti(connect, 'jti-3'), cancelled during execute() and again during close()",
            ),
        ]

    @staticmethod
    def _normal_path(answer: Any) -> dict[str, Any]:
        conn = FakeConnection()

        async def main() -> dict[str, Any]:
            async def connect() -> FakeConnection:
                return conn

            try:
                return {"result": await answer(connect, "jti-1"), "error": "", "conn": conn}
            except Exception as exc:
                return {"result": None, "error": f"{type(exc).__name__}: {exc}", "conn": conn}

        report = run_isolated(main)
        if report["result"] is None and not report["error"] and not conn.statements:
            raise NotSolved
        state = "closed" if conn.closed else "left open"
        return _seen(report, f"{report['result']!r} (committed: {conn.committed}, connection {state})")

    @staticmethod
    def _cancelled(answer: Any, *, second_cancel: bool) -> dict[str, Any]:
        conn = FakeConnection(execute_blocks=True)

        async def main() -> dict[str, Any]:
            async def connect() -> FakeConnection:
                return conn

            task = asyncio.create_task(answer(connect, "jti-2"))
            if not await _settle(lambda: conn.executing or task.done(), 2.0) or task.done():
                return {"stuck": "save_jti should call `await conn.execute(...)` on the connection"}
            task.cancel()
            if second_cancel:
                await _settle(lambda: conn.closing or task.done(), 1.0)
                task.cancel()  # again, while the cleanup is running
            ending = "returned normally"
            try:
                await task
            except asyncio.CancelledError:
                ending = "CancelledError"
            except Exception as exc:
                ending = f"raised {type(exc).__name__}: {exc}"
            # A shielded close may finish just after; once no other task could still close it, stop waiting.
            await _settle(lambda: conn.closed or conn.beyond_help(), 0.5)
            return {"ending": ending, "closed": conn.closed, "closing": conn.closing}

        report = run_isolated(main)
        if report.get("stuck"):
            return _seen(report, "<no execute() seen>")
        state = "closed" if report["closed"] else "not closed"
        return _seen(report, f"<{report['ending']}, connection {state}>")


# -- q3: three introspection calls in a TaskGroup under one timeout -------------------


class IntrospectionError(Exception):
    """The introspection endpoint failed (a 500 from the auth server)."""


class FakeIntrospection:
    """``await introspect(token)`` with per-token behaviour, recording every call."""

    def __init__(self, behaviour: dict[str, tuple[str, float]]) -> None:
        self.behaviour = behaviour
        self.state: dict[str, str] = {}
        self.in_flight = 0
        self.max_in_flight = 0

    async def __call__(self, token: str) -> dict[str, Any]:
        kind, seconds = self.behaviour[token]
        self.state[token] = "running"
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(seconds)
            if kind == "fail":
                self.state[token] = "failed"
                raise IntrospectionError(f"introspection of {token!r} failed with HTTP 500")
            self.state[token] = "finished"
            return {"active": True, "sub": token.split("-")[0]}
        except asyncio.CancelledError:
            self.state[token] = "cancelled"
            raise
        finally:
            self.in_flight -= 1

    def still_running(self) -> list[str]:
        return sorted(t for t, s in self.state.items() if s == "running")


#: how long q3's guard waits, past the moment a right answer has finished (its calls done, failed or timed out),
#: before it calls an answer stuck: a right answer needs a few turns of the event loop then, well under a millisecond
_Q3_GRACE_S = 0.5
_GUARD_STEP_S = 0.01


async def _wait_attentively(task: asyncio.Future[Any], seconds: float) -> None:
    """Wait up to ``seconds`` for ``task``, counting only time in which the event loop kept its appointments.

    The wait is made of ``_GUARD_STEP_S`` steps, and a step is charged no more than its own length however late the
    loop woke from it: on a loaded machine (a stalled loop, a slow laptop) the answer gets more wall time, never less.
    """
    loop = asyncio.get_running_loop()
    left = seconds
    while left > 0 and not task.done():
        step = min(_GUARD_STEP_S, left)
        started = loop.time()
        await asyncio.wait({task}, timeout=step)
        left -= min(max(loop.time() - started, step / 2), step)


class GroupWithTimeout(_AsyncExercise):
    """Introspect three tokens concurrently, all or nothing, within a deadline."""

    label = "q3"
    name = "introspect_all"
    hints = (
        "Create one task per token inside `async with asyncio.TaskGroup() as tg:`, and put the "
        "whole group inside `async with asyncio.timeout(timeout):`.",
        "When the group exits every task is done: build the result from `task.result()`. "
        "A failing call makes the group cancel the others and raise an ExceptionGroup; the "
        "timeout cancels the group and raises TimeoutError. Catch neither.",
    )
    TOKENS = ("alice-at", "bob-at", "carol-at")

    def cases(self) -> Sequence[Case]:
        tokens = list(self.TOKENS)
        expected = {t: {"active": True, "sub": t.split("-")[0]} for t in tokens}

        def fast(report: dict[str, Any]) -> str:
            if report["outcome"] != expected:
                return f"introspect_all gave {report['outcome']!r:.120}"
            if report["max_in_flight"] < len(tokens):
                return (
                    f"the three calls ran one after another (at most {report['max_in_flight']} at once): start them "
                    "all as tasks"
                )
            return ""

        def slow(report: dict[str, Any]) -> str:
            if str(report["outcome"]).startswith("ExceptionGroup") and "TimeoutError" in str(report["outcome"]):
                return (
                    "the TimeoutError came out inside an ExceptionGroup (a timeout per call, inside the group?): put "
                    "one asyncio.timeout around the whole group, so that the caller can `except TimeoutError`"
                )
            if report["outcome"] != "TimeoutError":
                return f"with one call taking 5 s and timeout=0.1, introspect_all gave {report['outcome']!r:.120}"
            if report["running"]:
                return f"after the timeout, these calls were still running: {report['running']}"
            return ""

        def failing(report: dict[str, Any]) -> str:
            if report["outcome"] != "IntrospectionError":
                return f"when bob's call failed, introspect_all gave {report['outcome']!r:.120}"
            if report["running"]:
                return (
                    f"one call failed, yet these calls were still running when introspect_all returned: "
                    f"{report['running']}; a TaskGroup cancels the siblings"
                )
            return ""

        def scenario(
            behaviour: dict[str, tuple[str, float]], timeout: float, settled: float
        ) -> Callable[[Any], dict[str, Any]]:
            """``settled``: when a right answer has returned or raised (the calls, the failure or the timeout)."""

            def act(answer: Any) -> dict[str, Any]:
                fake = FakeIntrospection(dict(behaviour))
                report = self._run(answer, fake, tokens, timeout, round(settled + _Q3_GRACE_S, 2))
                if report["outcome"] is None and not fake.state:
                    raise NotSolved
                outcome = report["outcome"]
                shown = f"{outcome!r}" if isinstance(outcome, dict) else f"<{outcome}>"
                running = f", still running: {report['running']}" if report["running"] else ""
                return _seen(report, shown + running)

            return act

        return [
            Case(
                "run the calls concurrently and return {token: result} for every token",
                _Report(fast, f"return {expected!r:.60}, the three calls overlapping"),
                act=scenario({t: ("ok", 0.03) for t in tokens}, 2.0, settled=0.03),
                shown="introspect_all(introspect, <3 tokens, 30 ms each>, timeout=2.0)",
            ),
            Case(
                "past the deadline raise TimeoutError, with no call left running",
                _Report(slow, "raise TimeoutError and leave no call running"),
                act=scenario(
                    {"alice-at": ("ok", 0.01), "bob-at": ("ok", 5.0), "carol-at": ("ok", 0.01)}, 0.1, settled=0.1
                ),
                shown="introspect_all(introspect, <bob's call takes 5 s>, timeout=0.1)",
            ),
            Case(
                "when one call fails, cancel the others and let the error out (an ExceptionGroup is fine)",
                _Report(failing, "raise the IntrospectionError (alone or in an ExceptionGroup), no call left running"),
                act=scenario(
                    {"alice-at": ("ok", 5.0), "bob-at": ("fail", 0.01), "carol-at": ("ok", 5.0)}, 10.0, settled=0.01
                ),
                shown="introspect_all(introspect, <bob's call fails after 10 ms>, timeout=10.0)",
            ),
        ]

    @staticmethod
    def _run(answer: Any, fake: FakeIntrospection, tokens: list[str], timeout: float, guard: float) -> dict[str, Any]:
        async def main() -> dict[str, Any]:
            task = asyncio.ensure_future(answer(fake, list(tokens), timeout))
            await _wait_attentively(task, guard)  # a guard of our own, not the learner's timeout
            if not task.done():
                task.cancel()
                return {
                    "outcome": f"still running after {guard:g} s",
                    "running": fake.still_running(),
                    "max_in_flight": fake.max_in_flight,
                }
            try:
                outcome: Any = task.result()
            except TimeoutError:
                outcome = "TimeoutError"
            except IntrospectionError:
                outcome = "IntrospectionError"
            except BaseExceptionGroup as group:
                matched, _ = group.split(IntrospectionError)
                outcome = "IntrospectionError" if matched else f"ExceptionGroup {group.exceptions!r}"
            except Exception as exc:
                outcome = f"{type(exc).__name__}: {exc}"
            running = fake.still_running()  # before asyncio.run tidies up leftovers
            return {"outcome": outcome, "running": running, "max_in_flight": fake.max_in_flight}

        return run_isolated(main)


q1 = CancellableCrack()
q2 = SurvivingCleanup()
q3 = GroupWithTimeout()
