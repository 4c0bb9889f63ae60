"""Run ``jwt-course`` in the test process: ``jwt_course.cli.main(argv)`` with its own stdin, stdout and stderr.

A subprocess costs 0.3-0.6 s of CPU (interpreter, imports) per call; most CLI tests check what the
command prints and its exit status, not the process. :func:`run_in_process` gives them the same
``subprocess.CompletedProcess`` as ``subprocess.run(..., capture_output=True)`` would:

- argv as the interpreter would hand it over: ``bytes`` arguments are decoded as Python decodes a
  command line (``os.fsdecode``: UTF-8 with ``surrogateescape``, so bytes that are no UTF-8 arrive
  as lone surrogates);
- stdin, stdout and stderr are ``io.TextIOWrapper`` objects over bytes, with the encoding and error
  handler of a child interpreter's pipes (measured, not assumed: :data:`PIPE_ENCODING`), so a
  non-UTF-8 stdin or an unprintable character means what it means in a subprocess; no stdin is an
  empty one (``/dev/null``);
- the exit status is ``main``'s return value or argparse's ``SystemExit`` code (``--help``, usage
  errors); output is returned as ``bytes`` or, with ``text=True``, as ``str``; ``merge_stderr=True``
  interleaves stderr into stdout like ``stderr=subprocess.STDOUT``;
- the environment is the test process's, plus ``env`` (restored afterwards), without
  ``JWT_COURSE_DEBUG``; ``cwd`` is entered for the call and left afterwards.

What needs the real process stays a subprocess in the tests: the console script, ``serve``
(signals, ports), reading a pipe or ``/dev/zero``, a hang guarded by a kill, and at least one
run per subcommand through ``python -m jwt_course``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from unittest import mock

from jwt_course.cli import main

__all__ = ["PIPE_ENCODING", "run_in_process", "without_jupyterlab"]


def _pipe_encoding() -> dict[str, tuple[str, str]]:
    """The (encoding, errors) of stdin, stdout and stderr in a child interpreter whose streams are pipes."""
    probe = (
        "import json, sys; print(json.dumps({n: [getattr(sys, n).encoding, getattr(sys, n).errors]"
        " for n in ('stdin', 'stdout', 'stderr')}))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], input="", capture_output=True, text=True, timeout=60, check=True
    )
    return {name: (encoding, errors) for name, (encoding, errors) in json.loads(found.stdout).items()}


#: stream name -> (encoding, errors) of a subprocess's pipes, e.g. ("utf-8", "strict") or, under
#: the C.UTF-8 locale, ("utf-8", "surrogateescape"); measured once per test process.
PIPE_ENCODING = _pipe_encoding()


def _stream(name: str, data: bytes = b"") -> io.TextIOWrapper:
    encoding, errors = PIPE_ENCODING[name]
    return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors=errors, write_through=True)


@contextlib.contextmanager
def _standard_streams(stdin: io.TextIOWrapper, stdout: io.TextIOWrapper, stderr: io.TextIOWrapper) -> Iterator[None]:
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
    try:
        yield
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved


def _status(code: Any) -> int:
    # SystemExit's code as the interpreter turns it into an exit status
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def run_in_process(
    argv: Sequence[str | bytes],
    *,
    stdin: bytes | str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | str | None = None,
    text: bool = False,
    merge_stderr: bool = False,
) -> subprocess.CompletedProcess[Any]:
    """``jwt-course ARGV`` run by ``jwt_course.cli.main`` here; the result a subprocess would give."""
    args = [os.fsdecode(a) if isinstance(a, bytes) else a for a in argv]
    data = stdin.encode(PIPE_ENCODING["stdin"][0]) if isinstance(stdin, str) else (stdin or b"")
    fake_in, fake_out = _stream("stdin", data), _stream("stdout")
    fake_err = fake_out if merge_stderr else _stream("stderr")
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.dict(os.environ, env or {}))
        os.environ.pop("JWT_COURSE_DEBUG", None)
        if cwd is not None:
            stack.enter_context(contextlib.chdir(cwd))
        with _standard_streams(fake_in, fake_out, fake_err):
            try:
                status = main(args)
            except SystemExit as exc:
                status = _status(exc.code)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
    out = fake_out.buffer.getvalue()  # type: ignore[attr-defined]
    err = b"" if merge_stderr else fake_err.buffer.getvalue()  # type: ignore[attr-defined]
    if text:
        return subprocess.CompletedProcess(
            ["jwt-course", *args],
            status,
            out.decode(*PIPE_ENCODING["stdout"]),
            err.decode(*PIPE_ENCODING["stderr"]),
        )
    return subprocess.CompletedProcess(["jwt-course", *args], status, out, err)


def without_jupyterlab(monkeypatch: Any) -> None:
    """Make ``jwt-course doctor`` report its JupyterLab check as passed without starting JupyterLab.

    Starting it costs 3-4 s; ``tests/test_workshop_serve.py`` starts it for real (the check that
    passes and the one that fails). The other doctor tests check the other lines.
    """
    from jwt_course.cli import doctor
    from jwt_course.course import Check

    monkeypatch.setattr(doctor, "_check_jupyterlab", lambda timeout=60: Check(doctor._JUPYTERLAB_WHAT, True, ""))
