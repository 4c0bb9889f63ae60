"""Shared fixtures: a headless Chromium driven through chromedriver (see webdriver.py), a manual clock."""

from __future__ import annotations

import contextlib
import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from jwt_course.clock import COURSE_START, ManualClock

from webdriver import CHROMEDRIVER, CHROMIUM, NO_BROWSER, Browser, free_port, stop_process, wait_http


class _Chromium:
    """One chromedriver and Chromium session per pytest process (per xdist worker), started on first use.

    Starting them costs seconds of CPU per test, so the browser tests of a worker share one session,
    reset between tests to what a new session is (Browser.reset: one blank tab, no cookies, storage or
    cache). A session that fails to reset is thrown away and the next test starts a new one.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.driver: subprocess.Popen[bytes] | None = None
        self.session: Browser | None = None

    def get(self) -> Browser:
        if self.session is None:
            self.stop()
            port = free_port()
            log = self.folder / "chromedriver.log"
            with log.open("ab") as out:
                self.driver = subprocess.Popen(
                    [CHROMEDRIVER or "chromedriver", f"--port={port}"],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            wait_http(f"http://127.0.0.1:{port}/status", 20, self.driver, log)
            self.session = Browser(f"http://127.0.0.1:{port}", CHROMIUM or "chromium")
        return self.session

    def reset(self) -> None:
        if self.session is None:
            return
        try:
            self.session.reset()
        except Exception as error:  # a crashed or wedged browser: the next test gets a new one
            with (self.folder / "resets-failed.log").open("a") as log:
                log.write(f"{error!r}\n")
            self.stop()

    def stop(self) -> None:
        session, driver, self.session, self.driver = self.session, self.driver, None, None
        try:
            if session is not None:
                with contextlib.suppress(Exception):
                    session.quit()
        finally:
            if driver is not None:
                stop_process(driver)


@pytest.fixture(scope="session")
def _chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Chromium]:
    chromium = _Chromium(tmp_path_factory.mktemp("chromedriver"))
    try:
        yield chromium
    finally:
        chromium.stop()


@pytest.fixture
def browser(_chromium: _Chromium) -> Iterator[Browser]:
    """A headless Chromium session as new (see _Chromium); skips (saying why) where none is installed."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip(NO_BROWSER)
    try:
        yield _chromium.get()
    finally:
        _chromium.reset()


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
