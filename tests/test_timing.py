"""jwt_course.timing.median_us: the course's one timing helper (medians, never asserted)."""

from __future__ import annotations

import pytest

from jwt_course.timing import median_us


def test_it_calls_the_function_number_times_repeat() -> None:
    calls: list[int] = []
    median_us(lambda: calls.append(1), number=3, repeat=5)
    assert len(calls) == 15


def test_it_answers_a_positive_time_per_call() -> None:
    assert median_us(lambda: sum(range(100)), number=10, repeat=3) > 0


@pytest.mark.parametrize(("number", "repeat"), [(0, 3), (3, 0)])
def test_it_refuses_an_empty_measurement(number: int, repeat: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        median_us(lambda: None, number=number, repeat=repeat)
