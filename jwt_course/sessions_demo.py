"""Chapter 02's two tiny login servers: a cookie session and a JWT, side by side.

* :func:`create_session_app` keeps a row per login in a :class:`SessionStore` and hands
  the browser only a random session id, in an ``HttpOnly`` cookie.
* :func:`create_jwt_app` keeps nothing: it signs a short token (HS256) and checks the
  signature and ``exp`` on every request.

Both answer ``POST /login`` (JSON ``{"username", "password"}``), ``GET /me`` and
``POST /logout``, with the demo users ``alice``/``wonderland`` and ``bob``/``builder``.
Both read the time from ``clock`` (``time.time`` by default), so a notebook can move
time forward instead of waiting.

Two stores implement :class:`SessionStore`: :class:`MemorySessionStore` (a dict inside
one server process, like a framework's default) and :class:`SqliteSessionStore` (a
table in a SQLite file that several server instances can share).

These apps teach one contrast and nothing else; the course's full demo API, with
refresh tokens, roles and revocation, is :mod:`jwt_course.server`.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable
from types import TracebackType
from typing import Annotated, Any, Protocol

import jwt
from fastapi import Cookie, FastAPI, Header, HTTPException, Response

from ._http_guard import harden
from .passwords import DUMMY_HASH, hash_password, verify_password
from .server import DEMO_USERS
from .server.schemas import LoginRequest

__all__ = [
    "COOKIE_NAME",
    "DEMO_PASSWORDS",
    "Credentials",
    "MemorySessionStore",
    "SessionStore",
    "SqliteSessionStore",
    "authenticate",
    "create_jwt_app",
    "create_session_app",
    "new_session_id",
]

#: Name of the cookie that carries the session id.
COOKIE_NAME = "session_id"

#: The demo users and their passwords (stored below only as scrypt hashes); the one list of
#: demo accounts is :data:`jwt_course.server.DEMO_USERS`.
DEMO_PASSWORDS: dict[str, str] = {name: password for name, password, _role in DEMO_USERS}

_USERS: dict[str, str] = {name: hash_password(pw) for name, pw in DEMO_PASSWORDS.items()}


#: The JSON body of ``POST /login``: the demo API's own model (a lone surrogate is a 422).
Credentials = LoginRequest


def authenticate(credentials: Credentials) -> str:
    """Return the username if the password is right; raise a 401 otherwise.

    An unknown user costs the same as a wrong password (a dummy hash is checked), and
    both get the same answer, so the response does not reveal which users exist.
    """
    stored = _USERS.get(credentials.username)
    ok = verify_password(credentials.password, stored or DUMMY_HASH)
    if stored is None or not ok:
        raise HTTPException(401, "wrong username or password")
    return credentials.username


def new_session_id() -> str:
    """A fresh session id: 32 random bytes from ``secrets``, base64url (43 characters)."""
    return secrets.token_urlsafe(32)


class SessionStore(Protocol):
    """Where a session server keeps its logins: session id -> (username, expiry)."""

    def create(self, username: str, expires_at: float) -> str:
        """Store a new session for ``username`` and return its id."""
        ...

    def get(self, session_id: str, now: float) -> str | None:
        """The session's username, or None if it is unknown or expired at ``now``."""
        ...

    def delete(self, session_id: str) -> bool:
        """Forget a session (logout, revocation); True if it existed."""
        ...

    def __len__(self) -> int:
        """How many sessions are stored (expired ones included until removed)."""
        ...


class MemorySessionStore:
    """A :class:`SessionStore` in a dict: fast, private to one process, gone on restart."""

    def __init__(self) -> None:
        self._sessions: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def create(self, username: str, expires_at: float) -> str:
        """Store a new session for ``username`` and return its id."""
        session_id = new_session_id()
        with self._lock:
            self._sessions[session_id] = (username, expires_at)
        return session_id

    def get(self, session_id: str, now: float) -> str | None:
        """The session's username, or None if it is unknown or expired at ``now``."""
        entry = self._sessions.get(session_id)
        if entry is None or now >= entry[1]:
            return None
        return entry[0]

    def delete(self, session_id: str) -> bool:
        """Forget a session; True if it existed."""
        with self._lock:
            return self._sessions.pop(session_id, None) is not None

    def __len__(self) -> int:
        return len(self._sessions)


