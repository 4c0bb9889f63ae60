"""Held-out corpus, chapter 05: learner answers written from the exercise text alone, by someone
who had not read the checkers. Each wrong answer must be refused naming the requirement it breaks;
each right one (in a style unlike the model answer) must pass.
"""

from __future__ import annotations

import base64

import heldout
import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from jwt_course.checks import ch05


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def shortest(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


# ---------------------------------------------------------------- q1 rsa_public_jwk
def q1_w_fixed_sizes(public_key) -> dict:
    numbers = public_key.public_numbers()
    return {"kty": "RSA", "n": b64(numbers.n.to_bytes(256, "big")), "e": b64(numbers.e.to_bytes(3, "big"))}


def q1_w_floor_div(public_key) -> dict:
    numbers = public_key.public_numbers()
    size = lambda x: x.bit_length() // 8  # noqa: E731
    return {
        "kty": "RSA",
        "n": b64(numbers.n.to_bytes(size(numbers.n), "big")),
        "e": b64(numbers.e.to_bytes(size(numbers.e), "big")),
    }


def q1_w_plus8(public_key) -> dict:
    numbers = public_key.public_numbers()
    size = lambda x: (x.bit_length() + 8) // 8  # noqa: E731
    return {
        "kty": "RSA",
        "n": b64(numbers.n.to_bytes(size(numbers.n), "big")),
        "e": b64(numbers.e.to_bytes(size(numbers.e), "big")),
    }


def q1_w_padding(public_key) -> dict:
    numbers = public_key.public_numbers()
    return {
        "kty": "RSA",
        "n": base64.urlsafe_b64encode(shortest(numbers.n)).decode(),
        "e": base64.urlsafe_b64encode(shortest(numbers.e)).decode(),
    }


def q1_w_std_b64(public_key) -> dict:
    numbers = public_key.public_numbers()
    return {
        "kty": "RSA",
        "n": base64.b64encode(shortest(numbers.n)).decode().rstrip("="),
        "e": base64.b64encode(shortest(numbers.e)).decode().rstrip("="),
    }


def q1_w_decimal(public_key) -> dict:
    numbers = public_key.public_numbers()
    return {"kty": "RSA", "n": str(numbers.n), "e": str(numbers.e)}


def q1_w_little_endian(public_key) -> dict:
    numbers = public_key.public_numbers()
    return {
        "kty": "RSA",
        "n": b64(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "little")),
        "e": b64(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "little")),
    }


def q1_w_hex_string(public_key) -> dict:
    numbers = public_key.public_numbers()
    return {"kty": "RSA", "n": b64(format(numbers.n, "x").encode()), "e": b64(format(numbers.e, "x").encode())}


def q1_r_helper(public_key) -> dict:
    nums = public_key.public_numbers()
    return {"kty": "RSA", "n": b64(shortest(nums.n)), "e": b64(shortest(nums.e))}


def q1_r_hex(public_key) -> dict:
    def encode(number: int) -> str:
        digits = f"{number:x}"
        if len(digits) % 2:
            digits = "0" + digits
        return base64.urlsafe_b64encode(bytes.fromhex(digits)).decode("ascii").replace("=", "")

    nums = public_key.public_numbers()
    return {"e": encode(nums.e), "n": encode(nums.n), "kty": "RSA"}


def q1_s_extra_members(public_key) -> dict:
    nums = public_key.public_numbers()
    return {"kty": "RSA", "use": "sig", "alg": "RS256", "n": b64(shortest(nums.n)), "e": b64(shortest(nums.e))}


# ---------------------------------------------------------------- q2 ec_public_jwk
def q2_w_shortest(public_key) -> dict:
    nums = public_key.public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": b64(shortest(nums.x)), "y": b64(shortest(nums.y))}


def q2_w_33_bytes(public_key) -> dict:
    nums = public_key.public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": b64(nums.x.to_bytes(33, "big")), "y": b64(nums.y.to_bytes(33, "big"))}


def q2_w_padding(public_key) -> dict:
    nums = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": base64.urlsafe_b64encode(nums.x.to_bytes(32, "big")).decode(),
        "y": base64.urlsafe_b64encode(nums.y.to_bytes(32, "big")).decode(),
    }


def q2_w_crv_name(public_key) -> dict:
    nums = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": public_key.curve.name,
        "x": b64(nums.x.to_bytes(32, "big")),
        "y": b64(nums.y.to_bytes(32, "big")),
    }


def q2_w_copy_paste_y(public_key) -> dict:
    nums = public_key.public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": b64(nums.x.to_bytes(32, "big")), "y": b64(nums.x.to_bytes(32, "big"))}


