"""jwt_course.serve: a uvicorn server in a background thread, black-box over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

import jwt_course
from jwt_course import Server, serve
from jwt_course.serving import _listening_socket


def make_app() -> FastAPI:
    app = FastAPI()

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/sync")
    def sync_route() -> dict[str, str]:  # runs in an AnyIO worker thread
        return {"status": "ok"}

    @app.get("/boom")
    async def boom() -> dict[str, str]:
        raise RuntimeError("boom")

    return app


def failing_lifespan_app() -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        raise ValueError("database unreachable")
        yield

    return FastAPI(lifespan=lifespan)


def test_serve_is_exported_from_the_package():
    assert jwt_course.serve is serve
    assert "serve" in jwt_course.__all__ and "Server" in jwt_course.__all__


def test_serve_returns_a_server_that_answers_at_its_url():
    with serve(make_app()) as server:
        assert isinstance(server, Server)
        assert server.url == f"http://127.0.0.1:{server.port}"
        response = httpx.get(f"{server.url}/health")
    assert response.json() == {"status": "ok"}


def test_port_zero_picks_a_free_port():
    with serve(make_app()) as first, serve(make_app()) as second:
        assert first.port > 0 and second.port > 0 and first.port != second.port


def test_stop_is_idempotent():
    server = serve(make_app())
    server.stop()
    server.stop()
    assert not server.running


def test_context_manager_stops_the_server():
    with serve(make_app()) as server:
        assert server.running
    assert not server.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/health")


def test_stop_leaves_no_thread_behind():
    before = threading.active_count()
    with serve(make_app()) as server, httpx.Client(base_url=server.url) as client:
        assert threading.active_count() > before
        assert client.get("/sync").status_code == 200  # starts an AnyIO worker thread
    assert threading.active_count() == before, threading.enumerate()


def test_port_can_be_bound_again_after_stop():
    with serve(make_app()) as server, httpx.Client(base_url=server.url) as client:
        client.get("/health")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", server.port))


def test_a_taken_port_raises_runtime_error():
    with serve(make_app()) as server:
        with pytest.raises(RuntimeError, match=r"cannot listen on 127\.0\.0\.1"):
            serve(make_app(), port=server.port)


def test_a_failing_lifespan_raises_runtime_error_instead_of_hanging():
    outcome: list[BaseException] = []

    def start() -> None:
        try:
            serve(failing_lifespan_app())
        except BaseException as exc:  # recorded for the main thread
            outcome.append(exc)

    thread = threading.Thread(target=start, daemon=True)
    thread.start()
    thread.join(30)  # a hang guard, not a stopwatch: it returns in milliseconds
    assert not thread.is_alive(), "serve() hung on an app that cannot start"
    assert len(outcome) == 1 and isinstance(outcome[0], RuntimeError)
    assert "database unreachable" in str(outcome[0])


def test_the_server_thread_prints_nothing(capfd):
    with pytest.raises(RuntimeError):
        serve(failing_lifespan_app())
    with serve(make_app()) as server:
        assert httpx.get(f"{server.url}/boom").status_code == 500
        httpx.get(f"{server.url}/health")
    assert capfd.readouterr() == ("", "")


def test_an_app_error_is_kept_on_the_server_log():
    with serve(make_app()) as server:
        httpx.get(f"{server.url}/boom")
    assert any("Exception in ASGI application" in r.getMessage() for r in server.log)


def test_serve_answers_as_soon_as_it_returns_and_stop_joins_its_thread():
    app = make_app()
    # servers this process started earlier and keeps (an exercise checker's shared server) are not ours
    before = set(threading.enumerate())
    for _ in range(3):
        server = serve(app)
        # no retry loop: serve() returns only once the server answers
        assert httpx.get(f"{server.url}/health", timeout=5).status_code == 200
        server.stop()
        assert not server.running
        assert not [t for t in set(threading.enumerate()) - before if t.name.startswith("jwt_course.serve:")]


def test_accepted_connections_get_tcp_nodelay():
    # asyncio (and so uvicorn) sets TCP_NODELAY on an accepted connection only when the
    # listening socket was made with IPPROTO_TCP; with proto 0 Nagle's algorithm and
    # delayed ACKs add ~40 ms to every request (measured in benchmarks/serving.py).
    async def nodelay_of_an_accepted_connection() -> int:
        loop = asyncio.get_running_loop()
        listener = _listening_socket("127.0.0.1", 0)
        accepted: asyncio.Future[int] = loop.create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await loop.create_server(Probe, sock=listener)
        try:
            _, writer = await asyncio.open_connection(*listener.getsockname()[:2])
            value = await asyncio.wait_for(accepted, 10)
            writer.close()
        finally:
            server.close()
            await server.wait_closed()
        return value

    assert asyncio.run(nodelay_of_an_accepted_connection()) != 0


# -- browser_url: what a learner's browser opens (loopback locally, the proxy on a hub) -----


def test_browser_url_is_the_loopback_url_outside_a_hub(monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
    with serve(make_app()) as server:
        assert server.browser_url == server.url
        assert repr(server) == f"<Server {server.url} running>"


def test_browser_url_is_the_proxied_path_under_a_hub_prefix(monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/alice/")
    with serve(make_app()) as server:
        assert server.browser_url == f"/user/alice/proxy/{server.port}/"
        assert server.url.startswith("http://127.0.0.1:")  # code in the kernel still uses loopback


def test_browser_url_tolerates_a_prefix_without_slashes_and_named_servers(monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "user/bob/lab2")
    with serve(make_app()) as server:
        assert server.browser_url == f"/user/bob/lab2/proxy/{server.port}/"


def test_an_empty_or_root_prefix_is_not_a_hub(monkeypatch):
    for prefix in ("", "/"):
        monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", prefix)
        assert Server.browser_url_for(8000, "http://127.0.0.1:8000") == "http://127.0.0.1:8000"


def test_browser_url_for_reads_the_given_environment():
    assert Server.browser_url_for(8123, "http://127.0.0.1:8123", {"JUPYTERHUB_SERVICE_PREFIX": "/user/x/"}) == (
        "/user/x/proxy/8123/"
    )
    assert Server.browser_url_for(8123, "http://127.0.0.1:8123", {}) == "http://127.0.0.1:8123"


def test_browser_link_joins_a_path_in_both_cases(monkeypatch):
    with serve(make_app()) as server:
        monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
        assert server.browser_link("/docs") == f"{server.url}/docs"
        monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/alice/")
        assert server.browser_link("docs") == f"/user/alice/proxy/{server.port}/docs"
        assert server.browser_link("/docs") == f"/user/alice/proxy/{server.port}/docs"


def test_repr_shows_the_browser_url_under_a_hub(monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/alice/")
    with serve(make_app()) as server:
        assert server.browser_url in repr(server) and server.url in repr(server)


def test_a_notebook_shows_the_server_as_a_clickable_link_to_the_browser_url(monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/alice/")
    with serve(make_app()) as server:
        page = server._repr_html_()
        assert f'<a href="/user/alice/proxy/{server.port}/"' in page and "running" in page


def test_the_link_escapes_html_in_the_prefix(monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", '/user/"><script>/')
    with serve(make_app()) as server:
        assert "<script>" not in server._repr_html_()


# -- run_in_foreground: the same Server in the calling thread, for a command line ---------

FOREGROUND_SCRIPT = """
import signal, sys
from fastapi import FastAPI
from jwt_course import Server

