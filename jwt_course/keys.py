"""Public-key signing for the demo API: key generation, ``kid``, JWKS and rotation.

With HMAC (HS256) one shared secret both signs and verifies, so every service that
verifies tokens could also mint them. With a key pair only the auth service holds
the private key; anyone may verify with the public key, which it publishes as a JWK
Set (RFC 7517) at ``/.well-known/jwks.json``.

* :func:`generate_private_key` makes a key for ``RS256`` (RSA 2048), ``ES256``
  (P-256) or ``EdDSA`` (Ed25519). RSA key generation costs tens of milliseconds
  and parsing an RSA private key from PEM tens more: make or load a key once.
* :func:`public_jwk` writes a public key as a JWK with ``kid``, ``use`` and ``alg``;
  :func:`jwk_thumbprint` is its RFC 7638 thumbprint, used as the ``kid``: derived
  from the key itself, so the same key always gets the same id and two different
  keys never share one.
* :class:`KeyRing` holds the current signing key and the retired ones. ``rotate()``
  makes a new key current; a retired public key stays published (and accepted)
  for ``retire_after_seconds`` (the longest token lifetime), so tokens signed
  before the rotation keep working until they expire, then it leaves the set.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from .handmade import b64url_encode
from .tokens import PUBLIC_KEY_ALGORITHMS

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "KeyRing",
    "PrivateKey",
    "PublicKey",
    "SigningKey",
    "generate_private_key",
    "jwk_thumbprint",
    "load_private_key",
    "public_jwk",
]

PrivateKey: TypeAlias = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey: TypeAlias = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey

#: The public-key algorithms the demo API signs with, and the JWK key type of each.
_KEY_TYPES = {"RS256": "RSA", "ES256": "EC", "EdDSA": "OKP"}  # the JWK "kty" of each algorithm
#: The public-key algorithms (their one list: jwt_course.tokens.PUBLIC_KEY_ALGORITHMS), each
#: with its JWK key type.
ASYMMETRIC_ALGORITHMS: dict[str, str] = {alg: _KEY_TYPES[alg] for alg in PUBLIC_KEY_ALGORITHMS}

_RSA_BITS = 2048
_RSA_PUBLIC_EXPONENT = 65537


def _uint(value: int, length: int | None = None) -> str:
    """base64url of a non-negative integer, big-endian, shortest form unless ``length``."""
    size = length if length is not None else max(1, (value.bit_length() + 7) // 8)
    return b64url_encode(value.to_bytes(size, "big"))


def _check_algorithm(algorithm: str) -> None:
    if algorithm not in ASYMMETRIC_ALGORITHMS:
        choices = ", ".join(ASYMMETRIC_ALGORITHMS)
        raise ValueError(f"algorithm {algorithm!r} is not a public-key algorithm; use {choices}")


def generate_private_key(algorithm: str) -> PrivateKey:
    """A new private key for ``algorithm``: RSA 2048 (RS256), P-256 (ES256) or Ed25519."""
    _check_algorithm(algorithm)
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=_RSA_PUBLIC_EXPONENT, key_size=_RSA_BITS)
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return ed25519.Ed25519PrivateKey.generate()


def load_private_key(pem: str | bytes, password: bytes | None = None) -> PrivateKey:
    """Parse a PEM private key (slow for RSA: ~tens of ms; do it once, at start-up)."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    key = serialization.load_pem_private_key(data, password=password)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
        raise ValueError(f"unsupported private key type {type(key).__name__}")
    return key


def algorithm_for(key: PrivateKey | PublicKey) -> str:
    """The JWS algorithm this course uses with ``key``'s type (``ValueError`` otherwise)."""
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        if key.key_size < _RSA_BITS:
            raise ValueError(f"RSA key of {key.key_size} bits: RS256 needs 2048 or more")
        return "RS256"
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise ValueError(f"EC curve {key.curve.name}: ES256 needs P-256 (secp256r1)")
        return "ES256"
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return "EdDSA"
    raise ValueError(f"unsupported key type {type(key).__name__}")


