"""Chapter 02: a SQLite session store, a JWT validator, and the seed's table per architecture.

q1 runs the learner's store class against real SQLite connections (two connections on
one temporary file for the shared-store case); q2 calls the learner's validator with
crafted tokens and a fixed ``now``; q3 compares the learner's table with the model
answer for every architecture.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import tempfile
from typing import Any

import jwt

from . import Exercise, Failure

__all__ = ["NOW", "SECRET", "SESSIONS_SCHEMA", "q1", "q2", "q3"]

#: The table q1's store works on (the exercise notebook creates it in ``__init__``).
SESSIONS_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS sessions ("
    " id TEXT PRIMARY KEY, username TEXT NOT NULL, expires_at REAL NOT NULL)"
)
#: q2's shared secret: 72 bytes, enough even for the HS512 case (RFC 7518 §3.2).
SECRET = "chapter-02-exercise-secret-" + "0123456789abcdef" * 2 + "-long-enough!"
#: q2's fixed "current time".
NOW = 1_767_225_600  # 2026-01-01 00:00:00 UTC

_OTHER_SECRET = "another-secret-that-is-at-least-32-bytes"


def _short(value: Any) -> str:
    if isinstance(value, str) and len(value) > 40:
        return repr(value[:30] + "...")
    return repr(value)


# -- q1 ------------------------------------------------------------------------


class SqliteSessions(Exercise):
    """A session store over SQLite: create / get / delete, with expiry."""

    label = "q1"
    name = "SqliteSessions"
    hints = (
        "create: make an id with secrets.token_urlsafe(32), INSERT (id, username, "
        "now + ttl_seconds), commit, return the id. get: SELECT username WHERE id = ? AND "
        "expires_at > ?. delete: DELETE WHERE id = ? and return cursor.rowcount > 0.",
        "Pass values as parameters (`?` placeholders), never with f-strings, and commit each "
        "write (`with self.db:` commits when the block ends) so other connections see it.",
    )
    solution_code = '''
class SqliteSessions:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.db.execute(SESSIONS_SCHEMA)

    def create(self, username: str, now: float, ttl_seconds: float) -> str:
        session_id = secrets.token_urlsafe(32)
        with self.db:  # commits, so every other connection sees the new row
            self.db.execute(
                "INSERT INTO sessions (id, username, expires_at) VALUES (?, ?, ?)",
                (session_id, username, now + ttl_seconds),
            )
        return session_id

    def get(self, session_id: str, now: float) -> str | None:
        row = self.db.execute(
            "SELECT username FROM sessions WHERE id = ? AND expires_at > ?", (session_id, now)
        ).fetchone()
        return None if row is None else row[0]

    def delete(self, session_id: str) -> bool:
        with self.db:
            cursor = self.db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        return cursor.rowcount > 0
'''

    def verify(self, answer: Any) -> None:
        if not isinstance(answer, type):
            raise Failure(f"expected a class, got {type(answer).__name__}")
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "sessions.sqlite")
            one, two = sqlite3.connect(path), sqlite3.connect(path)
            try:
                self._verify(answer, one, two)
            finally:
                one.close()
                two.close()

    def _verify(self, cls: type, one: sqlite3.Connection, two: sqlite3.Connection) -> None:
        try:
            store, other = cls(one), cls(two)
        except Exception as exc:
            raise Failure(f"{cls.__name__}(db) raised {type(exc).__name__}: {exc}") from None
        sid = self.call(store.create, "alice", 1000, 60)
        if not isinstance(sid, str):
            raise Failure(f"create('alice', 1000, 60) returned {sid!r}; expected an id (a str)")
        self._unguessable(store, sid)
        self.expect_equal(
            "get(id, now=1000) right after create('alice', now=1000, ttl_seconds=60)",
            store.get(sid, 1000),
            "alice",
        )
        self.expect_equal("get(id, now=1059) (before expiry)", store.get(sid, 1059), "alice")
        self.expect_equal(
            "get(id, now=1060) (the session expired at 1000 + 60)", store.get(sid, 1060), None
        )
        self.expect_equal("get('no-such-id', now=1000)", store.get("no-such-id", 1000), None)
        injected = "' OR '1'='1"
        self.expect_equal(
            f"get({injected!r}, now=1000) (SQL injection: use ? placeholders)",
            store.get(injected, 1000),
            None,
        )
        bob = self.call(store.create, "bob", 1000, 60)
        self.expect_equal(
            "get(bob's id) after creating alice's and bob's sessions", store.get(bob, 1000), "bob"
        )
        self.expect_equal(
            "a second store on another connection to the same file: get(alice's id, now=1000) "
            "(did you commit?)",
            other.get(sid, 1000),
            "alice",
        )
        self.expect_equal("delete(alice's id)", store.delete(sid), True)
        self.expect_equal("get(alice's id) after delete", store.get(sid, 1000), None)
        self.expect_equal(
            "the other connection: get(alice's id) after delete (did you commit?)",
            other.get(sid, 1000),
            None,
        )
        self.expect_equal("delete(alice's id) a second time", store.delete(sid), False)
        self.expect_equal("get(bob's id) after deleting alice's", store.get(bob, 1000), "bob")

    def _unguessable(self, store: Any, first: str) -> None:
        ids = [first] + [self.call(store.create, f"user{i}", 1000, 60) for i in range(3)]
        if len(set(ids)) < len(ids):
            raise Failure(f"create returned the same id twice: {_short(ids[0])}")
        if any(len(i) < 22 for i in ids):
            short = next(i for i in ids if len(i) < 22)
            raise Failure(
                f"create returned the id {short!r} ({len(short)} characters): too short to be "
                "unguessable. OWASP asks for at least 64 bits of randomness; "
                "secrets.token_urlsafe(32) gives 256"
            )
        if all(i.isdigit() for i in ids):
            raise Failure(
                f"create returned the ids {ids}: numbers can be guessed; "
                "use secrets.token_urlsafe(32)"
            )


# -- q2 ------------------------------------------------------------------------


def _token(key: str = SECRET, algorithm: str = "HS256", **claims: Any) -> str:
    payload: dict[str, Any] = {"sub": "alice", "iat": NOW - 60, "exp": NOW + 900}
    payload.update(claims)
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, key, algorithm=algorithm)


def _alg_none() -> str:
    header = jwt.utils.base64url_encode(b'{"alg":"none","typ":"JWT"}').decode()
    body = jwt.utils.base64url_encode(b'{"sub":"mallory","exp":4102444800}').decode()
    return f"{header}.{body}."


def _tampered() -> str:
    header, _, signature = _token().split(".")
    edited = b'{"sub":"mallory","iat":1767225540,"exp":1767226500}'
    body = jwt.utils.base64url_encode(edited).decode()
    return f"{header}.{body}.{signature}"


def _q2_cases() -> list[tuple[str, str, int, str | None]]:
    """(description, token, now, expected user)."""
    return [
        # first: valid both at `now` and by the wall clock, so only a stub returns None
        ("a valid token", _token(exp=4_102_444_800), NOW, "alice"),
        (
            "a token from 2020 (exp 2020-01-01 00:53 UTC) checked at now=2020-01-01 00:00, when "
            "it was still valid (compare exp with `now`, not with the wall clock)",
            _token(iat=1_577_836_000, exp=1_577_840_000),
            1_577_836_800,
            "alice",
        ),
        ("a valid token that expires 15 minutes after `now`", _token(), NOW, "alice"),
        ("a valid token for bob", _token(sub="bob"), NOW, "bob"),
        ("a token one second after exp", _token(), NOW + 901, None),
        ("a token exactly at exp (expired: valid only while now < exp)", _token(), NOW + 900, None),
        (
            "a token valid by the wall clock but expired at `now` (exp in 2100, now in 2101)",
            _token(exp=4_102_444_800),
            4_133_980_800,
            None,
        ),
        ("a token signed with another secret", _token(key=_OTHER_SECRET), NOW, None),
        ("a token whose payload was edited after signing (sub=mallory)", _tampered(), NOW, None),
        ("an alg=none token (no signature)", _alg_none(), NOW, None),
        ("an HS512 token (only HS256 is allowed)", _token(algorithm="HS512"), NOW, None),
        ("a token without exp (it would never expire)", _token(exp=None), NOW, None),
        ("a token without sub (no user)", _token(sub=None), NOW, None),
        ("garbage instead of a token", "not.a.token", NOW, None),
        ("an empty string", "", NOW, None),
    ]


class ValidateJwt(Exercise):
    """Validate an HS256 token at a given time; return its user or None."""

    label = "q2"
    name = "validate_jwt"
    hints = (
        "jwt.decode(token, secret, algorithms=['HS256'], options=...) checks the signature; "
        "catch jwt.InvalidTokenError and return None.",
        "PyJWT compares exp with the wall clock. To use `now`, pass "
        "options={'require': ['exp', 'sub'], 'verify_exp': False} "
        "and then return None unless now < claims['exp'].",
    )
    solution_code = '''
def validate_jwt(token: str, secret: str, now: float) -> str | None:
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"],
            options={"require": ["exp", "sub"], "verify_exp": False},
        )
    except jwt.InvalidTokenError:
        return None
    if not now < claims["exp"]:  # expired at `now`
        return None
    return claims["sub"]
'''

    def verify(self, answer: Any) -> None:
        cases = _q2_cases()
        _, good, now, expected = cases[0]
        got = self.call(answer, good, SECRET, now)  # None here means "not solved yet"
        self.expect_equal("validate_jwt(a valid token, SECRET, NOW)", got, expected)
        for description, token, now, expected in cases[1:]:
            try:
                got = answer(token, SECRET, now)
            except Exception as exc:
                raise Failure(
                    f"for {description}, validate_jwt raised {type(exc).__name__}: {exc}. "
                    "Return None for a bad token instead of raising"
                ) from None
            if got != expected:
                raise Failure(
                    f"for {description}, validate_jwt returned {_short(got)}, expected {expected!r}"
                )


# -- q3 ------------------------------------------------------------------------

_AUTHS = ("session", "jwt")
_STORES = ("memory", "shared")
_INSTANCES = (3, 1)  # several instances first: the instructive cases


def seed_table_model(auth: str, store: str, instances: int, denylist: bool) -> dict[str, bool]:
    """The model answer of q3."""
    if auth == "session":
        return {
            "server_state": True,
            "works_behind_load_balancer": instances == 1 or store == "shared",
            "instant_logout": True,
        }
    return {
        "server_state": denylist,
        "works_behind_load_balancer": True,
        "instant_logout": denylist and (instances == 1 or store == "shared"),
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
        "deleting the row ends the session at once (an instance that never had the row "
        "refuses it anyway)"
    ),
    ("jwt", "instant_logout"): (
        "without a denylist a JWT lives until exp; with one per instance in memory, the other "
        "instances never hear of the logout"
    ),
}


class SeedTable(Exercise):
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
    solution_code = '''
def seed_table(auth: str, store: str, instances: int, denylist: bool) -> dict:
    if auth == "session":
        return {
            "server_state": True,
            "works_behind_load_balancer": instances == 1 or store == "shared",
            "instant_logout": True,
        }
    return {
        "server_state": denylist,
        "works_behind_load_balancer": True,
        "instant_logout": denylist and (instances == 1 or store == "shared"),
    }
'''

    def verify(self, answer: Any) -> None:
        combos = itertools.product(_AUTHS, _INSTANCES, _STORES, (False, True))
        for auth, instances, store, denylist in combos:
            if auth == "session" and denylist:
                continue  # a denylist is a JWT idea
            args = (auth, store, instances, denylist)
            got = self.call(answer, *args)
            if not isinstance(got, dict):
                raise Failure(f"seed_table{args} returned {_short(got)}; expected a dict")
            expected = seed_table_model(*args)
            for key, value in expected.items():
                if key not in got:
                    raise Failure(f"seed_table{args} has no key {key!r}")
                if got[key] != value:
                    raise Failure(
                        f"seed_table{args}[{key!r}] is {got[key]!r}, expected {value!r}: "
                        f"{_WHY[(auth, key)]}"
                    )


q1 = SqliteSessions()
q2 = ValidateJwt()
q3 = SeedTable()
