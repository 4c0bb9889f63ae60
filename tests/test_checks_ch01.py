"""Chapter 01 checkers: each against a right answer, a wrong answer (its counter-example) and a stub."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import string

import pytest

from model_answers import model_answer  # tests/model_answers.py

from jwt_course.checks.ch01 import q1, q2, q3, q4, q5, q6

ALPHABET = string.ascii_letters + string.digits + "-_"


b64url_encode = model_answer("01", "b64url_encode")  # what q.solution() prints


b64url_decode = model_answer("01", "b64url_decode")  # what q.solution() prints


read_claims = model_answer("01", "read_claims")  # what q.solution() prints


def _part(obj: dict, **dumps_options) -> str:
    return b64url_encode(json.dumps(obj, **dumps_options).encode("utf-8"))


make_hs256_token = model_answer("01", "make_hs256_token")  # what q.solution() prints


def _expected_signature(token: str, key: bytes) -> tuple[bytes, str]:
    header, payload, signature = token.split(".")
    return hmac.new(key, f"{header}.{payload}".encode("ascii"), hashlib.sha256).digest(), signature


verify_hs256 = model_answer("01", "verify_hs256")  # what q.solution() prints


time_status = model_answer("01", "time_status")  # what q.solution() prints


def stub(*args):
    ...  # your code here


RIGHT = [
    (q1, b64url_encode),
    (q2, b64url_decode),
    (q3, read_claims),
    (q4, make_hs256_token),
    (q5, verify_hs256),
    (q6, time_status),
]


@pytest.mark.parametrize(("exercise", "answer"), RIGHT, ids=[e.label for e, _ in RIGHT])
def test_right_answer_is_correct(exercise, answer):
    verdict = exercise.evaluate(answer)
    assert verdict.status == "correct", verdict.message


@pytest.mark.parametrize("exercise", [q1, q2, q3, q4, q5, q6], ids=lambda e: e.label)
def test_stub_is_not_solved(exercise):
    verdict = exercise.evaluate(stub)
    assert verdict.status == "not solved"
    assert "not solved yet" in verdict.message


@pytest.mark.parametrize("exercise", [q1, q2, q3, q4, q5, q6], ids=lambda e: e.label)
def test_missing_definition_is_not_solved(exercise):
    assert exercise.evaluate(namespace={}).status == "not solved"


@pytest.mark.parametrize("exercise", [q1, q2, q3, q4, q5, q6], ids=lambda e: e.label)
def test_hint_and_solution_print(exercise, capsys):
    exercise.hint()
    exercise.solution()
    out = capsys.readouterr().out
    assert f"{exercise.label} hint 1/" in out
    assert f"{exercise.label} solution:" in out


# -- wrong answers: each shows one concrete counter-example ----------------------


def _incorrect(exercise, answer) -> str:
    verdict = exercise.evaluate(answer)
    assert verdict.status == "incorrect", verdict.message
    return verdict.message


def test_q1_standard_base64_with_padding_is_wrong():
    message = _incorrect(q1, lambda data: base64.b64encode(data).decode("ascii"))
    assert "b64url_encode(b'a') returned 'YQ==', expected 'YQ'" in message


def test_q1_urlsafe_but_padded_is_wrong():
    message = _incorrect(q1, lambda data: base64.urlsafe_b64encode(data).decode("ascii"))
    assert "returned 'YQ==', expected 'YQ'" in message


def test_q1_standard_alphabet_without_padding_is_wrong():
    message = _incorrect(q1, lambda data: base64.b64encode(data).rstrip(b"=").decode("ascii"))
    assert "returned '+/+/', expected '-_-_'" in message


def test_q1_bytes_instead_of_str_is_wrong():
    message = _incorrect(q1, lambda data: base64.urlsafe_b64encode(data).rstrip(b"="))
    assert "returned bytes" in message and "return a str" in message


def test_q2_without_restoring_padding_is_wrong():
    message = _incorrect(q2, lambda text: base64.urlsafe_b64decode(text))
    assert "('YQ') raised Error: Incorrect padding" in message


def test_q2_lenient_decoder_that_accepts_padding_is_wrong():
    message = _incorrect(q2, lambda text: base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    assert "b64url_decode('YQ==') should raise an error" in message


def test_q3_returning_the_header_is_wrong():
    message = _incorrect(q3, lambda token: json.loads(b64url_decode(token.split(".")[0])))
    assert "returned {'alg': 'HS256', 'typ': 'JWT'}, expected {'sub': '42', 'role': 'user'}" in message


def test_q4_default_json_separators_are_wrong():
    def spaced(payload, key):
        signing_input = _part({"alg": "HS256", "typ": "JWT"}) + "." + _part(payload)
        signature = hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()
        return signing_input + "." + b64url_encode(signature)

    message = _incorrect(q4, spaced)
    assert "make_hs256_token({'sub': '42'}, key) (the header differs)" in message


def test_q4_hex_signature_is_wrong():
    def hex_signature(payload, key):
        token = make_hs256_token(payload, key)
        signing_input = token.rsplit(".", 1)[0]
        return signing_input + "." + hmac.new(key, signing_input.encode(), hashlib.sha256).hexdigest()

    assert "(the signature differs)" in _incorrect(q4, hex_signature)


def test_q5_plain_equality_is_not_constant_time():
    def with_equals(token, key):
        expected, signature = _expected_signature(token, key)
        try:
            return expected == b64url_decode(signature)
        except ValueError:
            return False

    message = _incorrect(q5, with_equals)
    assert "not constant-time: use hmac.compare_digest instead of ==" in message


def test_q5_from_import_of_compare_digest_is_accepted():
    from hmac import compare_digest

    def imported(token, key):
        expected, signature = _expected_signature(token, key)
        try:
            return compare_digest(expected, b64url_decode(signature))
        except ValueError:
            return False

    assert q5.evaluate(imported).status == "correct"


def test_q5_ignoring_the_payload_is_wrong():
    def signature_only(token, key):
        return len(token.split(".")[2]) == 43

    message = _incorrect(q5, signature_only)
    assert "returned True for a token whose payload was changed (role user -> admin), expected False" in message


def test_q6_strict_less_than_for_exp_is_wrong():
    def off_by_one(claims, now, leeway=0):
        if "nbf" in claims and claims["nbf"] > now + leeway:
            return "not yet valid"
        if "exp" in claims and claims["exp"] < now - leeway:
            return "expired"
        return "valid"

    message = _incorrect(q6, off_by_one)
    assert "time_status({'exp': 1700000000}, now=1700000000, leeway=0) returned 'valid', expected 'expired'" in message


def test_q6_ignoring_leeway_is_wrong():
    def no_leeway(claims, now, leeway=0):
        return time_status(claims, now, 0)

    message = _incorrect(q6, no_leeway)
    assert "time_status({'exp': 1699999995}, now=1700000000, leeway=10) returned 'expired', expected 'valid'" in message