def q2_w_kty(public_key) -> dict:
    nums = public_key.public_numbers()
    return {"kty": "ECDSA", "crv": "P-256", "x": b64(nums.x.to_bytes(32, "big")), "y": b64(nums.y.to_bytes(32, "big"))}


def q2_w_hex_coords(public_key) -> dict:
    nums = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64(bytes.fromhex(f"{nums.x:064x}"[:62] if nums.x < 2**248 else f"{nums.x:064x}")),
        "y": b64(bytes.fromhex(f"{nums.y:064x}")),
    }


def q2_r_to_bytes(public_key) -> dict:
    nums = public_key.public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": b64(nums.x.to_bytes(32, "big")), "y": b64(nums.y.to_bytes(32, "big"))}


def q2_r_point(public_key) -> dict:
    point = public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)  # 04 || x || y
    size = (public_key.curve.key_size + 7) // 8
    x, y = point[1 : 1 + size], point[1 + size :]
    return {"kty": "EC", "crv": "P-256", "x": b64(x), "y": b64(y)}


def q2_r_hex(public_key) -> dict:
    nums = public_key.public_numbers()
    enc = lambda v: base64.urlsafe_b64encode(bytes.fromhex(format(v, "064x"))).decode().rstrip("=")  # noqa: E731
    return dict(kty="EC", crv="P-256", x=enc(nums.x), y=enc(nums.y))


# ---------------------------------------------------------------- q3 verify_with_jwks
REQ = ["exp", "iat", "iss", "aud", "sub"]


def _find(jwks: dict, kid: str | None) -> dict:
    for jwk in jwks["keys"]:
        if kid is not None and jwk.get("kid") == kid:
            return jwk
    raise jwt.InvalidTokenError(f"no key with kid {kid!r}")


def q3_w_alg_from_header(token, jwks, algorithm, audience, issuer) -> dict:
    header = jwt.get_unverified_header(token)
    key = jwt.PyJWK(_find(jwks, header.get("kid"))).key
    return jwt.decode(
        token, key, algorithms=[header["alg"]], audience=audience, issuer=issuer, options={"require": REQ}
    )


def q3_w_alg_list(token, jwks, algorithm, audience, issuer) -> dict:
    header = jwt.get_unverified_header(token)
    key = jwt.PyJWK(_find(jwks, header.get("kid"))).key
    return jwt.decode(
        token, key, algorithms=["RS256", "ES256", "EdDSA"], audience=audience, issuer=issuer, options={"require": REQ}
    )


def q3_w_require_exp(token, jwks, algorithm, audience, issuer) -> dict:
    header = jwt.get_unverified_header(token)
    key = jwt.PyJWK(_find(jwks, header.get("kid"))).key
    return jwt.decode(
        token, key, algorithms=[algorithm], audience=audience, issuer=issuer, options={"require": ["exp"]}
    )


def q3_w_fallback(token, jwks, algorithm, audience, issuer) -> dict:
    kid = jwt.get_unverified_header(token).get("kid")
    chosen = jwks["keys"][0]
    for jwk in jwks["keys"]:
        if jwk.get("kid") == kid:
            chosen = jwk
    return jwt.decode(
        token, jwt.PyJWK(chosen).key, algorithms=[algorithm], audience=audience, issuer=issuer, options={"require": REQ}
    )


def q3_w_keyerror(token, jwks, algorithm, audience, issuer) -> dict:
    kid = jwt.get_unverified_header(token)["kid"]
    keys = {jwk["kid"]: jwk for jwk in jwks["keys"]}
    return jwt.decode(
        token,
        jwt.PyJWK(keys[kid]).key,
        algorithms=[algorithm],
        audience=audience,
        issuer=issuer,
        options={"require": REQ},
    )


def q3_w_no_aud_check(token, jwks, algorithm, audience, issuer) -> dict:
    header = jwt.get_unverified_header(token)
    key = jwt.PyJWK(_find(jwks, header.get("kid"))).key
    return jwt.decode(token, key, algorithms=[algorithm], issuer=issuer, options={"require": REQ, "verify_aud": False})


def q3_w_jwk_alg(token, jwks, algorithm, audience, issuer) -> dict:
    header = jwt.get_unverified_header(token)
    jwk = _find(jwks, header.get("kid"))
    return jwt.decode(
        token,
        jwt.PyJWK(jwk).key,
        algorithms=[jwk.get("alg", algorithm)],
        audience=audience,
        issuer=issuer,
        options={"require": REQ},
    )


