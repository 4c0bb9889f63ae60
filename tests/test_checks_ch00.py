"""Chapter 00's warm-up checker: a signed JWT (JWS) has three parts, a JWE five."""

from __future__ import annotations

import pytest

from jwt_course.checks.ch00 import q0


def _unpack(token):
    header, payload, signature = token.split(".")
    return header, payload, signature


def _strict_list(token):
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError(f"a JWS has 3 parts, got {len(parts)}")
    return parts


@pytest.mark.parametrize("answer", [_unpack, _strict_list], ids=["unpacking", "list-with-a-count-check"])
def test_right_answers_in_two_styles_are_accepted(answer):
    assert q0.evaluate(answer).status == "correct"


@pytest.mark.parametrize(
    ("answer", "broken"),
    [
        (lambda t: tuple(t.split(".")), "exactly three parts"),  # accepts two parts
        (lambda t: tuple(t.split(".")[:3]), "exactly three parts"),  # silently drops a fourth part
        (
            lambda t: _unpack(t) if t.count(".") == 2 else tuple(t.split(".")) if t.count(".") == 4 else 1 / 0,
            "five-part",
        ),
        (lambda t: tuple(p for p in t.split(".") if p) if t.count(".") == 2 else _unpack(t), "empty signature"),
        (lambda t: tuple(reversed(_unpack(t))), "header, payload, signature"),
    ],
    ids=["no-count-check", "truncates", "lets-a-jwe-through", "drops-an-empty-signature", "wrong-order"],
)
def test_wrong_answers_are_rejected_with_the_requirement_they_break(answer, broken):
    verdict = q0.evaluate(answer)
    assert verdict.status == "incorrect" and broken in verdict.requirement, verdict.message


def test_the_message_says_a_jwe_has_five_parts_not_that_every_jwt_has_three():
    verdict = q0.evaluate(
        lambda t: _unpack(t) if t.count(".") == 2 else tuple(t.split(".")) if t.count(".") == 4 else 1 / 0
    )
    assert "JWE" in verdict.message and "five" in verdict.message
    messages = " ".join([verdict.message, *q0.hints])
    assert "a JWT has exactly three parts" not in messages


def test_the_model_answer_passes():
    namespace: dict = {}
    exec(q0.solution_code, namespace)
    assert q0.evaluate(namespace["split_token"]).status == "correct"


def test_a_stub_is_not_solved_yet():
    assert q0.evaluate(lambda t: None).status == "not solved"
