"""Chapter 08 (bonus): cancellable CPU work, cleanup that survives cancellation, TaskGroup.

A notebook cell already runs inside an event loop, so every checker here runs the
learner's coroutine with ``asyncio.run`` in a fresh loop on a short-lived thread of
its own (:func:`run_isolated`), joins that thread, and reports what it saw.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import inspect
import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

from . import Exercise, Failure, NotSolved

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


async def _settle(predicate: Callable[[], bool], seconds: float) -> bool:
    """Give the loop up to ``seconds`` for ``predicate()`` to become true."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


# -- q1: a CPU-bound coroutine that can be cancelled ---------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hs256_token(claims: dict[str, Any], secret: str) -> str:
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


_Q1_CANDIDATES = 100_000
#: a cancellable answer may finish the candidate it is on, or yield every few dozen
_Q1_ALLOWED_AFTER_CANCEL = 200


def _wrong_guesses(n: int) -> Iterator[str]:
    for i in range(n):
        yield f"guess-{i:06d}"


class CancellableCrack(Exercise):
    """Brute-force an HS256 secret without blocking cancellation."""

    label = "q1"
    name = "crack_secret"
    hints = (
        "Cancellation in asyncio is delivered only at an `await`. A loop that never "
        "awaits runs to its end even after task.cancel().",
        "Inside the loop, after each candidate, add `await asyncio.sleep(0)`: it yields to the "
        "event loop for one turn (Kotlin's `yield()` / `ensureActive()`), and that is where a "
        "pending CancelledError is raised. Do not catch it.",
    )
    solution_code = '''
async def crack_secret(token: str, candidates, tried: list[str]) -> str:
    for secret in candidates:
        tried.append(secret)
        if hs256_matches(token, secret):
            return secret
        await asyncio.sleep(0)  # a checkpoint: cancel() takes effect here
    raise LookupError("no candidate matched")
'''

    def verify(self, answer: Any) -> None:
        _require_async(answer, "crack_secret")
        token = _hs256_token({"sub": "alice", "role": "user"}, "letmein")
        words = ["123456", "password", "qwerty", "letmein", "dragon"]

        async def find() -> tuple[Any, list[str]]:
            tried: list[str] = []
            return await answer(token, iter(words), tried), tried

        found, tried = run_isolated(find)
        if found is None and not tried:
            raise NotSolved
        self.expect_equal(f"crack_secret(token signed with 'letmein', {words})", found, "letmein")
        if tried != words[:4]:
            raise Failure(
                f"`tried` should hold the candidates tested, in order, up to the match: "
                f"expected {words[:4]}, got {tried[:6]}"
            )
        report = run_isolated(lambda: self._cancel_midway(answer, token))
        if report["finished_before_cancel"]:
            raise Failure(
                f"crack_secret never gave the event loop a turn: it tried all "
                f"{report['total']} candidates before cancel() could even be delivered. "
                "Await something inside the loop."
            )
        if not report["cancelled"]:
            raise Failure(
                "after task.cancel() the task ended with "
                f"{report['ending']} instead of CancelledError: let the CancelledError propagate"
            )
        if report["after_cancel"] > _Q1_ALLOWED_AFTER_CANCEL:
            raise Failure(
                f"after cancel() it kept going for {report['after_cancel']} more candidates "
                f"(allowed: {_Q1_ALLOWED_AFTER_CANCEL}); work moved to a thread must also be told to stop"
            )

    @staticmethod
    async def _cancel_midway(answer: Any, token: str) -> dict[str, Any]:
        tried: list[str] = []
        task = asyncio.create_task(answer(token, _wrong_guesses(_Q1_CANDIDATES), tried))
        await _settle(lambda: len(tried) >= 20 or task.done(), 5.0)
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
            "total": len(tried),
            "cancelled": task.cancelled(),
            "ending": ending,
            "after_cancel": len(tried) - at_cancel,
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

    async def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        if self.closed:
            raise RuntimeError("execute() on a closed connection")
        self.statements.append(sql)
        self.executing = True
        if self.execute_blocks:  # a query stuck on the network: only cancel() ends it
            await asyncio.Event().wait()
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


