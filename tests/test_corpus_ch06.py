"""Chapter 06: a learner's corpus. Wrong answers a beginner writes must be refused with a message naming the
broken requirement; right answers in another style than the model answer must pass.

Written from the exercise texts, before reading the checkers' cases.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from jwt_course.checks.ch06 import AUDIENCE, ISSUER, PUBLIC_KEY_PEM, q1, q2, q3

Answer = Callable[..., Any]


def _enc(obj: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).rstrip(b"=").decode()


def _dec(part: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


# -- q1: forge_alg_none -------------------------------------------------------------------------------------


def q1_keeps_signature(token):
    h, p, s = token.split(".")
    return f"{_enc({**_dec(h), 'alg': 'none'})}.{_enc({**_dec(p), 'role': 'admin'})}.{s}"


def q1_two_parts(token):
    h, p, _ = token.split(".")
    return f"{_enc({**_dec(h), 'alg': 'none'})}.{_enc({**_dec(p), 'role': 'admin'})}"


def q1_new_header(token):  # drops typ (and anything else the header had)
    _, p, _ = token.split(".")
    return f"{_enc({'alg': 'none'})}.{_enc({**_dec(p), 'role': 'admin'})}."


def q1_capital_none(token):
    h, p, _ = token.split(".")
    return f"{_enc({**_dec(h), 'alg': 'None'})}.{_enc({**_dec(p), 'role': 'admin'})}."


def q1_role_unchanged(token):
    h, p, _ = token.split(".")
    return f"{_enc({**_dec(h), 'alg': 'none'})}.{p}."


def q1_fresh_claims(token):  # rebuilds the payload from scratch: loses exp, iss, aud, jti...
    h, p, _ = token.split(".")
    return f"{_enc({**_dec(h), 'alg': 'none'})}.{_enc({'sub': _dec(p)['sub'], 'role': 'admin'})}."


def q1_padded(token):
    h, p, _ = token.split(".")
    header = base64.urlsafe_b64encode(json.dumps({**_dec(h), "alg": "none"}).encode()).decode()
    payload = base64.urlsafe_b64encode(json.dumps({**_dec(p), "role": "admin"}).encode()).decode()
    return f"{header}.{payload}."


def q1_role_Admin(token):
    h, p, _ = token.split(".")
    return f"{_enc({**_dec(h), 'alg': 'none'})}.{_enc({**_dec(p), 'role': 'Admin'})}."


def q1_right_pyjwt(token):
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["role"] = "admin"
    header["alg"] = "none"
    # PyJWT would refuse to *encode* with alg none and a key, and fills its own header: build it by hand
    parts = [base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=") for d in (header, claims)]
    return ".".join(parts) + "."


def q1_right_pyjwt_encode(token):
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    extra = {k: v for k, v in header.items() if k != "alg"}
    return jwt.encode({**claims, "role": "admin"}, None, algorithm="none", headers=extra)


# -- q2: crack_secret ---------------------------------------------------------------------------------------

HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def q2_only_sha256(token, wordlist):
    signing_input, _, sig = token.rpartition(".")
    for word in wordlist:
        mac = hmac.new(word.encode(), signing_input.encode(), hashlib.sha256).digest()
        if base64.urlsafe_b64encode(mac).rstrip(b"=").decode() == sig:
            return word
    return None


def q2_raises_when_missing(token, wordlist):
    for word in wordlist:
        try:
            jwt.decode(
                token, word, algorithms=["HS256", "HS384", "HS512"], options={"verify_exp": False, "verify_aud": False}
            )
            return word
        except jwt.InvalidSignatureError:
            continue
    raise ValueError("not found")


def q2_signs_the_payload_only(token, wordlist):
    header, payload, sig = token.split(".")
    digest = HASHES[jwt.get_unverified_header(token)["alg"]]
    for word in wordlist:
        mac = hmac.new(word.encode(), payload.encode(), digest).digest()
        if base64.urlsafe_b64encode(mac).rstrip(b"=").decode() == sig:
            return word
    return None


def q2_padded_compare(token, wordlist):
    signing_input, _, sig = token.rpartition(".")
    digest = HASHES[jwt.get_unverified_header(token)["alg"]]
    for word in wordlist:
        mac = hmac.new(word.encode(), signing_input.encode(), digest).digest()
        if base64.urlsafe_b64encode(mac).decode() == sig:
            return word
    return None


def q2_returns_last_word(token, wordlist):
    signing_input, _, sig = token.rpartition(".")
    digest = HASHES[jwt.get_unverified_header(token)["alg"]]
    found = None
    for word in wordlist:
        mac = hmac.new(word.encode(), signing_input.encode(), digest).digest()
        found = word
        if base64.urlsafe_b64encode(mac).rstrip(b"=").decode() == sig:
            break
    return found


def q2_stripped_words(token, wordlist):  # "cleans" the wordlist: a secret with a space is never found
    signing_input, _, sig = token.rpartition(".")
    digest = HASHES[jwt.get_unverified_header(token)["alg"]]
    for word in wordlist:
        word = word.strip().lower()
        mac = hmac.new(word.encode(), signing_input.encode(), digest).digest()
        if base64.urlsafe_b64encode(mac).rstrip(b"=").decode() == sig:
            return word
    return None


def q2_full_decode(token, wordlist):  # every check of decode, not just the signature: expired or aud fails
    alg = jwt.get_unverified_header(token)["alg"]
    for word in wordlist:
        try:
            jwt.decode(token, word, algorithms=[alg])
        except jwt.PyJWTError:
            continue
        return word
    return None


def q2_right_pyjwt(token, wordlist):
    alg = jwt.get_unverified_header(token)["alg"]
    for word in wordlist:
        try:
            jwt.decode(
                token,
                word,
                algorithms=[alg],
                options={
                    "verify_signature": True,
                    "verify_exp": False,
                    "verify_aud": False,
                    "verify_iss": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError:
            return word  # the signature matched; some other check failed
        return word
    return None


def q2_right_bytes(token, wordlist):
    head, body, sig = token.split(".")
    wanted = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    name = {"HS256": "sha256", "HS384": "sha384", "HS512": "sha512"}[
        json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))["alg"]
    ]
    message = f"{head}.{body}".encode()
    return next(
        (w for w in wordlist if hmac.compare_digest(hmac.new(w.encode(), message, name).digest(), wanted)), None
    )


# -- q3: safe_verify ----------------------------------------------------------------------------------------

ALL_CLAIMS = {"require": ["exp", "iat", "iss", "aud", "sub"]}


def _typ_ok(token):
    if jwt.get_unverified_header(token).get("typ") != "at+jwt":
        raise jwt.InvalidTokenError("not an access token")


def q3_alg_from_header(token):
    _typ_ok(token)
    alg = jwt.get_unverified_header(token)["alg"]
    if alg.lower() == "none":
        raise jwt.InvalidTokenError("none")
    key = jwt.algorithms.RSAAlgorithm(jwt.algorithms.RSAAlgorithm.SHA256).prepare_key(PUBLIC_KEY_PEM)
    return jwt.decode(token, key, algorithms=[alg], issuer=ISSUER, audience=AUDIENCE, options=ALL_CLAIMS)


def q3_many_algs(token):
    _typ_ok(token)
    return jwt.decode(
        token,
        PUBLIC_KEY_PEM,
        algorithms=["RS256", "RS384", "RS512", "PS256"],
        issuer=ISSUER,
        audience=AUDIENCE,
        options=ALL_CLAIMS,
    )


def q3_require_exp_only(token):
    _typ_ok(token)
    return jwt.decode(
        token, PUBLIC_KEY_PEM, algorithms=["RS256"], issuer=ISSUER, audience=AUDIENCE, options={"require": ["exp"]}
    )


def q3_no_typ(token):
    return jwt.decode(token, PUBLIC_KEY_PEM, algorithms=["RS256"], issuer=ISSUER, audience=AUDIENCE, options=ALL_CLAIMS)


def q3_no_issuer(token):
    _typ_ok(token)
    return jwt.decode(token, PUBLIC_KEY_PEM, algorithms=["RS256"], audience=AUDIENCE, options=ALL_CLAIMS)


def q3_no_audience(token):
    _typ_ok(token)
    return jwt.decode(
        token, PUBLIC_KEY_PEM, algorithms=["RS256"], issuer=ISSUER, options={**ALL_CLAIMS, "verify_aud": False}
    )


def q3_typ_case_insensitive_substring(token):
    if "jwt" not in str(jwt.get_unverified_header(token).get("typ", "")).lower():
        raise jwt.InvalidTokenError("typ")
    return jwt.decode(token, PUBLIC_KEY_PEM, algorithms=["RS256"], issuer=ISSUER, audience=AUDIENCE, options=ALL_CLAIMS)


def q3_value_error(token):
    header = jwt.get_unverified_header(token)
    if header.get("typ") != "at+jwt":
        raise ValueError("wrong typ")
    return jwt.decode(token, PUBLIC_KEY_PEM, algorithms=["RS256"], issuer=ISSUER, audience=AUDIENCE, options=ALL_CLAIMS)


def q3_rs_and_hs(token):  # "the issuer may move to HMAC one day"
    _typ_ok(token)
    return jwt.decode(
        token, PUBLIC_KEY_PEM, algorithms=["RS256", "HS256"], issuer=ISSUER, audience=AUDIENCE, options=ALL_CLAIMS
    )


def q3_right_complete(token):
    try:
        found = jwt.api_jwt.decode_complete(
            token,
            PUBLIC_KEY_PEM,
            algorithms=["RS256"],
            issuer=ISSUER,
            audience=AUDIENCE,
            options={"require": ["sub", "aud", "iss", "iat", "exp"]},
        )
    except jwt.PyJWTError as exc:
        raise jwt.InvalidTokenError(str(exc)) from exc
    if found["header"].get("typ") != "at+jwt":
        raise jwt.InvalidTokenError("not an access token")
    return found["payload"]


def q3_right_after_decode(token):
    claims = jwt.decode(
        token,
        key=PUBLIC_KEY_PEM,
        algorithms=("RS256",),
        audience=[AUDIENCE],
        issuer=ISSUER,
        options={"require": ["exp", "iat", "iss", "aud", "sub"], "verify_signature": True},
    )
    header = jwt.get_unverified_header(token)
    if header.get("typ") != "at+jwt":
        raise jwt.InvalidTokenError("typ must be at+jwt")
    return claims


WRONG: dict[str, tuple[Any, Answer, tuple[str, ...]]] = {
    "q1 keeps the signature": (q1, q1_keeps_signature, ("signature", "'.'")),
    "q1 two parts": (q1, q1_two_parts, ("three parts", "'.'", "dot")),
    "q1 a new header": (q1, q1_new_header, ("header", "typ")),
    "q1 alg 'None'": (q1, q1_capital_none, ("'none'",)),
    "q1 role unchanged": (q1, q1_role_unchanged, ("role", "admin")),
    "q1 fresh claims": (q1, q1_fresh_claims, ("claims", "exp")),
    "q1 padded parts": (q1, q1_padded, ("padding", "'='")),
    "q1 role 'Admin'": (q1, q1_role_Admin, ("'admin'",)),
    "q2 only SHA-256": (q2, q2_only_sha256, ("HS384", "HS512")),
    "q2 raises when missing": (q2, q2_raises_when_missing, ("None", "ValueError")),
    "q2 signs the payload only": (q2, q2_signs_the_payload_only, ("header", "returned None")),
    "q2 compares with padding": (q2, q2_padded_compare, ("returned None", "padding")),
    "q2 returns the last word": (q2, q2_returns_last_word, ("None", "not in the list")),
    "q2 strips words": (q2, q2_stripped_words, ("returned",)),
    "q2 full decode": (q2, q2_full_decode, ("returned None",)),
    "q3 alg from the header": (q3, q3_alg_from_header, ("RS512", "PS256", "RS384", "alg")),
    "q3 several RSA algs": (q3, q3_many_algs, ("RS512", "PS256", "RS384", "alg")),
    "q3 require exp only": (q3, q3_require_exp_only, ("without iat", "without iss", "without aud", "without sub")),
    "q3 no typ check": (q3, q3_no_typ, ("typ", "refresh")),
    "q3 no issuer": (q3, q3_no_issuer, ("issuer",)),
    "q3 no audience": (q3, q3_no_audience, ("audience",)),
    "q3 typ substring": (q3, q3_typ_case_insensitive_substring, ("typ", "refresh")),
    "q3 ValueError": (q3, q3_value_error, ("ValueError",)),
    "q3 RS256 and HS256": (q3, q3_rs_and_hs, ("HS256",)),
}

RIGHT: dict[str, tuple[Any, Answer]] = {
    "q1 PyJWT reads, hand-built token": (q1, q1_right_pyjwt),
    "q1 jwt.encode with alg none": (q1, q1_right_pyjwt_encode),
    "q2 PyJWT tries each word": (q2, q2_right_pyjwt),
    "q2 bytes and hashlib names": (q2, q2_right_bytes),
    "q3 decode_complete, errors re-raised": (q3, q3_right_complete),
    "q3 typ checked after decode": (q3, q3_right_after_decode),
}


@pytest.mark.parametrize("case", sorted(WRONG))
def test_a_wrong_answer_is_refused_naming_the_requirement(case: str) -> None:
    exercise, answer, words = WRONG[case]
    verdict = exercise.evaluate(answer)
    assert verdict.status == "incorrect", verdict.message
    assert any(word in verdict.message for word in words), verdict.message


@pytest.mark.parametrize("case", sorted(RIGHT))
def test_a_right_answer_in_another_style_is_accepted(case: str) -> None:
    exercise, answer = RIGHT[case]
    verdict = exercise.evaluate(answer)
    assert verdict.status == "correct", verdict.message
