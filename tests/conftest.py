"""Shared fixtures: a headless Chromium driven through chromedriver (see webdriver.py), a manual clock."""

from __future__ import annotations

import subprocess
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
