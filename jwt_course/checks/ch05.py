"""Chapter 05: keys and JWKS (a JWK by hand, verification by ``kid``, a rotation plan).

Every checker is a table of cases (:mod:`jwt_course.checks.cases`). q1 and q2 compare the
learner's JWK with PyJWT's ``to_jwk`` on fixed keys (a coordinate with a leading zero byte
included) and on generated ones; q3 calls the learner's verifier with good tokens and with
the hostile corpus (:mod:`jwt_course.checks.corpus`): an unknown ``kid`` signed by a real key,
the legitimate key under another algorithm, the public PEM as an HMAC secret, each required
claim missing in turn; q4 checks a rotation plan on edge cases and generated inputs.
"""

from __future__ import annotations

import base64
import binascii
import functools
import time
from collections.abc import Callable, Sequence
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from ..attacks import forge, hs256
from . import corpus
from .cases import Case, Expect, Outcome, Raises, TableExercise, short
from .differential import Differential

__all__ = ["AUDIENCE", "ISSUER", "q1", "q2", "q3", "q4"]

#: Who issues the exercise tokens (``iss``) and which API they are for (``aud``).
ISSUER = "https://auth.course.test"
AUDIENCE = "https://api.course.test"
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi")
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


# -- JWK comparison, shared by q1 and q2 ---------------------------------------------


def _unb64url(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def _member_problem(member: str, got: Any, want: str, *, fixed: int | None = None) -> str:
    """Why ``got`` is not ``want`` (a base64url integer member), in words a learner can act on."""
    if not isinstance(got, str):
        return f"{member!r} is {short(got)} (a {type(got).__name__}); write it as a base64url string"
    if "=" in got:
        return f"{member!r} ends with '=' padding; a JWK writes base64url without padding"
    if "+" in got or "/" in got:
        return f"{member!r} contains '+' or '/' (standard base64); use base64url ('-' and '_')"
    raw, wanted = _unb64url(got), _unb64url(want)
    if raw is None or wanted is None or got.isdigit():
        return f"{member!r} is {short(got)}: not base64url of the integer's bytes; expected {short(want)}"
    if raw[::-1] == wanted or raw[::-1].lstrip(b"\0") == wanted.lstrip(b"\0"):
        return f"{member!r} holds the bytes little-endian; a JWK writes big-endian (most significant byte first)"
    if fixed is not None and raw.lstrip(b"\0") == wanted.lstrip(b"\0"):
        return (
            f"{member!r} is {len(raw)} bytes; a P-256 coordinate is always {fixed} bytes, leading zero "
            f"bytes included (this key's {member} starts with a zero byte)"
        )
    if raw.lstrip(b"\0") == wanted and raw != wanted:
        return (
            f"{member!r} has {len(raw) - len(wanted)} leading zero byte(s); write the shortest big-endian "
            f"bytes ({short(want)})"
        )
    return f"{member!r} is {short(got)}, expected {short(want)}"


class _JwkLike(Expect):
    """Returns a dict whose members equal ``expected`` (extra public members allowed)."""

    def __init__(self, expected: dict[str, str], *, fixed: int | None = None) -> None:
        self.expected = expected
        self.fixed = fixed
        self.problem = ""

    def accepts(self, outcome: Outcome) -> bool:
        self.problem = ""
        if outcome.raised:
            return False
        got = outcome.value
        if not isinstance(got, dict):
            self.problem = f"return a dict, not a {type(got).__name__}"
            return False
        leaked = [m for m in _PRIVATE_MEMBERS if m in got]
        if leaked:
            self.problem = f"public members only: {leaked} are private key members, a JWKS must never hold them"
            return False
        for member, want in self.expected.items():
            if member not in got:
                self.problem = f"the JWK has no {member!r} (it needs {sorted(self.expected)})"
                return False
            if got[member] != want:
                if member in ("kty", "crv"):
                    self.problem = f"{member!r} is {short(got[member])}; RFC 7518 writes {want!r}"
                elif member in ("x", "y") and got.get("y" if member == "x" else "x") == want:
                    self.problem = "'x' and 'y' are swapped"
                else:
                    self.problem = _member_problem(member, got[member], want, fixed=self.fixed)
                return False
        return True

    def describe(self) -> str:
        return f"return {short(self.expected, 70)}" + (f": {self.problem}" if self.problem else "")


def _same_jwk(members: tuple[str, ...]) -> Callable[[Outcome, Outcome], bool]:
    def compare(got: Outcome, want: Outcome) -> bool:
        if got.raised or not isinstance(got.value, dict):
            return False
        return all(got.value.get(m) == want.value[m] for m in members) and not any(
            m in got.value for m in _PRIVATE_MEMBERS
        )

    return compare


@functools.cache
def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def _ec_keys() -> tuple[ec.EllipticCurvePrivateKey, ...]:
    """Three random P-256 keys, then one whose x and one whose y starts with a zero byte."""
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(3)]
    short_x = short_y = None
    scalar = 2  # deterministic: the first scalars 2, 3, 4, ... with such a coordinate
    while short_x is None or short_y is None:
        key = ec.derive_private_key(scalar, ec.SECP256R1())
        point = key.public_key().public_numbers()
        if short_x is None and point.x < 2**248:
            short_x = key
        elif short_y is None and point.y < 2**248:
            short_y = key
        scalar += 1
    return (*keys, short_x, short_y)


