"""The ``jwt-course`` command (also ``python -m jwt_course``).

Subcommands::

    jwt-course decode TOKEN           show header and claims, unverified, with warnings
    jwt-course verify TOKEN --key ... check signature and claims; exit 1 with the reason
    jwt-course serve                  run the course's demo API for a workshop
    jwt-course doctor                 check this machine is ready for the course
    jwt-course progress               which exercises are solved, per chapter

Exit status: 0 success, 1 a token that does not verify (or a failed check, or a
server that could not start), 2 bad input on the command line. Expected failures are
one ``error: ...`` line on stderr, never a traceback (set ``JWT_COURSE_DEBUG=1`` to
see the traceback of an unexpected one).
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn, TypeGuard

import jwt

from .course import ROOT, Check, environment_checks
from .handmade import b64url_decode

__all__ = ["CliError", "analyse", "main"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
MAX_TOKEN_CHARS = 65536
LONG_LIFETIME_SECONDS = 24 * 3600
TIME_CLAIMS = ("iat", "nbf", "exp", "auth_time")


class CliError(Exception):
    """An expected failure, printed as one ``error: ...`` line; exit status 2 unless given."""

    def __init__(self, message: str, status: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.status = status


# -- the command line -----------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"error: {message} (see `{self.prog} --help`)\n")


def _epoch(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not _iso(value):
        raise argparse.ArgumentTypeError(f"expected seconds since 1970 (a date), got {text!r}")
    return value


def _whole(what: str, minimum: int = 0, maximum: int | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum or (maximum is not None and value > maximum):
            bounds = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
            raise argparse.ArgumentTypeError(f"expected {what} {bounds}, got {text!r}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``jwt-course`` and its subcommands."""
    parser = _Parser(
        prog="jwt-course",
        description="Tools for the hands-on JWT course: inspect and verify tokens, run the "
        "demo API, check a workshop machine, see exercise progress.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    raw = argparse.RawDescriptionHelpFormatter

    decode = commands.add_parser(
        "decode",
        help="show a token's header and claims (without verifying) and what to watch out for",
        description="Show a token's header and claims WITHOUT verifying its signature: "
        "times as UTC dates relative to now, and warnings (alg none, no exp, long "
        "lifetime, sensitive-looking claims, ...).",
        epilog='examples:\n  jwt-course decode eyJhbGciOi...\n  echo "$TOKEN" | jwt-course decode -',
        formatter_class=raw,
    )
    decode.add_argument(
        "token", metavar="TOKEN", help="the compact JWT, or - to read it from stdin"
    )
    decode.add_argument(
        "--json", action="store_true", help="print {header, payload, warnings} as JSON"
    )
    decode.add_argument("--now", type=_epoch, help=argparse.SUPPRESS)
    decode.set_defaults(handler=cmd_decode)

    verify = commands.add_parser(
        "verify",
        help="verify a token's signature and claims; exit 1 with the reason if it fails",
        description="Verify a token with PyJWT: signature with one of the algorithms you "
        "allow (never the one the token asks for), then exp/nbf/iat and, if given, "
        "aud and iss. Prints the claims (exit 0) or the exact reason (exit 1).",
        epilog="examples:\n"
        "  jwt-course verify TOKEN --key-file secret.txt --alg HS256 --aud my-api\n"
        "  jwt-course verify TOKEN --key-file public.pem --alg RS256\n"
        "  jwt-course verify TOKEN --jwks-url https://auth.example/.well-known/jwks.json --alg RS256",
        formatter_class=raw,
    )
    verify.add_argument(
        "token", metavar="TOKEN", help="the compact JWT, or - to read it from stdin"
    )
    source = verify.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--key",
        metavar="SECRET",
        help="the HMAC secret (or a PEM key); visible to `ps`, prefer --key-file",
    )
    source.add_argument(
        "--key-file",
        metavar="PATH",
        type=Path,
        help="a PEM public key, a JWK/JWKS JSON file, or a file holding the HMAC secret "
        "(one trailing newline is ignored)",
    )
    source.add_argument(
        "--jwks-url", metavar="URL", help="fetch the key from a JWKS endpoint, by the token's kid"
    )
    verify.add_argument(
        "--alg",
        action="append",
        required=True,
        metavar="ALG",
        help="an algorithm you accept, e.g. HS256 or RS256 (repeat for several); required: "
        "the token's own alg header is never trusted",
    )
    verify.add_argument(
        "--aud", action="append", metavar="AUD", help="the audience you are (repeatable)"
    )
    verify.add_argument("--iss", metavar="ISS", help="the issuer you trust")
    verify.add_argument(
        "--require",
        action="append",
        default=[],
        metavar="CLAIM",
        help="refuse tokens without CLAIM, e.g. exp",
    )
    verify.add_argument(
        "--leeway",
        type=_whole("whole seconds"),
        default=0,
        metavar="SECONDS",
        help="clock skew allowed for exp/nbf/iat",
    )
    verify.add_argument(
        "--now",
        type=_epoch,
        metavar="EPOCH",
        help="check times as if it were EPOCH (seconds since 1970)",
    )
    verify.set_defaults(handler=cmd_verify)

    serve = commands.add_parser(
        "serve",
        help="run the course's demo API (login, /me, /admin, refresh, logout) in the foreground",
        description="Run the demo API of the course with uvicorn until Ctrl+C. The signing "
        "secret comes from JWT_COURSE_SECRET_KEY, or is generated for this run (it is never "
        "printed). Other JWT_COURSE_* variables are read too; options win over them.",
        epilog="example:\n  jwt-course serve --port 8000 --access-ttl 60 --database revoked.sqlite",
        formatter_class=raw,
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    serve.add_argument(
        "--port",
        type=_whole("a port", 0, 65535),
        default=8000,
        help="port (default: 8000; 0 picks a free one)",
    )
    serve.add_argument(
        "--public", action="store_true", help="allow a non-loopback --host (see the warning)"
    )
    serve.add_argument(
        "--algorithm",
        choices=("HS256", "HS384", "HS512", "RS256", "ES256", "EdDSA"),
        help="signing algorithm (default: HS256); RS256, ES256 and EdDSA publish their public "
        "keys at /.well-known/jwks.json",
    )
    serve.add_argument(
        "--private-key-file",
        metavar="PATH",
        help="PEM private key for RS256/ES256/EdDSA (default: a new key for this run)",
    )
    serve.add_argument(
        "--access-ttl",
        type=_whole("whole seconds", 1),
        metavar="SECONDS",
        help="access token lifetime (default: 900)",
    )
    serve.add_argument(
        "--refresh-ttl",
        type=_whole("whole seconds", 1),
        metavar="SECONDS",
        help="refresh token lifetime (default: 604800)",
    )
    serve.add_argument(
        "--database", metavar="PATH", help="SQLite file for revocations (default: in memory)"
    )
    serve.set_defaults(handler=cmd_serve)

    doctor = commands.add_parser(
        "doctor",
        help="check this machine is ready for the course, and say what to fix",
        description="Check Python, packages, the Jupyter kernel, a loopback port and HTTP "
        "round trip, and write access to the course folder. Exit 1 if anything fails.",
    )
    doctor.add_argument("--course-dir", type=Path, default=ROOT, help=argparse.SUPPRESS)
    doctor.set_defaults(handler=cmd_doctor)

    progress = commands.add_parser(
        "progress",
        help="which exercises are solved: runs each exercise notebook in a fresh kernel",
        description="Run each exercise notebook (NN_name.ipynb) top to bottom in a fresh "
        "kernel, one after the other, and read the checkers' verdicts (qN: correct!). "
        "Nothing is saved: your notebooks are left as they are.",
    )
    progress.add_argument(
        "--exercises",
        type=Path,
        default=ROOT / "exercises",
        metavar="DIR",
        help="folder of exercise notebooks",
    )
    progress.add_argument(
        "--chapter", action="append", metavar="NN", help="only this chapter, e.g. 01 (repeatable)"
    )
    progress.set_defaults(handler=cmd_progress)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``jwt-course`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        status: int = args.handler(args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `jwt-course decode ... | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_INVALID
    except Exception as exc:
        if os.environ.get("JWT_COURSE_DEBUG"):
            raise
        print(
            f"error: unexpected {type(exc).__name__}: {exc} "
            "(set JWT_COURSE_DEBUG=1 to see the traceback)",
            file=sys.stderr,
        )
        return EXIT_INVALID
    return status


# -- reading tokens ----------------------------------------------------------------------


def _read_token(arg: str) -> str:
    text = sys.stdin.read() if arg == "-" else arg
    text = "".join(text.split())  # a token wrapped over several lines still counts
    if text[:6].lower() == "bearer":  # pasted from an Authorization header
        text = text[6:]
    if not text:
        raise CliError("no token given" + (" on stdin" if arg == "-" else ""))
    if len(text) > MAX_TOKEN_CHARS:
        raise CliError(f"not a JWT: {len(text)} characters is too long (limit {MAX_TOKEN_CHARS})")
    return text


def _b64url(part: str, what: str) -> bytes:
    try:
        return b64url_decode(part)  # strict: alphabet, no padding, canonical last character
    except jwt.DecodeError:
        raise CliError(
            f"not a JWT: the {what} is not base64url (A-Z a-z 0-9 - _, no padding)"
        ) from None


def _peek(part: str) -> bytes:
    try:
        return _b64url(part, "header")
    except CliError:
        return b""


def _json_object(part: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(_b64url(part, what))
    except ValueError:
        raise CliError(f"not a JWT: the {what} is not JSON") from None
    if not isinstance(value, dict):
        raise CliError(f"not a JWT: the {what} is a JSON {type(value).__name__}, not an object")
    return value


def _split(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Header, payload and signature text of a compact JWS, unverified."""
    parts = token.split(".")
    if len(parts) == 5 and b'"enc"' in _peek(parts[0]):
        raise CliError(
            "not a JWT: this is an encrypted JWE (5 parts); it cannot be read without its key"
        )
    if len(parts) != 3:
        raise CliError(
            f"not a JWT: expected 3 dot-separated parts (header.payload.signature), got {len(parts)}"
        )
    header = _json_object(parts[0], "header")
    payload = _json_object(parts[1], "payload")
    _b64url(parts[2], "signature")
    return header, payload, parts[2]


# -- times ---------------------------------------------------------------------------------


def _iso(value: float) -> str:
    try:
        return datetime.fromtimestamp(value, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return ""


def _duration(seconds: float) -> str:
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


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _relative(claim: str, value: float, now: float) -> str:
    delta = value - now
    d = _duration(delta)
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
    return (
        any(s in joined for s in _SENSITIVE)
        or bool(_SENSITIVE_WORDS & set(words))
        or words[-1:] == ["token"]
    )


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
        found.append(
            f"alg is {alg!r}: the token is unsigned and anyone can forge it; never accept it (RFC 8725 §3.1)"
        )
    elif str(alg).upper().startswith("HS"):
        found.append(
            f"alg {alg} is a shared secret: everyone who can verify this token can also mint new ones"
        )
    if "typ" not in header:
        found.append(
            "no typ in the header: an explicit type (e.g. at+jwt, RFC 9068) stops one kind of token "
            "being accepted as another (RFC 8725 §3.11)"
        )
    for name in ("jku", "x5u"):
        if name in header:
            found.append(
                f"header {name} names a URL for keys: never fetch keys from where the token says"
            )
    for claim in TIME_CLAIMS:
        if claim in payload and not _is_number(payload[claim]):
            found.append(f"{claim} is not a NumericDate (seconds since 1970): verifiers reject it")
    exp, iat = payload.get("exp"), payload.get("iat")
    if "exp" not in payload:
        found.append("no exp claim: this token never expires; verifiers should require exp")
    elif _is_number(exp) and _is_number(iat) and exp - iat > LONG_LIFETIME_SECONDS:
        found.append(
            f"long lifetime: {_duration(exp - iat)} between iat and exp (over 24 h); "
            "a stolen token stays usable that long"
        )
    for where in _sensitive_claims(payload):
        found.append(
            f"claim {where!r} looks sensitive: the payload is only base64url-encoded, "
            "anyone holding the token can read it"
        )
    return found


# -- decode ------------------------------------------------------------------------------


def _block(title: str, value: Any) -> list[str]:
    return [title, json.dumps(value, indent=2, ensure_ascii=False), ""]


def cmd_decode(args: argparse.Namespace) -> int:
    """``jwt-course decode``: print header, payload, times and warnings, unverified."""
    header, payload, signature = _split(_read_token(args.token))
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
    now = time.time() if args.now is None else args.now
    lines = [
        "signature NOT verified: this shows what the token claims, not that it is genuine "
        "(check it with `jwt-course verify`)",
        "",
        *_block("header", header),
        *_block("payload", payload),
    ]
    times = [c for c in TIME_CLAIMS if _is_number(payload.get(c))]
    if times:
        lines.append(f"times (UTC; now {_iso(now)})")
        for claim in times:
            value = payload[claim]
            when = _iso(value)
            lines.append(
                f"  {claim:<9}  "
                + (
                    f"{when}  {_relative(claim, value, now)}"
                    if when
                    else f"{value} is not a usable date"
                )
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


# -- verify ------------------------------------------------------------------------------

_ALGORITHMS = jwt.algorithms.get_default_algorithms()


def _allowed_algorithms(names: list[str]) -> list[str]:
    for name in names:
        if name.lower() == "none":
            raise CliError("--alg none would accept unsigned tokens: it is never allowed")
        if name not in _ALGORITHMS:
            known = ", ".join(sorted(a for a in _ALGORITHMS if a != "none"))
            raise CliError(f"unknown algorithm {name!r}; choose from {known}")
    families = {"HMAC" if n.startswith("HS") else "public-key" for n in names}
    if len(families) > 1:
        raise CliError(
            "do not mix HS* with public-key algorithms: one key cannot serve both, and mixing "
            "them is how algorithm-confusion attacks work (RFC 8725 §2.1)"
        )
    return list(dict.fromkeys(names))


def _key_from_file(path: Path) -> Any:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read key file {str(path)!r}: {exc.strerror or exc}") from None
    stripped = data.strip()
    if stripped.startswith(b"{"):
        try:
            jwk = json.loads(stripped)
            return jwt.PyJWKSet.from_dict(jwk) if "keys" in jwk else jwt.PyJWK.from_dict(jwk)
        except (ValueError, jwt.PyJWTError) as exc:
            raise CliError(f"key file {str(path)!r} is not a usable JWK or JWKS: {exc}") from None
    if stripped.startswith(b"-----BEGIN") and b"PRIVATE KEY" in stripped:
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        try:
            private = load_pem_private_key(stripped, password=None)
        except (ValueError, TypeError) as exc:
            raise CliError(f"key file {str(path)!r}: cannot load the private key: {exc}") from None
        print(
            "note: the key file holds a private key; verifying with its public half",
            file=sys.stderr,
        )
        return private.public_key()
    if stripped.startswith(b"-----BEGIN"):
        return stripped
    return data.removesuffix(b"\n").removesuffix(b"\r")


def _pick_key(key: Any, token: str) -> Any:
    if not isinstance(key, jwt.PyJWKSet):
        return key
    kid = jwt.get_unverified_header(token).get("kid")
    if not isinstance(kid, str):
        raise jwt.PyJWKSetError("the token has no kid, so no key of the key file can be chosen")
    try:
        return key[kid]
    except KeyError:
        raise jwt.PyJWKSetError(f"no key with kid {kid!r} in the key file") from None


def _check_times(payload: dict[str, Any], now: float, leeway: float) -> None:
    # PyJWT's own exp/nbf/iat checks (same order, classes and messages), but against
    # --now instead of the wall clock.
    for claim, error in (
        ("iat", jwt.InvalidIssuedAtError),
        ("nbf", jwt.DecodeError),
        ("exp", jwt.DecodeError),
    ):
        if claim not in payload:
            continue
        try:
            value = int(payload[claim])
        except (ValueError, TypeError, OverflowError):
            name = {"iat": "Issued At", "nbf": "Not Before", "exp": "Expiration Time"}[claim]
            raise error(f"{name} claim ({claim}) must be an integer.") from None
        if claim == "exp" and value <= now - leeway:
            raise jwt.ExpiredSignatureError("Signature has expired")
        if claim != "exp" and value > now + leeway:
            raise jwt.ImmatureSignatureError(f"The token is not yet valid ({claim})")


def _verify(
    token: str, key: Any, args: argparse.Namespace, algorithms: list[str]
) -> dict[str, Any]:
    options: dict[str, Any] = {"require": args.require}
    if args.now is not None:
        options.update(verify_exp=False, verify_nbf=False, verify_iat=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", jwt.InsecureKeyLengthWarning)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                _pick_key(key, token),
                algorithms=algorithms,
                audience=args.aud,
                issuer=args.iss,
                leeway=args.leeway,
                options=options,  # type: ignore[arg-type]
            )
        finally:
            for warning in caught:
                print(f"warning: {warning.message}", file=sys.stderr)
    if args.now is not None:
        _check_times(claims, args.now, args.leeway)
    return claims


def _hint(
    exc: jwt.PyJWTError, token: str, args: argparse.Namespace, algorithms: list[str]
) -> str | None:
    try:
        header, payload, _ = _split(token)
    except CliError:
        return None
    now = time.time() if args.now is None else args.now
    if isinstance(exc, jwt.ExpiredSignatureError) and _is_number(payload.get("exp")):
        return _iso(payload["exp"]) and (
            f"exp is {_iso(payload['exp'])}, {_relative('exp', payload['exp'], now)}; "
            "--leeway SECONDS tolerates small clock differences"
        )
    if isinstance(exc, jwt.ImmatureSignatureError):
        claim = "nbf" if "(nbf)" in str(exc) else "iat"
        if _is_number(payload.get(claim)) and _iso(payload[claim]):
            return f"{claim} is {_iso(payload[claim])}, {_duration(payload[claim] - now)} from now"
    if isinstance(exc, jwt.InvalidAudienceError):
        if args.aud is None:
            return f"the token is for audience {payload.get('aud')!r}: say which audience you are with --aud"
        return f"the token is for audience {payload.get('aud')!r}, you accept {args.aud!r}"
    if isinstance(exc, jwt.InvalidIssuerError):
        return f"the token says iss {payload.get('iss')!r}, you trust {args.iss!r}"
    if isinstance(exc, jwt.InvalidAlgorithmError):
        return (
            f"the token's header says alg {header.get('alg')!r}; you allow {', '.join(algorithms)}"
        )
    if isinstance(exc, jwt.InvalidSignatureError):
        return "wrong key, or the header or payload was changed after signing"
    return None


def cmd_verify(args: argparse.Namespace) -> int:
    """``jwt-course verify``: check signature and claims; exit 1 with the reason on failure."""
    algorithms = _allowed_algorithms(args.alg)
    token = _read_token(args.token)
    if args.key is not None:
        key: Any = args.key.encode()
    elif args.key_file is not None:
        key = _key_from_file(args.key_file)
    try:
        if args.jwks_url is not None:
            key = jwt.PyJWKClient(
                args.jwks_url, cache_keys=False, timeout=10
            ).get_signing_key_from_jwt(token)
        claims = _verify(token, key, args, algorithms)
    except jwt.PyJWTError as exc:
        print(f"invalid: {type(exc).__name__}: {exc}")
        hint = _hint(exc, token, args, algorithms)
        if hint:
            print(f"hint: {hint}")
        return EXIT_INVALID
    checked: list[str] = [c for c in ("exp", "nbf", "iat") if c in claims]
    checked += [c for c, given in (("aud", args.aud), ("iss", args.iss)) if given]
    alg = jwt.get_unverified_header(token).get("alg")
    print(f"valid: {alg} signature verified; claims checked: {', '.join(checked) or 'none'}")
    if "exp" not in claims:
        print("note: no exp claim, so this token never expires (--require exp refuses such tokens)")
    print(json.dumps(claims, indent=2, ensure_ascii=False))
    return EXIT_OK


# -- serve -------------------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _settings_lines(settings: Any, url: str, secret_given: bool, key_file: bool = False) -> list[str]:
    from .server import DEMO_USERS

    users = ", ".join(f"{name} / {password} ({role})" for name, password, role in DEMO_USERS)
    memory = settings.database == ":memory:"
    if settings.key_ring is None:
        key = "secret       " + (
            "from JWT_COURSE_SECRET_KEY (not shown)"
            if secret_given
            else "generated for this run (not shown); tokens die with the server"
        )
    else:
        origin = "from --private-key-file" if key_file else "generated for this run"
        key = f"signing key  {origin}; public keys at {url}/.well-known/jwks.json"
    return [
        "JWT course demo API",
        f"  url          {url}",
        f"  docs         {url}/docs  (Swagger UI; Authorize with a demo user)",
        f"  users        {users}",
        f"  algorithm    {settings.algorithm}",
        "  " + key,
        f"  issuer       {settings.issuer}",
        f"  audience     {settings.audience}",
        f"  access TTL   {settings.access_ttl_seconds} s ({_duration(settings.access_ttl_seconds)})",
        f"  refresh TTL  {settings.refresh_ttl_seconds} s ({_duration(settings.refresh_ttl_seconds)})",
        f"  database     {settings.database}"
        + (" (revocations are lost on exit)" if memory else " (revocations survive a restart)"),
        "Press Ctrl+C to stop.",
    ]


def cmd_serve(args: argparse.Namespace) -> int:
    """``jwt-course serve``: run the demo API in the foreground until Ctrl+C or SIGTERM."""
    if not args.public and not _is_loopback(args.host):
        raise CliError(
            f"refusing to listen on {args.host}: the demo API has well-known passwords "
            "(alice/wonderland, bob/builder), so anyone who can reach it can log in; "
            "use 127.0.0.1, or add --public if you really mean to expose it"
        )
    import uvicorn

    from .server import Settings, create_app
    from .serving import _listening_socket

    overrides = {
        name: value
        for name, value in (
            ("algorithm", args.algorithm),
            ("access_ttl_seconds", args.access_ttl),
            ("refresh_ttl_seconds", args.refresh_ttl),
            ("database", args.database),
        )
        if value is not None
    }
    if args.private_key_file:
        try:
            overrides["private_key"] = Path(args.private_key_file).read_bytes()
        except OSError as exc:
            raise CliError(f"cannot read --private-key-file: {exc.strerror}") from None
    try:
        settings = Settings.from_env(**overrides)
        app = create_app(settings)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    except Exception as exc:  # e.g. sqlite3.OperationalError for a bad --database path
        raise CliError(
            f"cannot start the demo API: {type(exc).__name__}: {exc}", EXIT_INVALID
        ) from None
    try:
        sock = _listening_socket(args.host, args.port)
    except RuntimeError as exc:
        app.state.store.close()
        raise CliError(
            f"{exc} (pick another --port, or 0 for any free one)", EXIT_INVALID
        ) from None
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{sock.getsockname()[1]}"
    if not _is_loopback(args.host):
        print(
            f"warning: listening on {args.host}: anyone on your network can log in as the demo users"
        )
    print(
        "\n".join(
            _settings_lines(
                settings, url, "JWT_COURSE_SECRET_KEY" in os.environ, bool(args.private_key_file)
            )
        ),
        flush=True,
    )

    server = uvicorn.Server(
        uvicorn.Config(app, log_level="info", timeout_graceful_shutdown=2, lifespan="on")
    )
    stopped_by: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        # uvicorn handles SIGINT/SIGTERM while it runs, restores these handlers, then
        # re-raises the signal it caught: this handler turns that into a clean exit.
        stopped_by.append(signum)
        server.should_exit = True

    previous = {sig: signal.signal(sig, note) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
        app.state.store.close()
    if not server.started:
        raise CliError("the demo API did not start (see the log above)", EXIT_INVALID)
    reason = f" ({signal.Signals(stopped_by[0]).name})" if stopped_by else ""
    print(f"stopped{reason}", flush=True)
    return EXIT_OK


# -- doctor ------------------------------------------------------------------------------


def _check_kernel() -> Check:
    what = "a Jupyter kernel for this Python (ipykernel)"
    fix = f"run `{Path(sys.executable).name} -m ipykernel install --sys-prefix` (or `make lab`)"
    try:
        from jupyter_client.kernelspec import KernelSpecManager
    except ImportError:
        return Check(what, False, "jupyter_client is missing: " + fix)
    here = Path(sys.executable).resolve()
    short = {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info[:2])}
    for spec in KernelSpecManager().get_all_specs().values():
        argv = spec.get("spec", {}).get("argv") or [""]
        # jupyter_client runs argv[0] "python"/"python3" with its own interpreter.
        if "ipykernel" in " ".join(argv) and (argv[0] in short or Path(argv[0]).resolve() == here):
            return Check(what, True, "")
    return Check(what, False, fix)


def _check_port() -> Check:
    import socket

    what = "a free loopback port (127.0.0.1)"
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            sock.listen(1)
    except OSError as exc:
        return Check(
            what,
            False,
            f"cannot listen on 127.0.0.1 ({exc.strerror}): check the firewall or sandbox",
        )
    return Check(what, True, "")


def _check_round_trip() -> Check:
    what = "a loopback HTTP round trip (serve a tiny app, GET it)"
    try:
        import httpx
        from fastapi import FastAPI

        from .serving import serve

        app = FastAPI()

        @app.get("/ping")
        def ping() -> dict[str, str]:
            return {"pong": "ok"}

        with serve(app) as server:
            try:
                body = httpx.get(f"{server.url}/ping", timeout=5).json()
            except httpx.HTTPError:
                body = httpx.get(f"{server.url}/ping", timeout=5, trust_env=False).json()
                return Check(
                    what,
                    False,
                    "a proxy intercepts loopback requests: set NO_PROXY=127.0.0.1,localhost",
                )
    except Exception as exc:
        return Check(
            what, False, f"{type(exc).__name__}: {exc}; is something blocking loopback connections?"
        )
    ok = body == {"pong": "ok"}
    return Check(
        what,
        ok,
        "" if ok else f"unexpected answer {body!r}; is a proxy in the way? set NO_PROXY=127.0.0.1",
    )


def _check_writable(folder: Path) -> Check:
    what = "write access to the course folder"
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".jwt-course-doctor-"):
            pass
    except OSError as exc:
        return Check(
            what,
            False,
            f"cannot write in the course folder ({exc.strerror}): clone it somewhere you own",
        )
    return Check(what, True, "")


def _check_notebooks(folder: Path) -> Check:
    ok = any((folder / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    return Check(
        "notebooks/ holds the lessons",
        ok,
        "" if ok else "run from a complete clone of the course repository",
    )


def cmd_doctor(args: argparse.Namespace) -> int:
    """``jwt-course doctor``: one ok/FAIL line per check; exit 1 if any fails."""
    folder: Path = args.course_dir
    probes: list[Callable[[], Check]] = [
        _check_kernel,
        _check_port,
        _check_round_trip,
        lambda: _check_writable(folder),
        lambda: _check_notebooks(folder),
    ]
    checks = environment_checks()
    for check in checks:
        print(_doctor_line(check), flush=True)
    for probe in probes:
        checks.append(probe())
        print(_doctor_line(checks[-1]), flush=True)
    failed = sum(not c.ok for c in checks)
    print(
        f"\n{len(checks) - failed} of {len(checks)} checks passed"
        + ("" if failed else ": ready for the course")
    )
    return EXIT_INVALID if failed else EXIT_OK


def _doctor_line(check: Check) -> str:
    return f"ok    {check.what}" if check.ok else f"FAIL  {check.what}  -> fix: {check.fix}"


# -- progress ----------------------------------------------------------------------------

_VERDICT = re.compile(r"^(q\d+): (correct!|not quite\.|not solved yet)", re.MULTILINE)
_CHECK_CALL = re.compile(r"\b(q\d+)\.check\(")
_STATUS = {"correct!": "correct", "not quite.": "not quite", "not solved yet": "not solved yet"}
_EXERCISE_NAME = re.compile(r"^(\d\d)_(\w+)\.ipynb$")


@dataclass
class ChapterProgress:
    """What running one exercise notebook showed."""

    number: str
    slug: str
    verdicts: dict[str, str]
    errors: list[str]

    @property
    def solved(self) -> int:
        """How many exercises printed ``correct!``."""
        return sum(v == "correct" for v in self.verdicts.values())


def _label_key(label: str) -> int:
    return int(label[1:])


def run_exercise_notebook(path: Path, timeout: int = 60) -> ChapterProgress:
    """Run one exercise notebook in a fresh kernel and collect the checkers' verdicts."""
    import nbformat
    from nbclient import NotebookClient

    match = _EXERCISE_NAME.match(path.name)
    assert match is not None
    number, slug = match.groups()
    nb = nbformat.read(path, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    labels = sorted({m for cell in code for m in _CHECK_CALL.findall(cell.source)}, key=_label_key)
    verdicts = dict.fromkeys(labels, "not run")
    errors: list[str] = []
    try:
        NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": str(path.parent)}},
        ).execute(
            stderr=subprocess.DEVNULL
        )  # the kernel's own log, not the cells' stderr
    except Exception as exc:  # no kernel, a dead kernel, a cell over the time limit
        message = str(exc).strip().splitlines()[-1:] or [""]
        errors.append(f"stopped: {type(exc).__name__}: {message[0]}")
    for index, cell in enumerate(code, start=1):
        # only the learner's own check counts: `qN.check()` with no argument; a cell that
        # calls `qN.check(some_wrong_answer)` is the lesson demonstrating a verdict
        own = set(re.findall(r"\b(q\d+)\.check\(\s*\)", cell.get("source", "")))
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                for label, status in _VERDICT.findall(output.get("text", "")):
                    if label in own:
                        verdicts[label] = _STATUS[status]  # the last check() of a question wins
            elif output.get("output_type") == "error":
                errors.append(
                    f"code cell {index} raised {output.get('ename')}: {output.get('evalue')}"
                )
    return ChapterProgress(number, slug, verdicts, errors)


def cmd_progress(args: argparse.Namespace) -> int:
    """``jwt-course progress``: per-chapter count of solved exercises; exit 1 if a notebook errors."""
    folder: Path = args.exercises
    if not folder.is_dir():
        raise CliError(f"no exercises folder at {str(folder)!r} (use --exercises DIR)")
    paths = sorted(p for p in folder.glob("*.ipynb") if _EXERCISE_NAME.match(p.name))
    if args.chapter:
        wanted = {c.zfill(2) for c in args.chapter}
        paths = [p for p in paths if p.name[:2] in wanted]
        missing = wanted - {p.name[:2] for p in paths}
        if missing:
            raise CliError(
                f"no exercise notebook for chapter {', '.join(sorted(missing))} in {str(folder)!r}"
            )
    if not paths:
        raise CliError(f"no exercise notebooks (NN_name.ipynb) in {str(folder)!r}")
    results = []
    for path in paths:
        print(f"running {path.name} ...", file=sys.stderr, flush=True)
        results.append(run_exercise_notebook(path))
    width = max(len(f"{r.number} {r.slug}") for r in results)
    for r in results:
        by_status: dict[str, list[str]] = {}
        for label, status in r.verdicts.items():
            if status != "correct":
                by_status.setdefault(status, []).append(label)
        todo = "; ".join(f"{status}: {', '.join(labels)}" for status, labels in by_status.items())
        line = f"{r.number} {r.slug:<{width - 3}}  {r.solved}/{len(r.verdicts)} solved"
        print(line + (f"   {todo}" if todo else ""))
        for error in r.errors:
            print(f"   ! {error}")
    solved = sum(r.solved for r in results)
    total = sum(len(r.verdicts) for r in results)
    print(f"{'total':<{width}}  {solved}/{total} solved")
    return EXIT_INVALID if any(r.errors for r in results) else EXIT_OK
