"""Course-wide pytest set-up: the slowest test files run first.

`make test` spreads whole files over two xdist workers (``--dist loadfile``), handing out the
next file to whichever worker is free, in collection order (``--no-loadscope-reorder``: xdist's
default order, most tests first, puts one-test files such as the JupyterHub test last). A
20-second file that starts last leaves the other core idle for those 20 seconds; started first,
it runs beside many short files. So the files below, each several seconds of real processes
(JupyterHub, Chromium, JupyterLab, a JVM), are collected first, longest first; the rest keep
their order. The figures are summed test durations of one `make test` here (2 cores); a file
missing from the list only runs later, it still runs.
"""

from __future__ import annotations

import pytest

SLOWEST_FIRST = (
    "tests/test_browser_render.py",  # 35 s: every slide deck measured in Chromium, JupyterLab
    "tests/test_hub.py",  # 21 s: a real JupyterHub, two learners' servers, Chromium
    "notebooks/08_bonus_coroutines_asyncio.ipynb",  # 19 s: a Kotlin JVM and 14 Kotlin cells
    "tests/test_kotlin.py",  # 16 s: Kotlin kernels started and killed
    "tests/test_schemathesis.py",  # 12 s
    "tests/test_browser_lab.py",  # 12 s: a lesson run in JupyterLab in Chromium
    "tests/test_cli.py",
    "notebooks/07_interview_review.ipynb",  # 9 s: Part D's Kotlin JVM
    "tests/test_corpus_ch08.py",
    "tests/test_heldout_ch08.py",
    "tests/test_readme.py",
    "tests/test_slides.py",
    "tests/test_workshop_serve.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: index for index, path in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