def _rsa_expected(public: rsa.RSAPublicKey) -> dict[str, str]:
    jwk = RSAAlgorithm.to_jwk(public, as_dict=True)
    return {m: jwk[m] for m in ("kty", "n", "e")}


def _ec_expected(public: ec.EllipticCurvePublicKey) -> dict[str, str]:
    jwk = ECAlgorithm.to_jwk(public, as_dict=True)
    return {m: jwk[m] for m in ("kty", "crv", "x", "y")}


# -- q1 ------------------------------------------------------------------------


class RsaJwk(TableExercise):
    """An RSA public key as a JWK: base64url of the big-endian modulus and exponent."""

    label = "q1"
    name = "rsa_public_jwk"
    hints = (
        "public_key.public_numbers() gives you the integers n and e; a JWK stores each as "
        "base64url (no padding) of its big-endian bytes (RFC 7518 §6.3.1).",
        "Use the shortest byte string: length (value.bit_length() + 7) // 8, so e = 65537 is "
        "the three bytes 01 00 01, i.e. 'AQAB'. Return {'kty': 'RSA', 'n': ..., 'e': ...}.",
    )
    REQUIREMENT = (
        "an RSA JWK is {'kty': 'RSA', 'n': ..., 'e': ...}, n and e each base64url without padding of the "
        "integer's shortest big-endian bytes"
    )

    def cases(self) -> Sequence[Case]:
        key = _rsa_key().public_key()
        n = key.public_numbers().n
        publics = [
            ("a 2048-bit key, e = 65537", key),
            ("the same modulus with e = 3", rsa.RSAPublicNumbers(3, n).public_key()),
            ("a 2047-bit modulus (its top byte is below 0x80)", rsa.RSAPublicNumbers(65537, n >> 1 | 1).public_key()),
        ]
        return [
            Case(self.REQUIREMENT, _JwkLike(_rsa_expected(public)), args=(public,), shown=f"rsa_public_jwk(<{what}>)")
            for what, public in publics
        ]

    def differentials(self) -> Sequence[Differential]:
        def inputs(st: Any) -> Any:
            numbers = st.tuples(st.sampled_from([3, 17, 257, 65537, 2**31 + 11]), st.integers(2**255, 2**2048))
            return numbers.map(lambda en: (rsa.RSAPublicNumbers(en[0], en[1] | 1).public_key(),))

        def shown(args: tuple[Any, ...]) -> str:
            numbers = args[0].public_numbers()
            return f"rsa_public_jwk(<a key with e = {numbers.e} and a {numbers.n.bit_length()}-bit n>)"

        return [
            Differential(
                self.REQUIREMENT,
                lambda public: _rsa_expected(public),
                inputs,
                max_examples=40,
                compare=_same_jwk(("kty", "n", "e")),
                shown=shown,
            ),
        ]


