"""The course's one timing helper: the median, per call, in microseconds.

Lessons and ``benchmarks/run.py`` quote medians (robust to a busy machine in both
directions), never a best-of or a single run::

    median_us(lambda: jwt.decode(token, key, algorithms=["HS256"]), number=1_000)
"""

from __future__ import annotations

import statistics
import timeit
from collections.abc import Callable
from typing import Any

__all__ = ["median_us"]


def median_us(fn: Callable[[], Any], number: int = 1, repeat: int = 7) -> float:
    """Microseconds per call of ``fn``: the median of ``repeat`` runs of ``number`` calls each."""
    if number < 1 or repeat < 1:
        raise ValueError("number and repeat must be at least 1")
    return statistics.median(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6
