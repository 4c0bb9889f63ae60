"""``jwt-course doctor``: check that a learner's machine is ready for the course."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..course import Check, environment_checks
from .errors import EXIT_INVALID, EXIT_OK
from .serve import DEFAULT_PORT

__all__ = ["cmd_doctor"]


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


_JUPYTERLAB_WHAT = "JupyterLab starts and answers (jupyter lab on a free loopback port)"


def _check_jupyterlab(timeout: float = 60) -> Check:
    """Start JupyterLab for real (headless, a free loopback port) and ask it for its status."""
    what = _JUPYTERLAB_WHAT
    import time
    from importlib.util import find_spec

    import httpx

    if find_spec("jupyterlab") is None:
        return Check(what, False, "JupyterLab is not installed: run `make lab` from the course folder")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP) as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    token = os.urandom(16).hex()
    with tempfile.TemporaryDirectory(prefix="jwt-course-doctor-") as scratch:
        command = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.root_dir={scratch}",
            f"--IdentityProvider.token={token}",
            "--LabApp.news_url=",
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
                        f"http://127.0.0.1:{port}/api/status",
                        params={"token": token},
                        timeout=2,
                        trust_env=False,
                    )
                    if answer.status_code == 200:
                        page = httpx.get(
                            f"http://127.0.0.1:{port}/lab",
                            params={"token": token},
                            timeout=10,
                            trust_env=False,
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

        from ..serving import serve

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
        return Check(what, False, f"{type(exc).__name__}: {exc}; is something blocking loopback connections?")
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
    from ..kotlin import KotlinError, KotlinUnavailable, describe_installation

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
    print(f"\n{len(checks) - failed} of {len(checks)} checks passed" + ("" if failed else ": ready for the course"))
    return EXIT_INVALID if failed else EXIT_OK


def _doctor_line(check: Check) -> str:
    return f"ok    {check.what}" if check.ok else f"FAIL  {check.what}  -> fix: {check.fix}"
