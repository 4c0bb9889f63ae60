"""The workshop subcommands of ``jwt-course``: ``serve``, ``doctor`` and ``progress``.

``serve`` runs the course's demo API in the foreground, ``doctor`` checks that a
learner's machine is ready for the course, and ``progress`` runs each exercise
notebook in a fresh kernel and counts the checkers' ``correct!`` verdicts.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from .cli_errors import EXIT_INVALID, EXIT_OK, CliError
from .course import Check, environment_checks
from .inspect_token import duration

if TYPE_CHECKING:
    from .server import Settings

__all__ = ["ChapterProgress", "cmd_doctor", "cmd_progress", "cmd_serve", "run_exercise_notebook"]


# -- serve -------------------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


DEFAULT_PORT = 8000


def _is_wildcard(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def _network_address(ipv6: bool) -> str | None:
    """This machine's address on its network (the interface a default route leaves by), or None."""
    family, probe = (socket.AF_INET6, "2001:db8::1") if ipv6 else (socket.AF_INET, "192.0.2.1")
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.connect((probe, 9))  # UDP: picks the outgoing interface, sends nothing
            address = str(sock.getsockname()[0])
    except OSError:
        return None
    return None if ipaddress.ip_address(address).is_loopback else address


def _http_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def public_url(host: str, port: int) -> str:
    """The URL other machines use for a server listening on ``host``:``port``.

    A wildcard address (0.0.0.0, ::) is no address a browser can open: it becomes this
    machine's network address (or its host name when there is none).
    """
    if not _is_wildcard(host):
        return _http_url(host, port)
    return _http_url(_network_address(":" in host) or socket.gethostname(), port)


def _pick_port(host: str, wanted: int | None) -> tuple[socket.socket, str]:
    """Bind the listening socket; returns (socket, a note to print or "").

    No --port: 8000 on a laptop, a free port on a JupyterHub (every learner shares the host)
    or when 8000 is taken. An explicit --port is used as given (0: any free one).
    """
    from .serving import _listening_socket

    if wanted is not None:
        return _listening_socket(host, wanted), ""
    if os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "").strip("/"):
        return _listening_socket(host, 0), "a free port (a shared JupyterHub host: no fixed port)"
    try:
        return _listening_socket(host, DEFAULT_PORT), ""
    except RuntimeError:
        sock = _listening_socket(host, 0)
        return sock, f"port {DEFAULT_PORT} is in use (another server or learner), so a free one"


def _hub_origin() -> str:
    """``https://hub.example.org`` when the hub told its public URL (JUPYTERHUB_PUBLIC_URL), else ""."""
    from urllib.parse import urlsplit

    public = urlsplit(os.environ.get("JUPYTERHUB_PUBLIC_URL", ""))
    in_hub = bool(os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "").strip("/"))
    return f"{public.scheme}://{public.netloc}" if in_hub and public.scheme and public.netloc else ""


def _settings_lines(
    settings: Settings,
    url: str,
    secret_given: bool,
    key_file: bool = False,
    browser_url: str | None = None,
) -> list[str]:
    from .server import DEMO_USERS

    browser = (browser_url or url).rstrip("/")

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
        *(
            [f"  browser      {browser}/  (your browser's address for it{'' if '://' in browser else ', after the hub address'})"]
            if browser != url
            else []
        ),
        f"  docs         {browser}/docs  (Swagger UI; Authorize with a demo user)",
        f"  users        {users}",
        f"  algorithm    {settings.algorithm}",
        "  " + key,
        f"  issuer       {settings.issuer}",
        f"  audience     {settings.audience}",
        f"  access TTL   {settings.access_ttl_seconds} s ({duration(settings.access_ttl_seconds)})",
        f"  refresh TTL  {settings.refresh_ttl_seconds} s ({duration(settings.refresh_ttl_seconds)})",
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
    from .serving import Server

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
        sock, port_note = _pick_port(args.host, getattr(args, "port", None))
    except RuntimeError as exc:
        app.state.store.close()
        raise CliError(
            f"{exc} (pick another --port, or 0 for any free one)", EXIT_INVALID
        ) from None
    port = int(sock.getsockname()[1])
    if _is_loopback(args.host):
        url = _http_url(args.host, port)
        browser = _hub_origin() + Server.browser_url_for(port, url)
    else:
        url = browser = public_url(args.host, port)
        print(
            f"warning: listening on {args.host}: anyone on your network can log in as the demo users"
        )
    if port_note:
        print(f"note: listening on {port_note}: {port}")
    print(
        "\n".join(
            _settings_lines(
                settings,
                url,
                "JWT_COURSE_SECRET_KEY" in os.environ,
                bool(args.private_key_file),
                browser_url=browser,
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


def _check_os_call(what: str, call: Callable[[], None], failing: str, fix: str) -> Check:
    try:
        call()
    except OSError as exc:
        return Check(what, False, f"{failing} ({exc.strerror}): {fix}")
    return Check(what, True, "")


def _check_port() -> Check:
    def listen() -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            sock.listen(1)

    return _check_os_call(
        "a free loopback port (127.0.0.1)",
        listen,
        failing="cannot listen on 127.0.0.1",
        fix="check the firewall or sandbox",
    )


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _check_course_ports() -> Check:
    # Informational: neither port has to be free, but a learner should know what will happen.
    taken = [
        f"{port} is in use, so {who}: {then}"
        for port, who, then in (
            (DEFAULT_PORT, "`jwt-course serve`", "it will pick a free port and print it"),
            (8888, "JupyterLab", "it will take the next free one (use the URL it prints)"),
        )
        if _port_in_use(port)
    ]
    if not taken:
        return Check("ports 8000 (`jwt-course serve`) and 8888 (JupyterLab) are free", True, "")
    return Check("the course's usual ports: " + "; ".join(taken), True, "")


def _check_jupyterlab(timeout: float = 60) -> Check:
    """Start JupyterLab for real (headless, a free loopback port) and ask it for its status."""
    what = "JupyterLab starts and answers (jupyter lab on a free loopback port)"
    import time

    import httpx

    from importlib.util import find_spec

    if find_spec("jupyterlab") is None:
        return Check(what, False, "JupyterLab is not installed: run `make lab` from the course folder")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP) as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    token = os.urandom(16).hex()
    with tempfile.TemporaryDirectory(prefix="jwt-course-doctor-") as scratch:
        command = [
            sys.executable, "-m", "jupyterlab", "--no-browser", f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={scratch}",
            f"--IdentityProvider.token={token}", "--LabApp.news_url=",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(Path(scratch) / "runtime")}
        log = Path(scratch) / "lab.log"
        with log.open("wb") as out:
            lab = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=scratch)
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and lab.poll() is None:
                try:
                    answer = httpx.get(
                        f"http://127.0.0.1:{port}/api/status", params={"token": token},
                        timeout=2, trust_env=False,
                    )
                    if answer.status_code == 200:
                        page = httpx.get(
                            f"http://127.0.0.1:{port}/lab", params={"token": token},
                            timeout=10, trust_env=False,
                        )
                        ok = page.status_code == 200 and "jupyter-config-data" in page.text
                        return Check(what, ok, "" if ok else f"/lab answered {page.status_code}: run `make lab` again")
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            last = log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
            state = f"exited with {lab.returncode}" if lab.poll() is not None else f"no answer in {timeout:g} s"
            return Check(what, False, f"jupyter lab {state} ({last[0][:200]}): run `make lab` and read its log")
        finally:
            lab.terminate()
            try:
                lab.wait(10)
            except subprocess.TimeoutExpired:
                lab.kill()
                lab.wait()


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
    def write() -> None:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".jwt-course-doctor-"):
            pass

    return _check_os_call(
        "write access to the course folder",
        write,
        failing="cannot write in the course folder",
        fix="clone it somewhere you own",
    )


