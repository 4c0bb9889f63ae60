"""Chapter 01: a JWT built by hand (base64url, HS256, constant-time checks, time claims).

Each checker is a table of cases (:mod:`jwt_course.checks.cases`), hostile inputs drawn
from :mod:`jwt_course.checks.corpus`, plus a differential run against a reference
(:mod:`jwt_course.checks.differential`) for the pure functions.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
import string
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import jwt

from ..handmade import b64url_encode
from . import Failure
from . import corpus as c
from .cases import Case, Raises, Returns, Satisfies, TableExercise
from .differential import Differential

__all__ = ["q1", "q2", "q3", "q4", "q5", "q6"]

_KEY = b"checker-key-for-chapter-01-32-bytes!"
_OTHER_KEY = b"another-key-that-is-32-bytes-long!"
_ALPHABET = string.ascii_letters + string.digits + "-_"
_TEXT = string.ascii_letters + string.digits + ' éü€"\\/-_'  # explicit: no unicode tables needed


def _spec_decode(text: str) -> bytes:
    """q2's specification: alphabet only, no length 1 mod 4, padding restored."""
    if len(text) % 4 == 1 or not set(text) <= set(_ALPHABET):
        raise ValueError(f"not base64url: {text!r}")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _token_text(token: str) -> str:
    return f"<token {token[:12]}...>"


# -- q1 ------------------------------------------------------------------------

_Q1_STR = "return a str (text), not bytes"
_Q1_PAD = "no '=' padding at the end (RFC 7515 §2)"
_Q1_ALPHABET = "use the URL-safe alphabet: '-' and '_' instead of '+' and '/'"
_Q1_SAME = "encode every byte string exactly as base64url does"


class B64urlEncode(TableExercise):
    """base64url without padding (RFC 7515 section 2, RFC 4648 section 5)."""

    label = "q1"
    name = "b64url_encode"
    hints = (
        "Start from base64.urlsafe_b64encode: it already uses '-' and '_' instead of '+' and '/'.",
        "JWTs drop the '=' padding: strip it from the end, and return a str, not bytes.",
    )

    def cases(self) -> Sequence[Case]:
        is_str = Satisfies(lambda v: isinstance(v, str), "return a str")
        return [
            Case(_Q1_STR, is_str, (b"a",)),
            Case(_Q1_PAD, Returns("YQ"), (b"a",), note="standard base64 gives 'YQ=='"),
            Case(_Q1_PAD, Returns("YWI"), (b"ab",)),
            Case(
                _Q1_SAME,
                Satisfies(lambda v: isinstance(v, str) and len(v) == 4, "return 4 characters"),
                (bytes([0xFB, 0xFF, 0xBF]),),
                note="3 bytes are 24 bits: 4 characters of 6 bits, whatever the bytes",
            ),
            Case(_Q1_ALPHABET, Returns("-_-_"), (bytes([0xFB, 0xFF, 0xBF]),), note="standard base64 gives '+/+/'"),
            Case(_Q1_SAME, Returns(""), (b"",)),
            Case(_Q1_SAME, Returns("YWJj"), (b"abc",)),
            Case(_Q1_SAME, Returns(b64url_encode(b'{"alg":"HS256","typ":"JWT"}')), (b'{"alg":"HS256","typ":"JWT"}',)),
            Case(
                _Q1_SAME,
                Returns(b64url_encode(bytes(range(256)))),
                (bytes(range(256)),),
                shown="b64url_encode(bytes(range(256)))",
            ),
        ]

    def differentials(self) -> Sequence[Differential]:
        return [Differential(_Q1_SAME, b64url_encode, lambda st: st.tuples(st.binary(max_size=48)))]


# -- q2 ------------------------------------------------------------------------

_Q2_DECODE = "decode unpadded base64url back to the bytes, putting the missing padding back"
_Q2_BYTES = "return bytes"
_Q2_STRICT = "raise an error for text with '=', '+', '/', spaces or other characters outside A-Z a-z 0-9 - _"
_Q2_LENGTH = "raise an error for a length of 1 modulo 4 (no byte string encodes to it)"


