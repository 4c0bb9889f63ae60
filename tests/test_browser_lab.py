"""The main job, in a real browser: `make lab` serves the course, Chromium runs a lesson and shows a picture.

JupyterLab is started exactly as a learner starts it (`make lab`, headless, with JUPYTER_PORT
and JUPYTER_TOKEN), on a copy of the notebooks so nothing in the repository is touched, once for
this module (its start is seconds of CPU): the lesson runs in its default workspace, the picture
notebook opens in a workspace of its own. Debian's Chromium and chromedriver drive it; `.ci/run`
installs them. Where they are missing the tests are skipped and say so.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

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


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    """`make lab` on a copy of the notebooks, plus picture.ipynb; yields (base url, token, its workspaces folder)."""
    tmp_path = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    nbformat.write(_runnable_picture_notebook(), tmp_path / "picture.ipynb")
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
    assert page_config["news"] == {"disabled": True}, "the lab fetches Jupyter news"
    # the toast asking whether to fetch news shows while the fetchNews setting is "none" (make's default: "false")
    page_text = browser.js("return document.body.innerText")
    assert "notified about official Jupyter news" not in page_text, "the lab asks every learner about Jupyter news"
    # the tabs the test opened are saved in its own workspace folder, not the course's
    assert _saved_workspace(workspaces), "the test's workspace was not saved in its own folder"


# ---------------------------------------------------------------------------- a picture in JupyterLab


def _runnable_picture_notebook() -> nbformat.NotebookNode:
    """A notebook whose one code cell draws a picture, saved with that cell's output (as lessons are)."""
    from jwt_course.pictures import Timeline

    source = (
        "from jwt_course.pictures import Timeline\n"
        "timeline = Timeline()\n"
        'timeline.span("client", "refresh in flight", start=0, end=2)\n'
        'timeline.event("server", "old refresh token revoked", at=1)\n'
        'timeline.diagram(title="The refresh race", alt="The client refreshes from 0 to 2 s; the server revokes at 1 s")'
    )
    timeline = Timeline()
    timeline.span("client", "refresh in flight", start=0, end=2)
    timeline.event("server", "old refresh token revoked", at=1)
    data, metadata = timeline.diagram(
        title="The refresh race", alt="The client refreshes from 0 to 2 s; the server revokes at 1 s"
    )._repr_mimebundle_()
    cell = new_code_cell(source, execution_count=1)
    cell.outputs = [new_output("execute_result", data=data, metadata=metadata, execution_count=1)]
    kernel = {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}}
    return new_notebook(cells=[new_markdown_cell("# A picture in JupyterLab"), cell], metadata=kernel)


# the outputs of the notebook in the visible tab: MIME type, and whether an image is drawn
OUTPUT = (
    f"return [...document.querySelectorAll('{NB} .jp-OutputArea-output')]"
    ".map(e => e.dataset.mimeType + ':' + (e.querySelector('img, svg') ? 'drawn' : 'text'))"
)


def test_jupyterlab_shows_the_png_until_the_cell_runs_then_the_svg(lab, browser):
    # A notebook opened from disk is untrusted: JupyterLab renders no SVG from it (its SVG renderer is
    # "unsafe") but does render PNG; after the cell runs, its output is trusted and the SVG is shown.
    url, token, _ = lab
    # a workspace of its own: the lesson test's tabs (and their kernels) are not reopened here
    browser.get(f"{url}/lab/workspaces/picture/tree/picture.ipynb?token={token}")
    browser.wait_for(
        "const t = document.querySelector('#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel');"
        "return t && t.textContent === 'picture.ipynb'",
        60,
        "picture.ipynb in the current tab",
    )
    shown = browser.wait_for(f"const o = (() => {{ {OUTPUT} }})(); return o.length && o", 90, "the saved output")
    assert shown == ["image/png:drawn"]
    browser.screenshot(ARTIFACTS / "picture-in-jupyterlab-saved.png")
    browser.wait_for(
        "return [...document.querySelectorAll('.jp-StatusBar-TextItem')].some(e => /Idle/.test(e.textContent))",
        60,
        "an idle kernel",
    )
    browser.menu("Run", "Run All Cells")
    shown = browser.wait_for(
        f"const o = (() => {{ {OUTPUT} }})(); return o.length && o[0].startsWith('image/svg') && o", 60, "the SVG"
    )
    assert shown == ["image/svg+xml:drawn"]
    browser.settle()
    browser.screenshot(ARTIFACTS / "picture-in-jupyterlab-run.png")
