"""The chapter 06 lab is vulnerable on purpose, and only on purpose (issue 11).

Its login routes survive garbage like the real server's, the kid-path lab reads files
bounded (kid=/dev/zero or /dev/stdin cannot grow or hang the learner's kernel), and it
answers loopback clients only, whatever X-Forwarded-For says. serve() itself needs an
explicit ``public=True`` to listen beyond loopback.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from jwt_course import handmade, serve
from jwt_course.attacks import forge, hs256
from jwt_course.vulnerable import MAX_KEY_FILE_BYTES, VulnerableSettings, create_app

PASSWORD = "lab-password-never-echoed-42"


@pytest.fixture(scope="module")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lab-keys")


@pytest.fixture(scope="module")
def lab(keys_dir: Path) -> Iterator[httpx.Client]:
    app = create_app(VulnerableSettings(keys_dir=str(keys_dir)))
    with serve(app) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


@pytest.mark.parametrize(
    "body",
    [
        '{"username": "alice", "password": NaN}',
        '{"username": "alice", "password": Infinity}',
        '{"username": "alice", "password": 1e999}',
        '{"username": "\\ud800", "password": "%s"}' % PASSWORD,
        '{"username": "alice", "password": "%s\\ud800"}' % PASSWORD,
        '"%s"' % PASSWORD,
    ],
)
def test_lab_login_garbage_is_a_small_4xx_without_the_password(lab: httpx.Client, body: str) -> None:
    response = lab.post("/kid-path/login", content=body, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert len(response.content) < 4096 and PASSWORD not in response.text


def test_lab_login_with_a_non_ascii_password_is_a_401(lab: httpx.Client) -> None:
    response = lab.post("/alg-none/login", json={"username": "alice", "password": "wönderland"})
    assert response.status_code == 401, response.text


def test_lab_login_with_a_10_mb_password_is_a_small_4xx(lab: httpx.Client) -> None:
    response = lab.post("/alg-none/login", json={"username": "alice", "password": PASSWORD * 400_000})
    assert 400 <= response.status_code < 500 and len(response.content) < 4096
    assert PASSWORD not in response.text


def lab_claims(lab: httpx.Client, lab_name: str) -> dict[str, Any]:
    token = lab.post(f"/{lab_name}/login", json={"username": "alice", "password": "wonderland"})
    claims: dict[str, Any] = json.loads(handmade.b64url_decode(token.json()["access_token"].split(".")[1]))
    return claims


def test_an_unsigned_token_with_a_sane_exp_passes_the_alg_none_lab(lab: httpx.Client) -> None:
    token = forge({"alg": "none", "typ": "at+jwt"}, lab_claims(lab, "alg-none"))
    assert lab.get("/alg-none/me", headers={"authorization": f"Bearer {token}"}).status_code == 200


@pytest.mark.parametrize("exp", [float("nan"), float("inf"), 10**400, True])
def test_lab_tokens_whose_exp_is_no_date_never_pass(lab: httpx.Client, exp: Any) -> None:
    token = forge({"alg": "none", "typ": "at+jwt"}, {**lab_claims(lab, "alg-none"), "exp": exp})
    response = lab.get("/alg-none/me", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text


# -- kid as a path: still a traversal, but a bounded one ----------------------------------


def kid_token(lab: httpx.Client, kid: str) -> str:
    token = lab.post("/kid-path/login", json={"username": "alice", "password": "wonderland"})
    access = token.json()["access_token"]
    header = json.loads(handmade.b64url_decode(access.split(".")[0]))
    payload = json.loads(handmade.b64url_decode(access.split(".")[1]))
    return forge({**header, "kid": kid}, {**payload, "role": "admin"}, hs256(b""))


def kid_admin(lab: httpx.Client, kid: str) -> httpx.Response:
    return lab.get("/kid-path/admin", headers={"authorization": f"Bearer {kid_token(lab, kid)}"})


def test_the_traversal_to_dev_null_still_works(lab: httpx.Client) -> None:
    assert kid_admin(lab, "../" * 12 + "dev/null").status_code == 200


@pytest.mark.parametrize("device", ["dev/zero", "dev/urandom", "dev/full", "dev/tty"])
def test_kid_naming_a_device_is_refused_without_reading_it(lab: httpx.Client, device: str) -> None:
    response = kid_admin(lab, "../" * 12 + device)  # the client's 10 s timeout fails a hang
    assert response.status_code == 401, response.text
    assert "key file" in response.json()["detail"]


LAB_SCRIPT = """
import threading
from jwt_course import serve
from jwt_course.vulnerable import create_app
server = serve(create_app())
print(server.port, flush=True)
threading.Event().wait()
"""


def test_kid_dev_stdin_on_a_server_whose_stdin_is_an_open_pipe_does_not_hang() -> None:
    # A kernel's stdin may be a pipe nobody writes to: a plain open().read() hangs there.
    process = subprocess.Popen(
        [sys.executable, "-c", LAB_SCRIPT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            for kid in ("dev/stdin", "proc/self/fd/0"):
                response = kid_admin(http, "../" * 12 + kid)
                assert response.status_code == 401, (kid, response.text)
                assert "not a regular file" in response.json()["detail"]
    finally:
        process.kill()
        process.wait(10)
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()


def test_kid_naming_a_directory_is_refused(lab: httpx.Client) -> None:
    assert kid_admin(lab, "../" * 12 + "tmp").status_code == 401


def test_kid_naming_a_fifo_is_refused_without_blocking(lab: httpx.Client, keys_dir: Path) -> None:
    fifo = keys_dir / "a-fifo"
    os.mkfifo(fifo)
    try:
        response = kid_admin(lab, "a-fifo")
    finally:
        fifo.unlink()
    assert response.status_code == 401 and "not a regular file" in response.json()["detail"]


def test_kid_naming_a_large_file_is_refused(lab: httpx.Client, keys_dir: Path) -> None:
    (keys_dir / "big").write_bytes(b"x" * (MAX_KEY_FILE_BYTES + 1))
    response = kid_admin(lab, "big")
    assert response.status_code == 401 and "over" in response.json()["detail"]


def test_kid_naming_a_proc_file_of_unknown_size_is_bounded(lab: httpx.Client) -> None:
    response = kid_admin(lab, "../" * 12 + "proc/self/maps")  # st_size 0, any length
    assert response.status_code == 401


@pytest.mark.parametrize("kid", ["\u0000", "x" * 5000, "\udc80"])
def test_kid_that_is_no_file_name_is_a_401(lab: httpx.Client, kid: str) -> None:
    try:
        token = kid_token(lab, kid)
    except UnicodeEncodeError:
        pytest.skip("cannot be written into a token")
    response = lab.get("/kid-path/admin", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 401


@pytest.fixture
def dripping_jwks() -> Iterator[str]:
    """A loopback server answering one byte per second, for ever (until the test ends)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.1)
    stop = threading.Event()

    def drip(conn: socket.socket) -> None:
        with conn:
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b" " * 100000:
                if stop.wait(1):
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
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/jwks.json"
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def test_a_jku_that_drips_is_given_up_on(lab: httpx.Client, dripping_jwks: str) -> None:
    token = lab.post("/jku-header/login", json={"username": "alice", "password": "wonderland"})
    access = token.json()["access_token"]
    header = json.loads(handmade.b64url_decode(access.split(".")[0]))
    payload = json.loads(handmade.b64url_decode(access.split(".")[1]))
    forged = forge({**header, "jku": dripping_jwks}, payload, None)
    response = lab.get("/jku-header/me", headers={"authorization": f"Bearer {forged}"})
    assert response.status_code == 401  # the client's 10 s timeout fails a hang
    assert "no complete answer" in response.json()["detail"]