# -- q2 ------------------------------------------------------------------------


class EcJwk(TableExercise):
    """A P-256 public key as a JWK: the point's x and y, 32 bytes each."""

    label = "q2"
    name = "ec_public_jwk"
    hints = (
        "public_key.public_numbers() gives the point (x, y). A P-256 JWK is "
        "{'kty': 'EC', 'crv': 'P-256', 'x': ..., 'y': ...} (RFC 7518 §6.2.1).",
        "Unlike RSA's n and e, each coordinate is always the full field size: 32 bytes for "
        "P-256, leading zero bytes included: x.to_bytes(32, 'big').",
    )
    REQUIREMENT = (
        "a P-256 JWK is {'kty': 'EC', 'crv': 'P-256', 'x': ..., 'y': ...}, each coordinate base64url without "
        "padding of exactly 32 big-endian bytes"
    )

    def cases(self) -> Sequence[Case]:
        keys = _ec_keys()
        labels = [
            "P-256 key #1",
            "P-256 key #2",
            "P-256 key #3",
            "a key whose x starts with a zero byte",
            "a key whose y starts with a zero byte",
        ]
        return [
            Case(
                self.REQUIREMENT,
                _JwkLike(_ec_expected(k.public_key()), fixed=32),
                args=(k.public_key(),),
                shown=f"ec_public_jwk(<{what}>)",
            )
            for what, k in zip(labels, keys, strict=True)
        ]

    def differentials(self) -> Sequence[Differential]:
        def inputs(st: Any) -> Any:
            return st.integers(1, _P256_ORDER - 1).map(
                lambda s: (ec.derive_private_key(s, ec.SECP256R1()).public_key(),)
            )

        return [
            Differential(
                self.REQUIREMENT,
                lambda public: _ec_expected(public),
                inputs,
                max_examples=30,
                compare=_same_jwk(("kty", "crv", "x", "y")),
                shown=lambda args: "ec_public_jwk(<a generated P-256 key>)",
            ),
        ]


# -- q3 ------------------------------------------------------------------------

_REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub")
_REFUSE = Raises((jwt.PyJWTError,), "raise a jwt.PyJWTError such as jwt.InvalidTokenError (a server answers 401)")


def _stopped_past_the_list(error: BaseException | None) -> bool:
    """True when PyJWT refused only after the learner's algorithm list let the token's alg through."""
    return isinstance(error, jwt.InvalidKeyError) or (
        isinstance(error, jwt.InvalidAlgorithmError) and "does not match the key's algorithm" in str(error)
    )


class _Pinned(Expect):
    """Refused, and by the algorithm list: not by PyJWT's own key checks further on."""

    def __init__(self) -> None:
        self.problem = ""

    def accepts(self, outcome: Outcome) -> bool:
        self.problem = ""
        if not isinstance(outcome.error, jwt.PyJWTError):
            return False
        if _stopped_past_the_list(outcome.error):
            self.problem = (
                f"your algorithm list let this alg through; only PyJWT's key check stopped it "
                f"({type(outcome.error).__name__}: {outcome.error}). Pass algorithms=[algorithm], a list of one"
            )
            return False
        return True

    def describe(self) -> str:
        return "raise jwt.InvalidAlgorithmError (or another jwt.PyJWTError)" + (
            f"; {self.problem}" if self.problem else ""
        )


