"""The runner shared by the held-out corpora (tests/test_heldout_chNN.py).

Each corpus row is ``(label, answer, requirement, what)``: the exercise's ``qN`` label, the learner's
answer, how the requirement its refusal must name begins (``None``: the answer must be accepted;
``""``: any requirement) and a note of what the learner did.
"""

from __future__ import annotations

from typing import Any

FIELDS = ("label", "answer", "requirement", "what")


def ids(corpus: list[tuple[Any, ...]]) -> list[str]:
    """Readable test ids: ``q1-answer_name``."""
    return [f"{row[0]}-{row[1].__name__}" for row in corpus]


def check_answer(module: Any, label: str, answer: Any, requirement: str | None, what: str) -> None:
    """Accepted when ``requirement`` is None, else refused naming a requirement that starts so."""
    verdict = getattr(module, label).evaluate(answer)
    if requirement is None:
        assert verdict.correct, f"{what}: {verdict.message}"
    else:
        assert verdict.status == "incorrect", f"{what}: accepted"
        assert verdict.requirement.startswith(requirement), verdict.message
        assert "Requirement:" in verdict.message or not requirement, verdict.message
