"""`jwt-course serve` on shared machines and hubs, and doctor's JupyterLab and port checks."""

from __future__ import annotations

import re
import signal
import socket
from collections.abc import Callable

import pytest
from fastapi import FastAPI

from jwt_course.serving import Server
from jwt_course.workshop import DEFAULT_PORT, _check_course_ports, _check_jupyterlab, _pick_port, public_url

from cli_runner import run_in_process


@pytest.fixture
def first_lines(monkeypatch) -> Callable[..., str]:
    """``first_lines(*ARGS, env=...)``: what `jwt-course serve ARGS` prints until it runs, run in this process.

    The server is made (its port bound, so the printed port is real) but not run: ``run_in_foreground``
    returns at once, as if SIGTERM had come. Serving for real, signals included, is tested with real
    processes in tests/test_cli.py and tests/test_serving.py.
    """
    monkeypatch.setattr(Server, "run_in_foreground", lambda self: signal.SIGTERM)

    def run(*args: str, env: dict[str, str] | None = None) -> str:
        result = run_in_process(["serve", *args], env=env, text=True, merge_stderr=True)
        assert result.returncode == 0 and "Traceback" not in result.stdout, result.stdout
        printed, stop, rest = result.stdout.partition("Press Ctrl+C to stop.\n")
        assert stop and rest == "stopped (SIGTERM)\n", result.stdout
        return printed + stop

    return run


def test_a_wildcard_address_is_never_printed_as_the_address_to_open():
    for host in ("0.0.0.0", "::"):
        url = public_url(host, 8123)
        assert url.endswith(":8123") and "0.0.0.0" not in url and "[::]" not in url


def test_a_specific_public_address_is_printed_as_given():
    assert public_url("192.168.1.5", 8000) == "http://192.168.1.5:8000"
    assert public_url("fd00::5", 8000) == "http://[fd00::5]:8000"


def test_serve_public_prints_the_network_address_not_0_0_0_0(first_lines):
    text = first_lines("--host", "0.0.0.0", "--public", "--port", "0")
    found = re.search(r"url +(\S+)", text)
    assert found, text
    url = found.group(1)
    assert not url.startswith("http://0.0.0.0") and re.fullmatch(r"http://\S+:\d+", url)
    assert "listening on 0.0.0.0" in text  # the warning still says what was bound


def test_no_port_falls_back_to_a_free_one_when_8000_is_taken():
    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", DEFAULT_PORT))
        holder.listen(1)
    except OSError:
        pass  # someone else holds it: taken either way
    try:
        server, note = _pick_port(FastAPI(), "127.0.0.1", None)
        with server:
            assert server.port != DEFAULT_PORT and "8000 is in use" in note
            assert server.url == f"http://127.0.0.1:{server.port}"
    finally:
        holder.close()


def test_no_port_on_a_jupyterhub_is_a_free_port(monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/alice/")
    server, note = _pick_port(FastAPI(), "127.0.0.1", None)
    with server:
        assert server.port != DEFAULT_PORT and "JupyterHub" in note


def test_an_explicit_port_is_used_as_given():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    server, note = _pick_port(FastAPI(), "127.0.0.1", free)
    with server:
        assert note == "" and server.port == free
    server, note = _pick_port(FastAPI(), "127.0.0.1", 0)
    with server:
        assert note == "" and server.port > 0


def test_serve_on_a_hub_prints_the_proxied_docs_link(first_lines):
    text = first_lines("--port", "0", env={"JUPYTERHUB_SERVICE_PREFIX": "/user/alice/"})
    found = re.search(r"url +http://127\.0\.0\.1:(\d+)", text)
    assert found, text
    port = found.group(1)
    assert f"docs         /user/alice/proxy/{port}/docs" in text
    assert f"browser      /user/alice/proxy/{port}/" in text


def test_serve_on_a_hub_with_a_public_url_prints_a_full_link(first_lines):
    env = {"JUPYTERHUB_SERVICE_PREFIX": "/user/alice/", "JUPYTERHUB_PUBLIC_URL": "https://hub.example.org/user/alice/"}
    text = first_lines("--port", "0", env=env)
    assert re.search(r"docs +https://hub\.example\.org/user/alice/proxy/\d+/docs", text)


def test_doctor_starts_jupyterlab_for_real():
    check = _check_jupyterlab()
    assert check.ok, check.fix


def test_doctor_reports_a_jupyterlab_that_cannot_start(tmp_path, monkeypatch):
    # a JupyterLab that dies at start-up, as a broken install or extension would: here a package
    # named jupyterlab first on the path of the `python -m jupyterlab` that doctor starts (this
    # process found the real one already), so it fails at once instead of after 3-4 s of imports
    (tmp_path / "jupyterlab").mkdir()
    (tmp_path / "jupyterlab" / "__init__.py").write_text("raise SystemExit('jupyterlab broken on purpose')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    check = _check_jupyterlab(timeout=60)
    assert not check.ok and "exited with 1" in check.fix and "make lab" in check.fix
    assert "jupyterlab broken on purpose" in check.fix  # the last line of its log, quoted


def test_doctor_says_what_happens_when_the_usual_ports_are_taken():
    with socket.socket() as holder:
        try:
            holder.bind(("127.0.0.1", DEFAULT_PORT))
        except OSError:
            pytest.skip("port 8000 is held by another process")
        check = _check_course_ports()
    assert check.ok and "8000 is in use" in check.what and "free port" in check.what


def test_serve_without_port_leaves_the_choice_to_pick_port():
    from jwt_course.cli.parser import build_parser

    # None: 8000 on a laptop, a free port on a hub or when 8000 is taken (_pick_port decides)
    assert build_parser().parse_args(["serve"]).port is None
    assert build_parser().parse_args(["serve", "--port", "0"]).port == 0