def _jwk(public: Any, kid: str, algorithm: str) -> dict[str, Any]:
    maker = RSAAlgorithm if algorithm.startswith(("RS", "PS")) else ECAlgorithm
    jwk: dict[str, Any] = maker.to_jwk(public, as_dict=True)
    jwk.pop("key_ops", None)
    return {**jwk, "kid": kid, "use": "sig", "alg": algorithm}


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "alice",
        "role": "user",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 600,
    }
    claims.update(changes)
    return claims


class _ReturnsClaims(Expect):
    def __init__(self, claims: dict[str, Any]) -> None:
        self.claims = claims

    def accepts(self, outcome: Outcome) -> bool:
        return not outcome.raised and outcome.value == self.claims

    def describe(self) -> str:
        return "return its claims"


class VerifyByKid(TableExercise):
    """Verify a token with the JWKS key its ``kid`` names; pin the algorithm."""

    label = "q3"
    name = "verify_with_jwks"
    hints = (
        "Read the kid with jwt.get_unverified_header(token) (the header only picks a key; "
        "it proves nothing), find the JWK with that kid in jwks['keys'], and turn it into a "
        "key with jwt.PyJWK(jwk). No match: raise jwt.InvalidTokenError.",
        "Then jwt.decode(token, key, algorithms=[algorithm], audience=..., issuer=..., "
        "options={'require': ['exp', 'iat', 'iss', 'aud', 'sub']}). algorithms comes from your "
        "configuration, never from the token's header or the JWK. Let PyJWT's errors through "
        "(they are all jwt.PyJWTError, which a server turns into a 401).",
    )

    def cases(self) -> Sequence[Case]:
        first, second, stranger = _ec_keys()[:3]
        rsa_key = _rsa_key()
        ec_set = {"keys": [_jwk(first.public_key(), "key-1", "ES256"), _jwk(second.public_key(), "key-2", "ES256")]}
        rsa_set = {"keys": [_jwk(rsa_key.public_key(), "rsa-1", "RS256")]}
        mixed = {"keys": [*ec_set["keys"], *rsa_set["keys"]]}

        def case(requirement: str, expect: Expect, token: str, jwks: dict[str, Any], alg: str, what: str) -> Case:
            return Case(
                requirement,
                expect,
                args=(token, jwks, alg, AUDIENCE, ISSUER),
                shown=f"verify_with_jwks(<{what}>, <{len(jwks['keys'])}-key JWKS>, {alg!r}, AUDIENCE, ISSUER)",
            )

        def es(claims: dict[str, Any], key: Any = first, kid: str | None = "key-1") -> str:
            return corpus.sign({"alg": "ES256", "typ": "JWT", **({"kid": kid} if kid else {})}, claims, key)

        table: list[Case] = []
        good = "return the claims of a valid token, verified with the JWK its kid names"
        for kid, key in (("key-2", second), ("key-1", first)):
            claims = _claims()
            table.append(
                case(
                    good,
                    _ReturnsClaims(claims),
                    es(claims, key, kid),
                    ec_set,
                    "ES256",
                    f"a good ES256 token with kid {kid!r}",
                )
            )
        claims = _claims()
        table.append(
            case(
                good,
                _ReturnsClaims(claims),
                corpus.sign({"alg": "RS256", "typ": "JWT", "kid": "rsa-1"}, claims, rsa_key),
                rsa_set,
                "RS256",
                "a good RS256 token",
            )
        )

        no_key = "a kid that is not in the set (or no kid) raises jwt.InvalidTokenError: never fall back to another key"
        table += [
            case(
                no_key,
                _REFUSE,
                es(_claims(), first, "key-9"),
                ec_set,
                "ES256",
                "a token signed by key-1 but with kid 'key-9' (not in the set)",
            ),
            case(no_key, _REFUSE, es(_claims(), first, None), ec_set, "ES256", "a token signed by key-1 without a kid"),
            case(
                no_key,
                _REFUSE,
                es(_claims(), stranger, "key-9"),
                ec_set,
                "ES256",
                "a stranger's token with kid 'key-9'",
            ),
            case(
                "verify the signature with the kid's key",
                _REFUSE,
                es(_claims(), stranger, "key-1"),
                ec_set,
                "ES256",
                "a stranger's signature under kid 'key-1'",
            ),
        ]

        pinned = "accept only `algorithm` (your configuration), never the header's alg"
        for hostile in corpus.alg_confusion(_claims(), private_key=rsa_key, expected="RS256"):
            header = {**jwt.get_unverified_header(hostile.value), "kid": "rsa-1"}
            alg = str(header["alg"])
            token = (
                corpus.sign(header, _claims(), rsa_key)
                if alg.startswith(("RS", "PS"))
                else forge(header, _claims(), hs256(_pem_for(hostile.name, rsa_key)))
            )
            table.append(case(pinned, _Pinned(), token, rsa_set, "RS256", f"{hostile.what}, kid 'rsa-1'"))
        table += [
            case(
                pinned,
                _Pinned(),
                corpus.sign({"alg": "RS256", "typ": "JWT", "kid": "rsa-1"}, _claims(), rsa_key),
                mixed,
                "ES256",
                "an RS256 token signed with the set's own RSA key (ES256 configured)",
            ),
            case(
                pinned,
                _Pinned(),
                corpus.sign(
                    {"alg": "EdDSA", "typ": "JWT", "kid": "key-1"}, _claims(), ed25519.Ed25519PrivateKey.generate()
                ),
                ec_set,
                "ES256",
                "an EdDSA token under kid 'key-1' (ES256 configured)",
            ),
        ]
        for hostile in corpus.alg_none(_claims()):
            header = {**jwt.get_unverified_header(hostile.value), "kid": "key-1"}
            body = hostile.value.split(".")[1]
            table.append(
                case(
                    pinned,
                    _Pinned(),
                    f"{corpus.b64url(_json(header))}.{body}.",
                    ec_set,
                    "ES256",
                    f"{hostile.what}, kid 'key-1'",
                )
            )

        now = int(time.time())
        table += [
            case(
                "refuse an expired token",
                _REFUSE,
                es(_claims(iat=now - 3600, exp=now - 600)),
                ec_set,
                "ES256",
                "a token that expired 10 minutes ago",
            ),
            case(
                "check the audience",
                _REFUSE,
                es(_claims(aud="https://other.course.test")),
                ec_set,
                "ES256",
                "a token for another audience",
            ),
            case(
                "check the issuer",
                _REFUSE,
                es(_claims(iss="https://evil.test")),
                ec_set,
                "ES256",
                "a token from another issuer",
            ),
        ]
        for hostile in corpus.without_each(_claims(), _REQUIRED_CLAIMS):
            claim = hostile.name.removeprefix("no-")
            table.append(
                case(
                    f"require exp, iat, iss, aud and sub (a token without {claim} is refused)",
                    _REFUSE,
                    es(hostile.value),
                    ec_set,
                    "ES256",
                    f"a token without {claim}",
                )
            )
        return table


