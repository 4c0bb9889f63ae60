"""Chapter 05 checkers: each accepts a right answer, refuses a wrong one, and spots a stub."""

from __future__ import annotations

import jwt

from jwt_course.checks.ch05 import q1, q2, q3, q4
from jwt_course.handmade import b64url_encode

from model_answers import model_answer  # tests/model_answers.py


def b64url_uint(value: int, length: int | None = None) -> str:
    return b64url_encode(value.to_bytes(length or (value.bit_length() + 7) // 8, "big"))


def stub(*args, **kwargs): ...  # your code here


rsa_public_jwk = model_answer("05", "rsa_public_jwk")  # what q.solution() prints


ec_public_jwk = model_answer("05", "ec_public_jwk")  # what q.solution() prints


verify_with_jwks = model_answer("05", "verify_with_jwks")  # what q.solution() prints


rotation_schedule = model_answer("05", "rotation_schedule")  # what q.solution() prints


def test_model_answers_are_correct():
    for exercise, answer in [
        (q1, rsa_public_jwk),
        (q2, ec_public_jwk),
        (q3, verify_with_jwks),
        (q4, rotation_schedule),
    ]:
        assert exercise.evaluate(answer).status == "correct", exercise.evaluate(answer).message


def test_stubs_are_not_solved():
    for exercise in (q1, q2, q3, q4):
        assert exercise.evaluate(stub).status == "not solved"


def test_a_missing_answer_is_not_solved():
    assert "define `verify_with_jwks`" in q3.evaluate(namespace={}).message


def test_q1_a_fixed_width_exponent_is_refused():
    def fixed(public_key):
        numbers = public_key.public_numbers()
        return {"kty": "RSA", "n": b64url_uint(numbers.n), "e": b64url_uint(numbers.e, 4)}

    verdict = q1.evaluate(fixed)
    assert verdict.status == "incorrect" and "'e'" in verdict.message and "AQAB" in verdict.message


def test_q1_padding_is_refused():
    def padded(public_key):
        jwk = rsa_public_jwk(public_key)
        return {**jwk, "e": jwk["e"] + "=="}

    assert q1.evaluate(padded).status == "incorrect"


def test_q1_private_members_are_refused():
    assert "private key members" in q1.evaluate(lambda key: {**rsa_public_jwk(key), "d": "secret"}).message


def test_q2_dropping_leading_zero_bytes_is_refused_with_the_case():
    def shortest(public_key):
        point = public_key.public_numbers()
        return {"kty": "EC", "crv": "P-256", "x": b64url_uint(point.x), "y": b64url_uint(point.y)}

    verdict = q2.evaluate(shortest)
    assert verdict.status == "incorrect"
    assert "zero byte" in verdict.message


def test_q2_a_wrong_curve_name_is_refused():
    assert "'crv'" in q2.evaluate(lambda key: {**ec_public_jwk(key), "crv": "secp256r1"}).message


def test_q3_trusting_the_header_alg_is_refused():
    def header_alg(token, jwks, algorithm, audience, issuer):
        header = jwt.get_unverified_header(token)
        matches = [jwk for jwk in jwks["keys"] if jwk.get("kid") == header.get("kid")]
        if not matches:
            raise jwt.InvalidTokenError("unknown kid")
        return jwt.decode(token, jwt.PyJWK(matches[0]), algorithms=[header["alg"]], audience=audience, issuer=issuer)

    verdict = q3.evaluate(header_alg)
    assert verdict.status == "incorrect"


def test_q3_a_keyerror_for_an_unknown_kid_is_refused_with_advice():
    def keyerror(token, jwks, algorithm, audience, issuer):
        kid = jwt.get_unverified_header(token).get("kid")
        jwk = {k["kid"]: k for k in jwks["keys"]}[kid]
        return jwt.decode(token, jwt.PyJWK(jwk), algorithms=[algorithm], audience=audience, issuer=issuer)

    verdict = q3.evaluate(keyerror)
    assert verdict.status == "incorrect"
    assert "KeyError" in verdict.message and "401" in verdict.message


def test_q3_the_first_key_of_the_set_is_refused():
    def first_key(token, jwks, algorithm, audience, issuer):
        return jwt.decode(token, jwt.PyJWK(jwks["keys"][0]), algorithms=[algorithm], audience=audience, issuer=issuer)

    assert q3.evaluate(first_key).status == "incorrect"


def test_q3_without_require_is_refused():
    def lax(token, jwks, algorithm, audience, issuer):
        kid = jwt.get_unverified_header(token).get("kid")
        matches = [jwk for jwk in jwks["keys"] if jwk.get("kid") == kid]
        if not matches:
            raise jwt.InvalidTokenError("unknown kid")
        return jwt.decode(token, jwt.PyJWK(matches[0]), algorithms=[algorithm], audience=audience, issuer=issuer)

    verdict = q3.evaluate(lax)
    assert verdict.status == "incorrect" and "without exp" in verdict.message
