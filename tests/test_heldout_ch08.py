"""Held-out corpus, chapter 08: learner answers written from the exercise text alone, by someone
who had not read the checkers. Each wrong answer must be refused naming the requirement it breaks;
each right one (in a style unlike the model answer) must pass.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import time

import heldout
import pytest

from jwt_course.checks import ch08


def hs256_matches(token: str, secret: str) -> bool:
    header, payload, signature = token.split(".")
    digest = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return hmac.compare_digest(base64.urlsafe_b64encode(digest).rstrip(b"=").decode(), signature)


# ---------------------------------------------------------------- q1 crack_secret
async def q1_w_naive(token, candidates, tried):
    for candidate in candidates:
        tried.append(candidate)
        if hs256_matches(token, candidate):
            return candidate
    raise LookupError("no candidate matched")


async def q1_w_time_sleep(token, candidates, tried):
    for i, candidate in enumerate(candidates):
        tried.append(candidate)
        if hs256_matches(token, candidate):
            return candidate
        if i % 100 == 0:
            time.sleep(0)
    raise LookupError("no candidate matched")


async def q1_w_every_1000(token, candidates, tried):
    for i, candidate in enumerate(candidates):
        tried.append(candidate)
        if hs256_matches(token, candidate):
            return candidate
        if i % 1000 == 999:
            await asyncio.sleep(0)
    raise LookupError("no candidate matched")


async def _checkpoint():
    return None


async def q1_w_noop_await(token, candidates, tried):
    for candidate in candidates:
        tried.append(candidate)
        if hs256_matches(token, candidate):
            return candidate
        await _checkpoint()
    raise LookupError("no candidate matched")


async def q1_w_swallow(token, candidates, tried):
    try:
        for candidate in candidates:
            tried.append(candidate)
            if hs256_matches(token, candidate):
                return candidate
            await asyncio.sleep(0)
    except asyncio.CancelledError:
        return None
    raise LookupError("no candidate matched")


async def q1_w_returns_none(token, candidates, tried):
    for i, candidate in enumerate(candidates):
        tried.append(candidate)
        if hs256_matches(token, candidate):
            return candidate
        if i % 50 == 0:
            await asyncio.sleep(0)
    return None


async def q1_w_no_tried(token, candidates, tried):
    for i, candidate in enumerate(candidates):
        if hs256_matches(token, candidate):
            return candidate
        if i % 50 == 0:
            await asyncio.sleep(0)
    raise LookupError("no candidate matched")


async def q1_w_yield_before_loop(token, candidates, tried):
    await asyncio.sleep(0)
    for candidate in candidates:
        tried.append(candidate)
        if hs256_matches(token, candidate):
            return candidate
    raise LookupError("no candidate matched")


async def q1_r_every_100(token, candidates, tried):
    for count, candidate in enumerate(candidates, start=1):
        tried.append(candidate)
        if hs256_matches(token, candidate):
            return candidate
        if count % 100 == 0:
            await asyncio.sleep(0)
    raise LookupError(f"none of {len(tried)} candidates matched")


async def q1_r_each(token, candidates, tried):
    for candidate in candidates:
        await asyncio.sleep(0)
        tried.append(candidate)
        if hs256_matches(token, candidate):
            return candidate
    raise LookupError("not found")


# ---------------------------------------------------------------- q2 save_jti
SQL = "INSERT INTO used_jti (jti) VALUES (?)"


async def q2_w_no_finally(connect, jti):
    conn = await connect()
    await conn.execute(SQL, (jti,))
    await conn.commit()
    await conn.close()
    return jti


async def q2_w_finally_no_shield(connect, jti):
    conn = await connect()
    try:
        await conn.execute(SQL, (jti,))
        await conn.commit()
        return jti
    finally:
        await conn.close()


async def q2_w_swallow(connect, jti):
    conn = await connect()
    try:
        await conn.execute(SQL, (jti,))
        await conn.commit()
    except asyncio.CancelledError:
        pass
    finally:
        await asyncio.shield(conn.close())
    return jti


async def q2_w_fire_and_forget(connect, jti):
    conn = await connect()
    try:
        await conn.execute(SQL, (jti,))
        await conn.commit()
        return jti
    finally:
        asyncio.ensure_future(conn.close())  # not awaited


async def q2_w_base_exception(connect, jti):
    conn = await connect()
    try:
        await conn.execute(SQL, (jti,))
        await conn.commit()
    except BaseException:
        await asyncio.shield(conn.close())
        return jti
    await asyncio.shield(conn.close())
    return jti


async def q2_w_no_commit(connect, jti):
    conn = await connect()
    try:
        await conn.execute(SQL, (jti,))
        return jti
    finally:
        await asyncio.shield(conn.close())


async def q2_w_wait_for(connect, jti):
    conn = await connect()
    try:
        await conn.execute(SQL, (jti,))
        await conn.commit()
        return jti
    finally:
        await asyncio.wait_for(conn.close(), timeout=0.01)


async def q2_r_shield(connect, jti):
    conn = await connect()
    try:
        await conn.execute(SQL, (jti,))
        await conn.commit()
        return jti
    finally:
        await asyncio.shield(conn.close())


async def q2_r_wait_to_end(connect, jti):
    conn = await connect()
    try:
        await conn.execute(SQL, (jti,))
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


# ---------------------------------------------------------------- q3 introspect_all
async def q3_w_gather_exceptions(introspect, tokens, timeout):
    async with asyncio.timeout(timeout):
        results = await asyncio.gather(*(introspect(t) for t in tokens), return_exceptions=True)
    for r in results:
        if isinstance(r, BaseException):
            raise r
    return dict(zip(tokens, results))


async def q3_w_sequential(introspect, tokens, timeout):
    async with asyncio.timeout(timeout):
        return {t: await introspect(t) for t in tokens}


async def q3_w_no_timeout(introspect, tokens, timeout):
    async with asyncio.TaskGroup() as tg:
        tasks = {t: tg.create_task(introspect(t)) for t in tokens}
    return {t: task.result() for t, task in tasks.items()}


async def q3_w_timeout_per_call(introspect, tokens, timeout):
    async with asyncio.TaskGroup() as tg:
        tasks = {t: tg.create_task(asyncio.wait_for(introspect(t), timeout)) for t in tokens}
    return {t: task.result() for t, task in tasks.items()}


async def q3_w_wait_leaves_pending(introspect, tokens, timeout):
    tasks = {t: asyncio.ensure_future(introspect(t)) for t in tokens}
    done, pending = await asyncio.wait(tasks.values(), timeout=timeout)
    if pending:
        raise TimeoutError("introspection took too long")
    return {t: task.result() for t, task in tasks.items()}


async def q3_w_partial(introspect, tokens, timeout):
    results = {}
    try:
        async with asyncio.timeout(timeout):
            async with asyncio.TaskGroup() as tg:
                tasks = {t: tg.create_task(introspect(t)) for t in tokens}
    except TimeoutError:
        pass
    for t, task in tasks.items():
        if task.done() and not task.cancelled() and task.exception() is None:
            results[t] = task.result()
    return results


async def q3_w_wait_for_gather(introspect, tokens, timeout):
    results = await asyncio.wait_for(asyncio.gather(*(introspect(t) for t in tokens)), timeout)
    return dict(zip(tokens, results))


async def q3_r_taskgroup(introspect, tokens, timeout):
    async with asyncio.timeout(timeout):
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(introspect(token)) for token in tokens]
    return {token: task.result() for token, task in zip(tokens, tasks)}


async def q3_r_wait_first_exception(introspect, tokens, timeout):
    tasks = [asyncio.ensure_future(introspect(t)) for t in tokens]
    try:
        done, pending = await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_EXCEPTION)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        if task.exception() is not None:
            raise task.exception()
    if pending:
        raise TimeoutError(f"{len(pending)} introspection call(s) did not finish in {timeout} s")
    return {t: task.result() for t, task in zip(tokens, tasks)}


# (exercise, answer, how the requirement its refusal names begins ('' = any) or None for accepted, what the
# learner did). Only answers the checker already handles as intended are here: see the report for the others.
CORPUS = [
    ("q1", q1_w_naive, "stop within 200 candidates of", "never awaits"),
    ("q1", q1_w_time_sleep, "stop within 200 candidates of", "time.sleep(0) is no checkpoint"),
    ("q1", q1_w_every_1000, "stop within 200 candidates of", "checkpoint every 1000 (text: at least every 200)"),
    ("q1", q1_w_noop_await, "stop within 200 candidates of", "await of a coroutine that never suspends"),
    ("q1", q1_w_swallow, "stop within 200 candidates of", "swallows CancelledError, returns None"),
    ("q1", q1_w_returns_none, "raise LookupError when no candidate", "returns None instead of LookupError"),
    ("q1", q1_w_no_tried, "try the candidates in order,", "does not append to tried"),
    ("q1", q1_w_yield_before_loop, "stop within 200 candidates of", "one sleep(0) before the loop only"),
    ("q1", q1_r_every_100, None, "sleep(0) every 100"),
    ("q1", q1_r_each, None, "sleep(0) before each candidate"),
    ("q2", q2_w_no_finally, "when cancelled, close the connection", "close not in finally"),
    ("q2", q2_w_finally_no_shield, "close() runs to the end", "finally without shield: a second cancel stops close()"),
    ("q2", q2_w_swallow, "when cancelled, close the connection", "swallows CancelledError"),
    ("q2", q2_w_fire_and_forget, "INSERT the jti, commit, close", "close scheduled, never awaited"),
    (
        "q2",
        q2_w_base_exception,
        "when cancelled, close the connection",
        "except BaseException: returns jti (swallowed)",
    ),
    ("q2", q2_w_no_commit, "INSERT the jti, commit, close", "no commit"),
    ("q2", q2_w_wait_for, "INSERT the jti, commit, close", "close under wait_for(0.01): cut short"),
    ("q2", q2_r_shield, None, "finally + shield"),
    ("q2", q2_r_wait_to_end, None, "finally, wait for close to end despite cancels, re-raise"),
    (
        "q3",
        q3_w_gather_exceptions,
        "when one call fails, cancel",
        "gather(return_exceptions=True): others keep running",
    ),
    ("q3", q3_w_sequential, "run the calls concurrently and", "sequential awaits, not concurrent"),
    ("q3", q3_w_no_timeout, "past the deadline raise TimeoutError,", "TaskGroup without the timeout"),
    ("q3", q3_w_timeout_per_call, "past the deadline raise TimeoutError,", "timeout per call, not for the whole group"),
    (
        "q3",
        q3_w_wait_leaves_pending,
        "past the deadline raise TimeoutError,",
        "asyncio.wait(timeout): pending calls left running",
    ),
    ("q3", q3_w_partial, "past the deadline raise TimeoutError,", "returns a partial dict on timeout"),
    (
        "q3",
        q3_w_wait_for_gather,
        "when one call fails, cancel",
        "wait_for(gather): a failure leaves the others running",
    ),
    ("q3", q3_r_taskgroup, None, "timeout + TaskGroup"),
    ("q3", q3_r_wait_first_exception, None, "asyncio.wait FIRST_EXCEPTION, cancel and await pending"),
]


@pytest.mark.parametrize(heldout.FIELDS, CORPUS, ids=heldout.ids(CORPUS))
def test_heldout_answer(label, answer, requirement, what):
    heldout.check_answer(ch08, label, answer, requirement, what)