def q3_w_returns_none(token, jwks, algorithm, audience, issuer) -> dict:
    try:
        header = jwt.get_unverified_header(token)
        key = jwt.PyJWK(_find(jwks, header.get("kid"))).key
        return jwt.decode(
            token, key, algorithms=[algorithm], audience=audience, issuer=issuer, options={"require": REQ}
        )
    except jwt.PyJWTError:
        return None  # type: ignore[return-value]


def q3_r_spec(token, jwks, algorithm, audience, issuer) -> dict:
    kid = jwt.get_unverified_header(token).get("kid")
    if kid is None:
        raise jwt.InvalidTokenError("token has no kid")
    matches = [k for k in jwks.get("keys", []) if k.get("kid") == kid]
    if not matches:
        raise jwt.InvalidTokenError(f"unknown kid {kid!r}")
    return jwt.decode(
        token,
        jwt.PyJWK(matches[0]).key,
        algorithms=[algorithm],
        audience=audience,
        issuer=issuer,
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )


def q3_r_keyset(token, jwks, algorithm, audience, issuer) -> dict:
    by_kid = {k["kid"]: k for k in jwks["keys"] if "kid" in k}
    header = jwt.get_unverified_header(token)
    try:
        jwk = by_kid[header["kid"]]
    except (KeyError, TypeError):
        raise jwt.InvalidTokenError("no matching key") from None
    decoded = jwt.api_jwt.decode_complete(
        token, jwt.PyJWK(jwk).key, algorithms=[algorithm], audience=audience, issuer=issuer, options={"require": REQ}
    )
    return decoded["payload"]


# ---------------------------------------------------------------- q4 rotation_schedule
def q4_w_no_wait(published_at, jwks_max_age, access_ttl, refresh_ttl, leeway=0) -> tuple:
    start = published_at
    return (start, start + access_ttl + leeway, start + max(access_ttl, refresh_ttl) + leeway)


def q4_w_no_leeway_unpublish(published_at, jwks_max_age, access_ttl, refresh_ttl, leeway=0) -> tuple:
    start = published_at + jwks_max_age
    return (start, start + access_ttl, start + max(access_ttl, refresh_ttl) + leeway)


def q4_w_refresh_only(published_at, jwks_max_age, access_ttl, refresh_ttl, leeway=0) -> tuple:
    start = published_at + jwks_max_age
    return (start, start + access_ttl + leeway, start + refresh_ttl + leeway)


def q4_w_chained(published_at, jwks_max_age, access_ttl, refresh_ttl, leeway=0) -> tuple:
    start = published_at + jwks_max_age
    unpublish = start + access_ttl + leeway
    return (start, unpublish, unpublish + refresh_ttl)


def q4_w_from_publish(published_at, jwks_max_age, access_ttl, refresh_ttl, leeway=0) -> tuple:
    start = published_at + jwks_max_age
    return (start, published_at + access_ttl + leeway, published_at + max(access_ttl, refresh_ttl) + leeway)


def q4_w_list(published_at, jwks_max_age, access_ttl, refresh_ttl, leeway=0) -> tuple:
    start = published_at + jwks_max_age
    return [start, start + access_ttl + leeway, start + max(access_ttl, refresh_ttl) + leeway]  # type: ignore[return-value]


def q4_w_leeway_minus(published_at, jwks_max_age, access_ttl, refresh_ttl, leeway=0) -> tuple:
    start = published_at + jwks_max_age
    return (start, start + access_ttl - leeway, start + max(access_ttl, refresh_ttl) - leeway)


def q4_w_sum_ttls(published_at, jwks_max_age, access_ttl, refresh_ttl, leeway=0) -> tuple:
    start = published_at + jwks_max_age
    return (start, start + access_ttl + leeway, start + access_ttl + refresh_ttl + leeway)


def q4_r_direct(published_at, jwks_max_age, access_ttl, refresh_ttl, leeway=0) -> tuple:
    start_signing = published_at + jwks_max_age
    unpublish_old = start_signing + access_ttl + leeway
    retire_old = start_signing + max(access_ttl, refresh_ttl) + leeway
    return start_signing, unpublish_old, retire_old


def q4_r_max_of(published_at, jwks_max_age, access_ttl, refresh_ttl, leeway=0) -> tuple:
    sign_from = published_at + jwks_max_age
    last_access_dies = sign_from + access_ttl
    last_refresh_dies = sign_from + refresh_ttl
    return (sign_from, last_access_dies + leeway, max(last_access_dies, last_refresh_dies) + leeway)