def _q2_inputs(st: Any) -> Any:
    """Canonical encodings of random bytes, sometimes with one foreign character inserted."""
    bad = st.sampled_from(["=", "+", "/", " ", "*", ".", "\n", "é", "%", "=="])

    def insert(data: bytes, char: str | None, where: int) -> tuple[str]:
        text = b64url_encode(data)
        if char is None:
            return (text,)
        where = where % (len(text) + 1)
        return (text[:where] + char + text[where:],)

    return st.builds(insert, st.binary(max_size=24), st.none() | bad, st.integers(0, 40))


class B64urlDecode(TableExercise):
    """The inverse: put the padding back, then decode with the URL-safe alphabet; strictly."""

    label = "q2"
    name = "b64url_decode"
    hints = (
        "base64.urlsafe_b64decode wants a length that is a multiple of 4: add the missing '='; "
        "(-len(text)) % 4 of them.",
        "Be strict by allowing, not by forbidding: accept the text only if every character is in "
        "A-Z a-z 0-9 - _ (set(text) <= allowed) and len(text) % 4 != 1; otherwise raise ValueError. "
        "A list of forbidden characters always misses one ('*', '.', 'é', ...).",
    )

    def cases(self) -> Sequence[Case]:
        table = [
            Case(_Q2_DECODE, Returns(b"a"), ("YQ",), note="length 2: two '=' to put back"),
            Case(_Q2_BYTES, Satisfies(lambda v: isinstance(v, bytes), "return bytes"), ("YWI",)),
            Case(_Q2_DECODE, Returns(b"ab"), ("YWI",), note="length 3: one '=' to put back"),
            Case(_Q2_DECODE, Returns(b"abc"), ("YWJj",)),
            Case(_Q2_DECODE, Returns(b""), ("",)),
            Case(_Q2_DECODE, Returns(bytes([0xFB, 0xFF, 0xBF])), ("-_-_",)),
            Case(_Q2_DECODE, Returns(b'{"alg":"HS256"}'), ("eyJhbGciOiJIUzI1NiJ9",)),
            Case(
                _Q2_DECODE,
                Returns(bytes(range(256))),
                (b64url_encode(bytes(range(256))),),
                shown="b64url_decode(<bytes(range(256)) encoded>)",
            ),
        ]
        table += [Case(_Q2_STRICT, Raises(), (h.value,), note=f"it has {h.what}") for h in c.NOT_BASE64URL]
        table += [  # a trailing newline that leaves a valid length: re.match('^...$') lets it through
            Case(_Q2_STRICT, Raises(), ("YWI\n",), note="a trailing newline; regex '$' also matches before one"),
            Case(_Q2_STRICT, Raises(), ("YQ\n",), note="a trailing newline"),
        ]
        table += [Case(_Q2_LENGTH, Raises(), (h.value,), note=h.what) for h in c.lengths_1_mod_4()]
        return table

    def differentials(self) -> Sequence[Differential]:
        return [Differential(f"{_Q2_DECODE}; {_Q2_STRICT}", _spec_decode, _q2_inputs)]


# -- q3 ------------------------------------------------------------------------

_Q3_READ = "return the payload (the middle part) as a dict, for any token"
_Q3_NO_KEY = "read the claims without the key: encoded is not encrypted"
_Q3_UTF8 = (
    "the payload is JSON in UTF-8 (RFC 7519 §7.2): another library may write 'ë' as its two UTF-8 "
    "bytes instead of \\u00eb, so decode the bytes as UTF-8 (json.loads(bytes) does), never as ASCII"
)
_Q3_MIDDLE = (
    "read only the middle part: the header and the signature play no part, so a token whose "
    "signature or header is damaged still has readable claims"
)
_URLSAFE_CLAIMS = {"sub": "42", "note": "~~~???~~~???>>>"}  # base64url: "...J-fn4_Pz9-..."
_RFC_CLAIMS = {"iss": "joe", "exp": 1300819380, "http://example.com/is_root": True}


