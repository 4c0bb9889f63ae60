"""Chapter 02: a SQLite session store, a JWT validator, and the seed's table per architecture.

q1 runs the learner's store class the way the lesson's two server instances use it: two
connections on one temporary SQLite file, two logins in the same second, hostile ids from
the shared corpus for ``get`` and ``delete``, and a look at how random the ids are. q2 calls
the validator with tokens from the corpus at a fixed ``now``; q3 compares the learner's
table with the expected answers, written out as data, for every architecture.
"""

from __future__ import annotations

import math
import os
import random
import sqlite3
import string
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import jwt

from . import Failure
from . import corpus as c
from .cases import Case, Expect, Outcome, Returns, Satisfies, TableExercise, short

__all__ = ["NOW", "SECRET", "SESSIONS_SCHEMA", "q1", "q2", "q3"]

#: The table q1's store works on (the exercise notebook creates it in ``__init__``).
SESSIONS_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS sessions ( id TEXT PRIMARY KEY, username TEXT NOT NULL, expires_at REAL NOT NULL)"
)
#: q2's shared secret: 72 bytes, enough even for the HS512 case (RFC 7518 §3.2).
SECRET = "chapter-02-exercise-secret-" + "0123456789abcdef" * 2 + "-long-enough!"
#: q2's fixed "current time".
NOW = 1_767_225_600  # 2026-01-01 00:00:00 UTC

_OTHER_SECRET = "another-secret-that-is-at-least-32-bytes"


# -- q1 ------------------------------------------------------------------------

_R_CREATE = "create(username, now, ttl_seconds) stores the session and returns its id (a str)"
_R_GET = "get(session_id, now) returns the username while now < expires_at"
_R_EXPIRED = "get returns None once the session has expired (now >= now_at_create + ttl_seconds)"
_R_UNKNOWN = "get returns None for an id that is unknown"
_R_PLACEHOLDERS = "pass values with ? placeholders (never an f-string, never LIKE): a hostile id matches nothing"
_R_COMMIT = "commit each write, so another connection to the same file (another instance) sees it"
_R_SAME_SECOND = "two create() calls in the same second make two different, working sessions"
_R_UNGUESSABLE = (
    "the id is unguessable: at least 64 random bits from secrets (OWASP), not from the time, the inputs or random"
)
_R_DELETE = "delete(session_id) removes the session and returns True if it existed, False otherwise"
_R_DELETE_HOSTILE = "delete with a hostile id deletes nothing and returns False"
_R_SHARED = (
    "every read comes from the database: a logout on another instance is seen at once "
    "(no copy of the sessions in memory)"
)

_ALPHABETS = (
    (string.digits, math.log2(10)),
    ("0123456789abcdef", 4.0),
    ("0123456789ABCDEF", 4.0),
    (string.ascii_letters + string.digits + "-_=", 6.0),
    (string.ascii_letters + string.digits + "+/=", 6.0),
)


def random_bits(ids: Sequence[str]) -> int:
    """A generous estimate of the random bits in ``ids``: varying positions x bits per character."""
    chars = set("".join(ids))
    per_char = next((bits for alphabet, bits in _ALPHABETS if chars <= set(alphabet)), 6.0)
    width = min(len(i) for i in ids)
    varying = sum(len({i[p] for i in ids}) > 1 for p in range(width))
    return int(varying * per_char)


@contextmanager
def _still_clock() -> Iterator[None]:
    """time.time() and time.time_ns() stand still: an id made from the clock repeats."""
    saved = time.time, time.time_ns
    time.time = lambda: 1_000_000_000.0
    time.time_ns = lambda: 1_000_000_000_000_000_000
    try:
        yield
    finally:
        time.time, time.time_ns = saved