def _public(key: PrivateKey | PublicKey) -> PublicKey:
    if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
        return key.public_key()
    return key


def _required_members(key: PrivateKey | PublicKey) -> dict[str, str]:
    """The members RFC 7638 §3.2 hashes for ``key``'s type (public parts only)."""
    public = _public(key)
    if isinstance(public, rsa.RSAPublicKey):
        numbers = public.public_numbers()
        return {"e": _uint(numbers.e), "kty": "RSA", "n": _uint(numbers.n)}
    if isinstance(public, ec.EllipticCurvePublicKey):
        if not isinstance(public.curve, ec.SECP256R1):
            raise ValueError(f"EC curve {public.curve.name}: only P-256 is supported")
        point = public.public_numbers()
        return {"crv": "P-256", "kty": "EC", "x": _uint(point.x, 32), "y": _uint(point.y, 32)}
    if isinstance(public, ed25519.Ed25519PublicKey):
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"crv": "Ed25519", "kty": "OKP", "x": b64url_encode(raw)}
    raise ValueError(f"unsupported key type {type(key).__name__}")


def jwk_thumbprint(key: PrivateKey | PublicKey) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url) of ``key``'s public part.

    The required members only, in lexicographic order, as compact JSON: the same
    key always has the same thumbprint, whoever computes it.
    """
    members = json.dumps(_required_members(key), sort_keys=True, separators=(",", ":"))
    return b64url_encode(hashlib.sha256(members.encode("utf-8")).digest())


def public_jwk(key: PrivateKey | PublicKey, kid: str | None = None) -> dict[str, str]:
    """``key``'s public part as a JWK with ``kid`` (default: the thumbprint), ``use``, ``alg``."""
    return {
        **_required_members(key),
        "kid": kid if kid is not None else jwk_thumbprint(key),
        "use": "sig",
        "alg": algorithm_for(key),
    }


@dataclass
class SigningKey:
    """One key of a :class:`KeyRing`: the private key, its ``kid`` and its dates.

    ``retired_at`` is when it stopped signing (``None`` while current or next);
    ``remove_at`` is when it leaves the published set.
    """

    kid: str
    algorithm: str
    private_key: PrivateKey = field(repr=False)
    created_at: float
    retired_at: float | None = None
    remove_at: float | None = None
    #: The public half: what verifiers get (derived once from ``private_key``).
    public_key: PublicKey = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.public_key = self.private_key.public_key()

    def public_jwk(self) -> dict[str, str]:
        """The public key as a JWK (never the private key)."""
        return public_jwk(self.private_key, self.kid)