app = FastAPI()

@app.get("/health")
def health():
    return {"status": "ok"}

before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
server = Server(app)
print(server.url, flush=True)
stopped_by = server.run_in_foreground()
print("stopped by", stopped_by.name if stopped_by else None)
print("handlers restored", before == {sig: signal.getsignal(sig) for sig in before})
print("running", server.running)
"""


def test_run_in_foreground_serves_until_ctrl_c_and_reports_it():
    # SIGTERM: tests/test_cli.py's `jwt-course serve` test ends with "stopped (SIGTERM)"
    sig = signal.SIGINT
    proc = subprocess.Popen(
        [sys.executable, "-c", FOREGROUND_SCRIPT],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        url = proc.stdout.readline().strip()  # printed before the run: the port is bound by Server()
        assert url.startswith("http://127.0.0.1:"), (url, proc.stderr.read() if proc.poll() is not None else "")
        deadline = time.monotonic() + 30  # a hang guard, not a stopwatch
        while True:
            try:
                answer = httpx.get(f"{url}/health", timeout=5, trust_env=False)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None, "the server never answered"
                time.sleep(0.05)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.wait()
    assert answer.json() == {"status": "ok"}
    assert proc.returncode == 0, err
    # uvicorn's terminal logging at info level: the access log on stdout, the rest on stderr
    access, *printed = out.splitlines()
    assert access.startswith("INFO:     127.0.0.1:") and access.endswith('"GET /health HTTP/1.1" 200 OK')
    assert printed == [f"stopped by {sig.name}", "handlers restored True", "running False"]
    assert "INFO:     Application startup complete." in err and "INFO:     Shutting down" in err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


def test_a_server_knows_its_port_and_url_before_it_runs():
    server = Server(make_app())
    with server:
        assert server.port > 0 and server.url == f"http://127.0.0.1:{server.port}"
        assert not server.running
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other, pytest.raises(OSError):
            other.bind(("127.0.0.1", server.port))  # bound already
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:  # stop() of a server never run frees it
        sock.bind(("127.0.0.1", server.port))


def test_a_taken_port_raises_runtime_error_when_the_server_is_made():
    with serve(make_app()) as running, pytest.raises(RuntimeError, match=r"cannot listen on 127\.0\.0\.1"):
        Server(make_app(), port=running.port)


def _in_a_thread(server: Server) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(server.run_in_foreground())
        except BaseException as exc:  # recorded for the test's thread
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_run_in_foreground_in_a_thread_logs_like_a_terminal_and_stops_on_stop(capsys):
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    server = Server(make_app())
    thread, outcome = _in_a_thread(server)
    try:
        deadline = time.monotonic() + 30  # a hang guard, not a stopwatch
        while True:
            try:
                answer = httpx.get(f"{server.url}/health", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and thread.is_alive(), outcome
                time.sleep(0.02)
        assert server.running
    finally:
        server.stop()  # waits until run_in_foreground has returned
    assert not thread.is_alive() and not server.running
    thread.join()
    assert answer.json() == {"status": "ok"}
    assert outcome == [None]  # stopped by stop(), not by a signal
    assert {sig: signal.getsignal(sig) for sig in handlers} == handlers  # no handler set from a thread
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", server.port))  # the socket is closed
    logged = capsys.readouterr()
    assert "Application startup complete." in logged.err and '"GET /health HTTP/1.1" 200 OK' in logged.out
    # afterwards uvicorn's loggers are as they were: serve() is quiet again
    with serve(make_app()) as quiet:
        httpx.get(f"{quiet.url}/boom")
    assert capsys.readouterr() == ("", "")
    assert any("Exception in ASGI application" in r.getMessage() for r in quiet.log)


def test_run_in_foreground_raises_runtime_error_when_the_app_cannot_start(capsys):
    server = Server(failing_lifespan_app())
    thread, outcome = _in_a_thread(server)
    thread.join(30)  # a hang guard, not a stopwatch
    assert not thread.is_alive(), "run_in_foreground hung on an app that cannot start"
    assert len(outcome) == 1 and isinstance(outcome[0], RuntimeError), outcome
    assert "failed to start" in str(outcome[0])
    assert "database unreachable" in capsys.readouterr().err  # uvicorn logged why
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", server.port))


def test_a_server_runs_once():
    server = Server(make_app())
    server.stop()
    with pytest.raises(RuntimeError, match="already run or been stopped"):
        server.run_in_foreground()
    with serve(make_app()) as running, pytest.raises(RuntimeError, match="already run or been stopped"):
        running.run_in_foreground()
