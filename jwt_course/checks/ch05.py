"""Chapter 05: keys and JWKS (a JWK by hand, verification by ``kid``, a rotation plan).

q1 and q2 compare the learner's JWK with PyJWT's ``RSAAlgorithm.to_jwk`` and
``ECAlgorithm.to_jwk``; q3 calls the learner's verifier with good tokens and with
attacks (unknown ``kid``, a foreign key under a known ``kid``, another algorithm, an
HS256 token keyed with the public key); q4 checks a rotation plan on edge cases.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from . import Exercise, Failure, NotSolved

__all__ = ["AUDIENCE", "ISSUER", "q1", "q2", "q3", "q4"]

#: Who issues the exercise tokens (``iss``) and which API they are for (``aud``).
ISSUER = "https://auth.course.test"
AUDIENCE = "https://api.course.test"
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _short_key(jwk: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k!r}: {str(v)[:12]!r}…" if len(str(v)) > 12 else f"{k!r}: {v!r}" for k, v in jwk.items()) + "}"


def _compare_jwk(what: str, got: Any, expected: dict[str, str]) -> None:
    if not isinstance(got, dict):
        raise Failure(f"{what} returned a {type(got).__name__}; return a dict")
    leaked = [m for m in _PRIVATE_MEMBERS if m in got]
    if leaked:
        raise Failure(f"{what} contains private members {leaked}: a JWKS must hold public keys only")
    for member, value in expected.items():
        if member not in got:
            raise Failure(f"{what} has no {member!r}; expected {_short_key(expected)}")
        if got[member] != value:
            raise Failure(f"{what}[{member!r}] is {got[member]!r}, expected {value!r}")


@functools.cache
def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def _ec_keys() -> tuple[ec.EllipticCurvePrivateKey, ...]:
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(3)]
    # A key whose x or y coordinate starts with a zero byte (about 1 key in 128):
    # found deterministically by trying private scalars 2, 3, 4, ...
    scalar = 2
    while True:
        key = ec.derive_private_key(scalar, ec.SECP256R1())
        point = key.public_key().public_numbers()
        if point.x < 2**248 or point.y < 2**248:
            return (*keys, key)
        scalar += 1


# -- q1 ------------------------------------------------------------------------


class RsaJwk(Exercise):
    """An RSA public key as a JWK: base64url of the big-endian modulus and exponent."""

    label = "q1"
    name = "rsa_public_jwk"
    hints = (
        "public_key.public_numbers() gives you the integers n and e; a JWK stores each as "
        "base64url (no padding) of its big-endian bytes (RFC 7518 §6.3.1).",
        "Use the shortest byte string: length (value.bit_length() + 7) // 8, so e = 65537 is "
        "the three bytes 01 00 01, i.e. 'AQAB'. Return {'kty': 'RSA', 'n': ..., 'e': ...}.",
    )
    solution_code = '''
def rsa_public_jwk(public_key) -> dict:
    numbers = public_key.public_numbers()

    def b64url_uint(value: int) -> str:
        raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    return {"kty": "RSA", "n": b64url_uint(numbers.n), "e": b64url_uint(numbers.e)}
'''

    def verify(self, answer: Any) -> None:
        n = _rsa_key().public_key().public_numbers().n
        cases = [("a 2048-bit key, e = 65537", _rsa_key().public_key())]
        cases.append(("the same modulus with e = 3", rsa.RSAPublicNumbers(3, n).public_key()))
        for label, public in cases:
            got = self.call(answer, public)
            expected = RSAAlgorithm.to_jwk(public, as_dict=True)
            expected.pop("key_ops", None)
            _compare_jwk(f"rsa_public_jwk({label})", got, expected)


# -- q2 ------------------------------------------------------------------------


class EcJwk(Exercise):
    """A P-256 public key as a JWK: the point's x and y, 32 bytes each."""

    label = "q2"
    name = "ec_public_jwk"
    hints = (
        "public_key.public_numbers() gives the point (x, y). A P-256 JWK is "
        "{'kty': 'EC', 'crv': 'P-256', 'x': ..., 'y': ...} (RFC 7518 §6.2.1).",
        "Unlike RSA's n and e, each coordinate is always the full field size: 32 bytes for "
        "P-256, leading zero bytes included: x.to_bytes(32, 'big').",
    )
    solution_code = '''
def ec_public_jwk(public_key) -> dict:
    point = public_key.public_numbers()

    def coordinate(value: int) -> str:
        return base64.urlsafe_b64encode(value.to_bytes(32, "big")).rstrip(b"=").decode("ascii")

    return {"kty": "EC", "crv": "P-256", "x": coordinate(point.x), "y": coordinate(point.y)}
'''

    def verify(self, answer: Any) -> None:
        keys = _ec_keys()
        for index, private in enumerate(keys):
            public = private.public_key()
            label = "a key whose coordinate starts with a zero byte" if index == len(keys) - 1 else f"P-256 key #{index + 1}"
            got = self.call(answer, public)
            expected = ECAlgorithm.to_jwk(public, as_dict=True)
            _compare_jwk(f"ec_public_jwk({label})", got, expected)


