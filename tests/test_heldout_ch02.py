"""Held-out corpus, chapter 02: learner answers written from the exercise text alone, by someone
who had not read the checkers. Each wrong answer must be refused naming the requirement it breaks;
each right one (in a style unlike the model answer) must pass.
"""

from __future__ import annotations

import hashlib
import math
import random
import secrets
import sqlite3
import time
import uuid

import heldout
import jwt
import pytest

from jwt_course.checks import ch02
from jwt_course.checks.ch02 import SESSIONS_SCHEMA


# ---------------------------------------------------------------- q1 SqliteSessions
class Good:
    """A correct base the wrong ones change one method of."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.db.execute(SESSIONS_SCHEMA)

    def new_id(self, username: str, now: float) -> str:
        return secrets.token_urlsafe(32)

    def create(self, username: str, now: float, ttl_seconds: float) -> str:
        sid = self.new_id(username, now)
        with self.db:
            self.db.execute(
                "INSERT INTO sessions (id, username, expires_at) VALUES (?, ?, ?)", (sid, username, now + ttl_seconds)
            )
        return sid

    def get(self, session_id: str, now: float) -> str | None:
        row = self.db.execute(
            "SELECT username FROM sessions WHERE id = ? AND expires_at > ?", (session_id, now)
        ).fetchone()
        return row[0] if row else None

    def delete(self, session_id: str) -> bool:
        with self.db:
            cur = self.db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        return cur.rowcount > 0


class Q1FStringDelete(Good):
    def delete(self, session_id: str) -> bool:
        with self.db:
            cur = self.db.execute(f"DELETE FROM sessions WHERE id = '{session_id}'")
        return cur.rowcount > 0


class Q1LikeGet(Good):
    def get(self, session_id: str, now: float) -> str | None:
        row = self.db.execute(
            "SELECT username FROM sessions WHERE id LIKE ? AND expires_at > ?", (session_id, now)
        ).fetchone()
        return row[0] if row else None


class Q1HashId(Good):
    def new_id(self, username: str, now: float) -> str:
        return hashlib.sha256(f"{username}:{now}".encode()).hexdigest()


class Q1Uuid1(Good):
    def new_id(self, username: str, now: float) -> str:
        return str(uuid.uuid1())


class Q1RandomModule(Good):
    def new_id(self, username: str, now: float) -> str:
        return "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(32))


class Q1ShortToken(Good):
    def new_id(self, username: str, now: float) -> str:
        return secrets.token_hex(4)


class Q1NoCommit(Good):
    def create(self, username: str, now: float, ttl_seconds: float) -> str:
        sid = secrets.token_urlsafe(32)
        self.db.execute("INSERT INTO sessions VALUES (?, ?, ?)", (sid, username, now + ttl_seconds))
        return sid


class Q1InclusiveExpiry(Good):
    def get(self, session_id: str, now: float) -> str | None:
        row = self.db.execute(
            "SELECT username FROM sessions WHERE id = ? AND expires_at >= ?", (session_id, now)
        ).fetchone()
        return row[0] if row else None


class Q1WallClock(Good):
    def get(self, session_id: str, now: float) -> str | None:
        row = self.db.execute("SELECT username, expires_at FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None or row[1] <= time.time():
            return None
        return row[0]


class Q1DeleteAlwaysTrue(Good):
    def delete(self, session_id: str) -> bool:
        with self.db:
            self.db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        return True


class Q1FStringInsert(Good):
    def create(self, username: str, now: float, ttl_seconds: float) -> str:
        sid = secrets.token_urlsafe(32)
        with self.db:
            self.db.execute(f"INSERT INTO sessions VALUES ('{sid}', '{username}', {now + ttl_seconds})")
        return sid


class Q1TimeSeeded(Good):
    def new_id(self, username: str, now: float) -> str:
        rng = random.Random(now)
        return "%032x" % rng.getrandbits(128)


class Q1TokenHex8(Good):
    """64 random bits, exactly the minimum the text asks for."""

    def new_id(self, username: str, now: float) -> str:
        return secrets.token_hex(8)


class Q1Uuid4:
    """uuid4 (122 bits from os.urandom), expiry checked in Python, delete via changes()."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.db.execute(SESSIONS_SCHEMA)

    def create(self, username: str, now: float, ttl_seconds: float) -> str:
        session_id = str(uuid.uuid4())
        self.db.execute(
            "INSERT INTO sessions(id, username, expires_at) VALUES (:id, :u, :e)",
            {"id": session_id, "u": username, "e": now + ttl_seconds},
        )
        self.db.commit()
        return session_id

    def get(self, session_id: str, now: float) -> str | None:
        for username, expires_at in self.db.execute(
            "SELECT username, expires_at FROM sessions WHERE id = :id", {"id": session_id}
        ):
            if now < expires_at:
                return username
        return None

    def delete(self, session_id: str) -> bool:
        self.db.execute("DELETE FROM sessions WHERE id = :id", {"id": session_id})
        removed = self.db.execute("SELECT changes()").fetchone()[0]
        self.db.commit()
        return removed == 1


