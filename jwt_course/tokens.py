"""Signing and verifying the demo API's tokens with PyJWT.

:class:`TokenSigner` holds the key material and the validation rules in one place:
the one accepted algorithm, issuer, audience, required claims, explicit token types
(RFC 8725 §3.11) and a clock. Access tokens carry the header ``typ: at+jwt``
(RFC 9068 §2.1), refresh tokens ``typ: rt+jwt``; each is decoded only as its own
type, so neither can stand in for the other.

HMAC algorithms (HS256/HS384/HS512) sign and verify with one shared secret
(:meth:`TokenSigner.hmac`). Public-key algorithms (RS256, ES256, EdDSA) sign with the
current private key of a :class:`jwt_course.keys.KeyRing`, put its ``kid`` in every
token header, and verify with the public key that ``kid`` names
(:meth:`TokenSigner.with_key_ring`); an unknown ``kid`` is refused. Either way the
one configured algorithm is the only one accepted, so a public key can never be
used as an HMAC secret (RFC 8725 §3.1).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import jwt

if TYPE_CHECKING:
    from .keys import KeyRing

__all__ = [
    "ACCESS_TOKEN_TYPE",
    "HMAC_ALGORITHMS",
    "MAX_TIME_CLAIM",
    "MAX_TOKEN_LENGTH",
    "PUBLIC_KEY_ALGORITHMS",
    "REFRESH_TOKEN_TYPE",
    "SUPPORTED_ALGORITHMS",
    "InvalidTimeClaimError",
    "TokenSigner",
    "check_secret",
    "check_time_claims",
    "min_secret_bytes",
]

ACCESS_TOKEN_TYPE = "at+jwt"
REFRESH_TOKEN_TYPE = "rt+jwt"
HMAC_ALGORITHMS: dict[str, str] = {"HS256": "sha256", "HS384": "sha384", "HS512": "sha512"}
#: Public-key algorithms, signed with a :class:`jwt_course.keys.KeyRing`.
PUBLIC_KEY_ALGORITHMS: tuple[str, ...] = ("RS256", "ES256", "EdDSA")
#: Every algorithm the course signs and verifies, HMAC first (``handmade``, the server, the CLI).
SUPPORTED_ALGORITHMS: tuple[str, ...] = (*HMAC_ALGORITHMS, *PUBLIC_KEY_ALGORITHMS)
#: Longest token, in characters, that anything in the course decodes (``handmade``,
#: :class:`TokenSigner`, the server's bodies and ``Authorization`` header): 8 KiB, a typical
#: HTTP header line limit. Ours are ~340 characters with HS256, ~710 with RS256.
MAX_TOKEN_LENGTH = 8192
#: Latest accepted ``exp``/``nbf``/``iat``: 9999-12-31T23:59:59Z. A NaN, an infinity,
#: ``1e400`` or a 400-digit integer is no date, and a token carrying one would never
#: expire (every comparison with NaN is false).
MAX_TIME_CLAIM = 253402300799


class InvalidTimeClaimError(jwt.DecodeError):
    """A validly signed token whose ``exp``, ``nbf`` or ``iat`` is not a usable date:
    not a number (a bool, a string), not finite (NaN, Infinity, ``1e400``), negative,
    or after :data:`MAX_TIME_CLAIM`. A ``jwt.DecodeError``, as PyJWT raises for a
    non-numeric ``exp``."""


def min_secret_bytes(algorithm: str) -> int:
    """Shortest acceptable HMAC secret for ``algorithm``: the hash size (RFC 7518 §3.2).

    Raises ``ValueError`` for any other algorithm (public-key ones take no secret).
    """
    try:
        return hashlib.new(HMAC_ALGORITHMS[algorithm]).digest_size
    except KeyError:
        if algorithm in PUBLIC_KEY_ALGORITHMS:
            raise ValueError(f"{algorithm} signs with a private key, not a secret (see jwt_course.keys)") from None
        supported = ", ".join([*HMAC_ALGORITHMS, *PUBLIC_KEY_ALGORITHMS])
        raise ValueError(f"algorithm {algorithm!r} is not supported; use one of {supported}") from None


def check_secret(secret: str | bytes, algorithm: str) -> None:
    """Raise ``ValueError`` unless ``secret`` is a usable HMAC key for ``algorithm``.

    Refused: unsupported algorithms, secrets shorter than the hash, and secrets that
    look like a PEM/SSH public key (PyJWT refuses those as HMAC keys, RFC 8725 §2.1).
    """
    minimum = min_secret_bytes(algorithm)
    if not isinstance(secret, str | bytes):
        raise ValueError("secret_key must be str or bytes")
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    if len(raw) < minimum:  # show: secret-length
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
        if claim not in payload:
            continue
        value = payload[claim]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidTimeClaimError(f"claim {claim!r} must be a number of seconds since 1970")
        # 0 <= value <= MAX is false for NaN; ints are compared exactly (no float overflow)
        if not 0 <= value <= MAX_TIME_CLAIM:
            raise InvalidTimeClaimError(f"claim {claim!r} is not a date between 1970 and 9999")


def check_time_claims(payload: dict[str, Any]) -> None:
    """Raise :class:`InvalidTimeClaimError` unless every ``exp``/``nbf``/``iat`` present
    is a number of seconds from 1970 to 9999 (no bool, NaN, infinity or 400-digit int)."""
    _validate_numeric(payload, ("exp", "iat", "nbf"))


def _validate_strings(payload: dict[str, Any], claims: Sequence[str]) -> None:
    for claim in claims:
        if not isinstance(payload.get(claim), str):
            raise jwt.InvalidTokenError(f"claim {claim!r} must be a string")


class TokenSigner:
    """Encode and verify tokens for one issuer and audience with one algorithm.

    ``clock`` returns the current time in epoch seconds (``time.time`` in real use; a
    fixed function in a notebook makes expiry reproducible). It is used both for
    ``iat``/``exp`` when signing and for checking them when verifying.

    Build one with :meth:`hmac` (a shared secret) or :meth:`with_key_ring` (public-key
    algorithms; ``key_ring`` is then the :class:`~jwt_course.keys.KeyRing`, else ``None``).
    """

    def __init__(
        self,
        *,
        signing_key: str | bytes | None = None,
        verifying_key: str | bytes | None = None,
        algorithm: str,
        issuer: str,
        audience: str,
        clock: Callable[[], float],
        cache_size: int = 1024,
        key_ring: KeyRing | None = None,
    ) -> None:
        if key_ring is None:
            min_secret_bytes(algorithm)  # refuses unsupported algorithms
            if signing_key is None or verifying_key is None:
                raise ValueError(f"{algorithm} needs a signing_key and a verifying_key")
        else:
            if algorithm not in PUBLIC_KEY_ALGORITHMS or key_ring.algorithm != algorithm:
                raise ValueError(
                    f"a key ring for {key_ring.algorithm} cannot sign {algorithm}"
                    f" (public-key algorithms: {', '.join(PUBLIC_KEY_ALGORITHMS)})"
                )
            if signing_key is not None or verifying_key is not None:
                raise ValueError("give either a key_ring or signing/verifying keys, not both")
        self.algorithm = algorithm
        self.key_ring = key_ring
        self.issuer = issuer
        self.audience = audience
        self.clock = clock
        self._signing_key = signing_key
        self._verifying_key = verifying_key
        # Refuse short keys outright instead of warning.
        self._jwt = jwt.PyJWT(options={"enforce_minimum_key_length": True})
        self._cache_size = cache_size
        self._verified: OrderedDict[tuple[str, tuple[str, ...], str], tuple[str | None, dict[str, Any]]]
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

    @classmethod
    def with_key_ring(
        cls,
        key_ring: KeyRing,
        *,
        issuer: str,
        audience: str,
        clock: Callable[[], float],
        cache_size: int = 1024,
    ) -> TokenSigner:
        """A signer that signs with ``key_ring``'s current key and verifies by ``kid``."""
        return cls(
            algorithm=key_ring.algorithm,
            issuer=issuer,
            audience=audience,
            clock=clock,
            cache_size=cache_size,
            key_ring=key_ring,
        )

    def encode(self, claims: dict[str, Any], typ: str) -> str:
        """Sign ``claims`` (plus ``iss`` and ``aud``) with header ``typ`` (and ``kid``)."""
        payload = {"iss": self.issuer, "aud": self.audience, **claims}
        headers: dict[str, Any] = {"typ": typ}
        key: Any = self._signing_key
        if self.key_ring is not None:
            current = self.key_ring.current
            headers["kid"] = current.kid
            key = current.private_key
        return self._jwt.encode(payload, key, algorithm=self.algorithm, headers=headers)

    def decode(self, token: str, typ: str, require: Sequence[str]) -> dict[str, Any]:
        """Verify ``token`` as type ``typ`` and return its claims.

        Checks: length, signature with the one configured algorithm (with a key ring:
        the key its ``kid`` names), required claims, ``iss``, ``aud``, ``typ``, then
        ``exp``/``iat``/``nbf`` against ``clock``. Raises a ``jwt.PyJWTError``
        subclass on any failure.

        The result of the signature and claim checks is cached for the exact token
        text (``cache_size`` entries, 0 to turn off): PyJWT's decode costs ~45 us, a
        cache hit ~1 us. Only an identical string hits; the time claims (and, with a
        key ring, that the signing key is still published) are checked again on
        every call, and revocation is the caller's check on every request.
        """
        if len(token) > MAX_TOKEN_LENGTH:
            raise jwt.DecodeError(f"token longer than {MAX_TOKEN_LENGTH} characters")
        if not token.isascii():  # a token is base64url and dots; PyJWT would raise UnicodeEncodeError
            raise jwt.DecodeError("Invalid token: only base64url characters and dots are allowed")
        key = (typ, tuple(require), token)
        with self._cache_lock:
            cached = self._verified.get(key)
        if cached is None:
            cached = self._verify(token, typ, require)
            if self._cache_size > 0:
                with self._cache_lock:
                    self._verified[key] = cached
                    while len(self._verified) > self._cache_size:
                        self._verified.popitem(last=False)
        kid, payload = cached
        if self.key_ring is not None:
            self.key_ring.verifying_key(kid)  # a removed key's tokens die with it
        # The time claims are checked on every call, cached or not.
        now = self.clock()
        _validate_exp(payload, now)  # show: exp-checked
        _validate_iat(payload, now)
        _validate_nbf(payload, now)
        return dict(payload)

    def _verify(self, token: str, typ: str, require: Sequence[str]) -> tuple[str | None, dict[str, Any]]:
        required = sorted({"exp", "iat", "iss", "aud", "jti", *require})
        kid: str | None = None
        verifying_key: Any = self._verifying_key
        try:
            if self.key_ring is not None:
                # The header only chooses among our own published keys; the algorithm
                # stays pinned below, so the key type always matches the algorithm.
                header = jwt.get_unverified_header(token)
                if header.get("alg") != self.algorithm:  # show: alg-header-check
                    # Say so before looking up a key (the allow-list below refuses it too).
                    raise jwt.InvalidAlgorithmError("The specified alg value is not allowed")
                kid = header.get("kid")
                verifying_key = self.key_ring.verifying_key(kid)
            decoded = self._jwt.decode_complete(  # show: signature-verified
                token,
                verifying_key,  # show: signature-verified
                algorithms=[self.algorithm],  # show: pinned-algorithm
                audience=self.audience,  # show: claims-checked
                issuer=self.issuer,  # show: claims-checked
                options={
                    "require": required,  # show: claims-checked
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
            unverified = _unverified_header(token)
            if unverified is not None:
                _validate_typ(unverified, typ)
            raise
        _validate_typ(decoded["header"], typ)  # show: token-type
        payload: dict[str, Any] = decoded["payload"]
        _validate_numeric(payload, ("exp", "iat", "nbf"))
        _validate_strings(payload, [c for c in required if c not in ("exp", "iat", "aud")])
        return kid, payload