@dataclass
class _Instances:
    """Two server instances: a store on each of two connections to one SQLite file."""

    store: Any
    other: Any
    ids: dict[str, Any] = field(default_factory=dict)

    def login(self, key: str, username: str, now: float = 1000, ttl: float = 60) -> Any:
        self.ids[key] = self.store.create(username, now, ttl)
        return self.ids[key]

    def same_second(self) -> tuple[Any, Any]:
        return self.login("bob", "bob"), self.login("bob2", "bob")

    def sample_ids(self) -> list[Any]:
        state = random.getstate()
        try:
            with _still_clock():
                repeated: list[Any] = []
                for _ in range(2):
                    random.seed(2024)
                    try:
                        repeated.append(self.store.create("same-user", 1000, 60))
                    except sqlite3.IntegrityError:  # the id is already taken: the same id again
                        repeated.append(repeated[0] if repeated else None)
        finally:
            random.setstate(state)
        return repeated + [self.store.create(f"user{i}", 1000, 60) for i in range(6)]


class _Unguessable(Expect):
    """Eight ids: the first two made with the clock stopped and `random` reseeded."""

    def accepts(self, outcome: Outcome) -> bool:
        ids = outcome.value
        if outcome.raised or not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
            return False
        return len(set(ids)) == len(ids) and random_bits(ids) >= 64

    def describe(self) -> str:
        return "make ids with at least 64 random bits, e.g. secrets.token_urlsafe(32) (256 bits)"

    def counterexample(self, call: str, outcome: Outcome) -> str:
        ids = outcome.value
        if outcome.raised or not isinstance(ids, list):
            return f"{call} {outcome.show()}"
        if len(set(ids)) < len(ids) and ids[0] == ids[1]:
            return (
                f"with the clock standing still and the random module reseeded, two create('same-user', "
                f"now=1000, ttl_seconds=60) calls returned the same id {short(ids[0])}: it comes from the time, "
                "the inputs or `random`, so an attacker can compute it; use secrets.token_urlsafe(32)"
            )
        if len(set(ids)) < len(ids):
            return f"create returned the same id twice: {short(ids)}"
        return (
            f"ids such as {short(ids[2])} and {short(ids[3])} differ in about {random_bits(ids)} bits; "
            "OWASP asks for at least 64 random bits"
        )


def _get(who: str, now: float = 1000) -> Callable[[_Instances], Any]:
    return lambda s: s.store.get(s.ids[who], now)


def _get_id(session_id: str) -> Callable[[_Instances], Any]:
    return lambda s: s.store.get(session_id, 1000)


def _delete_id(session_id: str) -> Callable[[_Instances], Any]:
    return lambda s: s.store.delete(session_id)