# -- q3 ------------------------------------------------------------------------


def _jwk(public: Any, kid: str, algorithm: str) -> dict[str, Any]:
    maker = RSAAlgorithm if algorithm == "RS256" else ECAlgorithm
    jwk: dict[str, Any] = maker.to_jwk(public, as_dict=True)
    jwk.pop("key_ops", None)
    return {**jwk, "kid": kid, "use": "sig", "alg": algorithm}


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {"sub": "alice", "role": "user", "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 600}
    claims.update(changes)
    return claims


def _hs256_with(secret: bytes, header: dict[str, Any], claims: dict[str, Any]) -> str:
    signing_input = ".".join(_b64url(json.dumps(part).encode()) for part in (header, claims))
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}"


class VerifyByKid(Exercise):
    """Verify a token with the JWKS key its ``kid`` names; pin the algorithm."""

    label = "q3"
    name = "verify_with_jwks"
    hints = (
        "Read the kid with jwt.get_unverified_header(token) (the header only picks a key; "
        "it proves nothing), find the JWK with that kid in jwks['keys'], and turn it into a "
        "key with jwt.PyJWK(jwk). No match: raise jwt.InvalidTokenError.",
        "Then jwt.decode(token, key, algorithms=[algorithm], audience=..., issuer=..., "
        "options={'require': ['exp', 'iat', 'iss', 'aud', 'sub']}). algorithms comes from your "
        "configuration, never from the token's header or the JWK.",
    )
    solution_code = '''
def verify_with_jwks(token: str, jwks: dict, algorithm: str, audience: str, issuer: str) -> dict:
    kid = jwt.get_unverified_header(token).get("kid")
    for jwk in jwks["keys"]:
        if jwk.get("kid") == kid:
            key = jwt.PyJWK(jwk)
            break
    else:
        raise jwt.InvalidTokenError(f"unknown kid {kid!r}")
    return jwt.decode(
        token, key, algorithms=[algorithm], audience=audience, issuer=issuer,
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )
'''

    def _reject(self, answer: Callable[..., Any], case: str, token: str, jwks: dict[str, Any], algorithm: str) -> None:
        try:
            result = answer(token, jwks, algorithm, AUDIENCE, ISSUER)
        except jwt.PyJWTError:
            return
        except NotImplementedError:
            raise NotSolved from None
        except Exception as exc:
            raise Failure(
                f"{case}: your function raised {type(exc).__name__}: {exc}. Raise a "
                "jwt.InvalidTokenError (a jwt.PyJWTError) so that a server answers 401, not 500"
            ) from None
        if result is None:
            raise NotSolved
        raise Failure(f"{case}: accepted, returned {result!r:.80}; it must raise jwt.InvalidTokenError")

    def verify(self, answer: Any) -> None:
        first, second = _ec_keys()[:2]
        stranger = _ec_keys()[2]
        jwks = {"keys": [_jwk(first.public_key(), "key-1", "ES256"), _jwk(second.public_key(), "key-2", "ES256")]}
        for private, kid in ((second, "key-2"), (first, "key-1")):
            claims = _claims()
            token = jwt.encode(claims, private, algorithm="ES256", headers={"kid": kid})
            got = self.call(answer, token, jwks, "ES256", AUDIENCE, ISSUER)
            self.expect_equal(f"verify_with_jwks(a good token with kid {kid!r})", got, claims)
        rsa_key = _rsa_key()
        rsa_jwks = {"keys": [_jwk(rsa_key.public_key(), "rsa-1", "RS256")]}
        claims = _claims()
        token = jwt.encode(claims, rsa_key, algorithm="RS256", headers={"kid": "rsa-1"})
        self.expect_equal("verify_with_jwks(a good RS256 token)", self.call(answer, token, rsa_jwks, "RS256", AUDIENCE, ISSUER), claims)

        pem = rsa_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        ed = ed25519.Ed25519PrivateKey.generate()
        cases = [
            ("a token whose kid is not in the set", jwt.encode(_claims(), stranger, algorithm="ES256", headers={"kid": "key-9"}), jwks, "ES256"),
            ("a token without a kid", jwt.encode(_claims(), first, algorithm="ES256"), jwks, "ES256"),
            ("a stranger's signature under kid 'key-1'", jwt.encode(_claims(), stranger, algorithm="ES256", headers={"kid": "key-1"}), jwks, "ES256"),
            ("an EdDSA token under kid 'key-1' (ES256 configured)", jwt.encode(_claims(), ed, algorithm="EdDSA", headers={"kid": "key-1"}), jwks, "ES256"),
            ("an HS256 token HMAC-keyed with the RSA public key PEM (RS256 configured)", _hs256_with(pem, {"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}, _claims()), rsa_jwks, "RS256"),
            ("an expired token", jwt.encode(_claims(iat=1_600_000_000, exp=1_600_000_600), first, algorithm="ES256", headers={"kid": "key-1"}), jwks, "ES256"),
            ("a token for another audience", jwt.encode(_claims(aud="https://other.test"), first, algorithm="ES256", headers={"kid": "key-1"}), jwks, "ES256"),
            ("a token from another issuer", jwt.encode(_claims(iss="https://evil.test"), first, algorithm="ES256", headers={"kid": "key-1"}), jwks, "ES256"),
            ("a token without exp", jwt.encode({k: v for k, v in _claims().items() if k != "exp"}, first, algorithm="ES256", headers={"kid": "key-1"}), jwks, "ES256"),
        ]
        for case, token, keys, algorithm in cases:
            self._reject(answer, case, token, keys, algorithm)


# -- q4 ------------------------------------------------------------------------


def _schedule(published_at: int, jwks_max_age: int, access_ttl: int, refresh_ttl: int, leeway: int = 0) -> tuple[int, int]:
    start_signing = published_at + jwks_max_age
    return start_signing, start_signing + max(access_ttl, refresh_ttl) + leeway


class RotationSchedule(Exercise):
    """When may the new key start signing, and when may the old key leave the set?"""

    label = "q4"
    name = "rotation_schedule"
    hints = (
        "A verifier may hold a cached JWKS for jwks_max_age seconds: until then it has not seen "
        "the new key, so the new key may start signing only at published_at + jwks_max_age.",
        "The old key signs until that moment; the last token it signs lives as long as the "
        "longest-lived token type (max of the two TTLs; a refresh TTL of 0 means no refresh "
        "tokens), plus the leeway verifiers allow for clock skew.",
    )
    solution_code = '''
def rotation_schedule(published_at, jwks_max_age, access_ttl, refresh_ttl, leeway=0):
    start_signing = published_at + jwks_max_age
    remove_old = start_signing + max(access_ttl, refresh_ttl) + leeway
    return start_signing, remove_old
'''

    def verify(self, answer: Any) -> None:
        cases = [
            ("the course defaults", (1_767_225_600, 300, 900, 604_800), {}),
            ("a JWKS that is not cached", (1_000, 0, 900, 604_800), {}),
            ("no refresh tokens (refresh_ttl=0)", (1_000, 300, 900, 0), {}),
            ("access tokens outliving refresh tokens", (1_000, 60, 7_200, 3_600), {}),
            ("verifiers allowing 30 s of clock skew", (1_000, 300, 900, 604_800), {"leeway": 30}),
        ]
        for label, args, kwargs in cases:
            got = self.call(answer, *args, **kwargs)
            if not isinstance(got, tuple) or len(got) != 2:
                raise Failure(f"{label}: returned {got!r}; return a tuple (start_signing, remove_old)")
            shown = ", ".join([*map(str, args), *(f"{k}={v}" for k, v in kwargs.items())])
            self.expect_equal(f"rotation_schedule({shown}) [{label}]", got, _schedule(*args, **kwargs))


q1 = RsaJwk()
q2 = EcJwk()
q3 = VerifyByKid()
q4 = RotationSchedule()
