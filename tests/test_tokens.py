"""jwt_course.tokens: the demo API's TokenSigner and secret checks, called directly."""

from __future__ import annotations

import base64
import json
import re

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from jwt_course.clock import ManualClock
from jwt_course.keys import KeyRing
from jwt_course.tokens import (
    ACCESS_TOKEN_TYPE,
    MAX_TIME_CLAIM,
    MAX_TOKEN_LENGTH,
    REFRESH_TOKEN_TYPE,
    InvalidTimeClaimError,
    TokenSigner,
    check_secret,
    check_time_claims,
    min_secret_bytes,
)

SECRET = "tokens-test-secret-of-at-least-32-bytes"
ISSUER, AUDIENCE = "https://issuer.example", "api"
NOW = 1_700_000_000


def claims(**changes):
    base = {"sub": "alice", "role": "user", "iat": NOW, "exp": NOW + 900, "jti": "j1", "fam": "f1"}
    return {key: value for key, value in {**base, **changes}.items() if value is not None}


def signer(clock=None, **kwargs):
    options = {"algorithm": "HS256", "issuer": ISSUER, "audience": AUDIENCE, "clock": clock or ManualClock(NOW)}
    return TokenSigner.hmac(SECRET, **{**options, **kwargs})


def forge(payload, *, typ=ACCESS_TOKEN_TYPE, key=SECRET, algorithm="HS256"):
    # A token signed with the right key but built outside the signer.
    full = {"iss": ISSUER, "aud": AUDIENCE, **payload}
    return jwt.encode(full, key, algorithm=algorithm, headers={"typ": typ})


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


# -- min_secret_bytes and check_secret -------------------------------------------------


@pytest.mark.parametrize(("algorithm", "size"), [("HS256", 32), ("HS384", 48), ("HS512", 64)])
def test_min_secret_bytes_is_the_hash_size(algorithm, size):
    assert min_secret_bytes(algorithm) == size


def test_min_secret_bytes_says_a_public_key_algorithm_takes_no_secret():
    with pytest.raises(ValueError, match="private key"):
        min_secret_bytes("RS256")


@pytest.mark.parametrize("algorithm", ["none", "HS1", "hs256", ""])
def test_min_secret_bytes_refuses_unknown_algorithms_naming_the_choices(algorithm):
    with pytest.raises(ValueError, match="HS256, HS384, HS512, RS256"):
        min_secret_bytes(algorithm)


def test_check_secret_accepts_a_long_enough_str_or_bytes():
    check_secret(SECRET, "HS256")
    check_secret(SECRET.encode(), "HS256")


def test_check_secret_counts_bytes_not_characters():
    check_secret("é" * 16, "HS256")  # 16 characters, 32 bytes in UTF-8
    with pytest.raises(ValueError, match="31 bytes"):
        check_secret("é" * 15 + "x", "HS256")


def test_check_secret_refuses_a_short_secret_with_the_command_that_makes_one():
    with pytest.raises(ValueError, match=r"needs at least 32 .*secrets.token_urlsafe"):
        check_secret("your-256-bit-secret", "HS256")


def test_check_secret_refuses_a_secret_long_enough_for_hs256_but_not_hs512():
    with pytest.raises(ValueError, match="HS512 needs at least 64"):
        check_secret(SECRET, "HS512")


def test_check_secret_refuses_a_public_key_as_hmac_secret():
    pem = "-----BEGIN PUBLIC KEY-----\n" + "A" * 64 + "\n-----END PUBLIC KEY-----\n"
    with pytest.raises(ValueError, match="cannot be an HMAC secret"):
        check_secret(pem, "HS256")


@pytest.mark.parametrize("secret", [None, 12345, ["a" * 40]])
def test_check_secret_refuses_a_non_text_secret(secret):
    with pytest.raises(ValueError, match="str or bytes"):
        check_secret(secret, "HS256")


# -- check_time_claims ----------------------------------------------------------------


def test_check_time_claims_accepts_ordinary_and_absent_dates():
    check_time_claims({"exp": NOW, "iat": NOW + 0.5, "nbf": 0})
    check_time_claims({"exp": MAX_TIME_CLAIM})
    check_time_claims({})


@pytest.mark.parametrize(
    "value", [True, "1700000000", None, float("nan"), float("inf"), 1e400, -1, MAX_TIME_CLAIM + 1, 10**400]
)
@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
def test_check_time_claims_refuses_what_is_no_date(claim, value):
    with pytest.raises(InvalidTimeClaimError, match=claim):
        check_time_claims({claim: value})


def test_invalid_time_claim_error_is_a_decode_error():
    assert issubclass(InvalidTimeClaimError, jwt.DecodeError)


# -- TokenSigner: round trip ----------------------------------------------------------


def test_a_signed_token_decodes_to_its_claims_with_iss_and_aud():
    s = signer()
    decoded = s.decode(s.encode(claims(), ACCESS_TOKEN_TYPE), ACCESS_TOKEN_TYPE, ["sub", "role"])
    assert decoded == {**claims(), "iss": ISSUER, "aud": AUDIENCE}