class SqliteSessions(TableExercise):
    """A session store over SQLite: create / get / delete, with expiry."""

    label = "q1"
    name = "SqliteSessions"
    hints = (
        "create: make an id with secrets.token_urlsafe(32), INSERT (id, username, "
        "now + ttl_seconds), commit, return the id. get: SELECT username WHERE id = ? AND "
        "expires_at > ?. delete: DELETE WHERE id = ? and return cursor.rowcount > 0.",
        "Pass values as parameters (`?` placeholders), never with f-strings or LIKE, and commit each "
        "write (`with self.db:` commits when the block ends) so other connections see it.",
    )

    @contextmanager
    def subject(self, answer: Any) -> Iterator[_Instances]:
        if not isinstance(answer, type):
            raise Failure(f"`SqliteSessions` should be a class, got {type(answer).__name__}")
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "sessions.sqlite")
            one, two = sqlite3.connect(path), sqlite3.connect(path)
            for connection in (one, two):  # a throwaway file: commits need not wait for the disk
                connection.execute("PRAGMA synchronous = OFF")
            try:
                try:
                    instances = _Instances(answer(one), answer(two))
                except Exception as exc:
                    raise Failure(f"SqliteSessions(db) raised {type(exc).__name__}: {exc}") from None
                yield instances
            finally:
                one.close()
                two.close()

    def cases(self) -> Sequence[Case]:
        is_str = Satisfies(lambda v: isinstance(v, str) and v != "", "return the new id (a non-empty str)")
        table = [
            Case(
                _R_CREATE,
                is_str,
                act=lambda s: s.login("alice", "alice"),
                shown="create('alice', now=1000, ttl_seconds=60)",
            ),
            Case(_R_GET, Returns("alice"), act=_get("alice"), shown="get(alice's id, now=1000)"),
            Case(_R_GET, Returns("alice"), act=_get("alice", 1059.5), shown="get(alice's id, now=1059.5)"),
            Case(
                _R_EXPIRED,
                Returns(None),
                act=_get("alice", 1060),
                shown="get(alice's id, now=1060)",
                note="the session expired at 1000 + 60",
            ),
            Case(
                _R_UNKNOWN,
                Returns(None),
                act=lambda s: s.store.get("no-such-id", 1000),
                shown="get('no-such-id', now=1000)",
            ),
        ]
        table += [
            Case(
                _R_PLACEHOLDERS,
                Returns(None),
                act=_get_id(h.value),
                shown=f"get({h.value!r}, now=1000)",
                note=f"{h.what}: alice is logged in",
            )
            for h in c.INJECTION_IDS
        ]
        table += [
            Case(
                _R_COMMIT,
                Returns("alice"),
                act=lambda s: s.other.get(s.ids["alice"], 1000),
                shown="another instance (a second connection): get(alice's id, now=1000)",
                note="did you commit?",
            ),
            Case(
                _R_SAME_SECOND,
                Satisfies(lambda ids: len(set(ids)) == 2, "return two different ids"),
                act=lambda s: s.same_second(),
                shown="create('bob', now=1000, ...) twice",
            ),
            Case(_R_SAME_SECOND, Returns("bob"), act=_get("bob"), shown="get(bob's first id, now=1000)"),
            Case(_R_SAME_SECOND, Returns("bob"), act=_get("bob2"), shown="get(bob's second id, now=1000)"),
            Case(
                _R_PLACEHOLDERS,
                Returns("o'brien"),
                act=lambda s: s.store.get(s.login("obrien", "o'brien"), 1000),
                shown='get(create("o\'brien", now=1000, ttl_seconds=60), now=1000)',
            ),
            Case(_R_UNGUESSABLE, _Unguessable(), act=lambda s: s.sample_ids(), shown="eight create() calls"),
        ]
        table += [
            Case(_R_DELETE_HOSTILE, Returns(False), act=_delete_id(h.value), shown=f"delete({h.value!r})", note=h.what)
            for h in c.INJECTION_IDS
        ]
        table += [
            Case(
                _R_DELETE_HOSTILE,
                Returns("alice"),
                act=_get("alice"),
                shown="get(alice's id, now=1000) after the hostile deletes",
                note="her session must survive them",
            ),
            Case(_R_DELETE, Returns(True), act=lambda s: s.store.delete(s.ids["alice"]), shown="delete(alice's id)"),
            Case(_R_DELETE, Returns(None), act=_get("alice"), shown="get(alice's id, now=1000) after delete"),
            Case(
                _R_COMMIT,
                Returns(None),
                act=lambda s: s.other.get(s.ids["alice"], 1000),
                shown="another instance: get(alice's id, now=1000) after delete",
                note="did you commit the delete?",
            ),
            Case(
                _R_DELETE,
                Returns(False),
                act=lambda s: s.store.delete(s.ids["alice"]),
                shown="delete(alice's id) a second time",
            ),
            Case(_R_DELETE, Returns("bob"), act=_get("bob"), shown="get(bob's id, now=1000) after deleting alice's"),
            Case(
                _R_SHARED,
                Returns(True),
                act=lambda s: s.other.delete(s.ids["bob"]),
                shown="another instance: delete(bob's id)",
            ),
            Case(
                _R_SHARED,
                Returns(None),
                act=_get("bob"),
                shown="get(bob's id, now=1000) after the other instance deleted it",
                note="bob logged out on the other instance",
            ),
        ]
        return table


