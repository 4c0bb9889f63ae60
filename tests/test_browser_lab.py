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
import subprocess
import time
from pathlib import Path

import pytest

from jwt_course.course import ROOT

from webdriver import CHROMEDRIVER, CHROMIUM, NO_BROWSER, free_port, stop_process, wait_http

pytestmark = pytest.mark.browser

LESSON = "01_jwt_by_hand.ipynb" if (ROOT / "notebooks" / "01_jwt_by_hand.ipynb").exists() else "00_start_here.ipynb"
ARTIFACTS = ROOT / "test-artifacts"

if not (CHROMIUM and CHROMEDRIVER):
    pytest.skip(NO_BROWSER, allow_module_level=True)

# the notebook in the visible tab (`make lab` also opens 00_start_here in another tab)
NB = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
ERRORS = f"return document.querySelectorAll('{NB} [data-mime-type=\"application/vnd.jupyter.error\"]').length"
STDERR = f"return document.querySelectorAll('{NB} [data-mime-type=\"application/vnd.jupyter.stderr\"]').length"
PROMPTS = f"return [...document.querySelectorAll('{NB} .jp-CodeCell .jp-InputPrompt')].map(e => e.textContent.trim())"


@pytest.fixture
def lab(tmp_path: Path):
    """`make lab` on a copy of the notebooks; yields (base url, token, its workspaces folder)."""
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    port, token = free_port(), secrets.token_hex(16)
    log = tmp_path / "lab.log"
    # the test's open tabs go to its own workspace, or the next `make lab` would reopen them
    env = {
        **os.environ,
        "JUPYTER_PORT": str(port),
        "JUPYTER_TOKEN": token,
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
    }
    env.pop("DISPLAY", None)  # headless, as on a server
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "lab", f"LAB_ROOT={tmp_path}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/api/status?token={token}", 60, process, log)
        yield f"http://127.0.0.1:{port}", token, tmp_path / "workspaces"
    finally:
        stop_process(process)


def _saved_workspace(folder: Path, timeout: float = 20) -> list[Path]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := list(folder.glob("*.jupyterlab-workspace")):
            return found
        time.sleep(0.25)
    return []


def test_a_lesson_runs_top_to_bottom_in_jupyterlab_without_errors(lab, browser):
    url, token, workspaces = lab
    browser.get(f"{url}/lab/tree/notebooks/{LESSON}?token={token}")
    browser.wait_for(
        f"const t = document.querySelector('#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel');"
        f"return t && t.textContent === '{LESSON}' && document.querySelectorAll('{NB} .jp-CodeCell').length",
        60,
        f"{LESSON} in the current tab",
    )
    browser.wait_for(
        "return [...document.querySelectorAll('.jp-StatusBar-TextItem')].some(e => /Idle/.test(e.textContent))",
        60,
        "an idle kernel",
    )
    browser.menu("Edit", "Clear Outputs of All Cells")
    browser.wait_for(
        f"const p = (() => {{ {PROMPTS} }})(); return p.every(x => /^\\[\\s*\\]:$/.test(x))", 20, "cleared outputs"
    )

    browser.menu("Run", "Run All Cells")
    prompts = browser.wait_for(
        f"const p = (() => {{ {PROMPTS} }})(); return p.length && p.every(x => /^\\[\\d+\\]:$/.test(x)) && p",
        90,
        "every cell to run",
    )
    browser.screenshot(ARTIFACTS / f"jupyterlab-{LESSON.removesuffix('.ipynb')}.png")
    page_config = browser.js("return JSON.parse(document.getElementById('jupyter-config-data').textContent)")

    assert prompts == [f"[{n}]:" for n in range(1, len(prompts) + 1)], "cells ran out of order"
    assert browser.js(ERRORS) == 0, "a cell shows an error in the browser (see test-artifacts/)"
    assert browser.js(STDERR) == 0, "a cell wrote to stderr in the browser (see test-artifacts/)"
    assert browser.js(f"return document.querySelectorAll('{NB} .jp-OutputArea-output').length") > 0
    assert page_config["news"] == {"disabled": True}, "the lab asks every learner about Jupyter news"
    # the tabs the test opened are saved in its own workspace folder, not the course's
    assert _saved_workspace(workspaces), "the test's workspace was not saved in its own folder"
