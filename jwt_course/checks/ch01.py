"""Chapter 01: a JWT built by hand (base64url, HS256, constant-time checks, time claims)."""

from __future__ import annotations

import base64
import hmac
import inspect
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import jwt

from . import Exercise, Failure

__all__ = ["q1", "q2", "q3", "q4", "q5", "q6"]

_KEY = b"checker-key-for-chapter-01-32-bytes!"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _raises(fn: Callable[..., Any], *args: Any) -> bool:
    """True if the learner's function raises (any exception) for these arguments."""
    try:
        result = fn(*args)
    except Exception:
        return True
    return result is None  # a stub is reported elsewhere; here None counts as "no answer"


# -- q1 ------------------------------------------------------------------------

_ENCODE_CASES: list[bytes] = [
    b"",
    b"a",  # one byte: standard base64 pads with "=="
    b"ab",  # two bytes: one "="
    b"abc",  # three bytes: no padding
    bytes([0xFB, 0xFF, 0xBF]),  # standard base64 gives "+/+/"
    b'{"alg":"HS256","typ":"JWT"}',
    bytes(range(256)),
]


class B64urlEncode(Exercise):
    """base64url without padding (RFC 7515 section 2, RFC 4648 section 5)."""

    label = "q1"
    name = "b64url_encode"
    hints = (
        "Start from base64.urlsafe_b64encode: it already uses '-' and '_' instead of '+' and '/'.",
        "JWTs drop the '=' padding: strip it from the end, and return a str, not bytes.",
    )
    solution_code = '''
def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
'''

    def verify(self, answer: Any) -> None:
        for data in _ENCODE_CASES:
            got = self.call(answer, data)
            if isinstance(got, bytes):
                raise Failure(f"b64url_encode({data!r:.40}) returned bytes {got!r:.40}; return a str (decode('ascii'))")
            self.expect_equal(f"b64url_encode({data!r})", got, _b64url(data))


# -- q2 ------------------------------------------------------------------------

_DECODE_CASES: list[str] = ["", "YQ", "YWI", "YWJj", "-_-_", "eyJhbGciOiJIUzI1NiJ9", _b64url(bytes(range(256)))]


class B64urlDecode(Exercise):
    """The inverse: put the padding back, then decode with the URL-safe alphabet."""

    label = "q2"
    name = "b64url_decode"
    hints = (
        "base64.urlsafe_b64decode wants a length that is a multiple of 4: add the missing '='.",
        "The number of '=' to add is (-len(text)) % 4. Strings with '+', '/' or '=' are not base64url: reject them.",
    )
    solution_code = '''
def b64url_decode(text: str) -> bytes:
    alphabet = string.ascii_letters + string.digits + "-_"
    if len(text) % 4 == 1 or any(c not in alphabet for c in text):
        raise ValueError(f"not base64url: {text!r}")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
'''

    def verify(self, answer: Any) -> None:
        for text in _DECODE_CASES:
            got = self.call(answer, text)
            self.expect_equal(f"b64url_decode({text!r})", got, _b64url_decode(text))
        for bad in ("YQ==", "+/+/", "a b", "YWJjZ"):
            if not _raises(answer, bad):
                raise Failure(
                    f"b64url_decode({bad!r}) should raise an error: that is not unpadded base64url"
                )


# -- q3 ------------------------------------------------------------------------

_READ_CASES: list[dict[str, Any]] = [
    {"sub": "42", "role": "user"},
    {"sub": "7", "password": "hunter2", "note": "anyone can read this"},
    {"name": "Zoë", "admin": True, "n": [1, 2, 3]},
]