# -- q2 ------------------------------------------------------------------------

_R_VALID = "return the token's sub for a valid HS256 token signed with secret"
_R_NOW = "compare exp, nbf and iat with `now`, not with the wall clock"
_R_EXP = "None once the token has expired at `now` (valid while now < exp)"
_R_NBF = "None before nbf (not yet valid at `now`)"
_R_IAT = "None for a token issued after `now` (iat > now)"
_R_SIGNATURE = "None for a bad signature: an edited payload, another secret"
_R_ALGORITHM = "HS256 only: None for alg none and for any other algorithm, even signed with the right secret"
_R_REQUIRED = "None for a token without exp or without sub"
_R_NEVER_RAISES = "never raise: None for anything that is not a valid token, odd claim values included"
_R_NUMBER = (
    "None for a time claim (exp, nbf or iat) that is not a number: a string, NaN, true (a bool is no NumericDate)"
)

_CLAIMS: dict[str, Any] = {"sub": "alice", "iat": NOW - 60, "exp": NOW + 900}


def _token(key: str = SECRET, algorithm: str = "HS256", **claims: Any) -> str:
    payload = {**_CLAIMS, **claims}
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, key, algorithm=algorithm)


def _tampered() -> str:
    header, _, signature = _token().split(".")
    body = c.b64url(b'{"sub":"mallory","iat":1767225540,"exp":1767226500}')
    return f"{header}.{body}.{signature}"


_Y2100, _Y2101 = 4_102_444_800, 4_133_980_800


