"""Chapter 05: a learner's corpus. Wrong answers a beginner writes must be refused with a message naming the
broken requirement; right answers in another style than the model answer must pass.

Written from the exercise texts, before reading the checkers' cases.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from jwt_course.checks.ch05 import q1, q2, q3, q4
from jwt_course.handmade import b64url_encode

Answer = Callable[..., Any]


def _shortest(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


# -- q1: rsa_public_jwk -------------------------------------------------------------------------------------


def q1_keeps_padding(public_key):
    n = public_key.public_numbers()
    return {
        "kty": "RSA",
        "n": base64.urlsafe_b64encode(_shortest(n.n)).decode(),
        "e": base64.urlsafe_b64encode(_shortest(n.e)).decode(),
    }


def q1_standard_alphabet(public_key):
    n = public_key.public_numbers()
    return {
        "kty": "RSA",
        "n": base64.b64encode(_shortest(n.n)).decode().rstrip("="),
        "e": base64.b64encode(_shortest(n.e)).decode().rstrip("="),
    }


def q1_fixed_width_e(public_key):
    n = public_key.public_numbers()
    return {"kty": "RSA", "n": b64url_encode(_shortest(n.n)), "e": b64url_encode(n.e.to_bytes(4, "big"))}


def q1_decimal_strings(public_key):
    n = public_key.public_numbers()
    return {"kty": "RSA", "n": str(n.n), "e": str(n.e)}


def q1_floor_division(public_key):  # bit_length() // 8 is one byte short for 65537 (17 bits)
    n = public_key.public_numbers()
    return {
        "kty": "RSA",
        "n": b64url_encode(n.n.to_bytes(n.n.bit_length() // 8, "big")),
        "e": b64url_encode(n.e.to_bytes(n.e.bit_length() // 8, "big")),
    }


def q1_sign_byte(public_key):  # ASN.1 habit: one more byte "for the sign"
    n = public_key.public_numbers()
    return {
        "kty": "RSA",
        "n": b64url_encode(n.n.to_bytes(n.n.bit_length() // 8 + 1, "big")),
        "e": b64url_encode(n.e.to_bytes(n.e.bit_length() // 8 + 1, "big")),
    }


def q1_little_endian(public_key):
    n = public_key.public_numbers()
    return {
        "kty": "RSA",
        "n": b64url_encode(n.n.to_bytes((n.n.bit_length() + 7) // 8, "little")),
        "e": b64url_encode(n.e.to_bytes(3, "little")),
    }


def q1_no_kty(public_key):
    n = public_key.public_numbers()
    return {"n": b64url_encode(_shortest(n.n)), "e": b64url_encode(_shortest(n.e))}


def q1_right_pyjwt_utils(public_key):
    numbers = public_key.public_numbers()
    return {
        "kty": "RSA",
        "n": jwt.utils.to_base64url_uint(numbers.n).decode(),
        "e": jwt.utils.to_base64url_uint(numbers.e).decode(),
    }


def q1_right_hex(public_key):
    numbers = public_key.public_numbers()

    def enc(value: int) -> str:
        digits = format(value, "x")
        if len(digits) % 2:
            digits = "0" + digits
        return base64.urlsafe_b64encode(bytes.fromhex(digits)).decode().replace("=", "")

    return dict(kty="RSA", n=enc(numbers.n), e=enc(numbers.e))


# -- q2: ec_public_jwk --------------------------------------------------------------------------------------


def q2_shortest_coordinates(public_key):
    p = public_key.public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": b64url_encode(_shortest(p.x)), "y": b64url_encode(_shortest(p.y))}


def q2_curve_name_from_cryptography(public_key):
    p = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": public_key.curve.name,
        "x": b64url_encode(p.x.to_bytes(32, "big")),
        "y": b64url_encode(p.y.to_bytes(32, "big")),
    }


def q2_swapped(public_key):
    p = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url_encode(p.y.to_bytes(32, "big")),
        "y": b64url_encode(p.x.to_bytes(32, "big")),
    }


def q2_padding(public_key):
    p = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": base64.urlsafe_b64encode(p.x.to_bytes(32, "big")).decode(),
        "y": base64.urlsafe_b64encode(p.y.to_bytes(32, "big")).decode(),
    }


def q2_standard_alphabet(public_key):
    p = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": base64.b64encode(p.x.to_bytes(32, "big")).decode().rstrip("="),
        "y": base64.b64encode(p.y.to_bytes(32, "big")).decode().rstrip("="),
    }


def q2_whole_point_as_x(public_key):
    raw = public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"kty": "EC", "crv": "P-256", "x": b64url_encode(raw), "y": b64url_encode(raw[33:])}


def q2_kty_ecdsa(public_key):
    p = public_key.public_numbers()
    return {
        "kty": "ECDSA",
        "crv": "P-256",
        "x": b64url_encode(p.x.to_bytes(32, "big")),
        "y": b64url_encode(p.y.to_bytes(32, "big")),
    }


def q2_right_x962(public_key):
    raw = public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"kty": "EC", "crv": "P-256", "x": b64url_encode(raw[1:33]), "y": b64url_encode(raw[33:65])}


def q2_right_pyjwt_filtered(public_key):
    full = ECAlgorithm.to_jwk(public_key, as_dict=True)
    return {member: full[member] for member in ("kty", "crv", "x", "y")}


def q2_right_hex(public_key):
    p = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": base64.urlsafe_b64encode(bytes.fromhex(f"{p.x:064x}")).decode().rstrip("="),
        "y": base64.urlsafe_b64encode(bytes.fromhex(f"{p.y:064x}")).decode().rstrip("="),
    }


# -- q3: verify_with_jwks -----------------------------------------------------------------------------------

REQUIRED = {"require": ["exp", "iat", "iss", "aud", "sub"]}


def _pick(token, jwks):
    kid = jwt.get_unverified_header(token).get("kid")
    for jwk in jwks["keys"]:
        if jwk.get("kid") == kid:
            return jwk
    raise jwt.InvalidTokenError("unknown kid")


def q3_alg_from_header(token, jwks, algorithm, audience, issuer):
    header = jwt.get_unverified_header(token)
    key = jwt.PyJWK(_pick(token, jwks)).key  # the raw key: the header's alg decides
    return jwt.decode(token, key, algorithms=[header["alg"]], audience=audience, issuer=issuer, options=REQUIRED)


def q3_every_asymmetric_alg(token, jwks, algorithm, audience, issuer):
    key = jwt.PyJWK(_pick(token, jwks)).key
    return jwt.decode(
        token,
        key,
        algorithms=["RS256", "RS384", "RS512", "PS256", "ES256"],
        audience=audience,
        issuer=issuer,
        options=REQUIRED,
    )


def q3_require_exp_only(token, jwks, algorithm, audience, issuer):
    return jwt.decode(
        token,
        jwt.PyJWK(_pick(token, jwks)),
        algorithms=[algorithm],
        audience=audience,
        issuer=issuer,
        options={"require": ["exp"]},
    )


def q3_no_issuer(token, jwks, algorithm, audience, issuer):
    return jwt.decode(token, jwt.PyJWK(_pick(token, jwks)), algorithms=[algorithm], audience=audience, options=REQUIRED)


def q3_falls_back_to_first_key(token, jwks, algorithm, audience, issuer):
    kid = jwt.get_unverified_header(token).get("kid")
    jwk = next((k for k in jwks["keys"] if k.get("kid") == kid), jwks["keys"][0])
    return jwt.decode(token, jwt.PyJWK(jwk), algorithms=[algorithm], audience=audience, issuer=issuer, options=REQUIRED)


def q3_keyerror(token, jwks, algorithm, audience, issuer):
    by_kid = {k["kid"]: k for k in jwks["keys"]}
    jwk = by_kid[jwt.get_unverified_header(token)["kid"]]
    return jwt.decode(token, jwt.PyJWK(jwk), algorithms=[algorithm], audience=audience, issuer=issuer, options=REQUIRED)


def q3_returns_empty_on_error(token, jwks, algorithm, audience, issuer):
    try:
        return jwt.decode(
            token,
            jwt.PyJWK(_pick(token, jwks)),
            algorithms=[algorithm],
            audience=audience,
            issuer=issuer,
            options=REQUIRED,
        )
    except jwt.PyJWTError:
        return {}


def q3_always_first_key(token, jwks, algorithm, audience, issuer):
    return jwt.decode(
        token, jwt.PyJWK(jwks["keys"][0]), algorithms=[algorithm], audience=audience, issuer=issuer, options=REQUIRED
    )


def q3_no_audience_check(token, jwks, algorithm, audience, issuer):
    return jwt.decode(
        token,
        jwt.PyJWK(_pick(token, jwks)),
        algorithms=[algorithm],
        issuer=issuer,
        options={**REQUIRED, "verify_aud": False},
    )


def q3_right_pyjwkset(token, jwks, algorithm, audience, issuer):
    kid = jwt.get_unverified_header(token).get("kid")
    try:
        key = jwt.PyJWKSet.from_dict(jwks)[kid]
    except KeyError:
        raise jwt.InvalidTokenError(f"no key {kid!r}") from None
    return jwt.decode(
        token,
        key.key,
        algorithms=[algorithm],
        audience=audience,
        issuer=issuer,
        options={"require": ["sub", "aud", "iss", "iat", "exp"]},
    )


def q3_right_dict_and_reraise(token, jwks, algorithm, audience, issuer):
    keys = {jwk.get("kid"): jwk for jwk in jwks["keys"] if "kid" in jwk}
    try:
        kid = jwt.get_unverified_header(token)["kid"]
        if kid not in keys:
            raise jwt.InvalidTokenError("unknown kid")
        claims = jwt.decode(
            token,
            key=RSAAlgorithm.from_jwk(keys[kid]) if keys[kid]["kty"] == "RSA" else ECAlgorithm.from_jwk(keys[kid]),
            algorithms=[algorithm],
            audience=audience,
            issuer=issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise jwt.InvalidTokenError(f"refused: {exc}") from exc
    except KeyError:
        raise jwt.InvalidTokenError("no kid") from None
    return claims


# -- q4: rotation_schedule ----------------------------------------------------------------------------------


def q4_forgets_the_cache(published_at, jwks_max_age, access_ttl, refresh_ttl, leeway=0):
    return published_at, published_at + access_ttl + leeway, published_at + max(access_ttl, refresh_ttl) + leeway


def q4_jwks_keeps_for_refresh(published_at, jwks_max_age, access_ttl, refresh_ttl, leeway=0):
    start = published_at + jwks_max_age
    last = start + max(access_ttl, refresh_ttl) + leeway
    return start, last, last


def q4_ignores_leeway(published_at, jwks_max_age, access_ttl, refresh_ttl, leeway=0):
    start = published_at + jwks_max_age
    return start, start + access_ttl, start + max(access_ttl, refresh_ttl)


def q4_adds_ttls(published_at, jwks_max_age, access_ttl, refresh_ttl, leeway=0):
    start = published_at + jwks_max_age
    return start, start + access_ttl + leeway, start + access_ttl + refresh_ttl + leeway


def q4_counts_from_published(published_at, jwks_max_age, access_ttl, refresh_ttl, leeway=0):
    start = published_at + jwks_max_age
    return start, published_at + access_ttl + leeway, published_at + max(access_ttl, refresh_ttl) + leeway


def q4_retire_ignores_no_refresh(published_at, jwks_max_age, access_ttl, refresh_ttl, leeway=0):
    start = published_at + jwks_max_age
    return start, start + access_ttl + leeway, start + refresh_ttl + leeway  # refresh_ttl=0: before access


def q4_returns_a_list(published_at, jwks_max_age, access_ttl, refresh_ttl, leeway=0):
    start = published_at + jwks_max_age
    return [start, start + access_ttl + leeway, start + max(access_ttl, refresh_ttl) + leeway]


def q4_right_named(published_at, jwks_max_age, access_ttl, refresh_ttl, leeway=0):
    new_key_ready = published_at + jwks_max_age  # every cached JWKS now has the new key
    last_old_access_exp = new_key_ready + access_ttl
    last_old_refresh_exp = new_key_ready + refresh_ttl if refresh_ttl else last_old_access_exp
    return (new_key_ready, last_old_access_exp + leeway, max(last_old_access_exp, last_old_refresh_exp) + leeway)


def q4_right_one_line(p, m, a, r, leeway=0):
    return (p + m, p + m + a + leeway, p + m + max(a, r) + leeway)


WRONG: dict[str, tuple[Any, Answer, tuple[str, ...]]] = {
    "q1 keeps '=' padding": (q1, q1_keeps_padding, ("padding", "'='")),
    "q1 standard base64 alphabet": (q1, q1_standard_alphabet, ("base64url", "'+'", "'/'")),
    "q1 fixed-width e": (q1, q1_fixed_width_e, ("'e'", "leading zero")),
    "q1 decimal strings": (q1, q1_decimal_strings, ("'n'", "base64url")),
    "q1 bit_length() // 8": (q1, q1_floor_division, ("OverflowError", "bytes")),
    "q1 a sign byte": (q1, q1_sign_byte, ("leading zero",)),
    "q1 little-endian": (q1, q1_little_endian, ("big-endian", "'n'")),
    "q1 no kty": (q1, q1_no_kty, ("'kty'",)),
    "q2 shortest coordinates": (q2, q2_shortest_coordinates, ("32 bytes", "zero byte")),
    "q2 cryptography's curve name": (q2, q2_curve_name_from_cryptography, ("'crv'",)),
    "q2 x and y swapped": (q2, q2_swapped, ("'x'",)),
    "q2 keeps '=' padding": (q2, q2_padding, ("padding", "'='")),
    "q2 standard alphabet": (q2, q2_standard_alphabet, ("base64url", "'+'", "'/'")),
    "q2 the whole point as x": (q2, q2_whole_point_as_x, ("'x'",)),
    "q2 kty ECDSA": (q2, q2_kty_ecdsa, ("'kty'",)),
    "q3 alg from the header": (q3, q3_alg_from_header, ("algorithm", "alg")),
    "q3 every asymmetric alg": (q3, q3_every_asymmetric_alg, ("algorithm", "alg")),
    "q3 require exp only": (q3, q3_require_exp_only, ("without iat", "without iss", "without aud", "without sub")),
    "q3 no issuer": (q3, q3_no_issuer, ("issuer",)),
    "q3 unknown kid falls back to the first key": (q3, q3_falls_back_to_first_key, ("kid",)),
    "q3 KeyError for an unknown kid": (q3, q3_keyerror, ("KeyError",)),
    "q3 returns {} on error": (q3, q3_returns_empty_on_error, ("returned {}", "raise")),
    "q3 always the first key": (q3, q3_always_first_key, ("kid",)),
    "q3 no audience check": (q3, q3_no_audience_check, ("audience",)),
    "q4 forgets the JWKS cache": (q4, q4_forgets_the_cache, ("cache", "max_age", "start_signing")),
    "q4 the JWKS keeps the key for refresh tokens": (q4, q4_jwks_keeps_for_refresh, ("refresh", "JWKS")),
    "q4 ignores leeway": (q4, q4_ignores_leeway, ("leeway",)),
    "q4 adds the two lifetimes": (q4, q4_adds_ttls, ("retire",)),
    "q4 counts from publication": (q4, q4_counts_from_published, ("start_signing", "signs until")),
    "q4 refresh_ttl=0 retires early": (q4, q4_retire_ignores_no_refresh, ("refresh_ttl=0", "no refresh")),
    "q4 returns a list": (q4, q4_returns_a_list, ("tuple",)),
}

RIGHT: dict[str, tuple[Any, Answer]] = {
    "q1 jwt.utils.to_base64url_uint": (q1, q1_right_pyjwt_utils),
    "q1 through hex": (q1, q1_right_hex),
    "q2 X9.62 point bytes": (q2, q2_right_x962),
    "q2 PyJWT's JWK, filtered": (q2, q2_right_pyjwt_filtered),
    "q2 through hex": (q2, q2_right_hex),
    "q3 PyJWKSet": (q3, q3_right_pyjwkset),
    "q3 a dict of kids, errors re-raised": (q3, q3_right_dict_and_reraise),
    "q4 named steps": (q4, q4_right_named),
    "q4 one line": (q4, q4_right_one_line),
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


def test_q3_an_algorithm_list_saved_only_by_pyjwks_binding_is_refused():
    def verify_with_jwks(token, jwks, algorithm, audience, issuer):  # PyJWK pins the key's alg; the list does not
        return jwt.decode(
            token,
            jwt.PyJWK(_pick(token, jwks)),
            algorithms=[algorithm, "HS256", "none"],
            audience=audience,
            issuer=issuer,
            options=REQUIRED,
        )

    verdict = q3.evaluate(verify_with_jwks)
    assert verdict.status == "incorrect" and "a list of one" in verdict.message


def test_q3_trusting_the_header_alg_with_a_pyjwk_key_is_refused():
    def verify_with_jwks(token, jwks, algorithm, audience, issuer):
        alg = jwt.get_unverified_header(token)["alg"]
        return jwt.decode(
            token, jwt.PyJWK(_pick(token, jwks)), algorithms=[alg], audience=audience, issuer=issuer, options=REQUIRED
        )

    assert q3.evaluate(verify_with_jwks).status == "incorrect"
