"""A JSON Web Token built by hand, in the shape of PyJWT (chapter 01).

``encode`` and ``decode`` take the same arguments as ``jwt.encode`` and ``jwt.decode``
and raise PyJWT's own exceptions (``jwt.exceptions``), so code written against one
works with the other. Supported algorithms: HS256, HS384, HS512, RS256, ES256, EdDSA.

``encode`` gives the same bytes as ``jwt.encode`` for the deterministic algorithms
(HS*, RS256, EdDSA): compact JSON, sorted header keys, ``datetime`` claims as integers.

Where PyJWT 2.15 is lenient, this module is stricter, and never more lenient:

- base64url exactly as RFC 7515 §2 says: no ``=`` padding, nothing outside
  ``A-Z a-z 0-9 - _`` (PyJWT accepts a signature with ``=`` appended);
- a token longer than ``MAX_TOKEN_LENGTH`` characters is refused before any parsing;
- JSON must be UTF-8 without duplicate member names, ``NaN`` or ``Infinity``;
- ``exp``, ``nbf`` and ``iat`` must be JSON numbers (PyJWT accepts ``"1700000000"``);
- ``alg: none`` is refused in any spelling, even when listed in ``algorithms``;
  ``algorithms="HS256"`` means exactly HS256 (PyJWT tests for a substring);
- ``crit`` (RFC 7515 §4.1.11) and ``b64: false`` (RFC 7797) are not understood, so refused;
- an asymmetric key (PEM, OpenSSH, DER or a ``cryptography`` key object) or a JSON
  document (a JWK?) is refused as an HMAC secret with ``InvalidKeyError``
  (PyJWT raises ``TypeError`` for key objects);
- RSA keys under 2048 bits are refused (PyJWT only warns), and so are RSA keys with the
  ROCA fingerprint (CVE-2017-15361), whose private half can be computed from the public one;
- unknown ``options`` names raise ``TypeError`` (PyJWT ignores them: a typo in
  ``"require"`` would silently turn a check off);
- an HMAC secret shorter than the hash output (32 bytes for HS256, 48 for HS384, 64 for
  HS512) is refused with ``InvalidKeyError``, as RFC 7518 §3.2 requires (PyJWT only warns).
  The one lesson that verifies jwt.io's 19-byte example secret opts out, explicitly, with
  ``options={"enforce_minimum_key_length": False}``. ``encode`` still signs with a short
  secret, as ``jwt.encode`` does (without its warning), so such a token can be shown.

``decode_jws`` is the JWS layer under ``decode`` (the shape of PyJWT's
``jwt.api_jws.decode_complete``): it verifies the signature and returns the payload as
bytes, whatever they hold, so it can be tested against JWS vectors whose payloads are not
JSON objects (Wycheproof's). ``decode`` is ``decode_jws`` plus the JSON object and the claims.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import time
from calendar import timegm
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, NoReturn, get_args

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from jwt import PyJWK
from jwt.exceptions import (
    DecodeError,
    ExpiredSignatureError,
    ImmatureSignatureError,
    InvalidAlgorithmError,
    InvalidAudienceError,
    InvalidIssuedAtError,
    InvalidIssuerError,
    InvalidJTIError,
    InvalidKeyError,
    InvalidSignatureError,
    InvalidSubjectError,
    InvalidTokenError,
    MissingRequiredClaimError,
)

from .tokens import HMAC_ALGORITHMS as _HMAC_HASH_NAMES
from .tokens import MAX_TOKEN_LENGTH, SUPPORTED_ALGORITHMS

__all__ = [
    "MAX_TOKEN_LENGTH",
    "SUPPORTED_ALGORITHMS",
    "b64url_decode",
    "b64url_encode",
    "decode",
    "decode_jws",
    "encode",
    "get_unverified_header",
]

# MAX_TOKEN_LENGTH (longest token ``decode`` reads) and SUPPORTED_ALGORITHMS (the values of
# the header's ``alg`` this module signs and verifies) have their one home in jwt_course.tokens.

_HMAC_HASHES: dict[str, Callable[..., Any]] = {alg: getattr(hashlib, name) for alg, name in _HMAC_HASH_NAMES.items()}
_ASYMMETRIC_KEYS: dict[str, tuple[type, ...]] = {
    "RS256": (rsa.RSAPrivateKey, rsa.RSAPublicKey),
    "ES256": (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey),
    "EdDSA": (
        ed25519.Ed25519PrivateKey,
        ed25519.Ed25519PublicKey,
        ed448.Ed448PrivateKey,
        ed448.Ed448PublicKey,
    ),
}
_KEY_OBJECT_TYPES: tuple[type, ...] = (
    *get_args(PrivateKeyTypes),
    *get_args(PublicKeyTypes),
    x509.Certificate,
)
_MIN_RSA_BITS = 2048

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")
_TOKEN = re.compile(r"([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]*)")
_PEM_BEGIN = re.compile(rb"----[- ]BEGIN ")
_SSH_PREFIXES = (b"ssh-", b"ecdsa-sha2-", b"sk-ssh-", b"sk-ecdsa-")

_DEFAULT_OPTIONS: dict[str, Any] = {
    "verify_signature": True,
    "verify_exp": True,
    "verify_nbf": True,
    "verify_iat": True,
    "verify_aud": True,
    "verify_iss": True,
    "verify_sub": True,
    "verify_jti": True,
    "require": [],
    "strict_aud": False,
    "enforce_minimum_key_length": True,
}
#: The options of the JWS layer (``decode_jws``), as in PyJWT's ``SigOptions``.
_JWS_OPTIONS = ("verify_signature", "enforce_minimum_key_length")
_DEFAULT_JWS_OPTIONS: dict[str, Any] = {name: _DEFAULT_OPTIONS[name] for name in _JWS_OPTIONS}


def b64url_encode(data: bytes) -> str:
    """Encode ``data`` as base64url without ``=`` padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url; raise ``DecodeError`` for anything else.

    Refused: ``=`` padding, characters outside ``A-Z a-z 0-9 - _``, an impossible
    length, and non-canonical text (unused low bits set in the last character).
    """
    if not isinstance(text, str) or _SEGMENT.fullmatch(text) is None:
        raise DecodeError("Invalid base64url: only A-Z a-z 0-9 - _ are allowed, without '=' padding")
    return _b64url_decode_checked(text)


def _b64url_decode_checked(text: str) -> bytes:
    # The caller has checked the alphabet. A base64 character carries 6 bits; a
    # final group of 2 or 3 characters must leave its unused low bits at zero.
    tail = len(text) % 4
    if tail == 1 or (tail and _ALPHABET.index(text[-1]) & (0x0F if tail == 2 else 0x03)):
        raise DecodeError("Invalid base64url: impossible length or non-canonical last character")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(
    payload: dict[str, Any],
    key: str | bytes | PrivateKeyTypes,
    algorithm: str = "HS256",
    headers: dict[str, Any] | None = None,
) -> str:
    """Sign ``payload`` and return a compact JWS, byte for byte as ``jwt.encode`` does.

    (ES256 signatures are randomised, so only their header and payload match.)

    ``exp``, ``iat`` and ``nbf`` given as ``datetime`` become integer timestamps.
    ``headers`` adds header parameters; its ``alg``, if set, overrides ``algorithm``;
    ``typ`` (default ``"JWT"``) is left out when set to ``None`` or ``""``.
    """
    if not isinstance(payload, dict):
        raise TypeError("Expecting a dict object, as JWT only supports JSON objects as payloads.")
    claims = dict(payload)
    for claim in ("exp", "iat", "nbf"):
        if isinstance(claims.get(claim), datetime):
            claims[claim] = timegm(claims[claim].utctimetuple())
    if "iss" in claims and not isinstance(claims["iss"], str):
        raise TypeError("Issuer (iss) must be a string.")

    if headers and headers.get("alg"):
        algorithm = headers["alg"]
    header: dict[str, Any] = {"typ": "JWT", "alg": algorithm}
    if headers:
        _check_kid(headers)
        header.update(headers)
        header["alg"] = algorithm  # PyJWT would write headers={"alg": ""} into the token
        if header.pop("b64", True) is False:
            raise NotImplementedError("Unencoded payloads (RFC 7797, b64: false) are not supported")
    if not header["typ"]:
        del header["typ"]

    header_json = json.dumps(header, separators=(",", ":"), sort_keys=True, allow_nan=False)
    payload_json = json.dumps(claims, separators=(",", ":"), allow_nan=False)
    signing_input = f"{b64url_encode(header_json.encode())}.{b64url_encode(payload_json.encode())}"
    signature = _sign(algorithm, key, signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"


def decode_jws(
    token: str | bytes,
    key: str | bytes | PrivateKeyTypes | PublicKeyTypes | PyJWK | None,
    algorithms: Sequence[str] | None,
    *,
    options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Verify the compact JWS ``token``; return ``{"header", "payload", "signature"}``.

    The shape of PyJWT's ``jwt.api_jws.decode_complete``: ``header`` is the parsed
    header (a dict), ``payload`` and ``signature`` the decoded bytes. The payload may be
    anything (JSON or not); nothing in it is checked. Same strictness and exception
    classes as ``decode``. ``options``: ``verify_signature`` and
    ``enforce_minimum_key_length`` (default ``True``). A ``jwt.PyJWK`` key verifies only
    tokens whose ``alg`` is the key's own algorithm.
    """
    opts = _merge_jws_options(options)
    if opts["verify_signature"] and not algorithms:
        raise DecodeError(
            'It is required that you pass in a value for the "algorithms" argument when calling decode().'
        )
    header, signing_input, payload, signature = _split(token)
    if opts["verify_signature"]:
        _verify_signature(header, signing_input, signature, key, algorithms or (), opts)
    return {"header": header, "payload": payload, "signature": signature}