def test_the_header_names_the_algorithm_and_the_token_type():
    token = signer().encode(claims(), REFRESH_TOKEN_TYPE)
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "rt+jwt"}


def test_a_key_ring_signer_puts_the_kid_in_the_header_and_verifies_by_it():
    ring = KeyRing("ES256", retire_after_seconds=3600, private_key=ec.generate_private_key(ec.SECP256R1()))
    s = TokenSigner.with_key_ring(ring, issuer=ISSUER, audience=AUDIENCE, clock=ManualClock(NOW))
    token = s.encode(claims(), ACCESS_TOKEN_TYPE)
    assert jwt.get_unverified_header(token)["kid"] == ring.current.kid
    assert s.decode(token, ACCESS_TOKEN_TYPE, ["sub"])["sub"] == "alice"


def test_a_key_ring_signer_refuses_a_token_whose_key_was_removed():
    ring = KeyRing("ES256", retire_after_seconds=3600)
    s = TokenSigner.with_key_ring(ring, issuer=ISSUER, audience=AUDIENCE, clock=ManualClock(NOW))
    token = s.encode(claims(), ACCESS_TOKEN_TYPE)
    old = ring.current.kid
    ring.rotate()
    ring.remove(old)
    with pytest.raises(jwt.PyJWTError):
        s.decode(token, ACCESS_TOKEN_TYPE, ["sub"])


# -- TokenSigner: what it refuses -------------------------------------------------------


def test_an_access_token_is_not_a_refresh_token_and_back():
    s = signer()
    with pytest.raises(jwt.InvalidTokenError, match="wrong token type 'at\\+jwt'"):
        s.decode(s.encode(claims(), ACCESS_TOKEN_TYPE), REFRESH_TOKEN_TYPE, ["sub"])
    with pytest.raises(jwt.InvalidTokenError, match="wrong token type 'rt\\+jwt'"):
        s.decode(s.encode(claims(), REFRESH_TOKEN_TYPE), ACCESS_TOKEN_TYPE, ["sub"])


def test_the_type_may_be_spelled_with_its_media_type_prefix():
    token = forge(claims(), typ="application/AT+JWT")
    assert signer().decode(token, ACCESS_TOKEN_TYPE, ["sub"])["sub"] == "alice"


@pytest.mark.parametrize("typ", [None, "JWT", "at+jwt+x", 1])
def test_a_token_without_our_typ_is_refused(typ):
    with pytest.raises(jwt.InvalidTokenError, match=re.escape(f"wrong token type {typ!r}: expected")):
        signer().decode(forge(claims(), typ=typ), ACCESS_TOKEN_TYPE, ["sub"])


def test_an_expired_token_is_refused_at_its_exp():
    clock = ManualClock(NOW)
    s = signer(clock)
    token = s.encode(claims(), ACCESS_TOKEN_TYPE)
    clock.now = NOW + 900
    with pytest.raises(jwt.ExpiredSignatureError):
        s.decode(token, ACCESS_TOKEN_TYPE, ["sub"])


def test_expiry_is_checked_again_on_a_cached_token():
    clock = ManualClock(NOW)
    s = signer(clock)
    token = s.encode(claims(), ACCESS_TOKEN_TYPE)
    s.decode(token, ACCESS_TOKEN_TYPE, ["sub"])  # now cached
    clock.now = NOW + 901
    with pytest.raises(jwt.ExpiredSignatureError):
        s.decode(token, ACCESS_TOKEN_TYPE, ["sub"])


def test_a_token_issued_in_the_future_is_refused():
    with pytest.raises(jwt.ImmatureSignatureError, match="iat"):
        signer().decode(forge(claims(iat=NOW + 60)), ACCESS_TOKEN_TYPE, ["sub"])


def test_a_token_not_yet_valid_is_refused():
    with pytest.raises(jwt.ImmatureSignatureError, match="nbf"):
        signer().decode(forge({**claims(), "nbf": NOW + 60}), ACCESS_TOKEN_TYPE, ["sub"])


@pytest.mark.parametrize("missing", ["exp", "iat", "jti", "sub"])
def test_a_token_missing_a_required_claim_is_refused(missing):
    with pytest.raises(jwt.MissingRequiredClaimError, match=missing):
        signer().decode(forge(claims(**{missing: None})), ACCESS_TOKEN_TYPE, ["sub"])


def test_a_wrong_audience_or_issuer_is_refused():
    with pytest.raises(jwt.InvalidAudienceError):
        signer().decode(forge({**claims(), "aud": "other-api"}), ACCESS_TOKEN_TYPE, ["sub"])
    with pytest.raises(jwt.InvalidIssuerError):
        signer().decode(forge({**claims(), "iss": "https://evil.example"}), ACCESS_TOKEN_TYPE, ["sub"])


