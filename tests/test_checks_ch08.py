"""Chapter 08 checkers: each against a right answer, a wrong one and a stub."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import threading

from jwt_course.checks.ch08 import q1, q2, q3


def hs256_matches(token: str, secret: str) -> bool:
    header, payload, signature = token.split(".")
    digest = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return hmac.compare_digest(base64.urlsafe_b64encode(digest).rstrip(b"=").decode(), signature)


async def stub(*args): ...  # your code here


def test_stubs_are_not_solved():
    for exercise in (q1, q2, q3):
        assert exercise.evaluate(stub).status == "not solved"


def test_a_plain_function_is_refused():
    verdict = q1.evaluate(lambda token, candidates, tried: "x")
    assert verdict.status == "incorrect"
    assert "async def" in verdict.message


async def crack_with_checkpoints(token, candidates, tried):
    for secret in candidates:
        tried.append(secret)
        if hs256_matches(token, secret):
            return secret
        await asyncio.sleep(0)
    raise LookupError("no candidate matched")


async def crack_without_checkpoints(token, candidates, tried):
    for secret in candidates:
        tried.append(secret)
        if hs256_matches(token, secret):
            return secret
    raise LookupError("no candidate matched")


async def crack_in_a_thread_without_a_flag(token, candidates, tried):
    def work():
        for secret in candidates:
            tried.append(secret)
            if hs256_matches(token, secret):
                return secret
        raise LookupError("no candidate matched")

    return await asyncio.to_thread(work)


def test_q1_cancellable_crack_is_correct():
    assert q1.evaluate(crack_with_checkpoints).correct


def test_q1_loop_that_never_awaits_is_caught():
    verdict = q1.evaluate(crack_without_checkpoints)
    assert verdict.status == "incorrect"
    assert "never gave the event loop a turn" in verdict.message


def test_q1_thread_that_is_never_told_to_stop_is_caught():
    verdict = q1.evaluate(crack_in_a_thread_without_a_flag)
    assert verdict.status == "incorrect"
    assert "kept going" in verdict.message


async def save_with_shield(connect, jti):
    conn = await connect()
    try:
        await conn.execute("INSERT INTO used_jti (jti) VALUES (?)", (jti,))
        await conn.commit()
    finally:
        await asyncio.shield(conn.close())
    return jti


async def save_with_plain_finally(connect, jti):
    conn = await connect()
    try:
        await conn.execute("INSERT INTO used_jti (jti) VALUES (?)", (jti,))
        await conn.commit()
    finally:
        await conn.close()
    return jti


async def save_swallowing_cancel(connect, jti):
    conn = await connect()
    try:
        await conn.execute("INSERT INTO used_jti (jti) VALUES (?)", (jti,))
        await conn.commit()
    except asyncio.CancelledError:
        pass
    finally:
        await asyncio.shield(conn.close())
    return jti


def test_q2_shielded_cleanup_is_correct():
    assert q2.evaluate(save_with_shield).correct


def test_q2_cleanup_interrupted_by_a_second_cancel_is_caught():
    verdict = q2.evaluate(save_with_plain_finally)
    assert verdict.status == "incorrect"
    assert "then again while close() was running" in verdict.message and "never closed" in verdict.message


def test_q2_swallowed_cancellation_is_caught():
    verdict = q2.evaluate(save_swallowing_cancel)
    assert verdict.status == "incorrect"
    assert "re-raise" in verdict.message


async def introspect_in_a_group(introspect, tokens, timeout):
    async with asyncio.timeout(timeout):
        async with asyncio.TaskGroup() as tg:
            tasks = {token: tg.create_task(introspect(token)) for token in tokens}
    return {token: task.result() for token, task in tasks.items()}


async def introspect_with_gather(introspect, tokens, timeout):
    async with asyncio.timeout(timeout):
        results = await asyncio.gather(*(introspect(token) for token in tokens))
    return dict(zip(tokens, results, strict=True))


async def introspect_one_by_one(introspect, tokens, timeout):
    async with asyncio.timeout(timeout):
        return {token: await introspect(token) for token in tokens}


def test_q3_task_group_under_a_timeout_is_correct():
    assert q3.evaluate(introspect_in_a_group).correct


def test_q3_gather_leaves_siblings_running_and_is_caught():
    verdict = q3.evaluate(introspect_with_gather)
    assert verdict.status == "incorrect"
    assert "still running" in verdict.message


def test_q3_sequential_calls_are_caught():
    verdict = q3.evaluate(introspect_one_by_one)
    assert "one after another" in q3.evaluate(introspect_one_by_one).message
    assert verdict.status == "incorrect"


def test_checkers_leave_no_thread_behind():
    before = set(threading.enumerate())
    q1.evaluate(crack_with_checkpoints)
    q3.evaluate(introspect_in_a_group)
    assert set(threading.enumerate()) <= before