def _check_notebooks(folder: Path) -> Check:
    ok = any((folder / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    return Check(
        "notebooks/ holds the lessons",
        ok,
        "" if ok else "run from a complete clone of the course repository",
    )


def _check_kotlin() -> Check:
    # Optional (chapter 08's Kotlin cells): absent is fine, installed but broken is a failure.
    from .kotlin import KotlinError, KotlinUnavailable, describe_installation

    what = "chapter 08's Kotlin cells"
    try:
        return Check(f"{what}: {describe_installation()}", True, "")
    except KotlinUnavailable:
        return Check(f"{what}: not installed (optional; `make kotlin` adds them)", True, "")
    except KotlinError as exc:
        return Check(what, False, f"{exc}; reinstall with `make kotlin`")


def cmd_doctor(args: argparse.Namespace) -> int:
    """``jwt-course doctor``: one ok/FAIL line per check; exit 1 if any fails."""
    folder: Path = args.course_dir
    probes: list[Callable[[], Check]] = [
        _check_kernel,
        _check_jupyterlab,
        _check_port,
        _check_course_ports,
        _check_round_trip,
        lambda: _check_writable(folder),
        lambda: _check_notebooks(folder),
        _check_kotlin,
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

_CHECK_CALL = re.compile(r"\b(q\d+)\.check\(")
# a Verdict's machine-readable status -> the word progress prints
_STATUS = {"correct": "correct", "incorrect": "not quite", "not solved": "not solved yet"}
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
    """Run one exercise notebook in a fresh kernel and collect the checkers' verdicts.

    The verdicts are data: the kernel runs with ``JWT_COURSE_VERDICTS`` naming a file, and
    every ``qN.check()`` appends its :class:`jwt_course.checks.Verdict` there as a JSON line
    (written at once, so the verdicts of cells before a crash or time-out still count).
    """
    import json

    import nbformat
    from nbclient import NotebookClient

    from .checks import VERDICTS_ENV

    match = _EXERCISE_NAME.match(path.name)
    assert match is not None
    number, slug = match.groups()
    nb = nbformat.read(path, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    labels = sorted({m for cell in code for m in _CHECK_CALL.findall(cell.source)}, key=_label_key)
    verdicts = dict.fromkeys(labels, "not run")
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="jwt-course-progress-") as folder:
        sink = Path(folder) / "verdicts.jsonl"
        sink.touch()
        try:
            NotebookClient(
                nb,
                timeout=timeout,
                kernel_name="python3",
                allow_errors=True,
                resources={"metadata": {"path": str(path.parent)}},
            ).execute(
                stderr=subprocess.DEVNULL,  # the kernel's own log, not the cells' stderr
                env={**os.environ, VERDICTS_ENV: str(sink)},
            )
        except Exception as exc:  # no kernel, a dead kernel, a cell over the time limit
            message = str(exc).strip().splitlines()[-1:] or [""]
            errors.append(f"stopped: {type(exc).__name__}: {message[0]}")
        records = [json.loads(line) for line in sink.read_text("utf-8").splitlines() if line.strip()]
    for record in records:
        # only the learner's own check counts: `qN.check()` with no argument; a cell that
        # calls `qN.check(some_wrong_answer)` is the lesson demonstrating a verdict
        if record.get("own") and record.get("label") in verdicts:
            verdicts[record["label"]] = _STATUS.get(record.get("status", ""), "not run")  # the last wins
    for index, cell in enumerate(code, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
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