class KeyRing:
    """The auth service's signing keys: one current, some retired, maybe one next.

    ``retire_after_seconds`` must be at least the longest lifetime of a token signed
    with these keys (the refresh-token TTL): a retired key keeps verifying that long
    after it stops signing, so no token it signed is orphaned, then it is removed.
    ``clock`` returns epoch seconds (a fixed function makes a notebook reproducible).
    Thread-safe.
    """

    def __init__(
        self,
        algorithm: str,
        *,
        retire_after_seconds: int,
        private_key: PrivateKey | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        _check_algorithm(algorithm)
        if isinstance(retire_after_seconds, bool) or not isinstance(retire_after_seconds, int):
            raise ValueError("retire_after_seconds must be an integer")
        if retire_after_seconds <= 0:
            raise ValueError("retire_after_seconds must be positive")
        self.algorithm = algorithm
        self.retire_after_seconds = retire_after_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._next: SigningKey | None = None
        self._retired: dict[str, SigningKey] = {}
        key = private_key if private_key is not None else generate_private_key(algorithm)
        self._current = self._wrap(key)

    @classmethod
    def from_pem(
        cls,
        pem: str | bytes,
        *,
        retire_after_seconds: int,
        password: bytes | None = None,
        clock: Callable[[], float] = time.time,
    ) -> KeyRing:
        """A ring whose current key is the PEM private key (algorithm from its type)."""
        key = load_private_key(pem, password)
        return cls(
            algorithm_for(key),
            retire_after_seconds=retire_after_seconds,
            private_key=key,
            clock=clock,
        )

    def _wrap(self, key: PrivateKey) -> SigningKey:
        if algorithm_for(key) != self.algorithm:
            raise ValueError(f"a {type(key).__name__} cannot sign {self.algorithm}")
        return SigningKey(jwk_thumbprint(key), self.algorithm, key, created_at=self.clock())

    def _prune(self, now: float) -> None:
        for kid in [k for k, key in self._retired.items() if key.remove_at is not None and key.remove_at <= now]:
            del self._retired[kid]

    @property
    def current(self) -> SigningKey:
        """The key that signs new tokens."""
        with self._lock:
            return self._current

    def publish_next(self, private_key: PrivateKey | None = None) -> SigningKey:
        """Publish the next key now, before it signs (verifiers can fetch it early).

        The next ``rotate()`` makes it current. Calling this again replaces it.
        """
        key = self._wrap(private_key if private_key is not None else generate_private_key(self.algorithm))
        with self._lock:
            if key.kid == self._current.kid or key.kid in self._retired:
                raise ValueError("that key is already in the ring")
            self._next = key
        return key

    def rotate(self, private_key: PrivateKey | None = None) -> SigningKey:
        """Make a new key current (the published next one, or ``private_key``, or a new one).

        The old current key stops signing now and is removed after
        ``retire_after_seconds``. Returns the new current key.
        """
        new = None
        if private_key is not None:
            new = self._wrap(private_key)
        with self._lock:
            if new is None:
                new = self._next
            if new is None:
                # Generate outside the lock would be nicer; RSA keygen takes ~0.1 s.
                new = self._wrap(generate_private_key(self.algorithm))
            if new.kid == self._current.kid or new.kid in self._retired:
                raise ValueError("that key is already in the ring")
            now = self.clock()
            old = self._current
            old.retired_at = now
            old.remove_at = now + self.retire_after_seconds
            self._retired[old.kid] = old
            self._current = new
            self._next = None
            self._prune(now)
            return new

    def remove(self, kid: str) -> None:
        """Drop a retired key at once (it leaked): its tokens are refused from now on."""
        with self._lock:
            if kid == self._current.kid:
                raise ValueError("the current key cannot be removed; rotate first")
            if self._next is not None and self._next.kid == kid:
                self._next = None
            elif self._retired.pop(kid, None) is None:
                raise KeyError(kid)

    def keys(self) -> list[SigningKey]:
        """Every published key: current first, then next, then retired ones still kept."""
        with self._lock:
            self._prune(self.clock())
            found = [self._current]
            if self._next is not None:
                found.append(self._next)
            found.extend(sorted(self._retired.values(), key=lambda k: k.created_at, reverse=True))
            return found

    @property
    def kids(self) -> list[str]:
        """The ``kid`` of every published key, current first."""
        return [key.kid for key in self.keys()]

    def verifying_key(self, kid: Any) -> PublicKey:
        """The public key for ``kid``; ``jwt.InvalidTokenError`` if it is unknown or removed."""
        if isinstance(kid, str):
            for key in self.keys():
                if key.kid == kid:  # show: kid-lookup
                    return key.public_key
        shown = kid if isinstance(kid, str) and len(kid) <= 64 else type(kid).__name__
        raise jwt.InvalidTokenError(f"unknown signing key (kid {shown!r})")  # show: kid-lookup

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The published JWK Set: public keys only (RFC 7517 §5)."""
        return {"keys": [key.public_jwk() for key in self.keys()]}

    def __repr__(self) -> str:
        return f"<KeyRing {self.algorithm}: {len(self.keys())} published, current {self.current.kid[:8]}…>"
