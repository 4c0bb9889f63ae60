"""Chapter 04: a learner's corpus. Wrong answers a beginner writes must be refused with a message naming the
broken requirement; right answers in another style than the model answer must pass.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from jwt_course.checks.ch04 import TokenRejected, q1, q2, q3

Answer = Callable[..., Any]


# -- q1: RefreshStore -----------------------------------------------------------------------------------


class Q1Polite:  # refuses a used token, never revokes the family
    def __init__(self):
        self.family_of, self.current = {}, {}

    def issue(self, family):
        jti = secrets.token_urlsafe(8)
        self.family_of[jti], self.current[family] = family, jti
        return jti

    def rotate(self, jti):
        family = self.family_of.get(jti)
        if family is None or self.current[family] != jti:
            raise TokenRejected("refused")
        return self.issue(family)

    def is_revoked(self, family):
        return False


class Q1RevokedStillRotates(Q1Polite):  # revokes on reuse, but never checks the flag for the current token
    def __init__(self):
        super().__init__()
        self.revoked = set()

    def rotate(self, jti):
        family = self.family_of.get(jti)
        if family is None:
            raise TokenRejected("unknown")
        if self.current[family] != jti:
            self.revoked.add(family)
            raise TokenRejected("reuse")
        return self.issue(family)

    def is_revoked(self, family):
        return family in self.revoked


class Q1KeyError(Q1RevokedStillRotates):  # an unknown jti is a KeyError
    def rotate(self, jti):
        family = self.family_of[jti]
        if family in self.revoked:
            raise TokenRejected("revoked")
        if self.current[family] != jti:
            self.revoked.add(family)
            raise TokenRejected("reuse")
        return self.issue(family)


class Q1RevokesEveryone(Q1RevokedStillRotates):  # one reuse logs out every family
    def rotate(self, jti):
        family = self.family_of.get(jti)
        if family is None or family in self.revoked:
            raise TokenRejected("refused")
        if self.current[family] != jti:
            self.revoked.update(self.current)
            raise TokenRejected("reuse")
        return self.issue(family)


class Q1ReturnsNone(Q1RevokedStillRotates):  # is_revoked: "if ...: return True" and nothing else
    def rotate(self, jti):
        family = self.family_of.get(jti)
        if family is None or family in self.revoked:
            raise TokenRejected("refused")
        if self.current[family] != jti:
            self.revoked.add(family)
            raise TokenRejected("reuse")
        return self.issue(family)

    def is_revoked(self, family):
        if family in self.revoked:
            return True


class Q1ClassState:  # dicts as class attributes: every store shares them
    family_of: dict = {}
    current: dict = {}
    revoked: set = set()

    def issue(self, family):
        jti = secrets.token_urlsafe(8)
        self.family_of[jti], self.current[family] = family, jti
        return jti

    def rotate(self, jti):
        family = self.family_of.get(jti)
        if family is None or family in self.revoked:
            raise TokenRejected("refused")
        if self.current[family] != jti:
            self.revoked.add(family)
            raise TokenRejected("reuse")
        return self.issue(family)

    def is_revoked(self, family):
        return family in self.revoked


class Q1NeverMovesOn(Q1RevokedStillRotates):  # hands out a new jti but keeps the old one current
    def rotate(self, jti):
        family = self.family_of.get(jti)
        if family is None or family in self.revoked:
            raise TokenRejected("refused")
        if self.current[family] != jti:
            self.revoked.add(family)
            raise TokenRejected("reuse")
        new = secrets.token_urlsafe(8)
        self.family_of[new] = family
        return new


@dataclass
class _Family:
    chain: list[str] = field(default_factory=list)
    revoked: bool = False


class Q1RightDataclass:
    def __init__(self):
        self.families: dict[str, _Family] = {}
        self.owner: dict[str, str] = {}

    def issue(self, family):
        self.families[family] = _Family()
        return self._next(family)

    def _next(self, family):
        jti = uuid.uuid4().hex
        self.families[family].chain.append(jti)
        self.owner[jti] = family
        return jti

    def rotate(self, jti):
        if jti not in self.owner:
            raise TokenRejected("never issued")
        fam = self.families[self.owner[jti]]
        if fam.revoked:
            raise TokenRejected("family revoked")
        if fam.chain[-1] != jti:
            fam.revoked = True
            raise TokenRejected("reused")
        return self._next(self.owner[jti])

    def is_revoked(self, family):
        return family in self.families and self.families[family].revoked


class Q1RightUsedSet:
    def __init__(self):
        self.family = {}
        self.used = set()
        self.dead = set()

    def issue(self, family):
        jti = secrets.token_hex(16)
        self.family[jti] = family
        return jti

    def rotate(self, jti):
        if jti not in self.family:
            raise TokenRejected("unknown")
        fam = self.family[jti]
        if jti in self.used:
            self.dead.add(fam)
        if fam in self.dead:
            raise TokenRejected("revoked")
        self.used.add(jti)
        return self.issue(fam)

    def is_revoked(self, family):
        return family in self.dead


# -- q2: is_revoked -------------------------------------------------------------------------------------


def q2_fstring(db, claims, now):
    db.execute(f"DELETE FROM denylist WHERE expires_at <= {now}")
    return db.execute(f"SELECT 1 FROM denylist WHERE jti = '{claims['jti']}'").fetchone() is not None


def q2_no_purge(db, claims, now):
    return db.execute("SELECT 1 FROM denylist WHERE jti = ?", (claims["jti"],)).fetchone() is not None


def q2_strictly_less(db, claims, now):
    db.execute("DELETE FROM denylist WHERE expires_at < ?", (now,))
    return db.execute("SELECT 1 FROM denylist WHERE jti = ?", (claims["jti"],)).fetchone() is not None


def q2_eager(db, claims, now):
    db.execute("DELETE FROM denylist WHERE expires_at <= ?", (now + 900,))
    return db.execute("SELECT 1 FROM denylist WHERE jti = ?", (claims["jti"],)).fetchone() is not None


def q2_returns_the_row(db, claims, now):
    db.execute("DELETE FROM denylist WHERE expires_at <= ?", (now,))
    return db.execute("SELECT jti FROM denylist WHERE jti = ?", (claims["jti"],)).fetchone()


def q2_deletes_everything(db, claims, now):
    found = db.execute("SELECT 1 FROM denylist WHERE jti = ?", (claims["jti"],)).fetchone() is not None
    db.execute("DELETE FROM denylist")
    return found


def q2_purges_by_token_exp(db, claims, now):
    db.execute("DELETE FROM denylist WHERE expires_at <= ?", (claims["exp"],))
    return db.execute("SELECT 1 FROM denylist WHERE jti = ?", (claims["jti"],)).fetchone() is not None


def q2_like(db, claims, now):
    db.execute("DELETE FROM denylist WHERE expires_at <= ?", (now,))
    return db.execute("SELECT 1 FROM denylist WHERE jti LIKE ?", (claims["jti"],)).fetchone() is not None


def q2_wall_clock(db, claims, now):
    db.execute("DELETE FROM denylist WHERE expires_at <= ?", (int(time.time()),))
    return db.execute("SELECT 1 FROM denylist WHERE jti = ?", (claims["jti"],)).fetchone() is not None


def q2_right_exists(db: sqlite3.Connection, claims, now):
    with db:
        db.execute("DELETE FROM denylist WHERE ? >= expires_at", (now,))
    (hit,) = db.execute("SELECT EXISTS (SELECT 1 FROM denylist WHERE jti = :jti)", {"jti": claims["jti"]}).fetchone()
    return bool(hit)


def q2_right_count(db, claims, now):
    cursor = db.cursor()
    cursor.execute("DELETE FROM denylist WHERE expires_at <= ?", [now])
    cursor.execute("SELECT COUNT(*) FROM denylist WHERE jti = ?", [claims["jti"]])
    return cursor.fetchone()[0] > 0


# -- q3: SafeRefreshingAuth -----------------------------------------------------------------------------


class _Base(httpx.Auth):
    requires_request_body = True

    def __init__(self, tokens, refresh_url):
        self.tokens = dict(tokens)
        self.refresh_url = refresh_url
        self.lock = threading.Lock()

    def _refresh_request(self, request, refresh_token):
        return httpx.Request("POST", request.url.join(self.refresh_url), json={"refresh_token": refresh_token})


class Q3Racy(_Base):  # the lesson's racy client
    requires_response_body = True

    def auth_flow(self, request):
        request.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
        response = yield request
        if response.status_code == 401:
            answer = yield self._refresh_request(request, self.tokens["refresh_token"])
            if answer.status_code != 200:
                return
            self.tokens = answer.json()
            request.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
            yield request


class Q3LockEverything(_Base):  # one request at a time
    def sync_auth_flow(self, request):
        with self.lock:
            request.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
            response = yield request
            if response.status_code != 401:
                return
            answer = yield self._refresh_request(request, self.tokens["refresh_token"])
            answer.read()
            if answer.status_code != 200:
                return
            self.tokens = answer.json()
            request.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
            yield request


class Q3LockedButNoCheck(_Base):  # one refresh at a time, but every waiter refreshes again
    def sync_auth_flow(self, request):
        request.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
        response = yield request
        if response.status_code != 401:
            return
        with self.lock:
            answer = yield self._refresh_request(request, self.tokens["refresh_token"])
            answer.read()
            if answer.status_code != 200:
                return
            self.tokens = answer.json()
        request.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
        yield request


class Q3NoRead(_Base):  # answer.json() without reading the body
    def sync_auth_flow(self, request):
        with self.lock:
            sent = self.tokens
        request.headers["Authorization"] = f"Bearer {sent['access_token']}"
        response = yield request
        if response.status_code != 401:
            return
        with self.lock:
            if self.tokens is sent:
                answer = yield self._refresh_request(request, sent["refresh_token"])
                if answer.status_code != 200:
                    return
                self.tokens = answer.json()
        request.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
        yield request


class Q3RetriesWithOldToken(_Base):  # refreshes once, but retries with the pair it sent
    def sync_auth_flow(self, request):
        with self.lock:
            sent = self.tokens
        request.headers["Authorization"] = f"Bearer {sent['access_token']}"
        response = yield request
        if response.status_code != 401:
            return
        with self.lock:
            if self.tokens is sent:
                answer = yield self._refresh_request(request, sent["refresh_token"])
                answer.read()
                if answer.status_code != 200:
                    return
                self.tokens = answer.json()
        yield request


class Q3AlwaysRefreshes(_Base):  # refreshes before every request, "to be safe"
    def sync_auth_flow(self, request):
        with self.lock:
            answer = yield self._refresh_request(request, self.tokens["refresh_token"])
            answer.read()
            if answer.status_code == 200:
                self.tokens = answer.json()
        request.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
        yield request


class Q3RefreshLoop(_Base):  # keeps refreshing while the answer is 401
    def sync_auth_flow(self, request):
        request.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
        response = yield request
        while response.status_code == 401:
            with self.lock:
                answer = yield self._refresh_request(request, self.tokens["refresh_token"])
                answer.read()
                if answer.status_code == 200:
                    self.tokens = answer.json()
            request.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
            response = yield request


class Q3IgnoresFailedRefresh(_Base):  # a refused refresh still "stores" the error body as tokens
    def sync_auth_flow(self, request):
        with self.lock:
            sent = self.tokens
        request.headers["Authorization"] = f"Bearer {sent['access_token']}"
        response = yield request
        if response.status_code != 401:
            return
        with self.lock:
            if self.tokens is sent:
                answer = yield self._refresh_request(request, sent["refresh_token"])
                answer.read()
                self.tokens = {**self.tokens, **answer.json()}
        request.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
        yield request


class Q3RightGeneration(_Base):  # a generation counter instead of an identity check
    def __init__(self, tokens, refresh_url):
        super().__init__(tokens, refresh_url)
        self.generation = 0

    def sync_auth_flow(self, request):
        with self.lock:
            generation, access = self.generation, self.tokens["access_token"]
        request.headers["Authorization"] = "Bearer " + access
        response = yield request
        if response.status_code != 401:
            return
        with self.lock:
            if self.generation == generation:
                refresh = yield self._refresh_request(request, self.tokens["refresh_token"])
                refresh.read()
                if refresh.status_code != 200:
                    return
                self.tokens = refresh.json()
                self.generation += 1
            access = self.tokens["access_token"]
        request.headers["Authorization"] = "Bearer " + access
        yield request


class Q3RightCompareStrings(_Base):  # compares the access token string, RLock
    def __init__(self, tokens, refresh_url):
        super().__init__(tokens, refresh_url)
        self.lock = threading.RLock()

    def sync_auth_flow(self, request):
        used = self.tokens["access_token"]
        request.headers["Authorization"] = f"Bearer {used}"
        response = yield request
        if response.status_code == 401:
            with self.lock:
                if self.tokens["access_token"] == used:
                    refreshed = yield self._refresh_request(request, self.tokens["refresh_token"])
                    refreshed.read()
                    if refreshed.status_code != 200:
                        return
                    self.tokens = refreshed.json()
                request.headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
            yield request


WRONG: dict[str, tuple[Any, Answer, tuple[str, ...]]] = {
    "q1 never revokes": (q1, Q1Polite, ("revoke the whole family", "is_revoked")),
    "q1 the current token survives revocation": (q1, Q1RevokedStillRotates, ("CURRENT", "revoked")),
    "q1 KeyError for an unknown jti": (q1, Q1KeyError, ("KeyError", "never issued")),
    "q1 revokes every family": (q1, Q1RevokesEveryone, ("only the family",)),
    "q1 is_revoked returns None": (q1, Q1ReturnsNone, ("True or False", "None")),
    "q1 class attributes shared by all stores": (q1, Q1ClassState, ("another store", "never issued", "new store")),
    "q1 the old jti stays current": (q1, Q1NeverMovesOn, ("rotate", "used")),
    "q2 an f-string": (q2, q2_fstring, ("placeholder", "quote")),
    "q2 no purge": (q2, q2_no_purge, ("still there", "grows")),
    "q2 < instead of <=": (q2, q2_strictly_less, ("expires_at <= now", "still there")),
    "q2 an eager purge": (q2, q2_eager, ("was deleted", "Purge only")),
    "q2 returns the row": (q2, q2_returns_the_row, ("bool",)),
    "q2 deletes everything": (q2, q2_deletes_everything, ("deleted",)),
    "q2 purges by the token's exp": (q2, q2_purges_by_token_exp, ("deleted",)),
    "q2 LIKE": (q2, q2_like, ("LIKE", "wildcard", "'%'")),
    "q2 the wall clock": (q2, q2_wall_clock, ("now", "deleted")),
    "q3 the racy client": (q3, Q3Racy, ("reuse", "logged out")),
    "q3 the lock around everything": (q3, Q3LockEverything, ("one by one", "lock")),
    "q3 the lock but no check": (q3, Q3LockedButNoCheck, ("refresh requests", "once")),
    "q3 answer not read": (q3, Q3NoRead, ("read", "ResponseNotRead")),
    "q3 retries with the old token": (q3, Q3RetriesWithOldToken, ("retry", "new access token", "401")),
    "q3 refreshes before every request": (q3, Q3AlwaysRefreshes, ("no refresh", "valid access token")),
    "q3 refreshes in a loop": (q3, Q3RefreshLoop, ("loop", "refreshed once more")),
    "q3 stores a failed refresh": (q3, Q3IgnoresFailedRefresh, ("logout", "refresh", "KeyError")),
}

RIGHT: dict[str, tuple[Any, Answer]] = {
    "q1 dataclass families": (q1, Q1RightDataclass),
    "q1 a set of used jtis": (q1, Q1RightUsedSet),
    "q2 EXISTS and named parameters": (q2, q2_right_exists),
    "q2 COUNT(*)": (q2, q2_right_count),
    "q3 a generation counter": (q3, Q3RightGeneration),
    "q3 comparing access tokens, RLock": (q3, Q3RightCompareStrings),
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


def test_q2_a_purge_only_when_the_jti_is_found_is_refused():
    def is_revoked(db, claims, now):
        row = db.execute("SELECT 1 FROM denylist WHERE jti = ?", (claims["jti"],)).fetchone()
        if row is not None:
            db.execute("DELETE FROM denylist WHERE expires_at <= ?", (now,))
        return row is not None

    verdict = q2.evaluate(is_revoked)
    assert verdict.status == "incorrect" and "rows" in verdict.message