def _json(obj: dict[str, Any]) -> bytes:
    import json

    return json.dumps(obj, separators=(",", ":")).encode()


def _pem_for(name: str, key: rsa.RSAPrivateKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    form = (
        serialization.PublicFormat.PKCS1 if name.endswith("pkcs1") else serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return bytes(key.public_key().public_bytes(serialization.Encoding.PEM, form))


# -- q4 ------------------------------------------------------------------------

_FIELDS = ("start_signing", "unpublish_old", "retire_old")


def _schedule(
    published_at: int, jwks_max_age: int, access_ttl: int, refresh_ttl: int, leeway: int = 0
) -> tuple[int, int, int]:
    start_signing = published_at + jwks_max_age
    return (start_signing, start_signing + access_ttl + leeway, start_signing + max(access_ttl, refresh_ttl) + leeway)


_WHY = {
    "start_signing": "the new key may sign only once every cached JWKS holds it: published_at + jwks_max_age",
    "unpublish_old": (
        "the public JWKS serves resource services, which see access tokens only: the old key may leave it when "
        "the last access token it signed (at start_signing) has expired, plus the leeway. Refresh tokens go "
        "only to the auth server, not through the JWKS"
    ),
    "retire_old": (
        "the auth server keeps the old key until every token it signed has expired: the longer of the two "
        "lifetimes (refresh_ttl=0 means no refresh tokens) after start_signing, plus the leeway"
    ),
}


class _Field(Expect):
    """The call returns a 3-tuple whose element ``index`` is ``want``."""

    def __init__(self, index: int, want: int) -> None:
        self.index = index
        self.want = want

    def accepts(self, outcome: Outcome) -> bool:
        got = outcome.value
        return not outcome.raised and isinstance(got, tuple) and len(got) == 3 and got[self.index] == self.want

    def describe(self) -> str:
        return f"return a tuple (start_signing, unpublish_old, retire_old) with {_FIELDS[self.index]} = {self.want}"


class _Triple(Expect):
    """The call returns a tuple of three values (whatever they are)."""

    def accepts(self, outcome: Outcome) -> bool:
        return not outcome.raised and isinstance(outcome.value, tuple) and len(outcome.value) == 3

    def describe(self) -> str:
        return "return a tuple of three values, (start_signing, unpublish_old, retire_old)"


class RotationSchedule(TableExercise):
    """When may the new key sign, leave the public JWKS, and leave the auth server?"""

    label = "q4"
    name = "rotation_schedule"
    hints = (
        "A verifier may hold a cached JWKS for jwks_max_age seconds: until then it has not seen "
        "the new key, so the new key may start signing only at published_at + jwks_max_age. The old "
        "key signs until that moment.",
        "Resource services read the public JWKS and see only access tokens: unpublish_old is "
        "start_signing + access_ttl + leeway. The auth server also checks refresh tokens: retire_old is "
        "start_signing + max(access_ttl, refresh_ttl) + leeway (refresh_ttl=0: no refresh tokens).",
    )
    REQUIREMENT = "return (start_signing, unpublish_old, retire_old) as the exercise defines them"

    def cases(self) -> Sequence[Case]:
        rows = [
            ("the course defaults", (1_767_225_600, 300, 900, 604_800), {}),
            ("a JWKS that is not cached", (1_000, 0, 900, 604_800), {}),
            ("no refresh tokens (refresh_ttl=0)", (1_000, 300, 900, 0), {}),
            ("access tokens outliving refresh tokens", (1_000, 60, 7_200, 3_600), {}),
            ("verifiers allowing 30 s of clock skew", (1_000, 300, 900, 604_800), {"leeway": 30}),
            ("leeway and no refresh tokens", (5_000, 120, 600, 0), {"leeway": 45}),
        ]
        shape = Case(
            "return a tuple (start_signing, unpublish_old, retire_old): three values, in that order",
            _Triple(),
            args=rows[0][1],
            note=rows[0][0],
        )
        return [shape] + [
            Case(
                f"{_FIELDS[i]}: {_WHY[_FIELDS[i]]}",
                _Field(i, _schedule(*args, **kwargs)[i]),
                args=args,
                kwargs=kwargs,
                note=what,
            )
            for what, args, kwargs in rows
            for i in range(3)
        ]

    def differentials(self) -> Sequence[Differential]:
        def inputs(st: Any) -> Any:
            seconds = st.integers(0, 10**7)
            return st.tuples(st.integers(0, 2**33), seconds, st.integers(1, 10**6), seconds, st.integers(0, 300))

        def compare(got: Outcome, want: Outcome) -> bool:
            return not got.raised and isinstance(got.value, tuple) and got.value == want.value

        return [Differential(self.REQUIREMENT, _schedule, inputs, max_examples=60, compare=compare)]


q1 = RsaJwk()
q2 = EcJwk()
q3 = VerifyByKid()
q4 = RotationSchedule()
