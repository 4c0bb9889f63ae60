"""Swagger UI's Authorize button, clicked in a real browser, logs in through POST /token.

The demo API serves Swagger UI from the package (no CDN), so this runs offline, as a workshop
room without internet would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from jwt_course import serve
from jwt_course.course import ROOT
from jwt_course.server import Settings, create_app

from webdriver import swagger_authorize_and_get_me

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def _api() -> Iterator[Any]:
    tokens: list[tuple[str, list[str]]] = []
    app = create_app(Settings(secret_key="swagger-ui-test-secret-of-at-least-32-bytes"))

    @app.middleware("http")
    async def record_token_requests(request, call_next):  # what the button really sends
        if request.url.path == "/token":
            body = await request.body()
            fields = sorted(name for name, _ in parse_qsl(body.decode(), keep_blank_values=True))
            tokens.append((request.headers.get("content-type", ""), fields))
        return await call_next(request)

    with serve(app) as server:
        yield server, tokens


@pytest.fixture
def api(_api: Any) -> Any:
    """The demo API, served once for the module; the /token requests each test sees are its own."""
    server, tokens = _api
    tokens.clear()
    return server, tokens


def test_authorize_button_logs_in_through_token_and_try_it_out_gets_me(browser, api):
    server, token_requests = api
    status, body = swagger_authorize_and_get_me(browser, f"{server.url}/docs", "alice", "wonderland")
    browser.screenshot(ROOT / "test-artifacts" / "swagger-ui-authorize.png")

    # The OAuth2 password form (RFC 6749 §4.3.2); no scope, since this API declares none (chapter 03 says so).
    assert token_requests == [("application/x-www-form-urlencoded", ["grant_type", "password", "username"])]
    assert status == "200"
    assert '"username": "alice"' in body and '"role": "user"' in body


def test_docs_load_nothing_from_another_host(api):
    server, _ = api
    page = httpx.get(f"{server.url}/docs").text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets and all(url.startswith("static/swagger-ui/") for url in assets)
    for url in assets:
        assert httpx.get(f"{server.url}/{url}").status_code == 200


def test_every_url_in_the_docs_page_is_relative_so_a_proxy_prefix_keeps_working(api):
    # behind jupyter-server-proxy the page is /user/NAME/proxy/PORT/docs: an absolute path
    # (/static/..., /openapi.json, origin + '/docs/oauth2-redirect') would leave the prefix
    server, _ = api
    page = httpx.get(f"{server.url}/docs").text
    urls = re.findall(r'(?:src|href)="([^"]+)"', page) + re.findall(r"url: '([^']+)'", page)
    assert "openapi.json" in urls
    assert not [u for u in urls if u.startswith("/") or "://" in u]
    assert "window.location.origin" not in page


def test_openapi_names_the_proxy_prefix_as_its_server_only_behind_the_proxy(api):
    server, _ = api
    assert "servers" not in httpx.get(f"{server.url}/openapi.json").json()
    behind = httpx.get(f"{server.url}/openapi.json", headers={"X-Forwarded-Prefix": "/user/alice/proxy/8000"})
    assert behind.json()["servers"] == [{"url": "/user/alice/proxy/8000/"}]
    assert "/me" in behind.json()["paths"]


def test_openapi_ignores_a_forwarded_prefix_that_is_not_a_path(api):
    server, _ = api
    for prefix in ("javascript:alert(1)", "https://evil.example/", "//evil.example/", "/a b", "x" * 10):
        assert "servers" not in httpx.get(f"{server.url}/openapi.json", headers={"X-Forwarded-Prefix": prefix}).json()