class ReadClaims(Exercise):
    """Read the payload of a token without the key: encoded is not encrypted."""

    label = "q3"
    name = "read_claims"
    hints = (
        "The payload is the middle part of token.split('.').",
        "json.loads(b64url_decode(payload_part)): no key involved at all.",
    )
    solution_code = '''
def read_claims(token: str) -> dict:
    header, payload, signature = token.split(".")
    return json.loads(b64url_decode(payload))
'''

    def verify(self, answer: Any) -> None:
        for claims in _READ_CASES:
            token = jwt.encode(claims, _KEY, algorithm="HS256")
            got = self.call(answer, token)
            self.expect_equal(f"read_claims(<token for {claims!r}>)", got, claims)


# -- q4 ------------------------------------------------------------------------

_SIGN_CASES: list[dict[str, Any]] = [
    {"sub": "42"},
    {"sub": "42", "role": "admin", "iat": 1700000000, "exp": 1700000900},
    {"name": "Zoë", "nested": {"a": [1, 2]}, "admin": False},
]


class MakeHS256Token(Exercise):
    """Build an HS256 JWT with json + base64 + hmac + hashlib, byte-identical to PyJWT."""

    label = "q4"
    name = "make_hs256_token"
    hints = (
        'Header {"alg": "HS256", "typ": "JWT"}; JSON without spaces: json.dumps(x, separators=(",", ":")).',
        "signing_input = b64url(header_json) + '.' + b64url(payload_json); the signature is "
        "hmac.new(key, signing_input.encode('ascii'), hashlib.sha256).digest(), base64url-encoded too.",
    )
    solution_code = '''
def make_hs256_token(payload: dict, key: bytes) -> str:
    def part(obj: dict) -> str:
        return b64url_encode(json.dumps(obj, separators=(",", ":")).encode("utf-8"))

    signing_input = part({"alg": "HS256", "typ": "JWT"}) + "." + part(payload)
    signature = hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + b64url_encode(signature)
'''

    def verify(self, answer: Any) -> None:
        for claims in _SIGN_CASES:
            got = self.call(answer, claims, _KEY)
            expected = jwt.encode(claims, _KEY, algorithm="HS256")
            if got == expected:
                continue
            parts = got.split(".") if isinstance(got, str) else []
            names = ("header", "payload", "signature")
            wrong = [n for n, g, e in zip(names, parts, expected.split(".")) if g != e]
            where = f" (the {wrong[0]} differs)" if len(parts) == 3 and wrong else ""
            self.expect_equal(f"make_hs256_token({claims!r}, key){where}", got, expected)


# -- q5 ------------------------------------------------------------------------


@contextmanager
def _count_compare_digest() -> Iterator[list[int]]:
    """Count calls to hmac.compare_digest / secrets.compare_digest made through the modules."""
    calls = [0]
    original_hmac, original_secrets = hmac.compare_digest, secrets.compare_digest

    def counting(a: Any, b: Any) -> bool:
        calls[0] += 1
        return original_hmac(a, b)

    hmac.compare_digest = counting
    secrets.compare_digest = counting
    try:
        yield calls
    finally:
        hmac.compare_digest = original_hmac
        secrets.compare_digest = original_secrets


def _mentions_compare_digest(fn: Callable[..., Any]) -> bool:
    try:
        return "compare_digest" in inspect.getsource(fn)
    except (OSError, TypeError):
        return "compare_digest" in getattr(getattr(fn, "__code__", None), "co_names", ())


def _flip_last_char(part: str) -> str:
    return part[:-1] + ("A" if part[-1] != "A" else "B")