def decode(
    token: str | bytes,
    key: str | bytes | PrivateKeyTypes | PublicKeyTypes | PyJWK | None,
    algorithms: Sequence[str] | None,
    *,
    audience: str | Iterable[str] | None = None,
    issuer: str | Sequence[str] | None = None,
    leeway: float | timedelta = 0,
    options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Verify ``token`` and return its claims, as ``jwt.decode`` does.

    ``algorithms`` lists the accepted ``alg`` values and is required unless
    ``options={"verify_signature": False}``. ``options`` takes PyJWT's names:
    ``verify_signature``, ``verify_exp``, ``verify_nbf``, ``verify_iat``, ``verify_aud``,
    ``verify_iss``, ``verify_sub``, ``verify_jti``, ``require`` (claims that must be
    present), ``strict_aud``, ``enforce_minimum_key_length`` (default ``True``: an HMAC
    secret shorter than the hash is refused). ``leeway`` (seconds or a ``timedelta``)
    allows for clock skew in ``exp``, ``nbf`` and ``iat``.
    """
    opts = _merge_options(options)
    jws = decode_jws(token, key, algorithms, options={name: opts[name] for name in _JWS_OPTIONS})
    payload = _parse_object(jws["payload"], "payload")
    _validate_claims(payload, opts, audience, issuer, leeway)
    return payload


def get_unverified_header(token: str | bytes) -> dict[str, Any]:
    """Return the header of ``token`` without verifying anything: do not trust it yet."""
    return _split(token)[0]


def _split(token: str | bytes) -> tuple[dict[str, Any], bytes, bytes, bytes]:
    if not isinstance(token, (str, bytes)):
        raise DecodeError("Invalid token type: a token is a str or bytes")
    if len(token) > MAX_TOKEN_LENGTH:
        raise DecodeError(f"Token is longer than {MAX_TOKEN_LENGTH} characters")
    if isinstance(token, bytes):
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError:
            raise DecodeError("Invalid token: only base64url characters and dots are allowed") from None
    match = _TOKEN.fullmatch(token)
    if match is None:
        if token.count(".") != 2:
            raise DecodeError("Wrong number of segments: a JWS has three, separated by two dots")
        raise DecodeError("Invalid base64url: only A-Z a-z 0-9 - _ are allowed, without '=' padding")
    header_b64, payload_b64, signature_b64 = match.groups()
    header = _parse_object(_b64url_decode_checked(header_b64), "header")
    payload = _b64url_decode_checked(payload_b64)
    signature = _b64url_decode_checked(signature_b64)
    _check_kid(header)
    if "crit" in header:
        raise InvalidTokenError(f"Unsupported critical extension(s): {header['crit']!r}")
    if "b64" in header and header["b64"] is not True:
        raise InvalidTokenError("Unencoded payloads (RFC 7797, b64) are not supported")
    signing_input = token[: len(header_b64) + 1 + len(payload_b64)].encode("ascii")
    return header, signing_input, payload, signature


def _check_kid(header: Mapping[str, Any]) -> None:
    if "kid" in header and not isinstance(header["kid"], str):
        raise InvalidTokenError("Key ID header parameter must be a string")


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("duplicate member name")
    return obj


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


_STRICT_JSON = json.JSONDecoder(object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)


def _parse_object(data: bytes, part: str) -> dict[str, Any]:
    try:
        value = _STRICT_JSON.decode(data.decode("utf-8"))
    except (ValueError, RecursionError) as err:  # UnicodeDecodeError is a ValueError
        raise DecodeError(f"Invalid {part} string: {err}") from err
    if not isinstance(value, dict):
        raise DecodeError(f"Invalid {part} string: must be a json object")
    return value


def _verify_signature(
    header: dict[str, Any],
    signing_input: bytes,
    signature: bytes,
    key: object,
    algorithms: Sequence[str],
    opts: dict[str, Any],
) -> None:
    if "alg" not in header:
        raise InvalidAlgorithmError("Algorithm not specified")
    alg = header["alg"]
    if not isinstance(alg, str):
        raise InvalidAlgorithmError("The alg header must be a string")
    if alg.lower() == "none":
        raise InvalidAlgorithmError('Unsecured tokens (alg "none") are never accepted')
    allowed = (algorithms,) if isinstance(algorithms, str) else algorithms
    if alg not in allowed:
        raise InvalidAlgorithmError("The specified alg value is not allowed")
    if alg not in SUPPORTED_ALGORITHMS:
        raise InvalidAlgorithmError("Algorithm not supported")
    if isinstance(key, PyJWK):
        # The key says which algorithm it is for; the token's header does not get a say.
        if key.algorithm_name != alg:
            raise InvalidAlgorithmError(
                f"Token algorithm {alg!r} does not match the key's algorithm {key.algorithm_name!r}"
            )
        key = key.key

    if alg in _HMAC_HASHES:
        secret = _hmac_secret(key)
        digest = _HMAC_HASHES[alg]
        if opts["enforce_minimum_key_length"] and len(secret) < digest().digest_size:
            raise InvalidKeyError(
                f"The HMAC key is {len(secret)} bytes long, below the {digest().digest_size}"
                f" bytes RFC 7518 §3.2 requires for {alg}"
            )
        valid = hmac.compare_digest(hmac.digest(secret, signing_input, digest), signature)
    else:
        valid = _verify_asymmetric(_asymmetric_key(alg, key), signing_input, signature)
    if not valid:
        raise InvalidSignatureError("Signature verification failed")


def _sign(alg: str, key: object, message: bytes) -> bytes:
    if alg in _HMAC_HASHES:
        return hmac.digest(_hmac_secret(key), message, _HMAC_HASHES[alg])
    if alg not in SUPPORTED_ALGORITHMS:
        supported = ", ".join(SUPPORTED_ALGORITHMS)
        raise NotImplementedError(f"Algorithm not supported: {alg!r} (use one of {supported})")
    private = _asymmetric_key(alg, key)
    if isinstance(private, rsa.RSAPrivateKey):
        return private.sign(message, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(private, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(private.sign(message, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")  # RFC 7518 §3.4: raw r || s
    if isinstance(private, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)):
        return private.sign(message)
    raise InvalidKeyError(f"Signing with {alg} needs a private key, got {type(private).__name__}")


def _verify_asymmetric(key: object, message: bytes, signature: bytes) -> bool:
    if isinstance(
        key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)
    ):
        key = key.public_key()  # verifying with a private key: use its public half
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            if len(signature) != 64:  # RFC 7518 §3.4: raw r || s, 32 bytes each
                return False
            r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            key.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
            key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def _hmac_secret(key: object) -> bytes:
    if isinstance(key, str):
        key = key.encode("utf-8")
    if isinstance(key, bytes):
        return _checked_secret(key)
    if isinstance(key, _KEY_OBJECT_TYPES):
        raise InvalidKeyError(f"A {type(key).__name__} is an asymmetric key and cannot be an HMAC secret")
    raise TypeError(f"An HMAC secret is str or bytes, got {type(key).__name__}")


# A service verifies with the same few secrets: check each once (a refusal is not cached).
@lru_cache(maxsize=32)
def _checked_secret(key: bytes) -> bytes:
    if not key:
        raise InvalidKeyError("HMAC key must not be empty.")
    if _looks_asymmetric(key):
        raise InvalidKeyError(
            "The specified key is an asymmetric key or x509 certificate and should not be used as an HMAC secret."
        )
    if (b"{" in key or b"[" in key) and _is_json_container(key):
        raise InvalidKeyError("The specified key is JSON (a JWK?): use the secret in it, not the JSON text")
    return key


def _looks_asymmetric(key: bytes) -> bool:
    if _PEM_BEGIN.search(key) or key.lstrip().startswith(_SSH_PREFIXES):
        return True
    if key[:1] != b"\x30":  # DER starts with SEQUENCE
        return False
    loaders: tuple[Callable[[bytes], object], ...] = (
        serialization.load_der_public_key,
        x509.load_der_x509_certificate,
        lambda data: serialization.load_der_private_key(data, password=None),
    )
    for load in loaders:
        try:
            load(key)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            continue
        return True
    return False


def _is_json_container(key: bytes) -> bool:
    try:
        return isinstance(json.loads(key), (dict, list))
    except RecursionError:
        return True
    except ValueError:
        return False


def _asymmetric_key(alg: str, key: object) -> object:
    if isinstance(key, (str, bytes)):
        key = _load_pem_or_ssh(key.encode("utf-8") if isinstance(key, str) else key)
    elif not isinstance(key, _KEY_OBJECT_TYPES):
        # The same class PyJWT raises: InvalidKeyError for EdDSA, TypeError for RSA and EC.
        error = InvalidKeyError if alg == "EdDSA" else TypeError
        raise error(f"Expecting a PEM-formatted key or a cryptography key object, got {type(key).__name__}")
    if not isinstance(key, _ASYMMETRIC_KEYS[alg]):
        raise InvalidKeyError(f"{alg} cannot use a {type(key).__name__}")
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)) and not isinstance(
        key.curve, ec.SECP256R1
    ):
        raise InvalidKeyError(f"ES256 needs a P-256 (secp256r1) key, got {key.curve.name}")
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        if key.key_size < _MIN_RSA_BITS:
            raise InvalidKeyError(f"The RSA key is {key.key_size} bits long, below the minimum of {_MIN_RSA_BITS}")
        public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
        if _has_roca_fingerprint(public.public_numbers().n):
            raise InvalidKeyError(
                "The RSA key has the ROCA fingerprint (CVE-2017-15361): its private key can be"
                " computed from the public key"
            )
    return key


# ROCA (CVE-2017-15361): keys from a flawed generator have a modulus n that, modulo each small
# prime p, lies in the subgroup generated by 65537. A random modulus fails within a prime or two.
_ROCA_PRIMES = (
    3,
    5,
    7,
    11,
    13,
    17,
    19,
    23,
    29,
    31,
    37,
    41,
    43,
    47,
    53,
    59,
    61,
    67,
    71,
    73,
    79,
    83,
    89,
    97,
    101,
    103,
    107,
    109,
    113,
    127,
    131,
    137,
    139,
    149,
    151,
    157,
    163,
    167,
)
_ROCA_SUBGROUPS = {p: frozenset(pow(65537, k, p) for k in range(p)) for p in _ROCA_PRIMES}


def _has_roca_fingerprint(modulus: int) -> bool:
    return all(modulus % p in _ROCA_SUBGROUPS[p] for p in _ROCA_PRIMES)


# Parsing a PEM RSA private key costs tens of milliseconds; tokens use the same few keys.
@lru_cache(maxsize=32)
def _load_pem_or_ssh(data: bytes) -> object:
    try:
        if data.lstrip().startswith(_SSH_PREFIXES):
            return serialization.load_ssh_public_key(data.strip())
        if b"PRIVATE KEY-----" in data:
            return serialization.load_pem_private_key(data, password=None)
        return serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as err:
        raise InvalidKeyError(f"Could not parse the key as PEM or OpenSSH: {err}") from None


def _merge_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    if options is None:
        return _DEFAULT_OPTIONS
    unknown = options.keys() - _DEFAULT_OPTIONS.keys()
    if unknown:
        raise TypeError(f"Unknown decode option(s): {', '.join(sorted(unknown))}")
    merged = dict(_DEFAULT_OPTIONS)
    if not options.get("verify_signature", True):
        # As in PyJWT: without a signature check, claim checks default to off too.
        merged.update({name: False for name in merged if name.startswith("verify_")})
    merged.update(options)
    return merged


def _merge_jws_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    if options is None:
        return _DEFAULT_JWS_OPTIONS
    unknown = options.keys() - _DEFAULT_JWS_OPTIONS.keys()
    if unknown:
        raise TypeError(f"Unknown decode_jws option(s): {', '.join(sorted(unknown))}")
    return {**_DEFAULT_JWS_OPTIONS, **options}


def _validate_claims(
    payload: dict[str, Any],
    opts: dict[str, Any],
    audience: str | Iterable[str] | None,
    issuer: str | Sequence[str] | None,
    leeway: float | timedelta,
) -> None:
    if isinstance(leeway, timedelta):
        leeway = leeway.total_seconds()
    if audience is not None and not isinstance(audience, (str, Iterable)):
        raise TypeError("audience must be a string, iterable or None")
    for claim in opts["require"]:
        if payload.get(claim) is None:
            raise MissingRequiredClaimError(claim)

    now = time.time()
    if "iat" in payload and opts["verify_iat"]:
        if _numeric_date(payload, "iat", "Issued At", InvalidIssuedAtError) > now + leeway:
            raise ImmatureSignatureError("The token is not yet valid (iat)")
    if "nbf" in payload and opts["verify_nbf"]:
        if _numeric_date(payload, "nbf", "Not Before", DecodeError) > now + leeway:
            raise ImmatureSignatureError("The token is not yet valid (nbf)")
    if "exp" in payload and opts["verify_exp"]:
        if _numeric_date(payload, "exp", "Expiration Time", DecodeError) <= now - leeway:
            raise ExpiredSignatureError("Signature has expired")
    if opts["verify_iss"]:
        _validate_iss(payload, issuer)
    if opts["verify_aud"]:
        _validate_aud(payload, audience, strict=opts["strict_aud"])
    if opts["verify_sub"] and "sub" in payload and not isinstance(payload["sub"], str):
        raise InvalidSubjectError("Subject must be a string")
    if opts["verify_jti"] and "jti" in payload and not isinstance(payload["jti"], str):
        raise InvalidJTIError("JWT ID must be a string")


def _numeric_date(payload: dict[str, Any], claim: str, name: str, error: type[InvalidTokenError]) -> int:
    value = payload[claim]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value in (math.inf, -math.inf):
        raise error(f"{name} claim ({claim}) must be a number (seconds since the epoch), got {value!r}")
    return int(value)


def _validate_iss(payload: dict[str, Any], issuer: str | Sequence[str] | None) -> None:
    if issuer is None:
        return
    if "iss" not in payload:
        raise MissingRequiredClaimError("iss")
    iss = payload["iss"]
    if not isinstance(iss, str):
        raise InvalidIssuerError("Payload Issuer (iss) must be a string")
    if isinstance(issuer, str):
        if iss != issuer:
            raise InvalidIssuerError("Invalid issuer")
        return
    try:
        if iss not in issuer:
            raise InvalidIssuerError("Invalid issuer")
    except TypeError:
        raise InvalidIssuerError('Issuer param must be "str" or "Container[str]"') from None


def _validate_aud(payload: dict[str, Any], audience: str | Iterable[str] | None, *, strict: bool) -> None:
    if audience is None:
        if payload.get("aud"):
            raise InvalidAudienceError("Invalid audience")  # the token names an audience, the caller none
        return
    if not payload.get("aud"):
        raise MissingRequiredClaimError("aud")
    claims = payload["aud"]
    if strict:
        if not isinstance(audience, str):
            raise InvalidAudienceError("Invalid audience (strict)")
        if not isinstance(claims, str):
            raise InvalidAudienceError("Invalid claim format in token (strict)")
        if audience != claims:
            raise InvalidAudienceError("Audience doesn't match (strict)")
        return
    if isinstance(claims, str):
        claims = [claims]
    if not isinstance(claims, list) or any(not isinstance(c, str) for c in claims):
        raise InvalidAudienceError("Invalid claim format in token")
    wanted = [audience] if isinstance(audience, str) else audience
    if all(aud not in claims for aud in wanted):
        raise InvalidAudienceError("Audience doesn't match")