# -- loopback only, whatever the headers say ---------------------------------------------


def asgi_get(app: Any, client: tuple[str, int], base_url: str, headers: dict[str, str]) -> int:
    transport = httpx.ASGITransport(app=app, client=client)

    async def get() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
            return await http.get("/labs", headers=headers)

    return asyncio.run(get()).status_code


@pytest.fixture
def lab_app(tmp_path: Path) -> Any:
    return create_app(VulnerableSettings(keys_dir=str(tmp_path)))


def test_a_remote_client_claiming_loopback_through_x_forwarded_for_is_refused(lab_app: Any) -> None:
    # what uvicorn does with FORWARDED_ALLOW_IPS=*: it trusts any peer's X-Forwarded-For
    proxied = ProxyHeadersMiddleware(lab_app, trusted_hosts="*")
    headers = {"x-forwarded-for": "127.0.0.1"}
    assert asgi_get(proxied, ("203.0.113.7", 1234), "http://127.0.0.1", headers) == 403


@pytest.mark.parametrize("header", ["x-forwarded-for", "forwarded", "x-real-ip"])
def test_any_proxy_header_is_refused(lab_app: Any, header: str) -> None:
    value = "for=127.0.0.1" if header == "forwarded" else "127.0.0.1"
    assert asgi_get(lab_app, ("127.0.0.1", 1234), "http://127.0.0.1", {header: value}) == 403


def test_a_connection_that_reached_a_non_loopback_address_is_refused(lab_app: Any) -> None:
    # a lab bound to 0.0.0.0: the client may spoof, the local end of the socket may not
    assert asgi_get(lab_app, ("127.0.0.1", 1234), "http://192.0.2.2", {}) == 403


def test_a_plain_loopback_request_is_served(lab_app: Any) -> None:
    assert asgi_get(lab_app, ("127.0.0.1", 1234), "http://127.0.0.1", {}) == 200


def test_the_lab_over_real_http_with_forwarded_allow_ips_star(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")
    with serve(create_app(VulnerableSettings(keys_dir=str(tmp_path)))) as server:
        forwarded = httpx.get(f"{server.url}/labs", headers={"x-forwarded-for": "203.0.113.7"})
        direct = httpx.get(f"{server.url}/labs")
    assert (forwarded.status_code, direct.status_code) == (403, 200)


# -- serve() binds beyond loopback only when asked ----------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.2", "example.com"])
def test_serve_refuses_a_non_loopback_host_without_public(lab_app: Any, host: str) -> None:
    before = threading.active_count()
    with pytest.raises(ValueError, match="public=True"):
        serve(lab_app, host=host)
    assert threading.active_count() == before


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.0.0.2"])
def test_serve_accepts_loopback_hosts(lab_app: Any, host: str) -> None:
    with serve(lab_app, host=host) as server:
        assert httpx.get(f"{server.url}/labs").status_code == 200