class VerifyHS256(Exercise):
    """Check an HS256 signature in constant time: True or False, never a timing leak."""

    label = "q5"
    name = "verify_hs256"
    hints = (
        "Recompute the HMAC over the first two parts exactly as they appear in the token, then compare.",
        "Compare the raw digests with hmac.compare_digest(expected, actual), not with ==: == stops at "
        "the first differing byte, so its running time tells an attacker how many leading bytes were right.",
    )
    solution_code = '''
def verify_hs256(token: str, key: bytes) -> bool:
    header, payload, signature = token.split(".")
    expected = hmac.new(key, f"{header}.{payload}".encode("ascii"), hashlib.sha256).digest()
    try:
        actual = b64url_decode(signature)
    except ValueError:
        return False
    return hmac.compare_digest(expected, actual)
'''

    def verify(self, answer: Any) -> None:
        good = jwt.encode({"sub": "42", "role": "user"}, _KEY, algorithm="HS256")
        header, payload, signature = good.split(".")
        forged_payload = _b64url(b'{"sub":"42","role":"admin"}')
        cases = [
            ("a token signed with this key", good, _KEY, True),
            ("a token whose payload was changed (role user -> admin)", f"{header}.{forged_payload}.{signature}", _KEY, False),
            ("a token whose signature's last character was changed", f"{header}.{payload}.{_flip_last_char(signature)}", _KEY, False),
            ("a token checked with a different key", good, b"another-key-that-is-32-bytes-long!", False),
            ("a token with an empty signature", f"{header}.{payload}.", _KEY, False),
        ]
        with _count_compare_digest() as calls:
            for what, token, key, expected in cases:
                got = self.call(answer, token, key)
                if got is not expected:
                    raise Failure(f"verify_hs256 returned {got!r} for {what}, expected {expected}")
        if calls[0] == 0 and not _mentions_compare_digest(answer):
            raise Failure(
                "the answers are right, but the comparison is not constant-time: "
                "use hmac.compare_digest instead of == (== returns as soon as one byte differs)"
            )


# -- q6 ------------------------------------------------------------------------

_NOW = 1_700_000_000
_TIME_CASES: list[tuple[dict[str, Any], int, int, str]] = [
    ({"sub": "42"}, _NOW, 0, "valid"),
    ({"exp": _NOW + 60}, _NOW, 0, "valid"),
    ({"exp": _NOW}, _NOW, 0, "expired"),  # exp is the first second it is no longer valid
    ({"exp": _NOW - 5}, _NOW, 0, "expired"),
    ({"exp": _NOW - 5}, _NOW, 10, "valid"),  # leeway rescues a token expired 5 s ago
    ({"exp": _NOW - 10}, _NOW, 10, "expired"),
    ({"nbf": _NOW + 60}, _NOW, 0, "not yet valid"),
    ({"nbf": _NOW}, _NOW, 0, "valid"),
    ({"nbf": _NOW + 5}, _NOW, 10, "valid"),
    ({"nbf": _NOW - 60, "exp": _NOW + 60}, _NOW, 0, "valid"),
    ({"nbf": _NOW + 30, "exp": _NOW + 90}, _NOW, 0, "not yet valid"),
    ({"nbf": _NOW - 90, "exp": _NOW - 30}, _NOW, 0, "expired"),
]


class TimeStatus(Exercise):
    """exp and nbf against a given clock, with leeway, using PyJWT's rules."""

    label = "q6"
    name = "time_status"
    hints = (
        "Check only the claims that are present. exp: the token is expired once now - leeway reaches exp. "
        "nbf: the token is not yet valid while nbf is later than now + leeway.",
        "RFC 7519: exp is the time 'on or after which' the token must be rejected, so exp == now is "
        "already expired (PyJWT: exp <= now - leeway); nbf is 'before which' (nbf > now + leeway).",
    )
    solution_code = '''
def time_status(claims: dict, now: int, leeway: int = 0) -> str:
    if "nbf" in claims and claims["nbf"] > now + leeway:
        return "not yet valid"
    if "exp" in claims and claims["exp"] <= now - leeway:
        return "expired"
    return "valid"
'''

    def verify(self, answer: Any) -> None:
        for claims, now, leeway, expected in _TIME_CASES:
            got = self.call(answer, claims, now, leeway)
            self.expect_equal(f"time_status({claims!r}, now={now}, leeway={leeway})", got, expected)


q1 = B64urlEncode()
q2 = B64urlDecode()
q3 = ReadClaims()
q4 = MakeHS256Token()
q5 = VerifyHS256()
q6 = TimeStatus()
