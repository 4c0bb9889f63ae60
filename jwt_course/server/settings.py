"""The demo API's configuration: :class:`Settings`, its users and its signing keys.

``Settings`` is a frozen record of what the caller gave (or ``JWT_COURSE_*`` variables
gave, :meth:`Settings.from_env`), checked at construction. The one derived value, the
key ring a public-key algorithm signs with, is computed once by :class:`_SigningKeyRing`
and cached beside the given value, never written over a field.
"""

from __future__ import annotations

import functools
import os
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._http_guard import DEFAULT_BODY_TIMEOUT_SECONDS, DEFAULT_MAX_BODY_BYTES
from ..keys import KeyRing, PrivateKey, algorithm_for, load_private_key
from ..passwords import hash_password
from ..tokens import HMAC_ALGORITHMS, PUBLIC_KEY_ALGORITHMS, check_secret

__all__ = ["DEMO_USERS", "Settings", "User"]


@dataclass(frozen=True)
class User:
    """A user of the demo API: name, role and scrypt password hash."""

    username: str
    role: str
    password_hash: str = field(repr=False)

    @classmethod
    def create(cls, username: str, password: str, role: str = "user") -> User:
        """A user whose ``password`` is hashed now (see :mod:`jwt_course.passwords`)."""
        return cls(username=username, role=role, password_hash=hash_password(password))


#: The demo accounts, as (username, password, role).
DEMO_USERS: tuple[tuple[str, str, str], ...] = (
    ("alice", "wonderland", "user"),
    ("bob", "builder", "admin"),
)


@functools.cache
def _demo_users() -> dict[str, User]:
    return {name: User.create(name, password, role) for name, password, role in DEMO_USERS}


def _default_users() -> dict[str, User]:
    return dict(_demo_users())


def _random_secret() -> str:
    return secrets.token_urlsafe(64)  # 86 characters: enough for HS512 too


class _SigningKeyRing:
    """``Settings.key_ring``: the given ring, or for RS256/ES256/EdDSA the one derived once.

    The dataclass's ``__init__`` stores the given value through ``__set__``; reading
    derives the ring (from ``private_key``, or a new key) on first use and caches it, as
    ``functools.cached_property`` does. With an HMAC algorithm it reads ``None``.
    """

    _lock = threading.Lock()

    def __set_name__(self, owner: type, name: str) -> None:
        self._given = f"_{name}_given"
        self._derived = f"_{name}_derived"

    def __get__(self, settings: Settings | None, owner: type | None = None) -> KeyRing | None:
        if settings is None:
            return None  # the field's default
        cache = settings.__dict__
        if settings.algorithm not in PUBLIC_KEY_ALGORITHMS:
            return None
        if self._derived not in cache:
            with self._lock:
                if self._derived not in cache:
                    cache[self._derived] = _public_key_ring(settings, cache.get(self._given))
        ring: KeyRing = cache[self._derived]
        return ring

    def __set__(self, settings: Settings, ring: KeyRing | _SigningKeyRing | None) -> None:
        if self._given in settings.__dict__:  # only the dataclass's __init__ sets it
            raise AttributeError("Settings is frozen")
        # field(default=...) hands __init__ this descriptor itself as the default
        settings.__dict__[self._given] = None if ring is self else ring

    def given(self, settings: Settings) -> KeyRing | None:
        """The ring the caller passed (``None`` if none)."""
        ring: KeyRing | None = settings.__dict__.get(self._given)
        return ring


