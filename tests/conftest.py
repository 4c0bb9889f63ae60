"""Shared fixtures: a headless Chromium driven through chromedriver (see webdriver.py), a manual clock."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from jwt_course.clock import COURSE_START, ManualClock

from webdriver import CHROMEDRIVER, CHROMIUM, NO_BROWSER, Browser, free_port, stop_process, wait_http


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    """A fresh headless Chromium session; skips (saying why) where none is installed."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip(NO_BROWSER)
    port = free_port()
    log = tmp_path / "chromedriver.log"
    with log.open("wb") as out:
        driver = subprocess.Popen(
            [CHROMEDRIVER, f"--port={port}"], stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/status", 20, driver, log)
        session = Browser(f"http://127.0.0.1:{port}", CHROMIUM)
        try:
            yield session
        finally:
            session.quit()
    finally:
        stop_process(driver)


@pytest.fixture
def manual_clock() -> ManualClock:
    """A clock at 2026-01-01 00:00:00 UTC that moves only with ``.advance(seconds)``."""
    return ManualClock(COURSE_START)


# Sockets a test forgot to close (learner answers in the corpora open httpx clients of their own) are
# garbage-collected at some later, unrelated moment; with filterwarnings=error their ResourceWarning
# then fails whichever test happens to be running. So each test module's garbage is collected when
# the module ends, and what it leaked is listed in the terminal summary of a run without xdist workers
# (`.venv/bin/python -m pytest tests/test_x.py`; under `make test` the workers keep the list).
LEAKED: list[tuple[str, str]] = []


@pytest.fixture(autouse=True, scope="module")
def _collect_what_the_module_leaked(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    caught: list[str] = []
    previous = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: caught.append(str(unraisable.exc_value))
    try:
        gc.collect()
    finally:
        sys.unraisablehook = previous
    LEAKED.extend((request.module.__name__, message) for message in caught)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if LEAKED:
        terminalreporter.section("unclosed resources collected at the end of a test module")
        for module, message in LEAKED:
            terminalreporter.line(f"{module}: {message}")
