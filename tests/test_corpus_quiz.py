"""Chapter 07's code questions: a learner's corpus. Wrong answers must be refused with a message naming the
broken requirement; right answers in another style than the model answer must pass.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from jwt_course import handmade
from jwt_course.quiz import QUIZ_AUDIENCE, QUIZ_ISSUER, QUIZ_KEY, quiz

Answer = Callable[..., Any]
q17, q18, q19 = quiz.q17, quiz.q18, quiz.q19


# -- q17: read_claims -----------------------------------------------------------------------------------


def q17_no_padding(token):
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1]))


def q17_standard_alphabet(token):
    part = token.split(".")[1]
    return json.loads(base64.b64decode(part + "=" * (-len(part) % 4)))


def q17_header(token):
    part = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def q17_returns_text(token):
    part = token.split(".")[1]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode()


def q17_latin1(token):
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode("latin-1"))


def q17_right_translate(token):
    part = token.split(".")[1].replace("-", "+").replace("_", "/")
    return json.loads(base64.b64decode(part + "=" * ((4 - len(part) % 4) % 4)).decode("utf-8"))


def q17_right_binascii(token):
    _, payload, _ = token.split(".")
    padded = payload + "=" * (-len(payload) % 4)
    return json.loads(binascii.a2b_base64(padded.translate(str.maketrans("-_", "+/"))))


# -- q18: token_from_header -----------------------------------------------------------------------------


def q18_split_index(authorization):
    return authorization.split(" ")[1]


def q18_replace(authorization):
    if not authorization:
        raise ValueError("missing")
    return authorization.replace("Bearer ", "")


def q18_case_sensitive(authorization):
    if not authorization or not authorization.startswith("Bearer "):
        raise ValueError("not bearer")
    token = authorization[len("Bearer ") :]
    if not token or " " in token:
        raise ValueError("bad")
    return token


def q18_strip(authorization):
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        raise ValueError("not bearer")
    return token.strip()


def q18_returns_none(authorization):
    if authorization and authorization.lower().startswith("bearer ") and " " not in authorization[7:]:
        return authorization[7:] or None
    return None


def q18_removeprefix(authorization):
    if authorization is None:
        raise ValueError("missing")
    token = authorization.removeprefix("Bearer ").removeprefix("bearer ")
    if not token:
        raise ValueError("empty")
    return token


def q18_right_regex(authorization):
    match = re.fullmatch(r"(?i:bearer) (\S+)", authorization or "")
    if match is None:
        raise ValueError("expected 'Bearer <token>'")
    return match.group(1)


def q18_right_split(authorization):
    if not isinstance(authorization, str):
        raise ValueError("no header")
    parts = authorization.split(" ")
    if len(parts) != 2 or parts[0].casefold() != "bearer" or not parts[1] or not parts[1].isprintable():
        raise ValueError("expected 'Bearer <token>'")
    return parts[1]


# -- q19: verify ----------------------------------------------------------------------------------------

REQUIRE = {"require": ["exp", "iat", "sub"]}


def q19_alg_from_header(token):
    alg = jwt.get_unverified_header(token)["alg"]
    return jwt.decode(token, QUIZ_KEY, algorithms=[alg], issuer=QUIZ_ISSUER, audience=QUIZ_AUDIENCE, options=REQUIRE)


def q19_every_hmac(token):
    return jwt.decode(
        token,
        QUIZ_KEY,
        algorithms=["HS256", "HS384", "HS512"],
        issuer=QUIZ_ISSUER,
        audience=QUIZ_AUDIENCE,
        options=REQUIRE,
    )


def q19_require_exp_only(token):
    return jwt.decode(
        token, QUIZ_KEY, algorithms=["HS256"], issuer=QUIZ_ISSUER, audience=QUIZ_AUDIENCE, options={"require": ["exp"]}
    )


def q19_no_issuer(token):
    return jwt.decode(token, QUIZ_KEY, algorithms=["HS256"], audience=QUIZ_AUDIENCE, options=REQUIRE)


def q19_no_audience(token):
    return jwt.decode(
        token, QUIZ_KEY, algorithms=["HS256"], issuer=QUIZ_ISSUER, options={**REQUIRE, "verify_aud": False}
    )


def q19_returns_none(token):
    try:
        return jwt.decode(
            token, QUIZ_KEY, algorithms=["HS256"], issuer=QUIZ_ISSUER, audience=QUIZ_AUDIENCE, options=REQUIRE
        )
    except jwt.InvalidTokenError:
        return None


def q19_no_exp_check(token):
    return jwt.decode(
        token,
        QUIZ_KEY,
        algorithms=["HS256"],
        issuer=QUIZ_ISSUER,
        audience=QUIZ_AUDIENCE,
        options={**REQUIRE, "verify_exp": False},
    )


def q19_value_error(token):
    try:
        return jwt.decode(
            token, QUIZ_KEY, algorithms=["HS256"], issuer=QUIZ_ISSUER, audience=QUIZ_AUDIENCE, options=REQUIRE
        )
    except jwt.PyJWTError as exc:
        raise ValueError(f"invalid token: {exc}") from exc


def q19_no_require(token):
    return jwt.decode(token, QUIZ_KEY, algorithms=["HS256"], issuer=QUIZ_ISSUER, audience=QUIZ_AUDIENCE)


def q19_right_handmade(token):
    return handmade.decode(
        token,
        QUIZ_KEY,
        ["HS256"],
        audience=QUIZ_AUDIENCE,
        issuer=QUIZ_ISSUER,
        options={"require": ["sub", "iat", "exp"]},
    )


def q19_right_reraise(token):
    try:
        claims = jwt.decode(
            jwt=token,
            key=QUIZ_KEY.encode(),
            algorithms=("HS256",),
            audience=[QUIZ_AUDIENCE],
            issuer=QUIZ_ISSUER,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
    except jwt.PyJWTError as exc:
        raise jwt.InvalidTokenError(f"rejected: {exc}") from exc
    return claims


WRONG: dict[str, tuple[Any, Answer, tuple[str, ...]]] = {
    "q17 no padding": (q17, q17_no_padding, ("raised",)),
    "q17 standard alphabet": (q17, q17_standard_alphabet, ("returned", "raised")),
    "q17 the header": (q17, q17_header, ("returned",)),
    "q17 text, not a dict": (q17, q17_returns_text, ("returned",)),
    "q17 latin-1": (q17, q17_latin1, ("returned",)),
    "q18 split()[1]": (q18, q18_split_index, ("raise ValueError", "raised")),
    "q18 replace": (q18, q18_replace, ("raise ValueError", "case-insensitively")),
    "q18 case-sensitive": (q18, q18_case_sensitive, ("bearer",)),
    "q18 strip": (q18, q18_strip, ("raise ValueError",)),
    "q18 returns None": (q18, q18_returns_none, ("None", "raise ValueError")),
    "q18 removeprefix": (q18, q18_removeprefix, ("raise ValueError", "case-insensitively")),
    "q19 alg from the header": (q19, q19_alg_from_header, ("HS512", "HS384", "alg")),
    "q19 every HMAC alg": (q19, q19_every_hmac, ("HS512", "HS384", "alg")),
    "q19 require exp only": (q19, q19_require_exp_only, ("no iat", "no sub", "without iat", "without sub")),
    "q19 no issuer": (q19, q19_no_issuer, ("issuer",)),
    "q19 no audience": (q19, q19_no_audience, ("audience",)),
    "q19 returns None": (q19, q19_returns_none, ("returned None", "raise")),
    "q19 no exp check": (q19, q19_no_exp_check, ("exp",)),
    "q19 ValueError": (q19, q19_value_error, ("ValueError",)),
    "q19 no require": (q19, q19_no_require, ("no exp", "without exp")),
}

RIGHT: dict[str, tuple[Any, Answer]] = {
    "q17 translate the alphabet": (q17, q17_right_translate),
    "q17 binascii": (q17, q17_right_binascii),
    "q18 a regex": (q18, q18_right_regex),
    "q18 split and count": (q18, q18_right_split),
    "q19 the course's handmade.decode": (q19, q19_right_handmade),
    "q19 errors re-raised": (q19, q19_right_reraise),
}


@pytest.mark.parametrize("case", sorted(WRONG))
def test_a_wrong_answer_is_refused_naming_the_requirement(case: str) -> None:
    question, answer, words = WRONG[case]
    verdict = question.evaluate(answer)
    assert verdict.status == "incorrect", verdict.message
    assert any(word in verdict.message for word in words), verdict.message


@pytest.mark.parametrize("case", sorted(RIGHT))
def test_a_right_answer_in_another_style_is_accepted(case: str) -> None:
    question, answer = RIGHT[case]
    verdict = question.evaluate(answer)
    assert verdict.status == "correct", verdict.message


def test_q17_pyjwt_unverified_decode_is_not_the_standard_library():
    def read_claims(token):  # reads the header too, so a token with a broken header fails
        return jwt.decode(token, options={"verify_signature": False})

    verdict = q17.evaluate(read_claims)
    assert verdict.status == "incorrect" and "only the middle part" in verdict.message