class ValidateJwt(TableExercise):
    """Validate an HS256 token at a given time; return its user or None, never raise."""

    label = "q2"
    name = "validate_jwt"
    hints = (
        "jwt.decode(token, secret, algorithms=['HS256'], options=...) checks the signature and the "
        "algorithm; catch jwt.PyJWTError (every PyJWT error, InvalidKeyError included) and return None.",
        "PyJWT compares exp, nbf and iat with the wall clock. To use `now`, pass "
        "options={'require': ['exp', 'sub'], 'verify_exp': False, 'verify_nbf': False, 'verify_iat': False}, "
        "then check the three yourself: each must be a number (not a str or a bool), and "
        "nbf <= now < exp and iat <= now.",
    )

    def cases(self) -> Sequence[Case]:
        def case(
            requirement: str, token: str, what: str, expected: str | None = None, *, now: float = NOW, note: str = ""
        ) -> Case:
            when = "NOW" if now == NOW else f"now={now:.0f}"
            return Case(
                requirement,
                Returns(expected),
                (token, SECRET, now),
                shown=f"validate_jwt(<{what}>, SECRET, {when})",
                note=note,
            )

        good = _token()
        table = [
            case(_R_VALID, _token(exp=_Y2100), "a valid token, exp in 2100", "alice"),
            case(_R_VALID, _token(sub="bob", exp=_Y2100), "a valid token for bob", "bob"),
            case(_R_VALID, _token(nbf=NOW - 60, exp=_Y2100), "a valid token with nbf a minute before NOW", "alice"),
            case(_R_VALID, _token(iat=NOW, exp=_Y2100), "a valid token issued at NOW", "alice"),
            case(
                _R_NOW,
                _token(iat=1_577_836_000, exp=1_577_840_000),
                "a token from 2020 (exp 00:53 UTC)",
                "alice",
                now=1_577_836_800,
                note="at 00:00 it was still valid",
            ),
            case(
                _R_NOW,
                _token(iat=_Y2100, nbf=_Y2100, exp=_Y2101 + 60),
                "a token issued for 2100 (iat and nbf in 2100)",
                "alice",
                now=_Y2101,
                note="in 2101 it is valid",
            ),
            case(_R_NOW, good, "a token that expires 15 minutes after NOW", "alice"),
            case(_R_EXP, good, "the token at exp + 1 s", now=NOW + 901),
            case(_R_EXP, good, "the token exactly at exp", now=NOW + 900, note="valid only while now < exp"),
            case(
                _R_EXP,
                _token(exp=_Y2100),
                "a token valid by the wall clock, exp in 2100",
                now=_Y2101,
                note="expired at `now`",
            ),
            case(_R_NBF, _token(nbf=NOW + 60), "a token with nbf a minute after NOW"),
            case(_R_IAT, _token(iat=NOW + 3600), "a token issued an hour after NOW"),
            case(_R_SIGNATURE, _token(key=_OTHER_SECRET), "a token signed with another secret"),
            case(_R_SIGNATURE, _tampered(), "a token whose payload was edited after signing (sub=mallory)"),
        ]
        table += [case(_R_ALGORITHM, h.value, h.what) for h in c.alg_none({**_CLAIMS, "sub": "mallory"}, good)]
        table += [
            case(_R_ALGORITHM, h.value, h.what) for h in c.alg_confusion(_CLAIMS, secret=SECRET, expected="HS256")
        ]
        table += [
            case(_R_REQUIRED, jwt.encode(h.value, SECRET, algorithm="HS256"), h.what)
            for h in c.without_each(_CLAIMS, ("exp", "sub"))
        ]
        table += [
            case(_R_NEVER_RAISES, _token(exp=str(NOW - 60)), 'a token whose exp is the string "<NOW - 60>"'),
            case(_R_NUMBER, _token(exp=math.nan), "a token whose exp is NaN"),
            case(_R_NUMBER, _token(exp=True), "a token whose exp is true"),
            case(
                _R_NUMBER,
                _token(nbf=math.nan, exp=_Y2100),
                "a token whose nbf is NaN",
                note="NaN > now is False, so a bare `nbf > now` test lets it through",
            ),
            case(
                _R_NUMBER,
                _token(nbf=True, exp=_Y2100),
                "a token whose nbf is true",
                note="true is a bool, not a NumericDate, although Python treats it as 1",
            ),
            case(_R_NUMBER, _token(iat=math.nan, exp=_Y2100), "a token whose iat is NaN"),
            case(_R_NUMBER, _token(iat=False, exp=_Y2100), "a token whose iat is false"),
            case(_R_NEVER_RAISES, _token(nbf="soon"), 'a token whose nbf is "soon"'),
            case(_R_NEVER_RAISES, _token(iat=[NOW]), "a token whose iat is a list"),
            case(_R_NEVER_RAISES, "not.a.token", "'not.a.token'"),
            case(_R_NEVER_RAISES, "", "an empty string"),
            case(_R_NEVER_RAISES, good + "." + good, "two tokens glued together"),
        ]
        table.append(
            Case(
                _R_NEVER_RAISES,
                Satisfies(lambda v: v in (None, "alice"), "return None (or 'alice', reading the string as a number)"),
                (_token(exp=str(NOW + 900)), SECRET, NOW),
                shown='validate_jwt(<a token whose exp is the string "<NOW + 900>">, SECRET, NOW)',
            )
        )
        table.append(case(_R_VALID, _token(exp=10**20), "a token with exp = 10**20 (far future)", "alice"))
        return table


# -- q3 ------------------------------------------------------------------------

