"""The workshop hub recipe, for real: hub/jupyterhub_config.py on loopback with two learners.

A local JupyterHub 6.1 (configurable-http-proxy from npm, the dummy authenticator, a
local-process spawner) starts from the recipe, exactly as INSTRUCTORS.md says, in a temporary
state folder. Two learners get their servers; each kernel starts chapter 03's demo API with
`serve()` and prints `browser_link("docs")`; Chromium logs in as alice, opens that link (through
the hub and jupyter-server-proxy), authorizes in Swagger UI and calls GET /me. The two learners'
servers, homes and files must not collide, and alice cannot open bob's API.

Skipped, saying why, where configurable-http-proxy (npm) or Chromium is missing; `.ci/run`
installs both as root.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from jwt_course.course import ROOT

from webdriver import (
    CHROMEDRIVER,
    CHROMIUM,
    NO_BROWSER,
    Browser,
    free_port,
    stop_process,
    swagger_authorize_and_get_me,
    wait_http,
)

pytestmark = pytest.mark.browser

CHP = shutil.which("configurable-http-proxy")
JUPYTERHUB = Path(sys.executable).parent / "jupyterhub"
NO_CHP = (
    "hub test skipped: configurable-http-proxy is not installed "
    "(npm install -g configurable-http-proxy; .ci/run does this as root)"
)
if not CHP:
    pytest.skip(NO_CHP, allow_module_level=True)
if not (CHROMIUM and CHROMEDRIVER):
    pytest.skip(NO_BROWSER, allow_module_level=True)

PASSWORD = "workshop-" + secrets.token_hex(8)
LEARNERS = ("alice", "bob")

# What each learner's kernel runs: chapter 03's set-up (its demo API in the notebook), a file
# of their own, and what they would see.
KERNEL_CODE = """
import json, os
from pathlib import Path
from jwt_course import serve
from jwt_course.server import Settings, create_app
server = serve(create_app(Settings(secret_key="hub-test-secret-of-at-least-32-bytes!")))
Path("mine.txt").write_text(os.environ["JUPYTERHUB_USER"])
print(json.dumps({
    "link": server.browser_link("docs"),
    "prefix": os.environ["JUPYTERHUB_SERVICE_PREFIX"],
    "port": server.port,
    "home": os.environ["HOME"],
    "cwd": os.getcwd(),
    "files": sorted(p.name for p in Path.cwd().iterdir() if not p.name.startswith(".")),
    "lesson": Path("notebooks/03_bearer_flow_fastapi.ipynb").is_file(),
}))
"""


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The recipe's hub on free loopback ports, plus an API token the test uses to start servers."""
    port, token = free_port(), secrets.token_hex(24)
    # The recipe itself, plus only what the test needs: a service token to drive the REST API.
    config = tmp_path / "test_config.py"
    config.write_text(
        "c = get_config()\n"
        f"load_subconfig({str(ROOT / 'hub' / 'jupyterhub_config.py')!r})\n"
        f"c.JupyterHub.services = [{{'name': 'hub-test', 'api_token': {token!r}}}]\n"
        "c.JupyterHub.load_roles = [{'name': 'hub-test', 'services': ['hub-test'],\n"
        "    'scopes': ['admin:users', 'servers', 'access:servers']}]\n"
    )
    env = {
        **os.environ,
        "WORKSHOP_PASSWORD": PASSWORD,
        "WORKSHOP_HUB_PORT": str(port),
        "WORKSHOP_HUB_API_PORT": str(free_port()),
        "WORKSHOP_PROXY_API_PORT": str(free_port()),
        "WORKSHOP_HUB_STATE": str(tmp_path / "state"),
    }
    log = tmp_path / "hub.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(JUPYTERHUB), "-f", str(config)],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/hub/api/", 60, process, log)
        yield {"url": url, "token": token, "state": tmp_path / "state", "log": log}
    finally:
        stop_process(process)  # cleanup_servers: the learners' servers stop with the hub


def start_server(api: httpx.Client, name: str) -> None:
    api.post(f"/hub/api/users/{name}").raise_for_status()
    assert api.post(f"/hub/api/users/{name}/server").status_code in (201, 202)