class SurvivingCleanup(Exercise):
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
    solution_code = '''
async def save_jti(connect, jti: str) -> str:
    conn = await connect()
    try:
        await conn.execute("INSERT INTO used_jti (jti) VALUES (?)", (jti,))
        await conn.commit()
    finally:
        await asyncio.shield(conn.close())  # finishes even if we are cancelled again
    return jti
'''

    def verify(self, answer: Any) -> None:
        _require_async(answer, "save_jti")
        self._normal_path(answer)
        self._cancelled(answer, second_cancel=False)
        self._cancelled(answer, second_cancel=True)

    def _normal_path(self, answer: Any) -> None:
        conn = FakeConnection()

        async def main() -> Any:
            async def connect() -> FakeConnection:
                return conn

            return await answer(connect, "jti-1")

        result = run_isolated(main)
        if result is None and not conn.statements:
            raise NotSolved
        self.expect_equal("save_jti(connect, 'jti-1')", result, "jti-1")
        if not conn.statements or not conn.committed:
            raise Failure("save_jti should execute an INSERT and commit it")
        if not conn.closed:
            raise Failure("after a normal run the connection was left open: close it")

    def _cancelled(self, answer: Any, *, second_cancel: bool) -> None:
        conn = FakeConnection(execute_blocks=True)

        async def main() -> dict[str, Any]:
            async def connect() -> FakeConnection:
                return conn

            task = asyncio.create_task(answer(connect, "jti-2"))
            if not await _settle(lambda: conn.executing or task.done(), 2.0) or task.done():
                raise Failure("save_jti should call `await conn.execute(...)` on the connection")
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
                ending = f"{type(exc).__name__}: {exc}"
            closed_at_end = conn.closed
            await _settle(lambda: conn.closed, 0.5)  # a shielded close may finish just after
            return {"ending": ending, "closed": conn.closed, "closed_at_end": closed_at_end}

        report = run_isolated(main)
        when = "cancelled during execute()" + (
            ", then cancelled again while close() was running" if second_cancel else ""
        )
        if report["ending"] != "CancelledError":
            raise Failure(
                f"{when}, the task {report['ending']} instead of raising CancelledError: "
                "re-raise it (a swallowed cancellation keeps the task alive)"
            )
        if not report["closed"]:
            raise Failure(f"{when}, the connection was never closed")


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


class GroupWithTimeout(Exercise):
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
    solution_code = '''
async def introspect_all(introspect, tokens: list[str], timeout: float) -> dict[str, dict]:
    async with asyncio.timeout(timeout):
        async with asyncio.TaskGroup() as tg:
            tasks = {token: tg.create_task(introspect(token)) for token in tokens}
    return {token: task.result() for token, task in tasks.items()}
'''

    def verify(self, answer: Any) -> None:
        _require_async(answer, "introspect_all")
        tokens = ["alice-at", "bob-at", "carol-at"]

        fast = FakeIntrospection({t: ("ok", 0.03) for t in tokens})
        got = self._run(answer, fast, tokens, 2.0)
        if got["outcome"] is None and not fast.state:
            raise NotSolved
        expected = {t: {"active": True, "sub": t.split("-")[0]} for t in tokens}
        self.expect_equal("introspect_all(three fast calls)", got["outcome"], expected)
        if fast.max_in_flight < len(tokens):
            raise Failure(
                f"the three calls ran one after another (at most {fast.max_in_flight} at once): "
                "start them all as tasks"
            )

        slow = FakeIntrospection({"alice-at": ("ok", 0.01), "bob-at": ("ok", 5.0), "carol-at": ("ok", 0.01)})
        got = self._run(answer, slow, tokens, 0.1)
        if got["outcome"] != "TimeoutError":
            raise Failure(
                f"with one call taking 5 s and timeout=0.1, introspect_all gave {got['outcome']!r}; "
                "expected it to raise TimeoutError"
            )
        if got["running"]:
            raise Failure(f"after the timeout, these calls were still running: {got['running']}")

        failing = FakeIntrospection({"alice-at": ("ok", 5.0), "bob-at": ("fail", 0.01), "carol-at": ("ok", 5.0)})
        got = self._run(answer, failing, tokens, 10.0)
        if got["outcome"] != "IntrospectionError":
            raise Failure(
                f"when one call fails, introspect_all gave {got['outcome']!r}; expected the "
                "IntrospectionError to come out (in an ExceptionGroup from the TaskGroup)"
            )
        if got["running"]:
            raise Failure(
                f"one call failed, yet these calls were still running when introspect_all "
                f"returned: {got['running']}; a TaskGroup cancels the siblings"
            )

    @staticmethod
    def _run(answer: Any, fake: FakeIntrospection, tokens: list[str], timeout: float) -> dict[str, Any]:
        async def main() -> dict[str, Any]:
            task = asyncio.ensure_future(answer(fake, list(tokens), timeout))
            await asyncio.wait({task}, timeout=2.0)  # a guard of our own, not the learner's timeout
            if not task.done():
                task.cancel()
                return {"outcome": "still running after 2 s", "running": fake.still_running()}
            try:
                outcome: Any = task.result()
            except TimeoutError:
                outcome = "TimeoutError"
            except IntrospectionError:
                outcome = "IntrospectionError"
            except BaseExceptionGroup as group:
                matched, _ = group.split(IntrospectionError)
                outcome = "IntrospectionError" if matched else f"ExceptionGroup {group.exceptions!r}"
            running = fake.still_running()  # before asyncio.run tidies up leftovers
            return {"outcome": outcome, "running": running}

        return run_isolated(main)


q1 = CancellableCrack()
q2 = SurvivingCleanup()
q3 = GroupWithTimeout()