class SqliteSessionStore:
    """A :class:`SessionStore` in a SQLite table; several stores may share one file.

    ``path`` is a file (shared by every instance that opens it, and it survives
    restarts) or ``":memory:"``. Each write commits at once, so another connection
    to the same file sees it on its next read. Call :meth:`close` (or use ``with``).
    """

    def __init__(self, path: str = ":memory:") -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._close_db = weakref.finalize(self, self._db.close)  # also when garbage-collected
        self._lock = threading.Lock()
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS sessions ("
            " id TEXT PRIMARY KEY, username TEXT NOT NULL, expires_at REAL NOT NULL)"
        )

    def create(self, username: str, expires_at: float) -> str:
        """Store a new session for ``username`` and return its id."""
        session_id = new_session_id()
        with self._lock:
            self._db.execute(
                "INSERT INTO sessions (id, username, expires_at) VALUES (?, ?, ?)",
                (session_id, username, expires_at),
            )
        return session_id

    def get(self, session_id: str, now: float) -> str | None:
        """The session's username, or None if it is unknown or expired at ``now``."""
        with self._lock:
            row = self._db.execute(
                "SELECT username FROM sessions WHERE id = ? AND expires_at > ?", (session_id, now)
            ).fetchone()
        return None if row is None else str(row[0])

    def delete(self, session_id: str) -> bool:
        """Forget a session; True if it existed."""
        with self._lock:
            return self._db.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount > 0

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM sessions").fetchone()[0])

    def close(self) -> None:
        """Close the connection (needed before a temporary file can be deleted)."""
        with self._lock:
            self._close_db()

    def __enter__(self) -> SqliteSessionStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def create_session_app(
    store: SessionStore, *, ttl_seconds: int = 3600, clock: Callable[[], float] = time.time
) -> FastAPI:
    """A login server with server-side sessions: the cookie holds only a random id.

    ``POST /login`` stores a session and sets the ``session_id`` cookie (``HttpOnly``,
    ``SameSite=Lax``; a real site adds ``Secure``, which plain-HTTP loopback cannot
    use). ``GET /me`` looks the id up; ``POST /logout`` deletes the session.
    Unknown, expired or deleted sessions get a 401.
    """
    app = FastAPI(title="cookie sessions (chapter 02)")
    harden(app)  # bad bodies: small 4xx answers, never an echo, a 500 or a hang

    @app.post("/login")
    def login(credentials: Credentials, response: Response) -> dict[str, Any]:
        username = authenticate(credentials)  # 401 on a bad password
        session_id = store.create(username, expires_at=clock() + ttl_seconds)  # state!
        response.set_cookie(COOKIE_NAME, session_id, max_age=ttl_seconds, httponly=True, samesite="lax")
        return {"username": username}

    @app.get("/me")
    def me(session_id: Annotated[str | None, Cookie()] = None) -> dict[str, Any]:
        username = store.get(session_id, now=clock()) if session_id else None  # a lookup
        if username is None:
            raise HTTPException(401, "no valid session")
        return {"username": username, "auth": "session"}

    @app.post("/logout")
    def logout(response: Response, session_id: Annotated[str | None, Cookie()] = None) -> None:
        if session_id:
            store.delete(session_id)
        response.delete_cookie(COOKIE_NAME, httponly=True, samesite="lax")

    return app


def create_jwt_app(secret: str, *, ttl_seconds: int = 900, clock: Callable[[], float] = time.time) -> FastAPI:
    """A login server with HS256 tokens and no server-side state at all.

    ``POST /login`` answers ``{"access_token", "token_type": "bearer", "expires_in"}``;
    ``GET /me`` needs ``Authorization: Bearer <token>`` and checks the signature and
    ``exp`` (against ``clock``). ``POST /logout`` can only tell the client to forget the
    token: the server has nothing to delete. ``secret`` must be at least 32 bytes.
    """
    if len(secret.encode()) < 32:
        raise ValueError("an HS256 secret needs at least 32 bytes (RFC 7518 §3.2)")
    app = FastAPI(title="JWT (chapter 02)")
    harden(app)
    challenge = {"WWW-Authenticate": "Bearer"}

    @app.post("/login")
    def login(credentials: Credentials) -> dict[str, Any]:
        username = authenticate(credentials)  # 401 on a bad password
        now = int(clock())
        claims = {"sub": username, "iat": now, "exp": now + ttl_seconds}
        token = jwt.encode(claims, secret, algorithm="HS256")  # signed, not stored
        return {"access_token": token, "token_type": "bearer", "expires_in": ttl_seconds}

    @app.get("/me")
    def me(authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        scheme, _, token = (authorization or "").partition(" ")
        try:
            if scheme.lower() != "bearer":
                raise jwt.InvalidTokenError("not a Bearer token")
            claims = jwt.decode(  # a signature check, no lookup
                token,
                secret,
                algorithms=["HS256"],
                options={"require": ["sub", "exp"], "verify_exp": False},
            )
            if clock() >= claims["exp"]:  # exp checked against our clock, not the wall clock
                raise jwt.ExpiredSignatureError("token expired")
        except jwt.PyJWTError:  # every PyJWT error, InvalidKeyError too, is a 401
            raise HTTPException(401, "invalid or expired token", headers=challenge) from None
        return {"username": claims["sub"], "auth": "jwt"}

    @app.post("/logout", status_code=204)
    def logout() -> None:
        return None  # nothing to delete: the token stays valid until exp

    return app
