"""Course-wide pytest set-up: the slowest test files run first.

`make test` spreads whole files over two xdist workers (``--dist loadfile``), handing out the
next file to whichever worker is free, in collection order (``--no-loadscope-reorder``: xdist's
default order, most tests first, puts one-test files such as the JupyterHub test last). A
20-second file that starts last leaves the other core idle for those 20 seconds; started first,
it runs beside many short files. So the files below, each several seconds of real processes
(JupyterHub, Chromium, JupyterLab, a JVM), are collected first, longest first; the rest keep
their order. The figures are summed test durations in one `make test` here (2 cores, 2026-12-02); a file
missing from the list only runs later, it still runs.
"""

from __future__ import annotations

import pytest

SLOWEST_FIRST = (
    "tests/test_hub.py",  # 30 s: a real JupyterHub, two learners' servers, Chromium
    "tests/test_browser_lab.py",  # 26 s: a lesson and a picture run in JupyterLab in Chromium
    "notebooks/08_bonus_coroutines_asyncio.ipynb",  # 20 s: a Kotlin JVM and 14 Kotlin cells
    "tests/test_browser_render.py",  # 17 s: every slide of every deck measured in Chromium
    "tests/test_kotlin.py",  # 14 s: Kotlin kernels started and killed
    "tests/test_schemathesis.py",  # 12 s
    "notebooks/07_interview_review.ipynb",  # 11 s: Part D's Kotlin JVM
    "notebooks/02_sessions_vs_jwt.ipynb",  # 8 s
    "tests/test_cli.py",  # 8 s
    "notebooks/04_refresh_and_revocation.ipynb",  # 7 s
    "notebooks/05_keys_and_jwks.ipynb",  # 7 s
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: index for index, path in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