def test_a_token_signed_with_another_secret_is_refused():
    token = forge(claims(), key="another-secret-that-is-also-32-bytes-long")
    with pytest.raises(jwt.InvalidSignatureError):
        signer().decode(token, ACCESS_TOKEN_TYPE, ["sub"])


def test_a_token_with_another_algorithm_is_refused_even_with_the_right_secret():
    token = forge(claims(), key=SECRET + "x" * 30, algorithm="HS512")
    with pytest.raises(jwt.InvalidAlgorithmError):
        signer().decode(token, ACCESS_TOKEN_TYPE, ["sub"])


def test_alg_none_is_refused():
    token = f"{b64({'alg': 'none', 'typ': 'at+jwt'})}.{b64({'iss': ISSUER, 'aud': AUDIENCE, **claims()})}."
    with pytest.raises(jwt.InvalidAlgorithmError):
        signer().decode(token, ACCESS_TOKEN_TYPE, ["sub"])


def test_a_tampered_payload_is_refused():
    header, _, signature = signer().encode(claims(), ACCESS_TOKEN_TYPE).split(".")
    tampered = f"{header}.{b64({'iss': ISSUER, 'aud': AUDIENCE, **claims(role='admin')})}.{signature}"
    with pytest.raises(jwt.InvalidSignatureError):
        signer().decode(tampered, ACCESS_TOKEN_TYPE, ["sub"])


@pytest.mark.parametrize("claim", ["sub", "role", "jti", "fam"])
def test_a_required_claim_must_be_a_string(claim):
    with pytest.raises(jwt.InvalidTokenError, match=r"(?i)must be a string"):
        signer().decode(forge(claims(**{claim: 42})), ACCESS_TOKEN_TYPE, ["sub", "role", "fam"])


@pytest.mark.parametrize("exp", [True, float("nan"), 1e400, "soon"])
def test_a_signed_exp_that_is_no_date_is_refused(exp):
    token = jwt.encode({"iss": ISSUER, "aud": AUDIENCE, **claims(exp=exp)}, SECRET, headers={"typ": "at+jwt"})
    with pytest.raises(jwt.DecodeError):
        signer().decode(token, ACCESS_TOKEN_TYPE, ["sub"])


def test_a_token_longer_than_the_limit_is_refused_before_parsing():
    with pytest.raises(jwt.DecodeError, match=f"longer than {MAX_TOKEN_LENGTH}"):
        signer().decode("a" * (MAX_TOKEN_LENGTH + 1), ACCESS_TOKEN_TYPE, ["sub"])


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "abc",
        "a.b",
        "a.b.c",
        "....",
        "é.é.é",
        "\udcff.x.y",  # a lone surrogate: PyJWT alone would raise UnicodeEncodeError
    ],
)
def test_garbage_is_a_pyjwt_error_never_another_exception(garbage):
    with pytest.raises(jwt.PyJWTError):
        signer().decode(garbage, ACCESS_TOKEN_TYPE, ["sub"])


def test_the_cache_can_be_turned_off_and_still_verifies():
    s = signer(cache_size=0)
    token = s.encode(claims(), ACCESS_TOKEN_TYPE)
    assert s.decode(token, ACCESS_TOKEN_TYPE, ["sub"]) == s.decode(token, ACCESS_TOKEN_TYPE, ["sub"])


def test_decode_returns_a_copy_that_cannot_change_the_cache():
    s = signer()
    token = s.encode(claims(), ACCESS_TOKEN_TYPE)
    s.decode(token, ACCESS_TOKEN_TYPE, ["sub"])["role"] = "admin"
    assert s.decode(token, ACCESS_TOKEN_TYPE, ["sub"])["role"] == "user"


# -- TokenSigner: construction -----------------------------------------------------------


def test_a_signer_refuses_an_unsupported_algorithm():
    with pytest.raises(ValueError, match="not supported"):
        signer(algorithm="none")


def test_a_signer_refuses_a_short_secret_when_signing():
    short = TokenSigner.hmac("short", algorithm="HS256", issuer=ISSUER, audience=AUDIENCE, clock=ManualClock(NOW))
    with pytest.raises(jwt.InvalidKeyError):
        short.encode(claims(), ACCESS_TOKEN_TYPE)


def test_a_key_ring_for_another_algorithm_is_refused():
    ring = KeyRing("EdDSA", retire_after_seconds=3600)
    with pytest.raises(ValueError, match="cannot sign ES256"):
        TokenSigner(algorithm="ES256", issuer=ISSUER, audience=AUDIENCE, clock=ManualClock(NOW), key_ring=ring)


def test_a_key_ring_and_a_secret_together_are_refused():
    ring = KeyRing("EdDSA", retire_after_seconds=3600)
    with pytest.raises(ValueError, match="not both"):
        TokenSigner(
            signing_key=SECRET,
            algorithm="EdDSA",
            issuer=ISSUER,
            audience=AUDIENCE,
            clock=ManualClock(NOW),
            key_ring=ring,
        )
