"""Chapter 08: a learner's corpus. Wrong answers a beginner writes must be refused with a message naming the
broken requirement; right answers in another style than the model answer must pass.

Written from the exercise texts (the answers use the exercise notebook's `hs256_matches`).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

import pytest

from jwt_course.checks.ch08 import q1, q2, q3

Answer = Callable[..., Any]


def hs256_matches(token: str, secret: str) -> bool:  # as in the exercise notebook
    header, payload, signature = token.split(".")
    digest = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return hmac.compare_digest(base64.urlsafe_b64encode(digest).rstrip(b"=").decode(), signature)


# -- q1: crack_secret, cancellable ----------------------------------------------------------------------


async def q1_never_awaits(token, candidates, tried):
    for secret in candidates:
        tried.append(secret)
        if hs256_matches(token, secret):
            return secret
    raise LookupError("no candidate matched")


async def _noop() -> None:
    return None


async def q1_awaits_a_noop(token, candidates, tried):
    for secret in candidates:
        tried.append(secret)
        if hs256_matches(token, secret):
            return secret
        await _noop()  # "any await is a checkpoint" (it is not: this one never suspends)
    raise LookupError("no candidate matched")


async def q1_every_thousand(token, candidates, tried):
    for i, secret in enumerate(candidates):
        tried.append(secret)
        if hs256_matches(token, secret):
            return secret
        if i % 1000 == 999:
            await asyncio.sleep(0)
    raise LookupError("no candidate matched")


async def q1_swallows_cancel(token, candidates, tried):
    for secret in candidates:
        tried.append(secret)
        if hs256_matches(token, secret):
            return secret
        try:
            await asyncio.sleep(0)
        except asyncio.CancelledError:
            break
    raise LookupError("no candidate matched")


async def q1_forgets_tried(token, candidates, tried):
    for secret in candidates:
        if hs256_matches(token, secret):
            return secret
        await asyncio.sleep(0)
    raise LookupError("no candidate matched")


async def q1_in_a_thread(token, candidates, tried):
    def work() -> str:
        for secret in candidates:
            tried.append(secret)
            if hs256_matches(token, secret):
                return secret
        raise LookupError("no candidate matched")

    return await asyncio.to_thread(work)


async def q1_time_sleep(token, candidates, tried):
    for secret in candidates:
        tried.append(secret)
        if hs256_matches(token, secret):
            return secret
        time.sleep(0)
    raise LookupError("no candidate matched")


async def q1_checks_cancelled_flag(token, candidates, tried):  # Kotlin's isActive, translated literally
    task = asyncio.current_task()
    for secret in candidates:
        if task is not None and task.cancelled():
            raise asyncio.CancelledError
        tried.append(secret)
        if hs256_matches(token, secret):
            return secret
    raise LookupError("no candidate matched")


async def q1_returns_none(token, candidates, tried):
    for secret in candidates:
        tried.append(secret)
        if hs256_matches(token, secret):
            return secret
        await asyncio.sleep(0)
    return None


async def q1_right_batches(token, candidates, tried):
    for count, secret in enumerate(candidates, start=1):
        tried.append(secret)
        if hs256_matches(token, secret):
            return secret
        if count % 50 == 0:
            await asyncio.sleep(0)
    raise LookupError("no candidate matched")


async def q1_right_checkpoint_first(token, candidates, tried):
    iterator = iter(candidates)
    while True:
        await asyncio.sleep(0)
        secret = next(iterator, None)
        if secret is None:
            raise LookupError("nothing matched")
        tried.append(secret)
        if hs256_matches(token, secret):
            return secret


# -- q2: save_jti ---------------------------------------------------------------------------------------

INSERT = "INSERT INTO used_jti (jti) VALUES (?)"


async def q2_no_finally(connect, jti):
    conn = await connect()
    await conn.execute(INSERT, (jti,))
    await conn.commit()
    await conn.close()
    return jti


async def q2_unshielded_close(connect, jti):
    conn = await connect()
    try:
        await conn.execute(INSERT, (jti,))
        await conn.commit()
    finally:
        await conn.close()
    return jti


async def q2_swallows(connect, jti):
    conn = await connect()
    try:
        await conn.execute(INSERT, (jti,))
        await conn.commit()
    except asyncio.CancelledError:
        pass
    finally:
        await asyncio.shield(conn.close())
    return jti


async def q2_catches_base_exception(connect, jti):
    conn = await connect()
    try:
        await conn.execute(INSERT, (jti,))
        await conn.commit()
        return jti
    except BaseException:
        await asyncio.shield(conn.close())
        return None


async def q2_shields_everything(connect, jti):
    async def work() -> str:
        conn = await connect()
        try:
            await conn.execute(INSERT, (jti,))
            await conn.commit()
        finally:
            await conn.close()
        return jti

    return await asyncio.shield(work())


async def q2_forgets_commit(connect, jti):
    conn = await connect()
    try:
        await conn.execute(INSERT, (jti,))
    finally:
        await asyncio.shield(conn.close())
    return jti


async def q2_returns_nothing(connect, jti):
    conn = await connect()
    try:
        await conn.execute(INSERT, (jti,))
        await conn.commit()
    finally:
        await asyncio.shield(conn.close())


async def q2_close_only_on_error(connect, jti):
    conn = await connect()
    try:
        await conn.execute(INSERT, (jti,))
        await conn.commit()
    except Exception:
        await conn.close()
        raise
    return jti


async def q2_right_conn_none(connect, jti):
    conn = None
    try:
        conn = await connect()
        await conn.execute(INSERT, (jti,))
        await conn.commit()
        return jti
    finally:
        if conn is not None:
            await asyncio.shield(conn.close())


async def q2_right_waits_for_close(connect, jti):  # Kotlin's semantics: the caller waits for the cleanup
    conn = await connect()
    try:
        await conn.execute(INSERT, (jti,))
        await conn.commit()
    finally:
        closing = asyncio.ensure_future(conn.close())
        cancelled = False
        while not closing.done():
            try:
                await asyncio.shield(closing)
            except asyncio.CancelledError:
                cancelled = True
        if cancelled:
            raise asyncio.CancelledError
    return jti


# -- q3: introspect_all ---------------------------------------------------------------------------------


async def q3_gather(introspect, tokens, timeout):
    async with asyncio.timeout(timeout):
        results = await asyncio.gather(*(introspect(t) for t in tokens))
    return dict(zip(tokens, results))


async def q3_one_by_one(introspect, tokens, timeout):
    async with asyncio.timeout(timeout):
        return {t: await introspect(t) for t in tokens}


async def q3_wait_returns_partial(introspect, tokens, timeout):
    tasks = {t: asyncio.create_task(introspect(t)) for t in tokens}
    await asyncio.wait(tasks.values(), timeout=timeout)
    return {t: task.result() for t, task in tasks.items() if task.done()}


async def q3_no_timeout(introspect, tokens, timeout):
    async with asyncio.TaskGroup() as tg:
        tasks = {t: tg.create_task(introspect(t)) for t in tokens}
    return {t: task.result() for t, task in tasks.items()}


async def q3_timeout_swallowed(introspect, tokens, timeout):
    results: dict[str, Any] = {}

    async def one(token: str) -> None:
        results[token] = await introspect(token)

    try:
        async with asyncio.timeout(timeout):
            async with asyncio.TaskGroup() as tg:
                for t in tokens:
                    tg.create_task(one(t))
    except TimeoutError:
        pass
    return results


async def q3_per_call_wait_for(introspect, tokens, timeout):
    results = await asyncio.gather(*(asyncio.wait_for(introspect(t), timeout) for t in tokens))
    return dict(zip(tokens, results))


async def q3_return_exceptions(introspect, tokens, timeout):
    async with asyncio.timeout(timeout):
        results = await asyncio.gather(*(introspect(t) for t in tokens), return_exceptions=True)
    return dict(zip(tokens, results))


async def q3_group_errors_swallowed(introspect, tokens, timeout):
    results: dict[str, Any] = {}

    async def one(token: str) -> None:
        results[token] = await introspect(token)

    async with asyncio.timeout(timeout):
        try:
            async with asyncio.TaskGroup() as tg:
                for t in tokens:
                    tg.create_task(one(t))
        except* Exception:
            pass
    return results


async def q3_right_wait_for_group(introspect, tokens, timeout):
    async def group() -> dict[str, dict]:
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(introspect(t)) for t in tokens]
        return {t: task.result() for t, task in zip(tokens, tasks)}

    return await asyncio.wait_for(group(), timeout)


async def q3_right_by_hand(introspect, tokens, timeout):
    tasks = {t: asyncio.create_task(introspect(t)) for t in tokens}
    try:
        done, pending = await asyncio.wait(tasks.values(), timeout=timeout, return_when=asyncio.FIRST_EXCEPTION)
        failed = [task for task in done if task.exception() is not None]
        if failed:
            raise failed[0].exception()
        if pending:
            raise TimeoutError(f"{len(pending)} calls still running after {timeout} s")
        return {t: task.result() for t, task in tasks.items()}
    finally:
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)


WRONG: dict[str, tuple[Any, Answer, tuple[str, ...]]] = {
    "q1 never awaits": (q1, q1_never_awaits, ("never gave the event loop a turn", "suspends")),
    "q1 awaits a coroutine that never suspends": (q1, q1_awaits_a_noop, ("suspends",)),
    "q1 a checkpoint every 1000": (q1, q1_every_thousand, ("more candidates", "200")),
    "q1 swallows the cancellation": (q1, q1_swallows_cancel, ("CancelledError",)),
    "q1 forgets tried": (q1, q1_forgets_tried, ("tried",)),
    "q1 in a thread": (q1, q1_in_a_thread, ("thread", "more candidates")),
    "q1 time.sleep(0)": (q1, q1_time_sleep, ("suspends", "never gave the event loop a turn")),
    "q1 checks task.cancelled()": (q1, q1_checks_cancelled_flag, ("suspends", "never gave the event loop a turn")),
    "q1 returns None when nothing matches": (q1, q1_returns_none, ("LookupError",)),
    "q2 no finally": (q2, q2_no_finally, ("never closed", "close")),
    "q2 an unshielded close": (q2, q2_unshielded_close, ("close",)),
    "q2 swallows CancelledError": (q2, q2_swallows, ("CancelledError",)),
    "q2 catches BaseException": (q2, q2_catches_base_exception, ("CancelledError", "left open")),
    "q2 shields everything": (q2, q2_shields_everything, ("close", "execute")),
    "q2 forgets commit": (q2, q2_forgets_commit, ("commit",)),
    "q2 returns nothing": (q2, q2_returns_nothing, ("returned None", "return")),
    "q2 closes only on an Exception": (q2, q2_close_only_on_error, ("close",)),
    "q3 gather": (q3, q3_gather, ("still running", "cancel")),
    "q3 one by one": (q3, q3_one_by_one, ("one after another", "concurrent")),
    "q3 wait() returns a partial result": (q3, q3_wait_returns_partial, ("TimeoutError",)),
    "q3 no timeout": (q3, q3_no_timeout, ("TimeoutError", "timeout")),
    "q3 swallows the timeout": (q3, q3_timeout_swallowed, ("TimeoutError",)),
    "q3 wait_for per call": (q3, q3_per_call_wait_for, ("still running", "TimeoutError")),
    "q3 return_exceptions": (q3, q3_return_exceptions, ("IntrospectionError", "error")),
    "q3 swallows the group's errors": (q3, q3_group_errors_swallowed, ("IntrospectionError", "error")),
}

RIGHT: dict[str, tuple[Any, Answer]] = {
    "q1 a checkpoint every 50": (q1, q1_right_batches),
    "q1 checkpoint first": (q1, q1_right_checkpoint_first),
    "q2 conn = None first": (q2, q2_right_conn_none),
    "q2 waits for the close like Kotlin": (q2, q2_right_waits_for_close),
    "q3 wait_for around the group": (q3, q3_right_wait_for_group),
    "q3 by hand with asyncio.wait": (q3, q3_right_by_hand),
}


@pytest.mark.parametrize("case", sorted(WRONG))
def test_a_wrong_answer_is_refused_naming_the_requirement(case: str) -> None:
    exercise, answer, words = WRONG[case]
    verdict = exercise.evaluate(answer)
    assert verdict.status == "incorrect", verdict.message
    assert any(word in verdict.message for word in words), verdict.message


@pytest.mark.parametrize("case", sorted(RIGHT))
def test_a_right_answer_in_another_style_is_accepted(case: str) -> None:
    exercise, answer = RIGHT[case]
    verdict = exercise.evaluate(answer)
    assert verdict.status == "correct", verdict.message


def test_q3_a_timeout_per_call_inside_the_group_is_refused_with_advice():
    async def introspect_all(introspect, tokens, timeout):
        async def one(token):
            async with asyncio.timeout(timeout):
                return await introspect(token)

        async with asyncio.TaskGroup() as tg:
            tasks = {t: tg.create_task(one(t)) for t in tokens}
        return {t: task.result() for t, task in tasks.items()}

    verdict = q3.evaluate(introspect_all)
    assert verdict.status == "incorrect" and "ExceptionGroup" in verdict.message