# (exercise, answer, how the requirement its refusal names begins ('' = any) or None for accepted, what the
# learner did). Only answers the checker already handles as intended are here: see the report for the others.
CORPUS = [
    ("q1", q1_w_fixed_sizes, "an RSA JWK is {'kty':", "fixed 256-byte n, 3-byte e"),
    ("q1", q1_w_floor_div, "an RSA JWK is {'kty':", "bit_length // 8 (one byte short)"),
    ("q1", q1_w_plus8, "an RSA JWK is {'kty':", "(bit_length + 8) // 8 (leading zero byte)"),
    ("q1", q1_w_padding, "an RSA JWK is {'kty':", "keeps = padding"),
    ("q1", q1_w_std_b64, "an RSA JWK is {'kty':", "standard base64 alphabet"),
    ("q1", q1_w_decimal, "an RSA JWK is {'kty':", "decimal strings"),
    ("q1", q1_w_little_endian, "an RSA JWK is {'kty':", "little-endian"),
    ("q1", q1_w_hex_string, "an RSA JWK is {'kty':", "base64 of the hex text"),
    ("q1", q1_r_helper, None, "shortest bytes helper"),
    ("q1", q1_r_hex, None, "hex digits, bytes.fromhex, other key order"),
    ("q2", q2_w_shortest, "a P-256 JWK is {'kty':", "shortest bytes (the trap)"),
    ("q2", q2_w_33_bytes, "a P-256 JWK is {'kty':", "33-byte coordinates"),
    ("q2", q2_w_padding, "a P-256 JWK is {'kty':", "keeps = padding"),
    ("q2", q2_w_crv_name, "a P-256 JWK is {'kty':", "crv 'secp256r1' (cryptography's name)"),
    ("q2", q2_w_copy_paste_y, "a P-256 JWK is {'kty':", "y copied from x"),
    ("q2", q2_w_kty, "a P-256 JWK is {'kty':", "kty ECDSA"),
    ("q2", q2_w_hex_coords, "a P-256 JWK is {'kty':", "hex slice drops a byte for short x"),
    ("q2", q2_r_to_bytes, None, "to_bytes(32)"),
    ("q2", q2_r_point, None, "X9.62 uncompressed point, sliced"),
    ("q2", q2_r_hex, None, "format(v, '064x'), dict()"),
    ("q3", q3_w_alg_from_header, "accept only `algorithm` (your configuration),", "algorithms from the token header"),
    (
        "q3",
        q3_w_alg_list,
        "accept only `algorithm` (your configuration),",
        "algorithms=['RS256','ES256','EdDSA'], ignores the configured one",
    ),
    ("q3", q3_w_require_exp, "require exp, iat, iss, aud", "require exp only"),
    ("q3", q3_w_fallback, "a kid that is not", "falls back to the first key"),
    ("q3", q3_w_keyerror, "a kid that is not", "KeyError for an unknown or missing kid"),
    ("q3", q3_w_no_aud_check, "check the audience", "verify_aud False"),
    ("q3", q3_w_jwk_alg, "accept only `algorithm` (your configuration),", "algorithm from the JWK's alg"),
    ("q3", q3_w_returns_none, "a kid that is not", "returns None instead of raising"),
    ("q3", q3_r_spec, None, "list comprehension, decode"),
    ("q3", q3_r_keyset, None, "kid dict, decode_complete"),
    ("q4", q4_w_no_wait, "start_signing: the new key may", "signs at publish time (no cache wait)"),
    ("q4", q4_w_no_leeway_unpublish, "unpublish_old: the public JWKS serves", "unpublish without leeway"),
    (
        "q4",
        q4_w_refresh_only,
        "retire_old: the auth server keeps",
        "retire from refresh_ttl only (refresh_ttl=0 breaks)",
    ),
    ("q4", q4_w_chained, "retire_old: the auth server keeps", "retire = unpublish + refresh_ttl"),
    (
        "q4",
        q4_w_from_publish,
        "unpublish_old: the public JWKS serves",
        "lifetimes counted from publish, not from start_signing",
    ),
    ("q4", q4_w_list, "", "returns a list"),
    ("q4", q4_w_leeway_minus, "unpublish_old: the public JWKS serves", "leeway subtracted"),
    ("q4", q4_w_sum_ttls, "retire_old: the auth server keeps", "access + refresh summed"),
    ("q4", q4_r_direct, None, "direct"),
    ("q4", q4_r_max_of, None, "named lifetimes, max of the two"),
]


@pytest.mark.parametrize(heldout.FIELDS, CORPUS, ids=heldout.ids(CORPUS))
def test_heldout_answer(label, answer, requirement, what):
    heldout.check_answer(ch05, label, answer, requirement, what)
