"""The ``jwt-course`` argument parser: subcommands, option types, and the checks argparse
cannot express (non-UTF-8 text, ``serve`` flags that contradict each other)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from ..course import ROOT
from ..tokens import HMAC_ALGORITHMS, SUPPORTED_ALGORITHMS
from .decode import cmd_decode, is_text, utc_date
from .doctor import cmd_doctor
from .errors import EXIT_USAGE, CliError
from .progress import cmd_progress
from .serve import cmd_serve
from .verify import JWKS_TIMEOUT_SECONDS, cmd_verify

__all__ = ["build_parser", "check_arguments"]


# -- the command line -----------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"error: {message} (see `{self.prog} --help`)\n")

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        # argparse reports a subcommand's unknown option from the top-level parser, so
        # `jwt-course serve --prot` would point at `jwt-course --help`: send it to the
        # subcommand's own parser instead.
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            commands: dict[str, argparse.ArgumentParser] = getattr(self, "commands", {})
            owner = commands.get(getattr(parsed, "command", None) or "", self)
            owner.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed


def _float_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError(f"expected seconds from 0 to 600, got {text!r}")
    return value


def _epoch_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not utc_date(value):
        raise argparse.ArgumentTypeError(f"expected seconds since 1970 (a date), got {text!r}")
    return value


def _whole_number(what: str, minimum: int = 0, maximum: int | None = None) -> Callable[[str], int]:
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


def _add_token_argument(command: argparse.ArgumentParser) -> None:
    command.add_argument("token", metavar="TOKEN", help="the compact JWT, or - to read it from stdin")


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
    _add_token_argument(decode)
    decode.add_argument("--json", action="store_true", help="print {header, payload, warnings} as JSON")
    decode.add_argument("--now", type=_epoch_seconds, help=argparse.SUPPRESS)
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
    _add_token_argument(verify)
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
    source.add_argument("--jwks-url", metavar="URL", help="fetch the key from a JWKS endpoint, by the token's kid")
    verify.add_argument(
        "--alg",
        action="append",
        required=True,
        metavar="ALG",
        help="an algorithm you accept, e.g. HS256 or RS256 (repeat for several); required: "
        "the token's own alg header is never trusted",
    )
    verify.add_argument("--aud", action="append", metavar="AUD", help="the audience you are (repeatable)")
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
        type=_whole_number("whole seconds"),
        default=0,
        metavar="SECONDS",
        help="clock skew allowed for exp/nbf/iat",
    )
    verify.add_argument(
        "--timeout",
        type=_float_seconds,
        default=JWKS_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help=f"total time allowed for --jwks-url (default: {JWKS_TIMEOUT_SECONDS:g})",
    )
    verify.add_argument(
        "--now",
        type=_epoch_seconds,
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
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument(
        "--port",
        type=_whole_number("a port", 0, 65535),
        default=None,
        help="port (default: 8000, or a free one if 8000 is taken or on a JupyterHub; 0 picks a free one)",
    )
    serve.add_argument("--public", action="store_true", help="allow a non-loopback --host (see the warning)")
    serve.add_argument(
        "--algorithm",
        choices=SUPPORTED_ALGORITHMS,
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
        type=_whole_number("whole seconds", 1),
        metavar="SECONDS",
        help="access token lifetime (default: 900)",
    )
    serve.add_argument(
        "--refresh-ttl",
        type=_whole_number("whole seconds", 1),
        metavar="SECONDS",
        help="refresh token lifetime (default: 604800)",
    )
    serve.add_argument("--database", metavar="PATH", help="SQLite file for revocations (default: in memory)")
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
    progress.add_argument("--chapter", action="append", metavar="NN", help="only this chapter, e.g. 01 (repeatable)")
    progress.set_defaults(handler=cmd_progress)
    parser.commands = dict(commands.choices)  # type: ignore[attr-defined]
    return parser


def _option_name(dest: str) -> str:
    return dest.upper() if dest == "token" else "--" + dest.replace("_", "-")


def _refuse_undecodable(args: argparse.Namespace) -> None:
    # Bytes on the command line that are not UTF-8 arrive as lone surrogates; they
    # cannot be printed, encoded or compared as text. (Paths may hold any bytes.)
    for dest, value in vars(args).items():
        values: list[Any] = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and not is_text(v) for v in values):
            hint = "; put a binary secret in a file and use --key-file" if dest == "key" else ""
            raise CliError(f"{_option_name(dest)} is not UTF-8 text{hint}")


def _check_serve_options(args: argparse.Namespace) -> None:
    # Say what is wrong with the flags the user gave, not with Settings fields.
    if getattr(args, "command", None) != "serve" or not args.private_key_file:
        return
    algorithm = args.algorithm or os.environ.get("JWT_COURSE_ALGORITHM") or "HS256"
    if algorithm in HMAC_ALGORITHMS:
        origin = (
            "--algorithm"
            if args.algorithm
            else ("JWT_COURSE_ALGORITHM" if os.environ.get("JWT_COURSE_ALGORITHM") else "the default")
        )
        raise CliError(
            f"--private-key-file is for RS256, ES256 or EdDSA, but the algorithm is {algorithm}"
            f" ({origin}), which signs with a shared secret: add --algorithm RS256 (or the"
            " algorithm of your key), or drop --private-key-file"
        )


def check_arguments(args: argparse.Namespace) -> None:
    """Refuse what the parser lets through: non-UTF-8 text, flags that contradict each other."""
    _refuse_undecodable(args)
    _check_serve_options(args)
