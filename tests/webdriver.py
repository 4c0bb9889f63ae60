"""A minimal W3C WebDriver client over httpx, enough to drive JupyterLab in the browser test.

Debian's chromedriver speaks the W3C protocol; talking to it directly avoids a Selenium
dependency for one test.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
NO_BROWSER = (
    "browser test skipped: Chromium and chromedriver are not installed "
    "(Debian: apt-get install chromium chromium-driver; .ci/run does this as root)"
)


class WebDriverError(RuntimeError):
    """chromedriver answered a command with an error."""


class Browser:
    """One headless Chromium session driven through chromedriver at ``driver_url``."""

    def __init__(self, driver_url: str, chromium: str) -> None:
        self.http = httpx.Client(base_url=driver_url, timeout=60)
        options = {
            "binary": chromium,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--window-size=1400,1000",
                "--no-first-run",
                "--disable-quic",
                "--disable-sync",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        }
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}}
        self.session = f"/session/{self._send('POST', '/session', caps)['sessionId']}"
        self.origins: set[str] = set()  # every origin get() opened, for reset()

    def _send(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.request(method, path, json=body)
        value = response.json().get("value")
        if response.status_code >= 400:
            raise WebDriverError(f"{method} {path}: {value}")
        return value

    def get(self, url: str) -> None:
        parts = urlsplit(url)
        self.origins.add(f"{parts.scheme}://{parts.netloc}")
        self._send("POST", f"{self.session}/url", {"url": url})

    def cdp(self, command: str, **params: Any) -> Any:
        """A Chrome DevTools Protocol command, through chromedriver."""
        return self._send("POST", f"{self.session}/goog/cdp/execute", {"cmd": command, "params": params})

    def reset(self) -> None:
        """Leave the session as a new one starts: one blank tab; no cookies, storage or cache anywhere it went.

        The tabs it had are closed (their pages, timers, sockets and sessionStorage with them), every
        cookie and the HTTP cache are cleared, and so is the storage (localStorage, IndexedDB, service
        workers, Cache Storage) of every origin it opened. What stays is the running Chromium.
        """
        with contextlib.suppress(WebDriverError):  # a page that no longer answers is closed anyway
            self.origins.add(str(self.js("return location.origin")))
        old = self._send("GET", f"{self.session}/window/handles")
        tab = self._send("POST", f"{self.session}/window/new", {"type": "tab"})["handle"]
        self._send("POST", f"{self.session}/window", {"handle": tab})
        for handle in old:
            self._send("POST", f"{self.session}/window", {"handle": handle})
            self._send("DELETE", f"{self.session}/window")
        self._send("POST", f"{self.session}/window", {"handle": tab})
        self.cdp("Page.bringToFront")  # focused, as a new session's tab is
        for origin in sorted(self.origins - {"null"}):
            self.cdp("Storage.clearDataForOrigin", origin=origin, storageTypes="all")
        self.cdp("Network.clearBrowserCookies")
        self.cdp("Network.clearBrowserCache")
        self.origins.clear()
        tabs, url = self._send("GET", f"{self.session}/window/handles"), self.js("return location.href")
        cookies = self.cdp("Storage.getCookies")["cookies"]
        if len(tabs) != 1 or url != "about:blank" or cookies or not self.js("return document.hasFocus()"):
            raise WebDriverError(f"not reset: {len(tabs)} tabs, the last at {url}, {len(cookies)} cookies")

    def js(self, script: str) -> Any:
        return self._send("POST", f"{self.session}/execute/sync", {"script": script, "args": []})

    def find(self, css: str) -> list[str]:
        found = self._send("POST", f"{self.session}/elements", {"using": "css selector", "value": css})
        return [element[ELEMENT] for element in found]

    def text(self, element: str) -> str:
        return str(self._send("GET", f"{self.session}/element/{element}/text"))

    def click(self, element: str) -> None:
        # a real click (mousedown/up), which Lumino menus need
        self._send("POST", f"{self.session}/element/{element}/click", {})

    def wait_for(self, script: str, timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        value = None
        for pause in _pauses():
            value = self.js(script)
            if value:
                return value
            if time.monotonic() + pause > deadline:
                break
            time.sleep(pause)
        raise TimeoutError(f"waited {timeout:.0f} s for {what} (last answer: {value!r})")

    def settle(self) -> None:
        """Return once the page has painted its current state: short animations ended, two frames drawn.

        Before a screenshot, instead of a fixed sleep (a fragment fades in over 0.2 s, for one).
        """
        self._send("POST", f"{self.session}/execute/async", {"script": SETTLE, "args": []})

    def menu(self, top: str, label: str) -> None:
        """Click a JupyterLab menu bar entry, then the item with that label."""
        (bar,) = [e for e in self.find(".lm-MenuBar-item") if self.text(e) == top]
        self.click(bar)
        items = [e for e in self.find(".lm-Menu-item .lm-Menu-itemLabel") if self.text(e) == label]
        if not items:
            raise WebDriverError(f"no menu item {top} > {label}")
        self.click(items[0])

    def type(self, element: str, text: str) -> None:
        """Type ``text`` into an input element."""
        self._send("POST", f"{self.session}/element/{element}/value", {"text": text})

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(self._send("GET", f"{self.session}/screenshot")))

    def quit(self) -> None:
        try:
            self._send("DELETE", self.session)
        finally:
            self.http.close()


# For Browser.settle: the animations that end within a second (a fragment's fade-in; not a spinner, nor
# reveal.js's 100-second bouncing arrow hint) finished, then two frames drawn.
SETTLE = """
const done = arguments[arguments.length - 1];
const ending = document.getAnimations().filter((a) => a.playState === "running" &&
  a.effect.getComputedTiming().endTime - (a.currentTime || 0) < 1000);