#: The expected table, written out: (auth, store, instances, denylist) -> the three answers.
SEED_TABLE: dict[tuple[str, str, int, bool], tuple[bool, bool, bool]] = {
    #                                     server_state, works_behind_load_balancer, instant_logout
    ("session", "memory", 3, False): (True, False, True),
    ("session", "shared", 3, False): (True, True, True),
    ("session", "memory", 1, False): (True, True, True),
    ("session", "shared", 1, False): (True, True, True),
    ("session", "memory", 2, False): (True, False, True),
    ("jwt", "memory", 3, False): (False, True, False),
    ("jwt", "memory", 3, True): (True, True, False),
    ("jwt", "shared", 3, False): (False, True, False),
    ("jwt", "shared", 3, True): (True, True, True),
    ("jwt", "memory", 1, False): (False, True, False),
    ("jwt", "memory", 1, True): (True, True, True),
    ("jwt", "shared", 1, False): (False, True, False),
    ("jwt", "shared", 1, True): (True, True, True),
    ("jwt", "memory", 2, True): (True, True, False),
}
_KEYS = ("server_state", "works_behind_load_balancer", "instant_logout")
_MEANING = {
    "server_state": "server_state: the server keeps per-user state",
    "works_behind_load_balancer": (
        "works_behind_load_balancer: a logged-in user stays logged in whichever instance answers"
    ),
    "instant_logout": "instant_logout: after a logout, the credential is refused on every instance at once",
}
_WHY = {
    ("session", "server_state"): "a session is a row on the server, wherever the store is",
    ("jwt", "server_state"): "a bare JWT keeps nothing on the server; a denylist is server state",
    ("session", "works_behind_load_balancer"): (
        "with one instance there is nobody else to ask; with several, only a shared store lets "
        "every instance find the session"
    ),
    ("jwt", "works_behind_load_balancer"): "every instance with the secret can check the signature",
    ("session", "instant_logout"): (
        "the logout reaches the instance that holds the row, as the exercise assumes, and deleting "
        "it ends the session at once; an instance that never had the row refuses it anyway"
    ),
    ("jwt", "instant_logout"): (
        "without a denylist a JWT lives until exp; with one per instance in memory, the other "
        "instances never hear of the logout"
    ),
}


@dataclass(frozen=True)
class _Answer(Expect):
    """The dict's ``key`` is the bool ``value``."""

    key: str
    value: bool

    def accepts(self, outcome: Outcome) -> bool:
        got = outcome.value
        return not outcome.raised and isinstance(got, dict) and got.get(self.key) is self.value

    def describe(self) -> str:
        return f"be {self.value}"

    def counterexample(self, call: str, outcome: Outcome) -> str:
        if outcome.raised or not isinstance(outcome.value, dict):
            return f"{call.split('[')[0]} {outcome.show()}; expected a dict"
        got = outcome.value.get(self.key, "missing")
        return f"{call} is {got!r}; expected it to {self.describe()}"


class SeedTable(TableExercise):
    """The seed's table rows, answered per architecture instead of per technology."""

    label = "q3"
    name = "seed_table"
    hints = (
        "Start with auth == 'session': server_state is always True; it works behind a load "
        "balancer when there is one instance or the store is shared; deleting a row is an "
        "instant logout.",
        "For auth == 'jwt': server_state only with a denylist; it always works behind a load "
        "balancer; instant logout needs a denylist that every instance sees (one instance, or a "
        "shared store).",
    )

    def cases(self) -> Sequence[Case]:
        shape = Satisfies(
            lambda got: isinstance(got, dict) and set(_KEYS) <= set(got), "return a dict with the three keys"
        )
        booleans = Satisfies(
            lambda got: all(type(got[k]) is bool for k in _KEYS),
            "return True or False for each key (a real bool, not 'yes', 1 or None)",
        )
        table = [Case("return a dict with the keys " + ", ".join(_KEYS), shape, ("session", "memory", 3, False))]
        table += [Case("return three booleans", booleans, args) for args in SEED_TABLE]
        for args, answers in SEED_TABLE.items():
            for key, value in zip(_KEYS, answers, strict=True):
                table.append(
                    Case(
                        _MEANING[key],
                        _Answer(key, value),
                        args,
                        shown=f"seed_table{args}[{key!r}]",
                        note=_WHY[(args[0], key)],
                    )
                )
        return table


q1 = SqliteSessions()
q2 = ValidateJwt()
q3 = SeedTable()
