"""Signing and verifying the demo API's tokens with PyJWT.

:class:`TokenSigner` holds the key material and the validation rules in one place:
the one accepted algorithm, issuer, audience, required claims, explicit token types
(RFC 8725 §3.11) and a clock. Access tokens carry the header ``typ: at+jwt``
(RFC 9068 §2.1), refresh tokens ``typ: rt+jwt``; each is decoded only as its own
type, so neither can stand in for the other.

Only HMAC algorithms (HS256/HS384/HS512) are supported so far; the signer keeps a
separate signing and verifying key so that public-key algorithms (RS256, ES256,
EdDSA) fit in later without changing its callers.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import jwt

__all__ = [
    "ACCESS_TOKEN_TYPE",
    "HMAC_ALGORITHMS",
    "MAX_TOKEN_LENGTH",
    "REFRESH_TOKEN_TYPE",
    "TokenSigner",
    "check_secret",
    "min_secret_bytes",
]

ACCESS_TOKEN_TYPE = "at+jwt"
REFRESH_TOKEN_TYPE = "rt+jwt"
HMAC_ALGORITHMS: dict[str, str] = {"HS256": "sha256", "HS384": "sha384", "HS512": "sha512"}
#: Tokens longer than this are refused before any parsing (ours are ~400 characters).
MAX_TOKEN_LENGTH = 4096


def min_secret_bytes(algorithm: str) -> int:
    """Shortest acceptable HMAC secret for ``algorithm``: the hash size (RFC 7518 §3.2).

    Raises ``ValueError`` for an algorithm this module does not support (yet).
    """
    try:
        return hashlib.new(HMAC_ALGORITHMS[algorithm]).digest_size
    except KeyError:
        supported = ", ".join(HMAC_ALGORITHMS)
        raise ValueError(
            f"algorithm {algorithm!r} is not supported yet; use one of {supported}"
            " (public-key algorithms come with jwt_course.keys in chapter 05)"
        ) from None


def check_secret(secret: str | bytes, algorithm: str) -> None:
    """Raise ``ValueError`` unless ``secret`` is a usable HMAC key for ``algorithm``.

    Refused: unsupported algorithms, secrets shorter than the hash, and secrets that
    look like a PEM/SSH public key (PyJWT refuses those as HMAC keys, RFC 8725 §2.1).
    """
    minimum = min_secret_bytes(algorithm)
    if not isinstance(secret, str | bytes):
        raise ValueError("secret_key must be str or bytes")
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    if len(raw) < minimum:
        raise ValueError(
            f"secret_key is {len(raw)} bytes; {algorithm} needs at least {minimum}"
            " (RFC 7518 §3.2). Make one with: python -c 'import secrets;"
            " print(secrets.token_urlsafe(64))'"
        )
    try:
        jwt.get_algorithm_by_name(algorithm).prepare_key(raw)
    except jwt.InvalidKeyError as exc:
        raise ValueError(f"secret_key cannot be an HMAC secret: {exc}") from None


def _validate_typ(header: dict[str, Any], expected: str) -> None:
    typ = header.get("typ")
    normalised = typ.lower().removeprefix("application/") if isinstance(typ, str) else None
    if normalised != expected:
        raise jwt.InvalidTokenError(f"wrong token type {typ!r}: expected {expected!r}")


def _unverified_header(token: str) -> dict[str, Any] | None:
    try:
        return jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return None


def _validate_exp(payload: dict[str, Any], now: float) -> None:
    if payload["exp"] <= now:
        raise jwt.ExpiredSignatureError("Signature has expired")


def _validate_iat(payload: dict[str, Any], now: float) -> None:
    if payload["iat"] > now:
        raise jwt.ImmatureSignatureError("The token is not yet valid (iat)")


def _validate_nbf(payload: dict[str, Any], now: float) -> None:
    if "nbf" in payload and payload["nbf"] > now:
        raise jwt.ImmatureSignatureError("The token is not yet valid (nbf)")


def _validate_numeric(payload: dict[str, Any], claims: Sequence[str]) -> None:
    for claim in claims:
        value = payload.get(claim)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise jwt.DecodeError(f"claim {claim!r} must be a number")


def _validate_strings(payload: dict[str, Any], claims: Sequence[str]) -> None:
    for claim in claims:
        if not isinstance(payload.get(claim), str):
            raise jwt.InvalidTokenError(f"claim {claim!r} must be a string")


class TokenSigner:
    """Encode and verify tokens for one issuer and audience with one algorithm.

    ``clock`` returns the current time in epoch seconds (``time.time`` in real use; a
    fixed function in a notebook makes expiry reproducible). It is used both for
    ``iat``/``exp`` when signing and for checking them when verifying.
    """

    def __init__(
        self,
        *,
        signing_key: str | bytes,
        verifying_key: str | bytes,
        algorithm: str,
        issuer: str,
        audience: str,
        clock: Callable[[], float],
        cache_size: int = 1024,
    ) -> None:
        min_secret_bytes(algorithm)  # refuses unsupported algorithms
        self.algorithm = algorithm
        self.issuer = issuer
        self.audience = audience
        self.clock = clock
        self._signing_key = signing_key
        self._verifying_key = verifying_key
        # Refuse short keys outright instead of warning.
        self._jwt = jwt.PyJWT(options={"enforce_minimum_key_length": True})
        self._cache_size = cache_size
        self._verified: OrderedDict[tuple[str, tuple[str, ...], str], dict[str, Any]]
        self._verified = OrderedDict()
        self._cache_lock = threading.Lock()

    @classmethod
    def hmac(
        cls,
        secret: str | bytes,
        *,
        algorithm: str,
        issuer: str,
        audience: str,
        clock: Callable[[], float],
        cache_size: int = 1024,
    ) -> TokenSigner:
        """A signer whose signing and verifying key is the shared ``secret``."""
        return cls(
            signing_key=secret,
            verifying_key=secret,
            algorithm=algorithm,
            issuer=issuer,
            audience=audience,
            clock=clock,
            cache_size=cache_size,
        )

    def encode(self, claims: dict[str, Any], typ: str) -> str:
        """Sign ``claims`` (plus ``iss`` and ``aud``) with header ``typ``."""
        payload = {"iss": self.issuer, "aud": self.audience, **claims}
        return self._jwt.encode(
            payload, self._signing_key, algorithm=self.algorithm, headers={"typ": typ}
        )

    def decode(self, token: str, typ: str, require: Sequence[str]) -> dict[str, Any]:
        """Verify ``token`` as type ``typ`` and return its claims.

        Checks: length, signature with the one configured algorithm, required claims,
        ``iss``, ``aud``, ``typ``, then ``exp``/``iat``/``nbf`` against ``clock``.
        Raises a ``jwt.PyJWTError`` subclass on any failure.

        The result of the signature and claim checks is cached for the exact token
        text (``cache_size`` entries, 0 to turn off): PyJWT's decode costs ~45 us, a
        cache hit ~1 us. Only an identical string hits; the time claims are checked
        again on every call, and revocation is the caller's check on every request.
        """
        if len(token) > MAX_TOKEN_LENGTH:
            raise jwt.DecodeError(f"token longer than {MAX_TOKEN_LENGTH} characters")
        key = (typ, tuple(require), token)
        with self._cache_lock:
            payload = self._verified.get(key)
        if payload is None:
            payload = self._verify(token, typ, require)
            if self._cache_size > 0:
                with self._cache_lock:
                    self._verified[key] = payload
                    while len(self._verified) > self._cache_size:
                        self._verified.popitem(last=False)
        # The time claims are checked on every call, cached or not.
        now = self.clock()
        _validate_exp(payload, now)
        _validate_iat(payload, now)
        _validate_nbf(payload, now)
        return dict(payload)

    def _verify(self, token: str, typ: str, require: Sequence[str]) -> dict[str, Any]:
        required = sorted({"exp", "iat", "iss", "aud", "jti", *require})
        try:
            decoded = self._jwt.decode_complete(
                token,
                self._verifying_key,
                algorithms=[self.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "require": required,
                    # Time claims are checked in decode() against self.clock.
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError:
            # A token of the wrong type usually fails on a claim first (a refresh token
            # has no "role"); say what is really wrong. The unverified header only
            # chooses the error message: the token is refused either way.
            header = _unverified_header(token)
            if header is not None:
                _validate_typ(header, typ)
            raise
        _validate_typ(decoded["header"], typ)
        payload: dict[str, Any] = decoded["payload"]
        _validate_numeric(payload, ("exp", "iat", "nbf"))
        _validate_strings(payload, [c for c in required if c not in ("exp", "iat", "aud")])
        return payload
