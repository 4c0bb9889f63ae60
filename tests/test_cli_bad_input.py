"""``jwt-course`` on hostile input (issues 11 and 14), as a learner would run it.

Bytes that are not UTF-8 in argv, stdin or ``--key``, JSON nested 5000 deep,
``--key-file /dev/zero``, a JWKS server that drips one byte every 0.25 s, and validly
signed tokens whose time claims are no dates: each gets a clear message and exit 2
(bad input) or 1 (a token that does not verify), never the generic "unexpected"
handler, a traceback, a hang or an unbounded read.

Most run the command's entry point in this process (``tests/cli_runner.py``: argv bytes decoded as
the interpreter decodes them, stdin and stdout with a pipe's encoding and error handler); what
depends on the process runs ``python -m jwt_course`` (``run_subprocess``): argv bytes as the
interpreter receives them, stdin through a pipe, ``/dev/zero``, and the dripping JWKS server, whose
hang guard is a kill.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from jwt_course.handmade import b64url_encode

from cli_runner import run_in_process

SECRET = "cli-bad-input-secret-0123456789abcdef-0123"
NO_PROXY = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
ENV = {**os.environ, **NO_PROXY}


def run(*args: str | bytes, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """``jwt-course ARGS`` in this process (tests/cli_runner.py)."""
    return _checked(run_in_process(args, stdin=stdin, env=NO_PROXY))


def run_subprocess(
    *args: str | bytes, stdin: bytes | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[bytes]:
    """``python -m jwt_course ARGS`` in a real process, killed after ``timeout`` seconds."""
    command = [os.fsencode(sys.executable), b"-m", b"jwt_course"]
    command += [os.fsencode(a) if isinstance(a, str) else a for a in args]
    return _checked(subprocess.run(command, input=stdin, capture_output=True, timeout=timeout, env=ENV))


def _checked(result: subprocess.CompletedProcess[bytes]) -> subprocess.CompletedProcess[bytes]:
    stderr = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr
    assert "unexpected" not in stderr, stderr
    assert "RecursionError" not in stderr + result.stdout.decode("utf-8", "replace")
    return result


def signed(payload: bytes, header: bytes = b'{"alg":"HS256","typ":"JWT"}') -> str:
    signing_input = f"{b64url_encode(header)}.{b64url_encode(payload)}"
    signature = hmac.digest(SECRET.encode(), signing_input.encode(), hashlib.sha256)
    return f"{signing_input}.{b64url_encode(signature)}"


def error_line(result: subprocess.CompletedProcess[bytes]) -> str:
    return result.stderr.decode("utf-8", "replace").strip()


DEEP = b"[" * 5000 + b"]" * 5000


# -- bytes that are not UTF-8 --------------------------------------------------------------


def test_a_token_argument_that_is_no_utf8_is_exit_2() -> None:
    result = run_subprocess("decode", b"eyJ\xff.a.b")  # the interpreter's own decoding of argv
    assert result.returncode == 2
    assert error_line(result) == "error: TOKEN is not UTF-8 text"


def test_stdin_that_is_no_utf8_is_exit_2() -> None:
    result = run("decode", "-", stdin=b"eyJhbGciOi\xfe\xff.a.b")
    assert result.returncode == 2
    assert "stdin is not UTF-8 text" in error_line(result)


def test_stdin_is_read_bounded() -> None:
    result = run_subprocess("decode", "-", stdin=b"a" * 300_000)  # through a pipe
    assert result.returncode == 2
    assert "more than" in error_line(result)


def test_a_key_that_is_no_utf8_is_exit_2_and_points_at_key_file() -> None:
    result = run("verify", signed(b'{"sub":"a"}'), "--key", b"\xff" * 40, "--alg", "HS256")
    assert result.returncode == 2
    assert "--key is not UTF-8 text" in error_line(result) and "--key-file" in error_line(result)


@pytest.mark.parametrize("option", ["--aud", "--iss", "--require"])
def test_other_options_that_are_no_utf8_are_exit_2(option: str) -> None:
    result = run("verify", signed(b'{"sub":"a"}'), "--key", SECRET, "--alg", "HS256", option, b"\xff")
    assert result.returncode == 2
    assert error_line(result) == f"error: {option} is not UTF-8 text"


def test_a_signed_lone_surrogate_is_printed_escaped() -> None:
    result = run("verify", signed(b'{"sub":"\\ud800"}'), "--key", SECRET, "--alg", "HS256")
    assert result.returncode == 0
    assert b'"sub": "\\ud800"' in result.stdout


def test_decode_refuses_a_lone_surrogate_in_the_payload() -> None:
    result = run("decode", signed(b'{"sub":"\\ud800"}'))
    assert result.returncode == 2
    assert "lone surrogate" in error_line(result)


# -- JSON nested 5000 deep ------------------------------------------------------------------


@pytest.mark.parametrize("where", ["header", "payload"])
def test_decode_a_deeply_nested_part_is_exit_2(where: str) -> None:
    token = signed(DEEP) if where == "payload" else signed(b'{"sub":"a"}', DEEP)
    result = run("decode", token)
    assert result.returncode == 2
    assert error_line(result) == f"error: not a JWT: the {where} is JSON nested too deeply"


@pytest.mark.parametrize("where", ["header", "payload"])
def test_verify_a_deeply_nested_part_is_exit_2(where: str) -> None:
    token = signed(DEEP) if where == "payload" else signed(b'{"sub":"a"}', DEEP)
    result = run("verify", token, "--key", SECRET, "--alg", "HS256")
    assert result.returncode == 2
    assert error_line(result) == f"error: not a JWT: the {where} is JSON nested too deeply"


def test_a_deeply_nested_jwks_file_is_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_bytes(b'{"keys":' + DEEP + b"}")
    result = run("verify", signed(b'{"sub":"a"}'), "--key-file", str(path), "--alg", "RS256")
    assert result.returncode == 2
    assert "nested too deeply" in error_line(result)


# -- unbounded reads --------------------------------------------------------------------------


def test_key_file_dev_zero_is_refused_after_a_bounded_read() -> None:
    result = run_subprocess("verify", signed(b'{"sub":"a"}'), "--key-file", "/dev/zero", "--alg", "HS256")
    assert result.returncode == 2
    assert "is larger than" in error_line(result)


def test_a_key_file_of_normal_size_still_works(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET + "\n")
    result = run("verify", signed(b'{"sub":"a"}'), "--key-file", str(path), "--alg", "HS256")
    assert result.returncode == 0, result.stdout


# -- time claims that are no dates ----------------------------------------------------------


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
@pytest.mark.parametrize("raw", ["NaN", "Infinity", "1e400", "9" * 400, "true", "1e300"])
@pytest.mark.parametrize("now", [[], ["--now", "1700000000"]])
def test_verify_refuses_a_signed_time_claim_that_is_no_date(claim: str, raw: str, now: list[str]) -> None:
    token = signed(f'{{"sub":"a","{claim}":{raw}}}'.encode())
    result = run("verify", token, "--key", SECRET, "--alg", "HS256", *now)
    assert result.returncode == 1, result.stdout
    assert result.stdout.startswith(b"invalid: ")


# -- a JWKS server that drips -----------------------------------------------------------------


@pytest.fixture
def dripping_server() -> Iterator[str]:
    """Answers every connection with one byte every 0.25 s (100 bytes: 25 s), until the test ends."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.1)
    stop = threading.Event()
    answer = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"keys": []'

    def drip(conn: socket.socket) -> None:
        with conn:
            for byte in answer:
                if stop.wait(0.25):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/.well-known/jwks.json"
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def test_jwks_url_has_a_total_deadline(dripping_server: str) -> None:
    token = signed(b'{"sub":"a"}', b'{"alg":"RS256","kid":"k1"}')
    # run_subprocess()'s own timeout (60 s) fails a hang; a per-read timeout would never fire here
    # (a byte comes every 0.25 s), only a total deadline does
    result = run_subprocess("verify", token, "--jwks-url", dripping_server, "--alg", "RS256", "--timeout", "1")
    assert result.returncode == 1
    assert b"no complete answer within 1 s" in result.stdout


def test_jwks_timeout_must_be_sensible() -> None:
    result = run("verify", "a.b.c", "--jwks-url", "http://127.0.0.1:9/", "--alg", "RS256", "--timeout", "nan")
    assert result.returncode == 2
    assert "expected seconds" in error_line(result)


# -- messages name the user's flags (issue 14) -------------------------------------------------


def test_private_key_file_with_hs256_names_the_flags(tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    key.write_text("not used")
    result = run("serve", "--port", "0", "--private-key-file", str(key))
    assert result.returncode == 2
    message = error_line(result)
    assert message.startswith("error: --private-key-file is for RS256, ES256 or EdDSA")
    assert "--algorithm" in message
    assert "secret_key" not in message and "private_key " not in message and "key_ring" not in message


def test_an_unknown_serve_option_points_at_serve_help() -> None:
    result = run("serve", "--prot")
    assert result.returncode == 2
    assert error_line(result) == "error: unrecognized arguments: --prot (see `jwt-course serve --help`)"


def test_an_unknown_top_level_option_points_at_the_top_level_help() -> None:
    result = run("--prot")
    assert result.returncode == 2
    assert "(see `jwt-course --help`)" in error_line(result)
