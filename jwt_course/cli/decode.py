"""``jwt-course decode``: read a token without verifying it, and say what to watch out for.

Also the pieces ``jwt-course verify`` shares: reading a token from the command line
(:func:`read_token`), splitting it into header, payload and signature
(:func:`split_token`), and showing its times as UTC dates relative to now
(:func:`utc_date`, :func:`relative_time`, :func:`duration`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, TypeGuard

import jwt

from ..handmade import b64url_decode
from .errors import EXIT_OK, CliError

__all__ = [
    "LONG_LIFETIME_SECONDS",
    "MAX_INPUT_CHARS",
    "TIME_CLAIMS",
    "analyse",
    "cmd_decode",
    "current_time",
    "duration",
    "is_number",
    "is_text",
    "read_token",
    "relative_time",
    "split_token",
    "utc_date",
]

#: Longest text the CLI reads as a token, in characters. It inspects foreign tokens too, so
#: this bounds the input (stdin may be /dev/zero), not what a token may be: the course's
#: decoders refuse anything over jwt_course.tokens.MAX_TOKEN_LENGTH.
MAX_INPUT_CHARS = 65536
LONG_LIFETIME_SECONDS = 24 * 3600
TIME_CLAIMS = ("iat", "nbf", "exp", "auth_time")


# -- reading tokens ----------------------------------------------------------------------


def _read_stdin() -> str:
    # Bounded (stdin may be /dev/zero) and strict: a token is ASCII, and a byte that is
    # no UTF-8 deserves a sentence, not a UnicodeDecodeError.
    limit = 4 * MAX_INPUT_CHARS
    data = sys.stdin.buffer.read(limit + 1)
    if len(data) > limit:
        raise CliError(f"not a JWT: more than {limit} bytes on stdin")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CliError(f"not a JWT: stdin is not UTF-8 text (byte {exc.start})") from None


def is_text(value: str) -> bool:
    """True if ``value`` is valid Unicode text: no lone surrogates, which is how Python
    spells bytes from the command line that are not UTF-8, and how JSON's ``"\\ud800"``
    decodes. Such a string cannot be printed or encoded."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_token(arg: str) -> str:
    """The token given as ``arg`` (``-``: read from stdin), without whitespace or ``Bearer``."""
    text = _read_stdin() if arg == "-" else arg
    if not is_text(text):
        raise CliError("not a JWT: TOKEN is not UTF-8 text")
    text = "".join(text.split())  # a token wrapped over several lines still counts
    if text[:6].lower() == "bearer":  # pasted from an Authorization header
        text = text[6:]
    if not text:
        raise CliError("no token given" + (" on stdin" if arg == "-" else ""))
    if len(text) > MAX_INPUT_CHARS:
        raise CliError(f"not a JWT: {len(text)} characters is too long (limit {MAX_INPUT_CHARS})")
    return text


def _b64url(part: str, what: str) -> bytes:
    try:
        return b64url_decode(part)  # strict: alphabet, no padding, canonical last character
    except jwt.DecodeError:
        raise CliError(f"not a JWT: the {what} is not base64url (A-Z a-z 0-9 - _, no padding)") from None


def _header_bytes_or_empty(part: str) -> bytes:
    try:
        return _b64url(part, "header")
    except CliError:
        return b""


