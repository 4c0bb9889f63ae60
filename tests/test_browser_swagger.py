"""Swagger UI's Authorize button, clicked in a real browser, logs in through POST /token.

The demo API serves Swagger UI from the package (no CDN), so this runs offline, as a workshop
room without internet would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from jwt_course import serve
from jwt_course.course import ROOT
from jwt_course.server import Settings, create_app

pytestmark = pytest.mark.browser

ME = "#operations-default-me_me_get"
LOGIN_BUTTON = "return [...document.querySelectorAll('.modal-ux .auth-btn-wrapper button')]"


@pytest.fixture
def api() -> Iterator[Any]:
    tokens: list[str] = []
    app = create_app(Settings(secret_key="swagger-ui-test-secret-of-at-least-32-bytes"))

    @app.middleware("http")
    async def record_token_requests(request, call_next):  # what the button really sends
        if request.url.path == "/token":
            tokens.append(request.headers.get("content-type", ""))
        return await call_next(request)

    with serve(app) as server:
        yield server, tokens


def test_authorize_button_logs_in_through_token_and_try_it_out_gets_me(browser, api):
    server, token_requests = api
    browser.get(f"{server.url}/docs")
    browser.wait_for("return document.querySelector('.swagger-ui .auth-wrapper .btn.authorize')", 30, "Swagger UI")
    browser.click(browser.find(".swagger-ui .auth-wrapper .btn.authorize")[0])
    browser.wait_for("return document.querySelector('#oauth_username')", 10, "the Authorize dialog")
    browser.type(browser.find("#oauth_username")[0], "alice")
    browser.type(browser.find("#oauth_password")[0], "wonderland")
    browser.click(browser.find(".modal-ux .auth-btn-wrapper .btn.authorize")[0])
    browser.wait_for(f"{LOGIN_BUTTON}.some(e => e.textContent === 'Logout')", 10, "a token from /token")
    browser.click(browser.find(".modal-ux .btn-done")[0])

    browser.click(browser.find(f"{ME} .opblock-summary-control")[0])
    browser.wait_for(f"return document.querySelector('{ME} .try-out__btn')", 10, "Try it out")
    browser.click(browser.find(f"{ME} .try-out__btn")[0])
    browser.click(browser.find(f"{ME} .execute")[0])
    status = browser.wait_for(
        f"const e = document.querySelector('{ME} .live-responses-table tbody .response-col_status');"
        "return e && e.textContent.trim()",
        10, "the response to GET /me",
    )
    body = browser.js(f"return document.querySelector('{ME} .live-responses-table tbody .response-col_description').innerText")
    browser.screenshot(ROOT / "test-artifacts" / "swagger-ui-authorize.png")

    assert token_requests == ["application/x-www-form-urlencoded"]  # the OAuth2 password form
    assert status == "200"
    assert '"username": "alice"' in body and '"role": "user"' in body


def test_docs_load_nothing_from_another_host(api):
    server, _ = api
    page = httpx.get(f"{server.url}/docs").text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets and all(url.startswith("/static/swagger-ui/") for url in assets)
    for url in assets:
        assert httpx.get(f"{server.url}{url}").status_code == 200
