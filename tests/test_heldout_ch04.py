"""Held-out corpus, chapter 04: learner answers written from the exercise text alone, by someone
who had not read the checkers. Each wrong answer must be refused naming the requirement it breaks;
each right one (in a style unlike the model answer) must pass.
"""

from __future__ import annotations

import itertools
import secrets
import sqlite3
import threading
import time
import uuid

import heldout
import httpx
import pytest

from jwt_course.checks import ch04
from jwt_course.checks.ch04 import TokenRejected


# ---------------------------------------------------------------- q1 RefreshStore
class Q1ClassState:
    family_of: dict = {}
    current: dict = {}
    revoked: set = set()

    def __init__(self) -> None:
        pass

    def issue(self, family: str) -> str:
        jti = secrets.token_urlsafe(8)
        self.family_of[jti] = family
        self.current[family] = jti
        return jti

    def rotate(self, jti: str) -> str:
        family = self.family_of.get(jti)
        if family is None or family in self.revoked:
            raise TokenRejected("unknown or revoked")
        if self.current[family] != jti:
            self.revoked.add(family)
            raise TokenRejected("reuse")
        return self.issue(family)

    def is_revoked(self, family: str) -> bool:
        return family in self.revoked


class Q1RevokedStillRotates:
    def __init__(self) -> None:
        self.family_of: dict[str, str] = {}
        self.current: dict[str, str] = {}
        self.revoked: set[str] = set()

    def issue(self, family: str) -> str:
        jti = secrets.token_urlsafe(8)
        self.family_of[jti] = family
        self.current[family] = jti
        return jti

    def rotate(self, jti: str) -> str:
        if jti not in self.family_of:
            raise TokenRejected("unknown")
        family = self.family_of[jti]
        if self.current[family] != jti:
            self.revoked.add(family)
            raise TokenRejected("reuse")
        return self.issue(family)  # forgot: a revoked family's newest token still rotates

    def is_revoked(self, family: str) -> bool:
        return family in self.revoked


class Q1KeyError(Q1RevokedStillRotates):
    def rotate(self, jti: str) -> str:
        family = self.family_of[jti]  # KeyError for an unknown jti
        if family in self.revoked:
            raise TokenRejected("revoked")
        if self.current[family] != jti:
            self.revoked.add(family)
            raise TokenRejected("reuse")
        return self.issue(family)


class Q1IsRevokedNone(Q1RevokedStillRotates):
    def __init__(self) -> None:
        super().__init__()
        self.status: dict[str, bool] = {}

    def issue(self, family: str) -> str:
        self.status.setdefault(family, False)
        return super().issue(family)

    def rotate(self, jti: str) -> str:
        family = self.family_of.get(jti)
        if family is None or self.status.get(family):
            raise TokenRejected("unknown or revoked")
        if self.current[family] != jti:
            self.status[family] = True
            raise TokenRejected("reuse")
        return self.issue(family)

    def is_revoked(self, family: str) -> bool:
        return self.status.get(family)  # type: ignore[return-value]  # None for a family never seen


class Q1RevokesEverything(Q1RevokedStillRotates):
    def rotate(self, jti: str) -> str:
        family = self.family_of.get(jti)
        if family is None or family in self.revoked:
            raise TokenRejected("unknown or revoked")
        if self.current[family] != jti:
            self.revoked.update(self.current)  # every family, not just this one
            raise TokenRejected("reuse")
        return self.issue(family)


class Q1OldStaysValid:
    def __init__(self) -> None:
        self.family_of: dict[str, str] = {}
        self.revoked: set[str] = set()

    def issue(self, family: str) -> str:
        jti = str(uuid.uuid4())
        self.family_of[jti] = family
        return jti

    def rotate(self, jti: str) -> str:
        family = self.family_of.get(jti)
        if family is None or family in self.revoked:
            raise TokenRejected("refused")
        return self.issue(family)  # never remembers which one is current

    def is_revoked(self, family: str) -> bool:
        return family in self.revoked


class Q1RaiseBeforeRevoke(Q1RevokedStillRotates):
    def rotate(self, jti: str) -> str:
        family = self.family_of.get(jti)
        if family is None or family in self.revoked:
            raise TokenRejected("unknown or revoked")
        if self.current[family] != jti:
            raise TokenRejected("reuse detected")
            self.revoked.add(family)  # never runs
        return self.issue(family)


class Q1ValueErrorOnReuse(Q1RevokedStillRotates):
    def rotate(self, jti: str) -> str:
        family = self.family_of.get(jti)
        if family is None or family in self.revoked:
            raise TokenRejected("unknown or revoked")
        if self.current[family] != jti:
            self.revoked.add(family)
            raise ValueError("refresh token reuse")
        return self.issue(family)