def _public_key_ring(settings: Settings, ring: KeyRing | None) -> KeyRing:
    if ring is not None and settings.private_key is not None:
        raise ValueError("give key_ring or private_key, not both")
    if ring is None:
        key = settings.private_key
        if isinstance(key, str | bytes):
            key = load_private_key(key)
        if key is not None and algorithm_for(key) != settings.algorithm:
            raise ValueError(f"private_key is a {algorithm_for(key)} key, not {settings.algorithm}")
        return KeyRing(
            settings.algorithm,
            retire_after_seconds=settings.refresh_ttl_seconds,
            private_key=key,
            clock=settings.clock,
        )
    if not isinstance(ring, KeyRing) or ring.algorithm != settings.algorithm:
        raise ValueError(f"key_ring must be a KeyRing for {settings.algorithm}")
    if ring.retire_after_seconds < settings.refresh_ttl_seconds:
        raise ValueError(
            f"key_ring retires keys after {ring.retire_after_seconds} s, before the"
            f" refresh tokens they signed expire ({settings.refresh_ttl_seconds} s):"
            " those users would be logged out at the next rotation"
        )
    return ring


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Configuration of the demo API; every field has a safe default.

    ``secret_key`` defaults to a fresh random secret (never a constant) and must be
    at least as long as the algorithm's hash (32 bytes for HS256, RFC 7518 §3.2).
    ``database`` is ``":memory:"`` or a SQLite file path (revocations survive a
    restart). ``users`` maps usernames to :class:`User`; default: alice (user) and bob
    (admin). ``clock`` returns epoch seconds; pass a fixed function to make expiry
    reproducible in a notebook. ``verified_token_cache`` is how many verified tokens
    the server remembers by their exact text to skip PyJWT's ~45 us decode (expiry
    and revocation are still checked on every request); 0 turns it off.
    ``max_body_bytes`` caps a request body (413 beyond it) and ``body_timeout_seconds``
    is how long a client has to send it (408, connection closed).

    Public-key algorithms (``RS256``, ``ES256``, ``EdDSA``) ignore ``secret_key`` and
    sign with ``key_ring`` (a :class:`~jwt_course.keys.KeyRing`, whose
    ``retire_after_seconds`` must cover ``refresh_ttl_seconds``), or with
    ``private_key`` (a PEM or a ``cryptography`` key, wrapped in a new ring), or, if
    neither is given, with a key generated now (RSA: ~0.1 s; the default ring is
    then on ``clock`` and retires keys after ``refresh_ttl_seconds``). After
    construction ``key_ring`` is always set for them, and ``None`` for HMAC.
    """

    secret_key: str | bytes = field(default_factory=_random_secret, repr=False)
    algorithm: str = "HS256"
    issuer: str = "https://jwt-course.example"
    audience: str = "jwt-course-api"
    access_ttl_seconds: int = 900
    refresh_ttl_seconds: int = 604800
    database: str = ":memory:"
    users: Mapping[str, User] = field(default_factory=_default_users, repr=False)
    clock: Callable[[], float] = field(default=time.time, repr=False)
    verified_token_cache: int = 1024
    key_ring: _SigningKeyRing = field(default=_SigningKeyRing(), repr=False)
    private_key: str | bytes | PrivateKey | None = field(default=None, repr=False)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    body_timeout_seconds: float = DEFAULT_BODY_TIMEOUT_SECONDS

    def __post_init__(self) -> None:
        for name in ("issuer", "audience", "database"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise ValueError(f"{name} must be a non-empty string")
        for name in ("access_ttl_seconds", "refresh_ttl_seconds", "max_body_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        timeout = self.body_timeout_seconds
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 300:
            raise ValueError(f"body_timeout_seconds must be from 0 to 300 seconds, got {timeout!r}")
        if self.algorithm in PUBLIC_KEY_ALGORITHMS:
            _ = self.key_ring  # derive the ring now: a bad key fails here, not at the first login
        elif self.algorithm in HMAC_ALGORITHMS:
            if _KEY_RING.given(self) is not None or self.private_key is not None:
                raise ValueError(
                    f"{self.algorithm} signs with secret_key; key_ring and private_key are for RS256, ES256 and EdDSA"
                )
            check_secret(self.secret_key, self.algorithm)
        else:
            check_secret(self.secret_key, self.algorithm)  # raises, naming the choices

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``JWT_COURSE_*`` environment variables (or ``environ``).

        Reads ``JWT_COURSE_SECRET_KEY``, ``_ALGORITHM``, ``_ISSUER``, ``_AUDIENCE``,
        ``_ACCESS_TTL_SECONDS``, ``_REFRESH_TTL_SECONDS``, ``_DATABASE`` and
        ``_BODY_TIMEOUT_SECONDS``; unset
        variables keep the defaults. A bad value raises ``ValueError`` naming the
        variable. Keyword ``overrides`` win over the environment.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in ("secret_key", "algorithm", "issuer", "audience", "database"):
            raw = env.get(f"JWT_COURSE_{name.upper()}")
            if raw is not None:
                values[name] = raw
        for name in ("access_ttl_seconds", "refresh_ttl_seconds"):
            variable = f"JWT_COURSE_{name.upper()}"
            raw = env.get(variable)
            if raw is not None:
                try:
                    values[name] = int(raw.strip())
                except ValueError:
                    raise ValueError(f"{variable} must be an integer, got {raw!r}") from None
        raw = env.get("JWT_COURSE_BODY_TIMEOUT_SECONDS")
        if raw is not None:
            try:
                values["body_timeout_seconds"] = float(raw.strip())
            except ValueError:
                raise ValueError(f"JWT_COURSE_BODY_TIMEOUT_SECONDS must be a number, got {raw!r}") from None
        values.update(overrides)
        try:
            return cls(**values)
        except ValueError as exc:
            raise ValueError(f"invalid JWT_COURSE_* setting: {exc}") from None


_KEY_RING: _SigningKeyRing = Settings.__dict__["key_ring"]