def _json_object(part: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(_b64url(part, what))
    except ValueError:
        raise CliError(f"not a JWT: the {what} is not JSON") from None
    except RecursionError:
        raise CliError(f"not a JWT: the {what} is JSON nested too deeply") from None
    if not is_text(json.dumps(value, ensure_ascii=False)):
        raise CliError(f"not a JWT: the {what} holds a lone surrogate (\\ud800-\\udfff), which is not text")
    if not isinstance(value, dict):
        raise CliError(f"not a JWT: the {what} is a JSON {type(value).__name__}, not an object")
    return value


def split_token(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Header, payload and signature text of a compact JWS, unverified."""
    parts = token.split(".")
    if len(parts) == 5 and b'"enc"' in _header_bytes_or_empty(parts[0]):
        raise CliError("not a JWT: this is an encrypted JWE (5 parts); it cannot be read without its key")
    if len(parts) != 3:
        raise CliError(f"not a JWT: expected 3 dot-separated parts (header.payload.signature), got {len(parts)}")
    header = _json_object(parts[0], "header")
    payload = _json_object(parts[1], "payload")
    _b64url(parts[2], "signature")
    return header, payload, parts[2]


# -- times ---------------------------------------------------------------------------------


def current_time(now: float | None) -> float:
    """``now`` (a ``--now`` option) if given, else the wall clock, in seconds since 1970."""
    return time.time() if now is None else now


def utc_date(value: float) -> str:
    """``value`` (seconds since 1970) as ``YYYY-MM-DDTHH:MM:SSZ``; ``""`` if it is no date."""
    try:
        return datetime.fromtimestamp(value, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return ""


def duration(seconds: float) -> str:
    """A length of time for people, ignoring its sign: ``42 s``, ``15 min``, ``7 days``."""
    if not abs(seconds) < 1e12:  # NaN, infinity (JSON allows both) or beyond any calendar
        return "an unthinkable time"
    s = int(abs(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 48 * 3600:
        return f"{s // 3600} h"
    days = s // 86400
    return f"{days} day" if days == 1 else f"{days} days"


def is_number(value: Any) -> TypeGuard[int | float]:
    """Whether ``value`` is a JSON number (``True`` and ``False`` are not)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def relative_time(claim: str, value: float, now: float) -> str:
    """What the time claim ``claim`` = ``value`` means at ``now``: ``expired 3 min ago``, ..."""
    delta = value - now
    d = duration(delta)
    if claim == "exp":
        return f"expires in {d}" if delta > 0 else f"expired {d} ago"
    if claim == "nbf":
        return f"not valid for another {d}" if delta > 0 else f"valid since {d} ago"
    verb = "issued" if claim == "iat" else "user authenticated"
    return f"{verb} {d} ago" if delta <= 0 else f"{verb} {d} in the future (clocks out of sync?)"


# -- warnings ----------------------------------------------------------------------------

_SENSITIVE = ("password", "passwd", "secret", "creditcard", "cardnumber", "apikey", "privatekey")
_SENSITIVE_WORDS = {"pwd", "ssn", "cvv", "pin", "iban"}


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def _looks_sensitive(name: str) -> bool:
    words = _words(name)
    joined = "".join(words)
    # "token" only as the last word: api_token, refresh_token; not Cognito's token_use.
    return any(s in joined for s in _SENSITIVE) or bool(_SENSITIVE_WORDS & set(words)) or words[-1:] == ["token"]


def _sensitive_claims(value: Any, path: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            where = f"{path}.{key}" if path else str(key)
            if _looks_sensitive(str(key)):
                yield where
            else:
                yield from _sensitive_claims(inner, where)
    elif isinstance(value, list):
        for inner in value:
            yield from _sensitive_claims(inner, path)


def analyse(header: dict[str, Any], payload: dict[str, Any]) -> list[str]:
    """Warnings a learner should see about an (unverified) header and payload."""
    found: list[str] = []
    alg = header.get("alg")
    if alg is None:
        found.append("no alg in the header: not a valid JWS (RFC 7515 §4.1.1)")
    elif str(alg).lower() == "none":
        found.append(f"alg is {alg!r}: the token is unsigned and anyone can forge it; never accept it (RFC 8725 §3.1)")
    elif str(alg).upper().startswith("HS"):
        found.append(f"alg {alg} is a shared secret: everyone who can verify this token can also mint new ones")
    if "typ" not in header:
        found.append(
            "no typ in the header: an explicit type (e.g. at+jwt, RFC 9068) stops one kind of token "
            "being accepted as another (RFC 8725 §3.11)"
        )
    for name in ("jku", "x5u"):
        if name in header:
            found.append(f"header {name} names a URL for keys: never fetch keys from where the token says")
    for claim in TIME_CLAIMS:
        if claim in payload and not is_number(payload[claim]):
            found.append(f"{claim} is not a NumericDate (seconds since 1970): verifiers reject it")
    exp, iat = payload.get("exp"), payload.get("iat")
    if "exp" not in payload:
        found.append("no exp claim: this token never expires; verifiers should require exp")
    elif is_number(exp) and is_number(iat) and exp - iat > LONG_LIFETIME_SECONDS:
        found.append(
            f"long lifetime: {duration(exp - iat)} between iat and exp (over 24 h); "
            "a stolen token stays usable that long"
        )
    for where in _sensitive_claims(payload):
        found.append(
            f"claim {where!r} looks sensitive: the payload is only base64url-encoded, "
            "anyone holding the token can read it"
        )
    return found


# -- decode ------------------------------------------------------------------------------


def _json_block(title: str, value: Any) -> list[str]:
    return [title, json.dumps(value, indent=2, ensure_ascii=False), ""]


def cmd_decode(args: argparse.Namespace) -> int:
    """``jwt-course decode``: print header, payload, times and warnings, unverified."""
    header, payload, signature = split_token(read_token(args.token))
    found = analyse(header, payload)
    if args.json:
        print(
            json.dumps(
                {"header": header, "payload": payload, "warnings": found},
                indent=2,
                ensure_ascii=False,
            )
        )
        return EXIT_OK
    now = current_time(args.now)
    lines = [
        "signature NOT verified: this shows what the token claims, not that it is genuine "
        "(check it with `jwt-course verify`)",
        "",
        *_json_block("header", header),
        *_json_block("payload", payload),
    ]
    times = [c for c in TIME_CLAIMS if is_number(payload.get(c))]
    if times:
        lines.append(f"times (UTC; now {utc_date(now)})")
        for claim in times:
            value = payload[claim]
            when = utc_date(value)
            lines.append(
                f"  {claim:<9}  "
                + (f"{when}  {relative_time(claim, value, now)}" if when else f"{value} is not a usable date")
            )
        lines.append("")
    size = len(signature) * 3 // 4
    lines.append(
        f"signature  {len(signature)} base64url characters ({size} bytes), not checked"
        if signature
        else "signature  (empty: the token is unsigned)"
    )
    lines.append("")
    lines.append("warnings" if found else "warnings: none")
    lines.extend(f"  - {text}" for text in found)
    print("\n".join(lines))
    return EXIT_OK