def wait_ready(api: httpx.Client, name: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        server = api.get(f"/hub/api/users/{name}").json()["servers"].get("", {})
        if server.get("ready"):
            return dict(server)
        time.sleep(0.25)
    raise TimeoutError(f"{name}'s server was not ready within {timeout:.0f} s")


async def run_in_kernel(hub_url: str, token: str, user: str, code: str) -> str:
    """Start a kernel in ``user``'s server, run ``code``, return its stdout (raise on error).

    The kernel is left running (its demo API lives in it); it stops with the hub.
    """
    headers = {"Authorization": f"token {token}"}
    base = f"{hub_url}/user/{user}/api/kernels"
    async with httpx.AsyncClient(headers=headers, timeout=30) as client:
        kernel = (await client.post(base, json={"name": "python3"})).json()["id"]
    return await _execute(f"ws{base.removeprefix('http')}/{kernel}/channels", headers, code)


async def run_everywhere(hub_url: str, token: str, code: str) -> dict[str, Any]:
    outputs = await asyncio.gather(*(run_in_kernel(hub_url, token, name, code) for name in LEARNERS))
    return {name: json.loads(out) for name, out in zip(LEARNERS, outputs, strict=True)}


async def _execute(ws_url: str, headers: dict[str, str], code: str) -> str:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    socket = await websocket_connect(HTTPRequest(ws_url, headers=headers, request_timeout=30))
    msg_id = uuid.uuid4().hex
    socket.write_message(
        json.dumps(
            {
                "header": {
                    "msg_id": msg_id,
                    "username": "hub-test",
                    "session": uuid.uuid4().hex,
                    "msg_type": "execute_request",
                    "version": "5.3",
                },
                "parent_header": {},
                "metadata": {},
                "channel": "shell",
                "buffers": [],
                "content": {
                    "code": code,
                    "silent": False,
                    "store_history": False,
                    "user_expressions": {},
                    "allow_stdin": False,
                    "stop_on_error": True,
                },
            }
        )
    )
    stdout: list[str] = []
    try:
        while True:
            raw = await asyncio.wait_for(socket.read_message(), 60)
            assert raw is not None, "the kernel's websocket closed"
            message = json.loads(raw)
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "stream" and content["name"] == "stdout":
                stdout.append(content["text"])
            elif kind == "error":
                raise AssertionError(f"kernel error: {content['ename']}: {content['evalue']}")
            elif kind == "status" and content["execution_state"] == "idle":
                return "".join(stdout)
    finally:
        socket.close()
        while await asyncio.wait_for(socket.read_message(), 10) is not None:
            pass  # until the close handshake ends and tornado has closed the TCP socket


def log_in(browser: Browser, hub_url: str, user: str, next_path: str) -> None:
    # ?next= the page the test opens: logging in lands there, not in JupyterLab, whose front end
    # (and the lesson kernel it starts) would cost Chromium seconds of CPU this test does not use.
    browser.get(f"{hub_url}/hub/login?{urlencode({'next': next_path})}")
    browser.wait_for("return document.querySelector('#username_input')", 20, "the hub's login form")
    browser.type(browser.find("#username_input")[0], user)
    browser.type(browser.find("#password_input")[0], PASSWORD)
    browser.click(browser.find("#login_submit")[0])
    browser.wait_for(f"return location.pathname.startsWith('/user/{user}/')", 60, f"{user}'s JupyterLab")


def test_two_learners_on_the_recipe_hub_each_get_their_own_swagger_ui_through_the_proxy(hub, browser):
    with httpx.Client(base_url=hub["url"], headers={"Authorization": f"token {hub['token']}"}, timeout=30) as api:
        for name in LEARNERS:
            start_server(api, name)  # both spawn at once, as a room does
        servers = {name: wait_ready(api, name) for name in LEARNERS}
    seen = asyncio.run(run_everywhere(hub["url"], hub["token"], KERNEL_CODE))
    alice, bob = seen["alice"], seen["bob"]

    # browser_url under a real hub: the jupyter-server-proxy path of each learner's API
    assert alice["prefix"] == "/user/alice/" and bob["prefix"] == "/user/bob/"
    assert alice["link"] == f"/user/alice/proxy/{alice['port']}/docs"
    assert bob["link"] == f"/user/bob/proxy/{bob['port']}/docs"

    # no collisions: separate servers, homes and files; each got the course on first start
    assert servers["alice"]["url"] != servers["bob"]["url"]
    assert alice["home"] != bob["home"] and alice["cwd"] == alice["home"] and bob["cwd"] == bob["home"]
    assert alice["lesson"] and bob["lesson"]
    assert (Path(alice["home"]) / "mine.txt").read_text() == "alice"
    assert (Path(bob["home"]) / "mine.txt").read_text() == "bob"
    assert alice["files"] == bob["files"] == ["exercises", "mine.txt", "notebooks"]

    # Chromium, logged in as alice: Swagger UI through the hub and the proxy, Authorize, GET /me
    log_in(browser, hub["url"], "alice", alice["link"])
    try:
        status, body = swagger_authorize_and_get_me(browser, hub["url"] + alice["link"], "alice", "wonderland")
    finally:
        browser.screenshot(ROOT / "test-artifacts" / "hub-swagger-ui-authorize.png")
    assert status == "200"
    assert '"username": "alice"' in body and '"role": "user"' in body

    # ... and alice's browser cannot reach bob's API
    browser.get(hub["url"] + bob["link"])
    time.sleep(1)
    page = browser.js("return document.body.innerText")
    assert not browser.js("return document.querySelector('.swagger-ui')")
    assert "403" in page or "Forbidden" in page or "not authorized" in page.lower()
