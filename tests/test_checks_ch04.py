"""Chapter 04 checkers: each accepts a right answer, refuses a wrong one, and spots a stub."""

from __future__ import annotations

import contextlib
from typing import Any

import httpx

from jwt_course.checks.ch04 import TokenRejected, deny, new_denylist, q1, q2, q3
from jwt_course.client import NaiveRefreshingAuth, RefreshingAuth

from model_answers import model_answer  # tests/model_answers.py

# -- q1: rotation with reuse detection ---------------------------------------------


RefreshStore: Any = model_answer("04", "RefreshStore")  # q1.solution(), the right answer


class NoRevocationStore(RefreshStore):
    """Refuses a used token but forgets to revoke its family."""

    def rotate(self, jti: str) -> str:
        family = self.family_of.get(jti)
        if family is None or self.current[family] != jti:
            raise TokenRejected("refused")
        return self._new_jti(family)


class StubStore:  # a learner's untouched stub: every method returns None
    def issue(self, family: str) -> None: ...

    def rotate(self, jti: str) -> None: ...

    def is_revoked(self, family: str) -> None: ...


def test_q1_accepts_the_model_answer():
    assert q1.evaluate(RefreshStore).status == "correct"


def test_q1_store_that_does_not_revoke_the_family_is_refused():
    verdict = q1.evaluate(NoRevocationStore)
    assert verdict.status == "incorrect"
    assert "is_revoked('phone') after the phone's used jti came back returned False" in verdict.message


def test_q1_store_that_accepts_a_used_token_is_refused():
    class Forgetful(RefreshStore):
        def rotate(self, jti: str) -> str:
            return self._new_jti(self.family_of[jti])

    verdict = q1.evaluate(Forgetful)
    assert verdict.status == "incorrect" and "expected it to raise TokenRejected" in verdict.message


def test_q1_stub_is_not_solved():
    assert q1.evaluate(StubStore).status == "not solved"


# -- q2: the denylist check ---------------------------------------------------------


is_revoked = model_answer("04", "is_revoked")  # what q2.solution() prints


def test_q2_accepts_the_model_answer():
    assert q2.evaluate(is_revoked).status == "correct"


def test_q2_helpers_build_a_denylist():
    with contextlib.closing(new_denylist()) as db:
        deny(db, "a", 10)
        assert is_revoked(db, {"jti": "a"}, 9) and not is_revoked(db, {"jti": "a"}, 10)


def test_q2_a_check_that_never_purges_is_refused():
    def never_purges(db, claims, now):
        return db.execute("SELECT 1 FROM denylist WHERE jti = ?", (claims["jti"],)).fetchone() is not None

    verdict = q2.evaluate(never_purges)
    assert verdict.status == "incorrect" and "grows with every logout" in verdict.message


def test_q2_a_purge_that_removes_live_rows_is_refused():
    def eager(db, claims, now):
        db.execute("DELETE FROM denylist WHERE expires_at <= ?", (now + 900,))
        return db.execute("SELECT 1 FROM denylist WHERE jti = ?", (claims["jti"],)).fetchone() is not None

    verdict = q2.evaluate(eager)
    assert verdict.status == "incorrect" and "'logged-out'" in verdict.message


def test_q2_an_f_string_query_is_refused():
    def injectable(db, claims, now):
        db.execute("DELETE FROM denylist WHERE expires_at <= ?", (now,))
        sql = f"SELECT 1 FROM denylist WHERE jti = '{claims['jti']}'"
        return db.execute(sql).fetchone() is not None

    verdict = q2.evaluate(injectable)
    assert verdict.status == "incorrect" and "placeholders" in verdict.message


def test_q2_an_int_answer_is_refused():
    def ints(db, claims, now):
        db.execute("DELETE FROM denylist WHERE expires_at <= ?", (now,))
        return db.execute("SELECT COUNT(*) FROM denylist WHERE jti = ?", (claims["jti"],)).fetchone()[0]

    assert "bool" in q2.evaluate(ints).message


def test_q2_stub_is_not_solved():
    def stub(db, claims, now): ...

    assert q2.evaluate(stub).status == "not solved"


# -- q3: the race-free refreshing client --------------------------------------------


SafeRefreshingAuth: Any = model_answer("04", "SafeRefreshingAuth")  # what q3.solution() prints


class Stub(httpx.Auth):
    def __init__(self, tokens: dict, refresh_url: str) -> None:
        self.tokens = tokens

    def sync_auth_flow(self, request): ...


class Serialising(SafeRefreshingAuth):
    """Correct but slow: the lock is held for the whole request."""

    tokens: dict[str, Any]

    def sync_auth_flow(self, request):
        with self.lock:
            request.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
            response = yield request
            if response.status_code == 401:
                answer = yield httpx.Request(
                    "POST", request.url.join(self.refresh_url), json={"refresh_token": self.tokens["refresh_token"]}
                )
                answer.read()
                if answer.status_code != 200:
                    return
                self.tokens = answer.json()
                request.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
                yield request


class Looping(SafeRefreshingAuth):
    """Refreshes until it works: never, after logout."""

    tokens: dict[str, Any]

    def sync_auth_flow(self, request):
        request.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
        response = yield request
        while response.status_code == 401:
            answer = yield httpx.Request(
                "POST", request.url.join(self.refresh_url), json={"refresh_token": self.tokens["refresh_token"]}
            )
            answer.read()
            if answer.status_code == 200:
                self.tokens = answer.json()
                request.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
                response = yield request


def test_q3_accepts_the_model_answer():
    assert q3.evaluate(SafeRefreshingAuth).status == "correct"


def test_q3_accepts_the_package_client():
    assert q3.evaluate(RefreshingAuth).status == "correct"


def test_q3_refuses_the_naive_client_with_the_logout_it_causes():
    verdict = q3.evaluate(NaiveRefreshingAuth)
    assert verdict.status == "incorrect"
    assert (
        "8 refresh request(s) all carrying the same refresh token" in verdict.message
        and "reuse detected" in verdict.message
    )
    assert "logged out" in verdict.message


def test_q3_refuses_a_client_that_serialises_every_request():
    verdict = q3.evaluate(Serialising)
    assert verdict.status == "incorrect" and "one by one" in verdict.message


def test_q3_refuses_a_refresh_loop():
    verdict = q3.evaluate(Looping)
    assert verdict.status == "incorrect" and "loop" in verdict.message


def test_q3_stub_is_not_solved():
    assert q3.evaluate(Stub).status == "not solved"