def _q3_reference(token: str) -> Any:
    return json.loads(_spec_decode(token.split(".")[1]))


def _claims(st: Any) -> Any:
    names = st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=6)
    values = st.one_of(st.integers(-(10**12), 10**12), st.text(alphabet=_TEXT, max_size=12), st.booleans(), st.none())
    return st.dictionaries(names, values, max_size=5)


class ReadClaims(TableExercise):
    """Read the payload of a token without the key: encoded is not encrypted."""

    label = "q3"
    name = "read_claims"
    hints = (
        "The payload is the middle part of token.split('.').",
        "json.loads(b64url_decode(payload_part)): no key involved at all.",
    )

    def cases(self) -> Sequence[Case]:
        def case(claims: dict[str, Any], token: str, what: str, requirement: str = _Q3_READ) -> Case:
            return Case(requirement, Returns(claims), (token,), shown=f"read_claims(<{what}>)")

        mine = jwt.encode({"sub": "42", "role": "user"}, _KEY, algorithm="HS256")
        secret = {"sub": "7", "password": "hunter2", "note": "anyone can read this"}
        unicode = {"name": "Zoë", "admin": True, "n": [1, 2, 3]}
        swapped = next(h.value for h in c.header_variants({"sub": "9"}, _KEY) if h.name == "header-swapped")
        head, body, signature = mine.split(".")
        raw_utf8 = {"sub": "7", "name": "Zoë Łukasz"}
        utf8_body = b64url_encode(json.dumps(raw_utf8, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        utf8_token = f"{head}.{utf8_body}." + b64url_encode(hmac.digest(_KEY, f"{head}.{utf8_body}".encode(), "sha256"))
        return [
            case({"sub": "42", "role": "user"}, mine, "a token for {'sub': '42', 'role': 'user'}"),
            case(
                secret,
                jwt.encode(secret, secrets.token_bytes(32), algorithm="HS256"),
                "a token signed with a key you do not have",
                _Q3_NO_KEY,
            ),
            case(unicode, jwt.encode(unicode, _KEY, algorithm="HS256"), "a token for {'name': 'Zoë', ...}"),
            case({"sub": "9"}, swapped, 'a token whose header lists "typ" first'),
            case(
                _URLSAFE_CLAIMS,
                jwt.encode(_URLSAFE_CLAIMS, _KEY, algorithm="HS256"),
                f"a token for {_URLSAFE_CLAIMS!r}, whose payload has '-' and '_'",
            ),
            case(_RFC_CLAIMS, c.RFC7515_A1_TOKEN, "RFC 7515 A.1's token (its exp is in 2011)", _Q3_NO_KEY),
            case({"sub": "mallory"}, c.alg_none({"sub": "mallory"})[0].value, "an alg=none token (empty signature)"),
            case(
                raw_utf8,
                utf8_token,
                f"a token for {raw_utf8!r} written by a library that keeps UTF-8 "
                "(its payload has the raw bytes of 'ë' and 'Ł')",
                _Q3_UTF8,
            ),
            case(
                {"sub": "42", "role": "user"},
                f"{head}.{body}.{signature[:1]}",
                "the token with its signature cut to one character (from a truncated log line)",
                _Q3_MIDDLE,
            ),
            case(
                {"sub": "42", "role": "user"},
                f"eyJ.{body}.{signature}",
                "the token with its header cut to 'eyJ'",
                _Q3_MIDDLE,
            ),
        ]

    def differentials(self) -> Sequence[Differential]:
        def token(claims: dict[str, Any]) -> tuple[str]:
            return (jwt.encode(claims, _KEY, algorithm="HS256"),)

        return [
            Differential(
                _Q3_READ,
                _q3_reference,
                lambda st: st.builds(token, _claims(st)),
                shown=lambda args: f"read_claims(<token for {_q3_reference(args[0])!r:.60}>)",
            )
        ]


# -- q4 ------------------------------------------------------------------------

_Q4_SAME = "return exactly what jwt.encode(payload, key, algorithm='HS256') returns"
_Q4_HEADER = 'header {"alg": "HS256", "typ": "JWT"} in that order, as compact JSON'
_Q4_PAYLOAD = (
    "the payload as given (same key order), as json.dumps makes it with separators=(',', ':') "
    "and its default ensure_ascii ('ë' becomes \\u00eb, as in PyJWT), then base64url"
)
_Q4_SIGNATURE = "signature: the raw HMAC-SHA256 digest of header_b64 + '.' + payload_b64, base64url-encoded"


def _pyjwt(payload: dict[str, Any], key: bytes) -> str:
    return jwt.encode(payload, key, algorithm="HS256")


def _has_part(index: int, part: str) -> Callable[[Any], bool]:
    return lambda got: isinstance(got, str) and got.count(".") == 2 and got.split(".")[index] == part


class MakeHS256Token(TableExercise):
    """Build an HS256 JWT with json + base64 + hmac + hashlib, byte-identical to PyJWT."""

    label = "q4"
    name = "make_hs256_token"
    hints = (
        'Header {"alg": "HS256", "typ": "JWT"}; JSON without spaces: json.dumps(x, separators=(",", ":")).',
        "signing_input = b64url(header_json) + '.' + b64url(payload_json); the signature is "
        "hmac.new(key, signing_input.encode('ascii'), hashlib.sha256).digest(), base64url-encoded too.",
    )

    def cases(self) -> Sequence[Case]:
        table: list[Case] = []
        for payload in (
            {"sub": "42"},
            {"sub": "42", "role": "admin", "iat": 1700000000, "exp": 1700000900},
            {"role": "user", "sub": "7"},  # not sorted: keep the order given
            {"name": "Zoë", "nested": {"a": [1, 2]}, "admin": False},
        ):
            expected = _pyjwt(payload, _KEY)
            head, body, signature = expected.split(".")
            shown = f"make_hs256_token({payload!r}, key)"
            for requirement, index, part in (
                (_Q4_HEADER, 0, head),
                (_Q4_PAYLOAD, 1, body),
                (_Q4_SIGNATURE, 2, signature),
            ):
                table.append(
                    Case(
                        requirement,
                        Satisfies(
                            _has_part(index, part),
                            f"have the {('header', 'payload', 'signature')[index]} part {part[:24]}...",
                        ),
                        (payload, _KEY),
                        shown=shown,
                    )
                )
            table.append(Case(_Q4_SAME, Returns(expected), (payload, _KEY), shown=shown))
        return table

    def differentials(self) -> Sequence[Differential]:
        return [
            Differential(
                _Q4_SAME,
                _pyjwt,
                lambda st: st.tuples(_claims(st), st.just(_KEY)),
                shown=lambda args: f"make_hs256_token({args[0]!r:.70}, key)",
            )
        ]


# -- q5 ------------------------------------------------------------------------

_Q5_TRUE = "True for a token signed with this key"
_Q5_AS_RECEIVED = "HMAC the first two parts exactly as they appear in the token (never decode and re-encode them)"
_Q5_FALSE = "False for a token whose header, payload or signature was changed, or signed with another key"
_Q5_STRICT = "False for a signature that is not valid base64url (padding, '+'/'/', characters outside the alphabet)"
_Q5_NEVER_RAISES = "False, never an exception, for anything that is not three dot-separated parts"
_Q5_NOT_ASCII = (
    "False, never an exception, for a token with characters outside base64url in its first two "
    "parts ('é' cannot even be encoded as ASCII)"
)
_Q5_CONSTANT = "compare the digests with hmac.compare_digest (constant time), not =="


@contextmanager
def _counting_compare_digest(fn: Any) -> Iterator[list[int]]:
    """Count compare_digest calls: through hmac/secrets, or a name the function's module imported."""
    calls = [0]
    original = hmac.compare_digest

    def counting(a: Any, b: Any) -> bool:
        calls[0] += 1
        return original(a, b)

    namespace: dict[str, Any] = getattr(fn, "__globals__", {})
    rebound = [name for name, value in namespace.items() if value is original]
    cells = [cell for cell in getattr(fn, "__closure__", None) or () if _holds(cell, original)]
    hmac.compare_digest = counting
    secrets.compare_digest = counting
    for name in rebound:
        namespace[name] = counting
    for cell in cells:
        cell.cell_contents = counting
    try:
        yield calls
    finally:
        hmac.compare_digest = original
        secrets.compare_digest = original
        for name in rebound:
            namespace[name] = original
        for cell in cells:
            cell.cell_contents = original


def _holds(cell: Any, value: Any) -> bool:
    try:
        return cell.cell_contents is value
    except ValueError:  # an empty cell
        return False


def _flip(part: str, at: int = 0) -> str:
    return part[:at] + ("B" if part[at] == "A" else "A") + part[at + 1 :]


class VerifyHS256(TableExercise):
    """Check an HS256 signature in constant time: True or False, never an exception."""

    label = "q5"
    name = "verify_hs256"
    hints = (
        "Split the token into exactly three parts (anything else: False). Recompute the HMAC over "
        "the first two parts exactly as they appear in the token, then compare.",
        "Decode the signature with your strict b64url_decode inside try/except ValueError (False on "
        "error), and compare the raw digests with hmac.compare_digest(expected, actual), not with ==: "
        "== stops at the first differing byte, so its running time tells an attacker how many leading "
        "bytes were right.",
    )

    def cases(self) -> Sequence[Case]:
        def verify(token: str, key: bytes, expected: bool, requirement: str, what: str) -> Case:
            key_text = "key" if key == _KEY else ("its key" if key == c.RFC7515_A1_KEY else "another key")
            return Case(requirement, Returns(expected), (token, key), shown=f"verify_hs256(<{what}>, {key_text})")

        good = jwt.encode({"sub": "42", "role": "user"}, _KEY, algorithm="HS256")
        head, body, signature = good.split(".")
        forged_body = b64url_encode(b'{"sub":"42","role":"admin"}')
        forged_head = b64url_encode(b'{"alg":"HS256","typ":"JWT","kid":"x"}')
        urlsafe = c.urlsafe_signed({"sub": "42"}, _KEY)
        table = [
            verify(good, _KEY, True, _Q5_TRUE, "a token signed with this key"),
            verify(
                c.RFC7515_A1_TOKEN,
                c.RFC7515_A1_KEY,
                True,
                _Q5_AS_RECEIVED,
                "RFC 7515 A.1's token, whose header has a line break inside",
            ),
        ]
        table += [verify(h.value, _KEY, True, _Q5_AS_RECEIVED, h.what) for h in c.header_variants({"sub": "42"}, _KEY)]
        spaced = c.payload_spaced({"sub": "42", "role": "user"}, _KEY)
        forged = c.swapped_header_forgery(good)
        table += [
            verify(spaced.value, _KEY, True, _Q5_AS_RECEIVED, spaced.what),
            verify(forged.value, _KEY, False, _Q5_FALSE, forged.what),
            verify(urlsafe, _KEY, True, _Q5_TRUE, "a token whose signature contains '-' and '_'"),
            verify(f"{head}.{forged_body}.{signature}", _KEY, False, _Q5_FALSE, "the token with role user -> admin"),
            verify(
                f"{forged_head}.{body}.{signature}", _KEY, False, _Q5_FALSE, "the token with a kid added to its header"
            ),
            verify(
                f"{head}.{body}.{_flip(signature)}",
                _KEY,
                False,
                _Q5_FALSE,
                "the token with one signature character changed",
            ),
            verify(good, _OTHER_KEY, False, _Q5_FALSE, "a token signed with key"),
            verify(f"{head}.{body}.", _KEY, False, _Q5_FALSE, "the token with an empty signature"),
        ]
        table += [verify(h.value, _KEY, False, _Q5_STRICT, f"a valid token, {h.what}") for h in c.spellings(urlsafe)]
        table += [
            verify(f"{head}.{body}.!!!!", _KEY, False, _Q5_STRICT, "the token with '!!!!' as its signature"),
            verify(f"{head}.{body}", _KEY, False, _Q5_NEVER_RAISES, "a token with only two parts"),
            verify(f"{good}.{signature}", _KEY, False, _Q5_NEVER_RAISES, "a token with four parts"),
            verify(
                f"{good}.{b64url_encode(hmac.digest(_KEY, good.encode(), 'sha256'))}",
                _KEY,
                False,
                _Q5_NEVER_RAISES,
                "four parts whose last is the HMAC of the first three under key",
            ),
            verify(
                f"{head}.{b64url_encode(hmac.digest(_KEY, head.encode(), 'sha256'))}",
                _KEY,
                False,
                _Q5_NEVER_RAISES,
                "two parts whose last is the HMAC of the first under key",
            ),
            verify("", _KEY, False, _Q5_NEVER_RAISES, "an empty string"),
            verify(f"é{head}.{body}.{signature}", _KEY, False, _Q5_NOT_ASCII, "a token with 'é' in its header"),
            verify(f"{head}.{body}é.{signature}", _KEY, False, _Q5_NOT_ASCII, "a token with 'é' in its payload"),
        ]
        return table

    def verify(self, answer: Any) -> None:
        with _counting_compare_digest(answer) as calls:
            super().verify(answer)
        if calls[0] == 0:
            raise Failure(
                f"Requirement: {_Q5_CONSTANT}. Counter-example: every answer was right, but "
                "hmac.compare_digest was never called (== returns as soon as one byte differs, so "
                "its timing leaks how much of a forged signature is right).",
                requirement=_Q5_CONSTANT,
                counterexample="hmac.compare_digest was never called",
            )


# -- q6 ------------------------------------------------------------------------

_NOW = 1_700_000_000
_Q6_ABSENT = "a claim that is absent is not checked"
_Q6_EXP = "expired when exp <= now - leeway (exp is the first second the token is no longer valid)"
_Q6_NBF = "not yet valid when nbf > now + leeway"
_Q6_ORDER = "check nbf before exp"
_Q6_PRESENT = "a claim that is present is checked, whatever its value (exp = 0 is 1970, not 'absent')"
_Q6_FLOAT = (
    "a NumericDate may be a float: compare it as it is (PyJWT's int() moves it by up to a second, as the exercise says)"
)


def _q6_reference(claims: dict[str, Any], now: int, leeway: int = 0) -> str:
    if "nbf" in claims and claims["nbf"] > now + leeway:
        return "not yet valid"
    if "exp" in claims and claims["exp"] <= now - leeway:
        return "expired"
    return "valid"


class TimeStatus(TableExercise):
    """exp and nbf against a given clock, with leeway, in PyJWT's order."""

    label = "q6"
    name = "time_status"
    hints = (
        "Check only the claims that are present ('exp' in claims, not claims.get('exp'): exp = 0 is a "
        "real time). exp: expired once now - leeway reaches exp. nbf: not yet valid while nbf is later "
        "than now + leeway. nbf first.",
        "RFC 7519: exp is the time 'on or after which' the token must be rejected, so exp == now is "
        "already expired (PyJWT: exp <= now - leeway); nbf is 'before which' (nbf > now + leeway).",
    )

    def cases(self) -> Sequence[Case]:
        def case(claims: dict[str, Any], expected: str, requirement: str, leeway: int = 0, note: str = "") -> Case:
            offsets = ", ".join(
                f"{k}=now{v - _NOW:+}" if isinstance(v, int) and abs(v - _NOW) < 10**6 else f"{k}={v!r}"
                for k, v in claims.items()
            )
            shown = f"time_status({{{offsets}}}, now={_NOW}, leeway={leeway})"
            return Case(requirement, Returns(expected), (claims, _NOW, leeway), shown=shown, note=note)

        edges = {h.name: h.value for h in c.time_edges(_NOW)}
        return [
            case({"sub": "42"}, "valid", _Q6_ABSENT),
            case({"exp": _NOW + 60}, "valid", _Q6_EXP),
            case({"exp": _NOW}, "expired", _Q6_EXP, note="exp == now is already expired"),
            case({"exp": _NOW - 5}, "expired", _Q6_EXP),
            case({"exp": _NOW - 5}, "valid", _Q6_EXP, leeway=10, note="leeway rescues a token expired 5 s ago"),
            case({"exp": _NOW - 10}, "expired", _Q6_EXP, leeway=10),
            case({"nbf": _NOW + 60}, "not yet valid", _Q6_NBF),
            case({"nbf": _NOW}, "valid", _Q6_NBF),
            case({"nbf": _NOW + 5}, "valid", _Q6_NBF, leeway=10),
            case({"nbf": _NOW + 10}, "valid", _Q6_NBF, leeway=10),
            case({"nbf": _NOW + 11}, "not yet valid", _Q6_NBF, leeway=10),
            case({"nbf": _NOW - 60, "exp": _NOW + 60}, "valid", _Q6_EXP),
            case(edges["nbf-after-exp-future"], "not yet valid", _Q6_NBF),
            case(edges["both-past"], "expired", _Q6_EXP),
            case(
                edges["nbf-after-exp-past"],
                "not yet valid",
                _Q6_ORDER,
                note="nbf is in the future and exp in the past: nbf is checked first",
            ),
            case(edges["exp-zero"], "expired", _Q6_PRESENT),
            case(edges["nbf-zero"], "valid", _Q6_PRESENT),
            case({"nbf": 0, "exp": 0}, "expired", _Q6_PRESENT),
            case({"exp": _NOW - 0.5}, "expired", _Q6_EXP, note="a NumericDate may be a float"),
            case({"exp": _NOW + 1.5}, "valid", _Q6_EXP),
            case({"exp": _NOW + 0.5}, "valid", _Q6_FLOAT, note="half a second is left: int() would drop it"),
            case({"nbf": _NOW + 0.5}, "not yet valid", _Q6_FLOAT, note="valid only in half a second"),
            case({"exp": _NOW + 10.5}, "valid", _Q6_FLOAT, leeway=0),
            case({"exp": _NOW - 9.5}, "valid", _Q6_FLOAT, leeway=10, note="9.5 s ago, within a 10 s leeway"),
            case(edges["exp-huge"], "valid", _Q6_EXP),
            case(edges["nbf-huge"], "not yet valid", _Q6_NBF),
        ]

    def differentials(self) -> Sequence[Differential]:
        def inputs(st: Any) -> Any:
            offset = st.integers(-240, 240).map(lambda d: _NOW + d // 2 if d % 2 == 0 else _NOW + d / 2)
            claims = st.fixed_dictionaries({}, optional={"exp": offset, "nbf": offset, "sub": st.just("42")})
            return st.tuples(claims, st.just(_NOW), st.integers(0, 60))

        return [Differential(f"{_Q6_NBF}; {_Q6_EXP}; {_Q6_ORDER}; {_Q6_FLOAT}", _q6_reference, inputs)]


q1 = B64urlEncode()
q2 = B64urlDecode()
q3 = ReadClaims()
q4 = MakeHS256Token()
q5 = VerifyHS256()
q6 = TimeStatus()
