"""The main job, in a real browser: `make lab` serves the course, Chromium runs a lesson.

JupyterLab is started exactly as a learner starts it (`make lab`, headless, with JUPYTER_PORT
and JUPYTER_TOKEN), on a copy of the notebooks so nothing in the repository is touched. Debian's
Chromium and chromedriver drive it; `.ci/run` installs them. Where they are missing the test is
skipped and says so.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from jwt_course.course import ROOT

from webdriver import Browser  # tests/webdriver.py

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
LESSON = "01_jwt_by_hand.ipynb" if (ROOT / "notebooks" / "01_jwt_by_hand.ipynb").exists() else "00_start_here.ipynb"
ARTIFACTS = ROOT / "test-artifacts"

if not (CHROMIUM and CHROMEDRIVER):
    pytest.skip(
        "browser test skipped: Chromium and chromedriver are not installed "
        "(Debian: apt-get install chromium chromium-driver; .ci/run does this as root)",
        allow_module_level=True,
    )

# the notebook in the visible tab (`make lab` also opens 00_start_here in another tab)
NB = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
ERRORS = f"return document.querySelectorAll('{NB} [data-mime-type=\"application/vnd.jupyter.error\"]').length"
STDERR = f"return document.querySelectorAll('{NB} [data-mime-type=\"application/vnd.jupyter.stderr\"]').length"
PROMPTS = f"return [...document.querySelectorAll('{NB} .jp-CodeCell .jp-InputPrompt')].map(e => e.textContent.trim())"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, timeout: float, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"nothing answered at {url} within {timeout:.0f} s:\n{log.read_text()[-2000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def lab(tmp_path: Path):
    """`make lab` on a copy of the notebooks; yields (base url, token)."""
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    port, token = _free_port(), secrets.token_hex(16)
    log = tmp_path / "lab.log"
    env = {**os.environ, "JUPYTER_PORT": str(port), "JUPYTER_TOKEN": token}
    env.pop("DISPLAY", None)  # headless, as on a server
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "lab", f"LAB_ROOT={tmp_path}"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        _wait_http(f"http://127.0.0.1:{port}/api/status?token={token}", 60, process, log)
        yield f"http://127.0.0.1:{port}", token
    finally:
        _stop(process)


@pytest.fixture
def browser(tmp_path: Path):
    port = _free_port()
    log = tmp_path / "chromedriver.log"
    with log.open("wb") as out:
        driver = subprocess.Popen(
            [CHROMEDRIVER, f"--port={port}"], stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_http(f"http://127.0.0.1:{port}/status", 20, driver, log)
        session = Browser(f"http://127.0.0.1:{port}", CHROMIUM)
        try:
            yield session
        finally:
            session.quit()
    finally:
        _stop(driver)


def test_a_lesson_runs_top_to_bottom_in_jupyterlab_without_errors(lab, browser):
    url, token = lab
    browser.get(f"{url}/lab/tree/notebooks/{LESSON}?token={token}")
    browser.wait_for(
        f"const t = document.querySelector('#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel');"
        f"return t && t.textContent === '{LESSON}' && document.querySelectorAll('{NB} .jp-CodeCell').length",
        60, f"{LESSON} in the current tab",
    )
    browser.wait_for(
        "return [...document.querySelectorAll('.jp-StatusBar-TextItem')].some(e => /Idle/.test(e.textContent))",
        60, "an idle kernel",
    )
    browser.menu("Edit", "Clear Outputs of All Cells")
    browser.wait_for(f"const p = (() => {{ {PROMPTS} }})(); return p.every(x => /^\\[\\s*\\]:$/.test(x))", 20, "cleared outputs")

    browser.menu("Run", "Run All Cells")
    prompts = browser.wait_for(
        f"const p = (() => {{ {PROMPTS} }})(); return p.length && p.every(x => /^\\[\\d+\\]:$/.test(x)) && p",
        90, "every cell to run",
    )
    browser.screenshot(ARTIFACTS / f"jupyterlab-{LESSON.removesuffix('.ipynb')}.png")

    assert prompts == [f"[{n}]:" for n in range(1, len(prompts) + 1)], "cells ran out of order"
    assert browser.js(ERRORS) == 0, "a cell shows an error in the browser (see test-artifacts/)"
    assert browser.js(STDERR) == 0, "a cell wrote to stderr in the browser (see test-artifacts/)"
    assert browser.js(f"return document.querySelectorAll('{NB} .jp-OutputArea-output').length") > 0
