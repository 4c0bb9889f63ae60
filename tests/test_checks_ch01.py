"""Chapter 01 checkers against a corpus of learner answers.

For each exercise: realistic beginner mistakes that must be rejected with a message naming
the broken requirement, and correct answers in another style than the model answer that
must be accepted. The answers were written as a learner would, from the exercise text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import string

import pytest

from jwt_course.checks.ch01 import q1, q2, q3, q4, q5, q6

from model_answers import model_answer  # tests/model_answers.py

ALPHABET = string.ascii_letters + string.digits + "-_"

b64url_encode = model_answer("01", "b64url_encode")  # what q.solution() prints
b64url_decode = model_answer("01", "b64url_decode")
read_claims = model_answer("01", "read_claims")
make_hs256_token = model_answer("01", "make_hs256_token")
verify_hs256 = model_answer("01", "verify_hs256")
time_status = model_answer("01", "time_status")

ALL = [q1, q2, q3, q4, q5, q6]


def stub(*args): ...  # your code here


def rejected(exercise, answer, *requirement_words: str) -> str:
    verdict = exercise.evaluate(answer)
    assert verdict.status == "incorrect", verdict.message
    assert "Requirement:" in verdict.message and "Counter-example" in verdict.message, verdict.message
    for word in requirement_words:
        assert word in verdict.requirement, (word, verdict.message)
    return verdict.message


def accepted(exercise, answer) -> None:
    verdict = exercise.evaluate(answer)
    assert verdict.status == "correct", verdict.message


@pytest.mark.parametrize(
    ("exercise", "answer"),
    [
        (q1, b64url_encode),
        (q2, b64url_decode),
        (q3, read_claims),
        (q4, make_hs256_token),
        (q5, verify_hs256),
        (q6, time_status),
    ],
    ids=[q.label for q in ALL],
)
def test_model_answer_is_correct(exercise, answer):
    accepted(exercise, answer)


@pytest.mark.parametrize("exercise", ALL, ids=lambda e: e.label)
def test_stub_is_not_solved(exercise):
    verdict = exercise.evaluate(stub)
    assert verdict.status == "not solved"
    assert "not solved yet" in verdict.message


@pytest.mark.parametrize("exercise", ALL, ids=lambda e: e.label)
def test_missing_definition_is_not_solved(exercise):
    assert exercise.evaluate(namespace={}).status == "not solved"


@pytest.mark.parametrize("exercise", ALL, ids=lambda e: e.label)
def test_hint_and_solution_print(exercise, capsys):
    exercise.hint()
    exercise.solution()
    out = capsys.readouterr().out
    assert f"{exercise.label} hint 1/" in out
    assert f"{exercise.label} solution:\n" in out and "def " in out


# -- q1 b64url_encode: wrong ------------------------------------------------------------


def test_q1_standard_base64_with_padding_is_rejected():
    message = rejected(q1, lambda data: base64.b64encode(data).decode("ascii"), "padding")
    assert "b64url_encode(b'a') returned 'YQ=='; expected it to return 'YQ'" in message


def test_q1_urlsafe_but_padded_is_rejected():
    rejected(q1, lambda data: base64.urlsafe_b64encode(data).decode("ascii"), "padding")


def test_q1_standard_alphabet_without_padding_is_rejected():
    message = rejected(q1, lambda data: base64.b64encode(data).rstrip(b"=").decode(), "URL-safe alphabet")
    assert "returned '+/+/'; expected it to return '-_-_'" in message


def test_q1_bytes_instead_of_str_is_rejected():
    rejected(q1, lambda data: base64.urlsafe_b64encode(data).rstrip(b"="), "str")


def test_q1_replacing_only_the_plus_is_rejected():
    def half_replaced(data):
        return base64.b64encode(data).decode().replace("+", "-").rstrip("=")

    rejected(q1, half_replaced, "URL-safe alphabet")


def test_q1_hex_is_rejected():
    rejected(q1, lambda data: data.hex(), "padding")


# -- q1: right, other styles -------------------------------------------------------------


def test_q1_translating_standard_base64_is_accepted():
    accepted(q1, lambda data: base64.b64encode(data).decode().replace("+", "-").replace("/", "_").rstrip("="))


def test_q1_removing_every_equals_sign_is_accepted():
    accepted(q1, lambda data: base64.urlsafe_b64encode(data).decode("utf-8").replace("=", ""))


def test_q1_hand_rolled_bit_twiddling_is_accepted():
    def by_hand(data: bytes) -> str:
        bits = "".join(f"{byte:08b}" for byte in data)
        bits += "0" * (-len(bits) % 6)
        return "".join(
            (string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_")[int(bits[i : i + 6], 2)]
            for i in range(0, len(bits), 6)
        )

    accepted(q1, by_hand)


# -- q2 b64url_decode: wrong ------------------------------------------------------------


def test_q2_without_restoring_padding_is_rejected():
    message = rejected(q2, lambda text: base64.urlsafe_b64decode(text), "padding back")
    assert "b64url_decode('YQ') raised Error: Incorrect padding" in message


def test_q2_lenient_decoder_that_accepts_padding_is_rejected():
    message = rejected(q2, lambda text: base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "raise an error")
    assert "b64url_decode('YQ==') returned b'a'; expected it to raise an error" in message


def test_q2_blocklist_decoder_is_rejected_for_a_star_and_a_dot():
    def blocklist(text):
        if any(ch in text for ch in "=+/ "):
            raise ValueError("not base64url")
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

    message = rejected(q2, blocklist, "outside A-Z a-z 0-9 - _")
    assert "b64url_decode('YWJj*') returned b'abc'" in message


def test_q2_blocklist_that_knows_the_star_still_misses_the_dot():
    def blocklist(text):
        if any(ch in text for ch in "=+/ *\n"):
            raise ValueError("not base64url")
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

    assert "b64url_decode('YW.Jj') returned b'abc'" in rejected(q2, blocklist, "outside")


def test_q2_unanchored_regex_is_rejected():
    def prefix_match(text):
        if not re.match(r"[A-Za-z0-9_-]*", text):
            raise ValueError(text)
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

    rejected(q2, prefix_match, "outside")


def test_q2_altchars_decoder_still_takes_plus_and_slash():
    def altchars(text):
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)

    rejected(q2, altchars, "outside")
    assert altchars("+/+/") == bytes([0xFB, 0xFF, 0xBF])  # what a later case would have shown


def test_q2_returning_text_is_rejected():
    rejected(q2, lambda text: base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("latin-1"), "bytes")


# -- q2: right, other styles -------------------------------------------------------------


def test_q2_fullmatch_regex_is_accepted():
    def with_regex(text: str) -> bytes:
        if re.fullmatch(r"[A-Za-z0-9_-]*", text) is None or len(text) % 4 == 1:
            raise ValueError(f"bad base64url {text!r}")
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

    accepted(q2, with_regex)


def test_q2_translate_then_validate_is_accepted():
    def validated(text: str) -> bytes:
        if "+" in text or "/" in text or "=" in text:
            raise ValueError("standard base64 or padding")
        standard = text.translate(str.maketrans("-_", "+/"))
        return base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)

    accepted(q2, validated)


def test_q2_loop_over_characters_is_accepted():
    def looping(text: str) -> bytes:
        for ch in text:
            if ch not in ALPHABET:
                raise ValueError(ch)
        if len(text) % 4 == 1:
            raise ValueError("impossible length")
        return base64.urlsafe_b64decode(text + "==="[: (4 - len(text) % 4) % 4])

    accepted(q2, looping)


# -- q3 read_claims: wrong ----------------------------------------------------------------


def test_q3_returning_the_header_is_rejected():
    message = rejected(q3, lambda token: json.loads(b64url_decode(token.split(".")[0])), "payload")
    assert "returned {'alg': 'HS256', 'typ': 'JWT'}" in message


def test_q3_without_padding_is_rejected():
    rejected(q3, lambda token: json.loads(base64.urlsafe_b64decode(token.split(".")[1])), "payload")


def test_q3_standard_base64_drops_dashes_and_underscores():
    def standard(token):
        part = token.split(".")[1]
        return json.loads(base64.b64decode(part + "=" * (-len(part) % 4)))

    rejected(q3, standard, "payload")


def test_q3_forgetting_json_is_rejected():
    rejected(q3, lambda token: b64url_decode(token.split(".")[1]), "payload")


def test_q3_checking_the_signature_with_a_guessed_key_is_rejected():
    import jwt

    def verified(token):
        try:
            return jwt.decode(token, "a-guessed-secret-of-32-bytes-min!", algorithms=["HS256"])
        except jwt.PyJWTError:
            return {}

    rejected(q3, verified)


def test_q3_last_part_instead_of_middle_is_rejected():
    rejected(q3, lambda token: json.loads(b64url_decode(token.split(".")[-1])))


# -- q3: right, other styles --------------------------------------------------------------


def test_q3_urlsafe_with_padding_is_accepted():
    def padded(token):
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))

    accepted(q3, padded)


def test_q3_unpacking_and_utf8_is_accepted():
    def unpacked(token: str) -> dict:
        _, payload, _ = token.split(".")
        return json.loads(b64url_decode(payload).decode("utf-8"))

    accepted(q3, unpacked)


# -- q4 make_hs256_token: wrong -----------------------------------------------------------


def _part(obj, **dumps):
    return b64url_encode(json.dumps(obj, **dumps).encode("utf-8"))


def _signed(signing_input: str, key: bytes) -> str:
    return signing_input + "." + b64url_encode(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())


def test_q4_default_json_separators_are_rejected():
    def spaced(payload, key):
        return _signed(_part({"alg": "HS256", "typ": "JWT"}) + "." + _part(payload), key)

    message = rejected(q4, spaced, "header")
    assert "make_hs256_token({'sub': '42'}, key) returned" in message


def test_q4_hex_signature_is_rejected():
    def hex_signature(payload, key):
        signing_input = (
            _part({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")) + "." + _part(payload, separators=(",", ":"))
        )
        return signing_input + "." + hmac.new(key, signing_input.encode(), hashlib.sha256).hexdigest()

    rejected(q4, hex_signature, "signature")


def test_q4_header_in_another_order_is_rejected():
    def typ_first(payload, key):
        compact = {"separators": (",", ":")}
        return _signed(_part({"typ": "JWT", "alg": "HS256"}, **compact) + "." + _part(payload, **compact), key)

    rejected(q4, typ_first, "header")


def test_q4_sorted_payload_keys_are_rejected():
    def sorted_keys(payload, key):
        compact = {"separators": (",", ":"), "sort_keys": True}
        return _signed(_part({"alg": "HS256", "typ": "JWT"}, **compact) + "." + _part(payload, **compact), key)

    rejected(q4, sorted_keys, "payload")


def test_q4_utf8_instead_of_escapes_is_rejected():
    def raw_utf8(payload, key):
        compact = {"separators": (",", ":"), "ensure_ascii": False}
        return _signed(_part({"alg": "HS256", "typ": "JWT"}, **compact) + "." + _part(payload, **compact), key)

    message = rejected(q4, raw_utf8, "payload")
    assert "Zo" in message


def test_q4_signing_the_json_instead_of_the_base64_parts_is_rejected():
    def signs_json(payload, key):
        header = json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":"))
        body = json.dumps(payload, separators=(",", ":"))
        signature = hmac.new(key, (header + "." + body).encode(), hashlib.sha256).digest()
        return b64url_encode(header.encode()) + "." + b64url_encode(body.encode()) + "." + b64url_encode(signature)

    rejected(q4, signs_json, "signature")


def test_q4_keeping_padding_is_rejected():
    def padded(payload, key):
        def part(obj):
            return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode()

        signing_input = part({"alg": "HS256", "typ": "JWT"}) + "." + part(payload)
        return (
            signing_input
            + "."
            + base64.urlsafe_b64encode(hmac.new(key, signing_input.encode(), hashlib.sha256).digest()).decode()
        )

    rejected(q4, padded)


# -- q4: right, other styles --------------------------------------------------------------


def test_q4_hmac_digest_and_fstrings_are_accepted():
    def fstrings(payload: dict, key: bytes) -> str:
        head = b64url_encode(b'{"alg":"HS256","typ":"JWT"}')
        body = b64url_encode(json.dumps(payload, separators=(",", ":")).encode())
        sig = hmac.digest(key, f"{head}.{body}".encode(), "sha256")
        return f"{head}.{body}.{b64url_encode(sig)}"

    accepted(q4, fstrings)


def test_q4_join_of_parts_is_accepted():
    def joined(payload, key):
        parts = [
            base64.urlsafe_b64encode(json.dumps(x, separators=(",", ":")).encode()).decode().rstrip("=")
            for x in ({"alg": "HS256", "typ": "JWT"}, payload)
        ]
        mac = hmac.new(key, ".".join(parts).encode("ascii"), "sha256").digest()
        return ".".join([*parts, base64.urlsafe_b64encode(mac).decode().rstrip("=")])

    accepted(q4, joined)


# -- q5 verify_hs256: wrong ---------------------------------------------------------------


def _mac(header: str, payload: str, key: bytes) -> bytes:
    return hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()


def test_q5_re_encoding_the_header_is_rejected():
    def re_encodes(token, key):
        header, payload, signature = token.split(".")
        canonical = b64url_encode(json.dumps(json.loads(b64url_decode(header)), separators=(",", ":")).encode())
        try:
            return hmac.compare_digest(_mac(canonical, payload, key), b64url_decode(signature))
        except ValueError:
            return False

    message = rejected(q5, re_encodes, "exactly as they appear")
    assert "RFC 7515 A.1" in message


def test_q5_lenient_base64_is_rejected():
    def lenient(token, key):
        header, payload, signature = token.split(".")
        try:
            actual = base64.urlsafe_b64decode(signature + "==")
        except ValueError:
            return False
        return hmac.compare_digest(_mac(header, payload, key), actual)

    message = rejected(q5, lenient, "not valid base64url")
    assert "returned True; expected it to return False" in message


def test_q5_raising_on_bad_base64_is_rejected():
    def raises(token, key):
        header, payload, signature = token.split(".")
        return hmac.compare_digest(_mac(header, payload, key), b64url_decode(signature))

    message = rejected(q5, raises, "not valid base64url")
    assert "raised ValueError" in message


def test_q5_equality_with_compare_digest_in_a_comment_is_rejected():
    def with_equals(token, key):
        # hmac.compare_digest would be better, but == is fine for now
        parts = token.split(".")
        if len(parts) != 3:
            return False
        try:
            return _mac(parts[0], parts[1], key) == b64url_decode(parts[2])
        except ValueError:
            return False

    message = rejected(q5, with_equals, "compare_digest")
    assert "never called" in message


def test_q5_unpacking_without_a_guard_raises_for_two_parts():
    def unguarded(token, key):
        header, payload, signature = token.split(".")
        try:
            actual = b64url_decode(signature)
        except ValueError:
            return False
        return hmac.compare_digest(_mac(header, payload, key), actual)

    message = rejected(q5, unguarded, "three dot-separated parts")
    assert "only two parts" in message


def test_q5_ignoring_the_payload_is_rejected():
    rejected(q5, lambda token, key: len(token.split(".")[-1]) == 43, "changed")


def test_q5_pyjwt_decode_also_checks_exp_and_fails_the_rfc_example():
    import jwt

    def with_pyjwt(token, key):
        try:
            jwt.decode(token, key, algorithms=["HS256"])
            return True
        except jwt.PyJWTError:
            return False

    assert "RFC 7515 A.1" in rejected(q5, with_pyjwt)


# -- q5: right, other styles --------------------------------------------------------------


def test_q5_comparing_canonical_strings_in_constant_time_is_accepted():
    def canonical(token: str, key: bytes) -> bool:
        if token.count(".") != 2:
            return False
        signing_input, _, signature = token.rpartition(".")
        try:
            expected = b64url_encode(hmac.digest(key, signing_input.encode("ascii"), "sha256"))
        except UnicodeEncodeError:
            return False
        return hmac.compare_digest(expected.encode(), signature.encode("utf-8"))

    accepted(q5, canonical)


def test_q5_imported_compare_digest_and_a_regex_are_accepted():
    from hmac import compare_digest

    shape = re.compile(r"([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)")

    def regex(token, key):
        match = shape.fullmatch(token)
        if not match:
            return False
        header, payload, signature = match.groups()
        try:
            actual = b64url_decode(signature)
        except ValueError:
            return False
        return compare_digest(_mac(header, payload, key), actual)

    accepted(q5, regex)


def test_q5_secrets_compare_digest_is_accepted():
    import secrets

    def with_secrets(token, key):
        try:
            header, payload, signature = token.split(".")
            return secrets.compare_digest(_mac(header, payload, key), b64url_decode(signature))
        except ValueError:
            return False

    accepted(q5, with_secrets)


# -- q6 time_status: wrong ----------------------------------------------------------------


def _status(exp_expired, nbf_early, order=("nbf", "exp")):
    def answer(claims, now, leeway=0):
        for name in order:
            if name == "nbf" and "nbf" in claims and nbf_early(claims["nbf"], now, leeway):
                return "not yet valid"
            if name == "exp" and "exp" in claims and exp_expired(claims["exp"], now, leeway):
                return "expired"
        return "valid"

    return answer


def test_q6_strict_less_than_for_exp_is_rejected():
    answer = _status(lambda exp, now, lw: exp < now - lw, lambda nbf, now, lw: nbf > now + lw)
    message = rejected(q6, answer, "exp <= now - leeway")
    assert (
        "time_status({exp=now+0}, now=1700000000, leeway=0) returned 'valid'; expected it to return 'expired'"
        in message
    )


def test_q6_ignoring_leeway_is_rejected():
    answer = _status(lambda exp, now, lw: exp <= now, lambda nbf, now, lw: nbf > now)
    assert "leeway=10" in rejected(q6, answer, "leeway")


def test_q6_get_treats_exp_zero_as_absent():
    def truthy(claims, now, leeway=0):
        if claims.get("nbf") and claims["nbf"] > now + leeway:
            return "not yet valid"
        if claims.get("exp") and claims["exp"] <= now - leeway:
            return "expired"
        return "valid"

    message = rejected(q6, truthy, "present")
    assert "exp=0" in message


def test_q6_exp_checked_before_nbf_is_rejected():
    answer = _status(lambda exp, now, lw: exp <= now - lw, lambda nbf, now, lw: nbf > now + lw, order=("exp", "nbf"))
    rejected(q6, answer, "nbf before exp")


def test_q6_nbf_boundary_off_by_one_is_rejected():
    answer = _status(lambda exp, now, lw: exp <= now - lw, lambda nbf, now, lw: nbf >= now + lw)
    rejected(q6, answer, "nbf > now + leeway")


def test_q6_leeway_with_the_wrong_sign_is_rejected():
    answer = _status(lambda exp, now, lw: exp <= now + lw, lambda nbf, now, lw: nbf > now - lw)
    rejected(q6, answer, "leeway")


def test_q6_only_integers_count_is_rejected():
    def ints_only(claims, now, leeway=0):
        nbf, exp = claims.get("nbf"), claims.get("exp")
        if isinstance(nbf, int) and nbf > now + leeway:
            return "not yet valid"
        if isinstance(exp, int) and exp <= now - leeway:
            return "expired"
        return "valid"

    rejected(q6, ints_only, "exp <= now - leeway")


# -- q6: right, other styles --------------------------------------------------------------


def test_q6_sentinel_get_is_accepted():
    def sentinel(claims: dict, now: int, leeway: int = 0) -> str:
        nbf = claims.get("nbf")
        exp = claims.get("exp")
        if nbf is not None and now + leeway < nbf:
            return "not yet valid"
        if exp is not None and now - leeway >= exp:
            return "expired"
        return "valid"

    accepted(q6, sentinel)


def test_q6_pyjwt_style_int_conversion_is_rejected():
    # the exercise says to compare a float NumericDate as it is: int() takes up to a second off it
    def like_pyjwt(claims, now, leeway=0):
        status = "valid"
        if "exp" in claims and int(claims["exp"]) <= now - leeway:
            status = "expired"
        if "nbf" in claims and int(claims["nbf"]) > now + leeway:
            status = "not yet valid"
        return status

    message = rejected(q6, like_pyjwt, "may be a float")
    assert "time_status({exp=1700000000.5}, now=1700000000, leeway=0) returned 'expired'" in message


def test_q5_re_encoding_the_payload_is_rejected():
    def re_encodes_payload(token, key):
        parts = token.split(".")
        if len(parts) != 3:
            return False
        header, payload, signature = parts
        try:
            canonical = b64url_encode(json.dumps(json.loads(b64url_decode(payload)), separators=(",", ":")).encode())
            return hmac.compare_digest(_mac(header, canonical, key), b64url_decode(signature))
        except ValueError:
            return False

    assert "RFC 7515 A.1" in rejected(q5, re_encodes_payload, "exactly as they appear")


def test_q5_a_fixed_header_lets_a_swapped_header_with_jku_verify():
    def fixed_header(token, key):
        parts = token.split(".")
        if len(parts) != 3:
            return False
        header = b64url_encode(b'{"alg":"HS256","typ":"JWT"}')  # "we only issue HS256 anyway"
        try:
            return hmac.compare_digest(_mac(header, parts[1], key), b64url_decode(parts[2]))
        except ValueError:
            return False

    rejected(q5, fixed_header, "exactly as they appear")
