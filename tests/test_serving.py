"""jwt_course.serve: a uvicorn server in a background thread, black-box over HTTP."""

from __future__ import annotations

import contextlib
import socket
import statistics
import threading
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

import jwt_course
from jwt_course import Server, serve


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
        with pytest.raises(RuntimeError, match="cannot listen on 127.0.0.1"):
            serve(make_app(), port=server.port)


def test_a_failing_lifespan_raises_runtime_error_quickly():
    start = time.perf_counter()
    with pytest.raises(RuntimeError, match="database unreachable"):
        serve(failing_lifespan_app())
    assert time.perf_counter() - start < 2


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


def test_serve_is_ready_and_stopped_within_a_second():
    app = make_app()
    for _ in range(3):
        start = time.perf_counter()
        server = serve(app)
        started = time.perf_counter()
        server.stop()
        stopped = time.perf_counter()
        assert started - start < 1
        assert stopped - started < 1


def test_requests_are_not_delayed_by_nagle():
    # A listening socket made with proto 0 leaves Nagle on: ~40 ms per request.
    with serve(make_app()) as server, httpx.Client(base_url=server.url) as client:
        client.get("/health")
        durations = []
        for _ in range(20):
            start = time.perf_counter()
            client.get("/health")
            durations.append(time.perf_counter() - start)
    assert statistics.median(durations) < 0.03 and min(durations) < 0.02
