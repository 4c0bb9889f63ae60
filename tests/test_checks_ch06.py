"""Chapter 06 checkers: each accepts a right answer, refuses a wrong one, and spots a stub."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx
import jwt

from jwt_course.checks.ch06 import AUDIENCE, ISSUER, PUBLIC_KEY_PEM, issue_token, q1, q2, q3
from jwt_course.handmade import b64url_decode, b64url_encode

from model_answers import model_answer  # tests/model_answers.py


def part(obj: dict) -> str:
    return b64url_encode(json.dumps(obj, separators=(",", ":")).encode())


# the model answers themselves (what qN.solution() prints), not copies
forge_alg_none = model_answer("06", "forge_alg_none")
crack_secret = model_answer("06", "crack_secret")
safe_verify = model_answer("06", "safe_verify")


def stub(*args): ...  # your code here


# -- q1 -------------------------------------------------------------------------------


def test_q1_accepts_the_model_answer():
    assert q1.evaluate(forge_alg_none).status == "correct"


def test_q1_stub_is_not_solved():
    assert q1.evaluate(stub).status == "not solved"


def test_q1_a_token_that_keeps_its_signature_is_refused():
    def keeps_signature(token):
        return forge_alg_none(token) + token.rpartition(".")[2]

    verdict = q1.evaluate(keeps_signature)
    assert verdict.status == "incorrect" and "signature" in verdict.message


def test_q1_forgetting_the_role_is_refused():
    def same_role(token):
        header_b64, payload_b64, _ = token.split(".")
        return f"{part({**json.loads(b64url_decode(header_b64)), 'alg': 'none'})}.{payload_b64}."

    verdict = q1.evaluate(same_role)
    assert verdict.status == "incorrect" and "set it to 'admin'" in verdict.message


def test_q1_the_checker_shows_the_solution_and_hints(capsys):
    q1.solution()
    q1.hint(3)
    assert "def forge_alg_none" in capsys.readouterr().out


# -- q2 -------------------------------------------------------------------------------


def test_q2_accepts_the_model_answer():
    assert q2.evaluate(crack_secret).status == "correct"


def test_q2_stub_is_not_solved():
    assert q2.evaluate(stub).status == "not solved"


def test_q2_hs256_only_is_refused_on_hs384():
    def hs256_only(token, wordlist):
        signing_input, _, signature_b64 = token.rpartition(".")
        for word in wordlist:
            if hmac.digest(word.encode(), signing_input.encode(), hashlib.sha256) == b64url_decode(signature_b64):
                return word
        return None

    verdict = q2.evaluate(hs256_only)
    assert verdict.status == "incorrect" and "HS384" in verdict.message


def test_q2_returning_a_word_that_is_not_the_secret_is_refused():
    def last_word(token, wordlist):
        return crack_secret(token, wordlist) or wordlist[-1]

    verdict = q2.evaluate(last_word)
    assert verdict.status == "incorrect" and "expected it to return None" in verdict.message


# -- q3 -------------------------------------------------------------------------------


def test_issue_token_is_verified_by_the_model_answer():
    assert safe_verify(issue_token("bob", "admin"))["role"] == "admin"


def test_q3_accepts_the_model_answer():
    assert q3.evaluate(safe_verify).status == "correct"


def test_q3_stub_is_not_solved():
    assert q3.evaluate(stub).status == "not solved"


def test_q3_a_verifier_without_typ_check_lets_a_refresh_token_through():
    def no_typ(token):
        return jwt.decode(
            token,
            PUBLIC_KEY_PEM,
            algorithms=["RS256"],
            issuer=ISSUER,
            audience=AUDIENCE,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )

    verdict = q3.evaluate(no_typ)
    assert verdict.status == "incorrect" and "refresh token" in verdict.message


def test_q3_trusting_the_headers_alg_is_caught_first_by_alg_none():
    def trusting(token):
        header = jwt.get_unverified_header(token)
        if header["alg"].lower() == "none":
            return jwt.decode(token, options={"verify_signature": False})
        return safe_verify(token)

    verdict = q3.evaluate(trusting)
    assert verdict.status == "incorrect" and '"alg": "none"' in verdict.message


def test_q3_following_jku_is_caught():
    def follows_jku(token):
        header = jwt.get_unverified_header(token)
        if "jku" in header:
            key = jwt.PyJWKSet.from_dict(httpx.get(header["jku"]).json())[header["kid"]].key
            return jwt.decode(token, key, algorithms=["RS256"], audience=AUDIENCE, issuer=ISSUER)
        return safe_verify(token)

    verdict = q3.evaluate(follows_jku)
    assert verdict.status == "incorrect" and "jku" in verdict.message


def test_q3_a_crash_is_reported_as_a_500():
    def crashes(token):
        return safe_verify(token) if token.count(".") == 2 and token.split(".")[2] else {}["boom"]  # type: ignore[index]  # a KeyError on purpose

    verdict = q3.evaluate(crashes)
    assert verdict.status == "incorrect" and "500" in verdict.message


def test_q3_a_verifier_refusing_everything_is_not_correct():
    def refuses_all(token):
        raise jwt.InvalidTokenError("no")

    verdict = q3.evaluate(refuses_all)
    assert verdict.status == "incorrect" and "legitimate access token of alice" in verdict.message
