"""Chapter 03 checkers: each accepts a right answer, refuses a wrong one, and spots a stub."""

from __future__ import annotations

import httpx
import jwt
from fastapi import HTTPException

from model_answers import model_answer  # tests/model_answers.py

from jwt_course.checks.ch03 import AUDIENCE, ISSUER, SECRET_KEY, issue_token, q1, q2, q3


def _unauthorized(error: str | None = None) -> HTTPException:
    challenge = f'Bearer error="{error}"' if error else "Bearer"
    return HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": challenge})


bearer_claims = model_answer("03", "bearer_claims")  # what q.solution() prints


def test_issue_token_makes_a_valid_exercise_token():
    assert bearer_claims(f"Bearer {issue_token('bob', 'admin')}")["role"] == "admin"


def test_q1_accepts_the_model_answer():
    assert q1.evaluate(bearer_claims).status == "correct"


def test_q1_stub_is_not_solved():
    def stub(authorization):
        ...  # your code here

    assert q1.evaluate(stub).status == "not solved"


def test_q1_decode_without_audience_is_refused_with_the_case():
    def no_audience(authorization):
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise _unauthorized()
        try:
            return jwt.decode(token, SECRET_KEY, algorithms=["HS256"], options={"verify_aud": False})
        except jwt.InvalidTokenError:
            raise _unauthorized("invalid_token") from None

    verdict = q1.evaluate(no_audience)
    assert verdict.status == "incorrect"
    assert "another audience" in verdict.message


def test_q1_uncaught_decode_error_is_reported_as_a_500():
    def leaky(authorization):
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise _unauthorized()
        return jwt.decode(token, SECRET_KEY, algorithms=["HS256"], issuer=ISSUER, audience=AUDIENCE)

    verdict = q1.evaluate(leaky)
    assert verdict.status == "incorrect"
    assert "500" in verdict.message and "DecodeError" in verdict.message


def test_q1_case_sensitive_scheme_is_refused():
    def strict_scheme(authorization):
        if not (authorization or "").startswith("Bearer "):
            raise _unauthorized()
        return bearer_claims(authorization)

    assert "lower case" in q1.evaluate(strict_scheme).message


def test_q1_missing_exp_requirement_is_refused():
    def no_require(authorization):
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise _unauthorized()
        try:
            return jwt.decode(token, SECRET_KEY, algorithms=["HS256"], issuer=ISSUER, audience=AUDIENCE)
        except jwt.InvalidTokenError:
            raise _unauthorized("invalid_token") from None

    assert "without exp" in q1.evaluate(no_require).message


def test_q1_error_code_for_no_credentials_is_refused():
    def always_invalid_token(authorization):
        try:
            return bearer_claims(authorization)
        except HTTPException:
            raise _unauthorized("invalid_token") from None

    assert "RFC 6750 §3.1" in q1.evaluate(always_invalid_token).message


require_role = model_answer("03", "require_role")  # what q.solution() prints


def test_q2_accepts_the_model_answer():
    assert q2.evaluate(require_role).status == "correct"


def test_q2_stub_is_not_solved():
    def stub(role):
        ...  # your code here

    assert q2.evaluate(stub).status == "not solved"


def test_q2_401_instead_of_403_is_refused():
    def wrong_status(role):
        def guard(claims):
            if claims.get("role") != role:
                raise _unauthorized("insufficient_scope")
            return claims

        return guard

    verdict = q2.evaluate(wrong_status)
    assert verdict.status == "incorrect"
    assert "expected 403" in verdict.message


def test_q2_substring_match_is_refused():
    def substring(role):
        def guard(claims):
            if claims.get("role", "") not in role:
                raise HTTPException(403, headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'})
            return claims

        return guard

    assert "'adm'" in q2.evaluate(substring).message


def test_q2_key_error_is_reported_as_a_500():
    def indexing(role):
        def guard(claims):
            if claims["role"] != role:
                raise HTTPException(403, headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'})
            return claims

        return guard

    verdict = q2.evaluate(indexing)
    assert "KeyError" in verdict.message and "500" in verdict.message


BearerAuth = model_answer("03", "BearerAuth")  # what q.solution() prints


def test_q3_accepts_the_model_answer():
    assert q3.evaluate(BearerAuth).status == "correct"


def test_q3_stub_is_not_solved():
    class Stub(httpx.Auth):
        def __init__(self, token):
            self.token = token

        def auth_flow(self, request):
            ...  # your code here

    assert q3.evaluate(Stub).status == "not solved"


def test_q3_missing_scheme_is_refused_with_what_the_server_saw():
    class NoScheme(BearerAuth):
        def auth_flow(self, request):
            request.headers["Authorization"] = self.token
            yield request

    verdict = q3.evaluate(NoScheme)
    assert verdict.status == "incorrect"
    assert "received Authorization 'tok-123'" in verdict.message


def test_q3_not_an_auth_class_is_refused():
    assert "httpx.Auth" in q3.evaluate(lambda token: None).message