Promise.race([Promise.all(ending.map((a) => a.finished.catch(() => null))), new Promise((r) => setTimeout(r, 2000))])
  .then(() => requestAnimationFrame(() => requestAnimationFrame(() => done(true))));
"""

SWAGGER_ME = "#operations-default-me_me_get"


def swagger_authorize_and_get_me(browser: Browser, docs_url: str, user: str, password: str) -> tuple[str, str]:
    """Open Swagger UI at ``docs_url``, log in with its Authorize button, "Try it out" GET /me.

    Returns (status, response body) as Swagger UI shows them.
    """
    me = SWAGGER_ME
    login_button = "return [...document.querySelectorAll('.modal-ux .auth-btn-wrapper button')]"
    browser.get(docs_url)
    browser.wait_for("return document.querySelector('.swagger-ui .auth-wrapper .btn.authorize')", 30, "Swagger UI")
    browser.click(browser.find(".swagger-ui .auth-wrapper .btn.authorize")[0])
    browser.wait_for("return document.querySelector('#oauth_username')", 10, "the Authorize dialog")
    browser.type(browser.find("#oauth_username")[0], user)
    browser.type(browser.find("#oauth_password")[0], password)
    browser.click(browser.find(".modal-ux .auth-btn-wrapper .btn.authorize")[0])
    browser.wait_for(f"{login_button}.some(e => e.textContent === 'Logout')", 10, "a token from /token")
    browser.click(browser.find(".modal-ux .btn-done")[0])

    browser.click(browser.find(f"{me} .opblock-summary-control")[0])
    browser.wait_for(f"return document.querySelector('{me} .try-out__btn')", 10, "Try it out")
    browser.click(browser.find(f"{me} .try-out__btn")[0])
    browser.click(browser.find(f"{me} .execute")[0])
    status = browser.wait_for(
        f"const e = document.querySelector('{me} .live-responses-table tbody .response-col_status');"
        "return e && e.textContent.trim()",
        10,
        "the response to GET /me",
    )
    body = browser.js(
        f"return document.querySelector('{me} .live-responses-table tbody .response-col_description').innerText"
    )
    return str(status), str(body)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"nothing answered at {url} within {timeout:.0f} s:\n{log.read_text()[-2000:]}")


def _pauses() -> Iterator[float]:
    """How long wait_for sleeps between polls: 50 ms, growing by half to 250 ms (quick when it is quick)."""
    pause = 0.05
    while True:
        yield pause
        pause = min(pause * 1.5, 0.25)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