class Q1SecretsNamed:
    """token_urlsafe default size, try/commit style."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.db.execute(SESSIONS_SCHEMA)

    def create(self, username: str, now: float, ttl_seconds: float) -> str:
        while True:
            sid = secrets.token_urlsafe()
            try:
                with self.db:
                    self.db.execute("INSERT INTO sessions VALUES (?,?,?)", (sid, username, now + ttl_seconds))
                return sid
            except sqlite3.IntegrityError:
                continue

    def get(self, session_id: str, now: float) -> str | None:
        cur = self.db.execute("SELECT username FROM sessions WHERE id=? AND ?<expires_at", (session_id, now))
        row = cur.fetchone()
        if row is None:
            return None
        return row[0]

    def delete(self, session_id: str) -> bool:
        with self.db:
            return bool(self.db.execute("DELETE FROM sessions WHERE id=?", (session_id,)).rowcount)


# ---------------------------------------------------------------- q2 validate_jwt
def q2_w_wall_clock(token: str, secret: str, now: float) -> str | None:
    try:
        return jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp", "sub"]})["sub"]
    except jwt.PyJWTError:
        return None


def q2_w_all_hs(token: str, secret: str, now: float) -> str | None:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256", "HS384", "HS512"],
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "require": ["exp", "sub"]},
        )
    except jwt.PyJWTError:
        return None
    for name in ("exp", "nbf", "iat"):
        if name in claims and (
            isinstance(claims[name], bool) or not isinstance(claims[name], (int, float)) or math.isnan(claims[name])
        ):
            return None
    if claims["exp"] <= now or claims.get("nbf", now) > now or claims.get("iat", now) > now:
        return None
    return claims["sub"]


def q2_w_alg_from_header(token: str, secret: str, now: float) -> str | None:
    try:
        alg = jwt.get_unverified_header(token)["alg"]
        claims = jwt.decode(
            token,
            secret,
            algorithms=[alg],
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "require": ["exp", "sub"]},
        )
        if not isinstance(claims["exp"], (int, float)) or claims["exp"] <= now:
            return None
        if claims.get("nbf", 0) > now or claims.get("iat", 0) > now:
            return None
        return claims["sub"]
    except Exception:
        return None


def q2_w_missing_exp_ok(token: str, secret: str, now: float) -> str | None:
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], options={"verify_exp": False, "verify_nbf": False, "verify_iat": False}
        )
        if claims.get("exp", now + 1) <= now:
            return None
        if claims.get("nbf", now) > now or claims.get("iat", now) > now:
            return None
        return claims.get("sub")
    except (jwt.PyJWTError, TypeError):
        return None


def q2_w_exp_lt(token: str, secret: str, now: float) -> str | None:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "require": ["exp", "sub"]},
        )
        if claims["exp"] < now or claims.get("nbf", now) > now or claims.get("iat", now) > now:
            return None
        return claims["sub"]
    except (jwt.PyJWTError, TypeError):
        return None


def q2_w_exp_only(token: str, secret: str, now: float) -> str | None:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "require": ["exp", "sub"]},
        )
        if claims["exp"] <= now:
            return None
        return claims["sub"]
    except (jwt.PyJWTError, TypeError):
        return None


def q2_w_raises_on_string(token: str, secret: str, now: float) -> str | None:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "require": ["exp", "sub"]},
        )
    except jwt.PyJWTError:
        return None
    if claims["exp"] <= now or claims.get("nbf", now) > now or claims.get("iat", now) > now:
        return None
    return claims["sub"]


def q2_w_leeway_trick(token: str, secret: str, now: float) -> str | None:
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], leeway=time.time() - now, options={"require": ["exp", "sub"]}
        )
        return claims["sub"]
    except jwt.PyJWTError:
        return None


def q2_w_bool_and_nan(token: str, secret: str, now: float) -> str | None:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "require": ["exp", "sub"]},
        )
    except jwt.PyJWTError:
        return None
    for name in ("exp", "nbf", "iat"):
        if name in claims and not isinstance(claims[name], (int, float)):
            return None
    if claims["exp"] <= now or claims.get("nbf", now) > now or claims.get("iat", now) > now:
        return None
    return claims["sub"]


def q2_w_returns_claims(token: str, secret: str, now: float) -> str | None:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "require": ["exp", "sub"]},
        )
    except jwt.PyJWTError:
        return None
    if type(claims["exp"]) not in (int, float) or not math.isfinite(claims["exp"]) or claims["exp"] <= now:
        return None
    return claims  # type: ignore[return-value]


def _number(value: object) -> bool:
    return type(value) in (int, float) and math.isfinite(value)  # type: ignore[arg-type]


def q2_r_manual(token: str, secret: str, now: float) -> str | None:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "require": ["exp", "sub"]},
        )
    except jwt.PyJWTError:
        return None
    times = {name: claims[name] for name in ("exp", "nbf", "iat") if name in claims}
    if not all(_number(v) for v in times.values()):
        return None
    if not now < times["exp"]:
        return None
    if times.get("nbf", -math.inf) > now or times.get("iat", -math.inf) > now:
        return None
    return claims["sub"]


def q2_r_handmade_style(token: str, secret: str, now: float) -> str | None:
    try:
        if jwt.get_unverified_header(token).get("alg") != "HS256":
            return None
        payload = jwt.decode(
            token,
            key=secret,
            algorithms=["HS256"],
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except jwt.PyJWTError:
        return None
    exp, nbf, iat, sub = (payload.get(k) for k in ("exp", "nbf", "iat", "sub"))
    if sub is None or exp is None:
        return None
    for value in (exp, nbf, iat):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or math.isinf(value)
        ):
            return None
    if exp <= now:
        return None
    if nbf is not None and nbf > now:
        return None
    if iat is not None and iat > now:
        return None
    return sub


# ---------------------------------------------------------------- q3 seed_table
def q3_w_literal(auth: str, store: str, instances: int, denylist: bool) -> dict:
    is_jwt = auth == "jwt"
    return {"server_state": not is_jwt, "works_behind_load_balancer": is_jwt, "instant_logout": not is_jwt}


def q3_w_ignores_instances(auth: str, store: str, instances: int, denylist: bool) -> dict:
    if auth == "session":
        return {"server_state": True, "works_behind_load_balancer": store == "shared", "instant_logout": True}
    return {
        "server_state": denylist,
        "works_behind_load_balancer": True,
        "instant_logout": denylist and store == "shared",
    }


def q3_w_jwt_stateless(auth: str, store: str, instances: int, denylist: bool) -> dict:
    shared = store == "shared" or instances == 1
    if auth == "session":
        return {"server_state": True, "works_behind_load_balancer": shared, "instant_logout": True}
    return {"server_state": False, "works_behind_load_balancer": True, "instant_logout": denylist and shared}


def q3_w_denylist_is_enough(auth: str, store: str, instances: int, denylist: bool) -> dict:
    shared = store == "shared" or instances == 1
    if auth == "session":
        return {"server_state": True, "works_behind_load_balancer": shared, "instant_logout": True}
    return {"server_state": denylist, "works_behind_load_balancer": True, "instant_logout": denylist}


def q3_w_session_logout_always(auth: str, store: str, instances: int, denylist: bool) -> dict:
    shared = store == "shared" or instances == 1
    if auth == "session":
        return {"server_state": True, "works_behind_load_balancer": shared, "instant_logout": True}
    return {"server_state": denylist, "works_behind_load_balancer": True, "instant_logout": denylist and shared}


def q3_w_strings(auth: str, store: str, instances: int, denylist: bool) -> dict:
    shared = store == "shared" or instances == 1
    yes = lambda b: "yes" if b else "no"  # noqa: E731
    if auth == "session":
        return {"server_state": "yes", "works_behind_load_balancer": yes(shared), "instant_logout": yes(shared)}
    return {
        "server_state": yes(denylist),
        "works_behind_load_balancer": "yes",
        "instant_logout": yes(denylist and shared),
    }


def q3_w_jwt_lb_needs_shared(auth: str, store: str, instances: int, denylist: bool) -> dict:
    shared = store == "shared" or instances == 1
    if auth == "session":
        return {"server_state": True, "works_behind_load_balancer": shared, "instant_logout": True}
    return {
        "server_state": denylist,
        "works_behind_load_balancer": shared or not denylist,
        "instant_logout": denylist and shared,
    }


def q3_w_jwt_state_from_store(auth: str, store: str, instances: int, denylist: bool) -> dict:
    shared = store == "shared" or instances == 1
    if auth == "session":
        return {"server_state": True, "works_behind_load_balancer": shared, "instant_logout": True}
    return {
        "server_state": store == "shared",
        "works_behind_load_balancer": True,
        "instant_logout": denylist and shared,
    }


def q3_r_explicit(auth: str, store: str, instances: int, denylist: bool) -> dict:
    one_view = store == "shared" or instances == 1
    if auth == "session":
        state, works, logout = True, one_view, one_view
    else:
        state = denylist
        works = True
        logout = denylist and one_view
    return {"server_state": state, "works_behind_load_balancer": works, "instant_logout": logout}


def q3_r_expression(auth: str, store: str, instances: int, denylist: bool) -> dict:
    every_instance_sees_rows = store == "shared" or instances <= 1
    keeps_rows = auth == "session" or bool(denylist)
    return {
        "server_state": keeps_rows,
        "works_behind_load_balancer": auth == "jwt" or every_instance_sees_rows,
        "instant_logout": keeps_rows and every_instance_sees_rows,
    }


def q3_r_explicit_fixed(auth: str, store: str, instances: int, denylist: bool) -> dict:
    one_view = store == "shared" or instances == 1
    if auth == "session":
        state, works, logout = True, one_view, True
    else:
        state = denylist
        works = True
        logout = denylist and one_view
    return {"server_state": state, "works_behind_load_balancer": works, "instant_logout": logout}


def q3_r_expression_fixed(auth: str, store: str, instances: int, denylist: bool) -> dict:
    every_instance_sees_rows = store == "shared" or instances <= 1
    session = auth == "session"
    return {
        "server_state": session or bool(denylist),
        "works_behind_load_balancer": not session or every_instance_sees_rows,
        "instant_logout": session or (bool(denylist) and every_instance_sees_rows),
    }


def q2_w_exp_type_only(token: str, secret: str, now: float) -> str | None:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "require": ["exp", "sub"]},
        )
    except jwt.PyJWTError:
        return None
    exp = claims["exp"]
    if isinstance(exp, bool) or not isinstance(exp, (int, float)) or math.isnan(exp) or exp <= now:
        return None
    try:
        if claims.get("nbf", now) > now or claims.get("iat", now) > now:
            return None
    except TypeError:
        return None
    return claims["sub"]


class Q1InstanceCache(Good):
    """Caches logins in memory: a logout on another instance never reaches this cache."""

    def __init__(self, db: sqlite3.Connection) -> None:
        super().__init__(db)
        self.cache: dict[str, tuple[str, float]] = {}

    def create(self, username: str, now: float, ttl_seconds: float) -> str:
        sid = super().create(username, now, ttl_seconds)
        self.cache[sid] = (username, now + ttl_seconds)
        return sid

    def get(self, session_id: str, now: float) -> str | None:
        if session_id in self.cache:
            username, expires_at = self.cache[session_id]
            return username if now < expires_at else None
        return super().get(session_id, now)

    def delete(self, session_id: str) -> bool:
        self.cache.pop(session_id, None)
        return super().delete(session_id)


class Q1OsUrandom(Good):
    def new_id(self, username: str, now: float) -> str:
        import os

        return os.urandom(16).hex()


# (exercise, answer, the requirement its refusal must name or None for accepted, what the learner did)
CORPUS = [
    ("q1", Q1FStringDelete, "delete with a hostile id deletes nothing and returns False", "delete with an f-string"),
    (
        "q1",
        Q1LikeGet,
        "pass values with ? placeholders (never an f-string, never LIKE): a hostile id matches nothing",
        "get with LIKE ?",
    ),
    (
        "q1",
        Q1HashId,
        "two create() calls in the same second make two different, working sessions",
        "id = sha256(username:now)",
    ),
    (
        "q1",
        Q1Uuid1,
        "the id is unguessable: at least 64 random bits from secrets (OWASP), not from the time, the inputs or random",
        "uuid1 (time + MAC)",
    ),
    (
        "q1",
        Q1RandomModule,
        "the id is unguessable: at least 64 random bits from secrets (OWASP), not from the time, the inputs or random",
        "random.choice id (random module)",
    ),
    (
        "q1",
        Q1ShortToken,
        "the id is unguessable: at least 64 random bits from secrets (OWASP), not from the time, the inputs or random",
        "secrets.token_hex(4): 32 bits",
    ),
    (
        "q1",
        Q1NoCommit,
        "commit each write, so another connection to the same file (another instance) sees it",
        "no commit: the second connection sees nothing",
    ),
    (
        "q1",
        Q1InclusiveExpiry,
        "get returns None once the session has expired (now >= now_at_create + ttl_seconds)",
        "expires_at >= now (valid at expires_at)",
    ),
    (
        "q1",
        Q1WallClock,
        "get(session_id, now) returns the username while now < expires_at",
        "time.time() instead of now",
    ),
    (
        "q1",
        Q1DeleteAlwaysTrue,
        "delete with a hostile id deletes nothing and returns False",
        "delete always returns True",
    ),
    (
        "q1",
        Q1FStringInsert,
        "pass values with ? placeholders (never an f-string, never LIKE): a hostile id matches nothing",
        "insert with an f-string (o'brien breaks)",
    ),
    (
        "q1",
        Q1TimeSeeded,
        "two create() calls in the same second make two different, working sessions",
        "random.Random(now): predictable from the time",
    ),
    ("q1", Q1TokenHex8, None, "secrets.token_hex(8): 64 bits"),
    ("q1", Q1Uuid4, None, "uuid4, named params, changes()"),
    ("q1", Q1SecretsNamed, None, "token_urlsafe(), retry on collision"),
    (
        "q2",
        q2_w_wall_clock,
        "compare exp, nbf and iat with `now`, not with the wall clock",
        "wall clock (PyJWT checks exp itself)",
    ),
    (
        "q2",
        q2_w_all_hs,
        "HS256 only: None for alg none and for any other algorithm, even signed with the right secret",
        "accepts HS384/HS512",
    ),
    (
        "q2",
        q2_w_alg_from_header,
        "HS256 only: None for alg none and for any other algorithm, even signed with the right secret",
        "alg taken from the header",
    ),
    ("q2", q2_w_missing_exp_ok, "None for a token without exp or without sub", "missing exp treated as valid"),
    ("q2", q2_w_exp_lt, "None once the token has expired at `now` (valid while now < exp)", "exp < now (valid at exp)"),
    ("q2", q2_w_exp_only, "None before nbf (not yet valid at `now`)", "checks exp only (nbf, iat ignored)"),
    (
        "q2",
        q2_w_raises_on_string,
        "never raise: None for anything that is not a valid token, odd claim values included",
        "raises TypeError for exp='tomorrow'",
    ),
    (
        "q2",
        q2_w_leeway_trick,
        "compare exp, nbf and iat with `now`, not with the wall clock",
        "leeway = wall - now trick: nbf/iat wrong",
    ),
    (
        "q2",
        q2_w_bool_and_nan,
        "None for a time claim (exp, nbf or iat) that is not a number: a string, NaN, true (a bool is no NumericDate)",
        "isinstance without bool/NaN: nbf=true or NaN accepted",
    ),
    (
        "q2",
        q2_w_returns_claims,
        "return the token's sub for a valid HS256 token signed with secret",
        "returns the claims dict, not sub (and skips nbf/iat)",
    ),
    ("q2", q2_r_manual, None, "options off, manual checks with finite numbers"),
    ("q2", q2_r_handmade_style, None, "header alg check, payload.get"),
    (
        "q3",
        q3_w_literal,
        "works_behind_load_balancer: a logged-in user stays logged in whichever instance answers",
        "the seed table literally",
    ),
    (
        "q3",
        q3_w_ignores_instances,
        "works_behind_load_balancer: a logged-in user stays logged in whichever instance answers",
        "ignores instances (one instance with memory works)",
    ),
    (
        "q3",
        q3_w_jwt_stateless,
        "server_state: the server keeps per-user state",
        "JWT never has server state, even with a denylist",
    ),
    (
        "q3",
        q3_w_denylist_is_enough,
        "instant_logout: after a logout, the credential is refused on every instance at once",
        "a denylist in memory gives instant logout on 3 instances",
    ),
    (
        "q3",
        q3_w_session_logout_always,
        None,
        "session logout always instant (the text now states the logout reaches the row's instance)",
    ),
    ("q3", q3_w_strings, "return three booleans", "'yes'/'no' strings, not booleans"),
    (
        "q3",
        q3_w_jwt_lb_needs_shared,
        "works_behind_load_balancer: a logged-in user stays logged in whichever instance answers",
        "JWT with a memory denylist fails behind a load balancer",
    ),
    (
        "q3",
        q3_w_jwt_state_from_store,
        "server_state: the server keeps per-user state",
        "JWT server_state from store, not denylist",
    ),
    (
        "q3",
        q3_r_explicit,
        "instant_logout: after a logout, the credential is refused on every instance at once",
        "memory sessions on 3 instances: logout not instant (against the stated assumption)",
    ),
    ("q3", q3_r_explicit_fixed, None, "explicit if/else, per the clarified text"),
    (
        "q3",
        q3_r_expression,
        "instant_logout: after a logout, the credential is refused on every instance at once",
        "boolean expressions, memory sessions not instant (against the stated assumption)",
    ),
    ("q3", q3_r_expression_fixed, None, "boolean expressions, per the clarified text"),
    (
        "q2",
        q2_w_exp_type_only,
        "None for a time claim (exp, nbf or iat) that is not a number: a string, NaN, true (a bool is no NumericDate)",
        "checks exp's type only: nbf NaN/true, iat NaN pass",
    ),
    (
        "q1",
        Q1InstanceCache,
        "every read comes from the database: a logout on another instance is seen at once (no copy of the sessions in memory)",
        "an in-memory cache: a logout on instance B is not seen by A",
    ),
    ("q1", Q1OsUrandom, None, "os.urandom(16).hex() (128 random bits)"),
]


@pytest.mark.parametrize(heldout.FIELDS, CORPUS, ids=heldout.ids(CORPUS))
def test_heldout_answer(label, answer, requirement, what):
    heldout.check_answer(ch02, label, answer, requirement, what)