class Q1Right:
    def __init__(self) -> None:
        self.family_of: dict[str, str] = {}
        self.current: dict[str, str] = {}
        self.revoked: set[str] = set()

    def issue(self, family: str) -> str:
        jti = uuid.uuid4().hex
        self.family_of[jti] = family
        self.current[family] = jti
        return jti

    def rotate(self, jti: str) -> str:
        if jti not in self.family_of:
            raise TokenRejected("unknown refresh token")
        family = self.family_of[jti]
        if family in self.revoked:
            raise TokenRejected("family revoked")
        if self.current[family] != jti:
            self.revoked.add(family)
            raise TokenRejected("reuse detected: family revoked")
        return self.issue(family)

    def is_revoked(self, family: str) -> bool:
        return family in self.revoked


class Q1RightRecords:
    """One record per jti with a used flag, a counter for ids."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._tokens: dict[str, list] = {}  # jti -> [family, used]
        self._dead: dict[str, bool] = {}

    def issue(self, family: str) -> str:
        jti = f"rt-{next(self._ids)}-{secrets.token_hex(4)}"
        self._tokens[jti] = [family, False]
        self._dead.setdefault(family, False)
        return jti

    def rotate(self, jti: str) -> str:
        record = self._tokens.get(jti)
        if record is None:
            raise TokenRejected("never issued")
        family, used = record
        if self._dead.get(family, False):
            raise TokenRejected("revoked family")
        if used:
            self._dead[family] = True
            raise TokenRejected("already used")
        record[1] = True
        return self.issue(family)

    def is_revoked(self, family: str) -> bool:
        return bool(self._dead.get(family, False))


# ---------------------------------------------------------------- q2 is_revoked
def q2_w_no_purge(db: sqlite3.Connection, claims: dict, now: int) -> bool:
    return db.execute("SELECT 1 FROM denylist WHERE jti = ?", (claims["jti"],)).fetchone() is not None


def q2_w_purge_lt(db: sqlite3.Connection, claims: dict, now: int) -> bool:
    db.execute("DELETE FROM denylist WHERE expires_at < ?", (now,))
    return db.execute("SELECT 1 FROM denylist WHERE jti = ?", (claims["jti"],)).fetchone() is not None


def q2_w_fstring(db: sqlite3.Connection, claims: dict, now: int) -> bool:
    db.execute("DELETE FROM denylist WHERE expires_at <= ?", (now,))
    return db.execute(f"SELECT 1 FROM denylist WHERE jti = '{claims['jti']}'").fetchone() is not None


def q2_w_like(db: sqlite3.Connection, claims: dict, now: int) -> bool:
    db.execute("DELETE FROM denylist WHERE expires_at <= ?", (now,))
    return db.execute("SELECT 1 FROM denylist WHERE jti LIKE ?", (claims["jti"],)).fetchone() is not None


def q2_w_returns_row(db: sqlite3.Connection, claims: dict, now: int) -> bool:
    db.execute("DELETE FROM denylist WHERE expires_at <= ?", (now,))
    return db.execute("SELECT jti FROM denylist WHERE jti = ?", (claims["jti"],)).fetchone()  # type: ignore[return-value]


def q2_w_wall_clock(db: sqlite3.Connection, claims: dict, now: int) -> bool:
    db.execute("DELETE FROM denylist WHERE expires_at <= ?", (int(time.time()),))
    return db.execute("SELECT 1 FROM denylist WHERE jti = ?", (claims["jti"],)).fetchone() is not None


def q2_w_one_shot(db: sqlite3.Connection, claims: dict, now: int) -> bool:
    db.execute("DELETE FROM denylist WHERE expires_at <= ?", (now,))
    found = db.execute("SELECT 1 FROM denylist WHERE jti = ?", (claims["jti"],)).fetchone() is not None
    db.execute("DELETE FROM denylist WHERE jti = ?", (claims["jti"],))  # "clean up" after the check
    return found


def q2_w_purge_by_token_exp(db: sqlite3.Connection, claims: dict, now: int) -> bool:
    db.execute("DELETE FROM denylist WHERE expires_at <= ?", (claims["exp"],))
    return db.execute("SELECT 1 FROM denylist WHERE jti = ?", (claims["jti"],)).fetchone() is not None


def q2_r_with(db: sqlite3.Connection, claims: dict, now: int) -> bool:
    with db:
        db.execute("DELETE FROM denylist WHERE expires_at <= ?", (now,))
    row = db.execute("SELECT EXISTS(SELECT 1 FROM denylist WHERE jti = ?)", (claims["jti"],)).fetchone()
    return bool(row[0])


def q2_r_count(db: sqlite3.Connection, claims: dict, now: int) -> bool:
    cur = db.cursor()
    cur.execute("DELETE FROM denylist WHERE expires_at <= :now", {"now": now})
    db.commit()
    (count,) = cur.execute("SELECT COUNT(*) FROM denylist WHERE jti = :jti", {"jti": claims["jti"]}).fetchone()
    return count > 0


# ---------------------------------------------------------------- q3 SafeRefreshingAuth
class _Base(httpx.Auth):
    requires_request_body = True

    def __init__(self, tokens: dict, refresh_url: str) -> None:
        self.tokens = dict(tokens)
        self.refresh_url = refresh_url
        self.lock = threading.Lock()


class Q3LockNoCheck(_Base):
    def sync_auth_flow(self, request):
        request.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
        response = yield request
        if response.status_code == 401:
            with self.lock:  # locks, but every waiter refreshes again
                answer = yield httpx.Request(
                    "POST", request.url.join(self.refresh_url), json={"refresh_token": self.tokens["refresh_token"]}
                )
                answer.read()
                if answer.status_code != 200:
                    return
                self.tokens = answer.json()
            request.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
            yield request


class Q3LockEverything(_Base):
    def sync_auth_flow(self, request):
        with self.lock:
            sent = self.tokens
            request.headers["Authorization"] = f"Bearer {sent['access_token']}"
            response = yield request
            if response.status_code == 401:
                if self.tokens is sent:
                    answer = yield httpx.Request(
                        "POST", request.url.join(self.refresh_url), json={"refresh_token": sent["refresh_token"]}
                    )
                    answer.read()
                    if answer.status_code != 200:
                        return
                    self.tokens = answer.json()
                request.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
                yield request


class Q3NoRead(_Base):
    def sync_auth_flow(self, request):
        sent = self.tokens
        request.headers["Authorization"] = f"Bearer {sent['access_token']}"
        response = yield request
        if response.status_code == 401:
            with self.lock:
                if self.tokens is sent:
                    answer = yield httpx.Request(
                        "POST", request.url.join(self.refresh_url), json={"refresh_token": sent["refresh_token"]}
                    )
                    if answer.status_code != 200:
                        return
                    self.tokens = answer.json()  # ResponseNotRead
            request.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
            yield request


class Q3RetriesWithSent(_Base):
    def sync_auth_flow(self, request):
        sent = self.tokens
        request.headers["Authorization"] = f"Bearer {sent['access_token']}"
        response = yield request
        if response.status_code == 401:
            with self.lock:
                if self.tokens is sent:
                    answer = yield httpx.Request(
                        "POST", request.url.join(self.refresh_url), json={"refresh_token": sent["refresh_token"]}
                    )
                    answer.read()
                    if answer.status_code != 200:
                        return
                    self.tokens = answer.json()
                    sent = self.tokens
            request.headers["Authorization"] = f"Bearer {sent['access_token']}"  # stale for waiters
            yield request


class Q3StoresFailure(_Base):
    def sync_auth_flow(self, request):
        sent = self.tokens
        request.headers["Authorization"] = f"Bearer {sent['access_token']}"
        response = yield request
        if response.status_code == 401:
            with self.lock:
                if self.tokens is sent:
                    answer = yield httpx.Request(
                        "POST", request.url.join(self.refresh_url), json={"refresh_token": sent["refresh_token"]}
                    )
                    answer.read()
                    self.tokens = answer.json()  # even a 401 body
            request.headers["Authorization"] = f"Bearer {self.tokens.get('access_token', '')}"
            yield request


class Q3AlwaysRefresh(_Base):
    def sync_auth_flow(self, request):
        with self.lock:
            answer = yield httpx.Request(
                "POST", request.url.join(self.refresh_url), json={"refresh_token": self.tokens["refresh_token"]}
            )
            answer.read()
            if answer.status_code == 200:
                self.tokens = answer.json()
        request.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
        yield request


class Q3RetryLoop(_Base):
    def sync_auth_flow(self, request):
        for _attempt in range(3):
            sent = self.tokens
            request.headers["Authorization"] = f"Bearer {sent['access_token']}"
            response = yield request
            if response.status_code != 401:
                return
            with self.lock:
                if self.tokens is sent:
                    answer = yield httpx.Request(
                        "POST", request.url.join(self.refresh_url), json={"refresh_token": sent["refresh_token"]}
                    )
                    answer.read()
                    if answer.status_code == 200:
                        self.tokens = answer.json()


class Q3Right(_Base):
    def sync_auth_flow(self, request):
        sent = self.tokens
        request.headers["Authorization"] = f"Bearer {sent['access_token']}"
        response = yield request
        if response.status_code != 401:
            return
        with self.lock:
            if self.tokens is sent:
                answer = yield httpx.Request(
                    "POST", request.url.join(self.refresh_url), json={"refresh_token": sent["refresh_token"]}
                )
                answer.read()
                if answer.status_code != 200:
                    return
                self.tokens = answer.json()
        request.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
        yield request


class Q3RightGeneration(_Base):
    """A generation counter instead of `is`, acquire/release by hand."""

    generation = 0

    def sync_auth_flow(self, request):
        seen = self.generation
        request.headers["Authorization"] = "Bearer " + self.tokens["access_token"]
        response = yield request
        if response.status_code == 401:
            self.lock.acquire()
            try:
                if self.generation == seen:
                    refresh = httpx.Request(
                        "POST", request.url.join(self.refresh_url), json={"refresh_token": self.tokens["refresh_token"]}
                    )
                    answer = yield refresh
                    answer.read()
                    if answer.status_code != 200:
                        return
                    self.tokens = answer.json()
                    self.generation = seen + 1
            finally:
                self.lock.release()
            request.headers["Authorization"] = "Bearer " + self.tokens["access_token"]
            yield request


# (exercise, answer, how the requirement its refusal names begins ('' = any) or None for accepted, what the
# learner did). Only answers the checker already handles as intended are here: see the report for the others.
CORPUS = [
    ("q1", Q1ClassState, "a jti the store never", "state on the class: two stores share it"),
    ("q1", Q1RevokedStillRotates, "any jti of a revoked", "a revoked family's newest token still rotates"),
    ("q1", Q1KeyError, "a jti the store never", "KeyError for a jti never issued"),
    (
        "q1",
        Q1IsRevokedNone,
        "is_revoked(family) returns True or False:",
        "is_revoked returns None for an unknown family",
    ),
    ("q1", Q1RevokesEverything, "revoke only the family of", "reuse revokes every family"),
    ("q1", Q1OldStaysValid, "an already used jti raises", "old tokens stay valid (no current tracking)"),
    ("q1", Q1RaiseBeforeRevoke, "an already used jti raises", "raise before revoking (revoke unreachable)"),
    ("q1", Q1ValueErrorOnReuse, "an already used jti raises", "ValueError on reuse, not TokenRejected"),
    ("q1", Q1Right, None, "two dicts and a set, uuid4"),
    ("q1", Q1RightRecords, None, "records with a used flag, counter ids"),
    ("q2", q2_w_no_purge, "first delete every row whose", "no purge"),
    ("q2", q2_w_purge_lt, "first delete every row whose", "purge expires_at < now (off by one)"),
    ("q2", q2_w_fstring, "look up exactly claims['jti'] (with", "f-string jti"),
    ("q2", q2_w_like, "look up exactly claims['jti'] (with", "LIKE"),
    ("q2", q2_w_returns_row, "True if claims['jti'] is on", "returns the row/None, not a bool"),
    ("q2", q2_w_wall_clock, "True if claims['jti'] is on", "purge by wall clock"),
    ("q2", q2_w_one_shot, "first delete every row whose", "deletes the row it found (one-shot denylist)"),
    ("q2", q2_w_purge_by_token_exp, "True if claims['jti'] is on", "purges by the token's exp instead of now"),
    ("q2", q2_r_with, None, "with db, EXISTS"),
    ("q2", q2_r_count, None, "named params, COUNT"),
    ("q3", Q3LockNoCheck, "8 concurrent requests with one", "lock without the 'is sent' check: waiters refresh again"),
    ("q3", Q3LockEverything, "8 concurrent requests with one", "lock around the whole request"),
    ("q3", Q3NoRead, "", "no answer.read() before answer.json()"),
    ("q3", Q3RetriesWithSent, "8 concurrent requests with one", "waiters retry with the stale sent pair"),
    ("q3", Q3StoresFailure, "", "stores a failed refresh's body as tokens, retries"),
    ("q3", Q3AlwaysRefresh, "send the request with the", "refreshes before every request"),
    ("q3", Q3RetryLoop, "on a refused refresh, return:", "retries up to 3 times (refreshes twice)"),
    ("q3", Q3Right, None, "as specified"),
    ("q3", Q3RightGeneration, None, "generation counter, acquire/release"),
]


@pytest.mark.parametrize(heldout.FIELDS, CORPUS, ids=heldout.ids(CORPUS))
def test_heldout_answer(label, answer, requirement, what):
    heldout.check_answer(ch04, label, answer, requirement, what)
