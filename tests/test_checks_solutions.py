"""Every exercise's printed model answer (`qN.solution()`) is accepted by its own checker."""

from __future__ import annotations

import pytest

from model_answers import CHAPTERS, solved  # tests/model_answers.py


@pytest.mark.parametrize("number", CHAPTERS)
def test_every_model_solution_passes_its_checker(number):
    for exercise, namespace in solved(number):
        verdict = exercise.evaluate(namespace=namespace)
        assert verdict.correct, verdict.message
