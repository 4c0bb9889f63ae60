"""jwt_course.handmade: round trips, PyJWT's exceptions, and where it is stricter than PyJWT."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import given, settings
from hypothesis import strategies as st
from jwt.exceptions import (
    DecodeError,
    ExpiredSignatureError,
    ImmatureSignatureError,
    InvalidAlgorithmError,
    InvalidAudienceError,
    InvalidIssuedAtError,
    InvalidIssuerError,
    InvalidJTIError,
    InvalidKeyError,
    InvalidSignatureError,
    InvalidSubjectError,
    InvalidTokenError,
    MissingRequiredClaimError,
)

from jwt_course import handmade
from jwt_course.handmade import b64url_decode, b64url_encode, decode, decode_jws, encode, get_unverified_header

# 64 bytes: long enough for HS512, so PyJWT does not warn (pytest turns warnings into errors).
SECRET = b"handmade-test-secret-0123456789-" * 2
NOW = int(time.time())  # set again before each test (below): tokens "valid for 60 s" are made at run time


@pytest.fixture(autouse=True)
def _now_is_the_time_the_test_runs() -> None:
    # Collected at import, NOW went stale once test_handmade ran more than 60 s after collection
    # (the slowest test files run first under `make test`), and its fresh tokens had expired.
    global NOW
    NOW = int(time.time())


# Generated once: RSA key generation takes a noticeable fraction of a second.
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
ED_KEY = ed25519.Ed25519PrivateKey.generate()
RSA_PUBLIC_PEM = RSA_KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)
SIGNING_KEYS: dict[str, Any] = {
    "HS256": SECRET,
    "HS384": SECRET,
    "HS512": SECRET,
    "RS256": RSA_KEY,
    "ES256": EC_KEY,
    "EdDSA": ED_KEY,
}
VERIFYING_KEYS: dict[str, Any] = {
    **SIGNING_KEYS,
    "RS256": RSA_KEY.public_key(),
    "ES256": EC_KEY.public_key(),
    "EdDSA": ED_KEY.public_key(),
}

# RFC 7515 Appendix A.1: the HS256 example, its JWK key "k" and its exact token.
RFC7515_A1_KEY = b64url_decode("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow")
RFC7515_A1_TOKEN = (
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
)


def hs256(claims: dict, key: bytes = SECRET, **kwargs) -> str:
    return encode(claims, key, "HS256", **kwargs)


def check(token: str, **kwargs) -> dict:
    return decode(token, SECRET, ["HS256"], **kwargs)


def forge(header: dict | bytes, payload: dict | bytes, key: bytes = SECRET) -> str:
    """A token with exactly these header/payload bytes, HS256-signed with ``key``."""
    parts = [p if isinstance(p, bytes) else json.dumps(p).encode() for p in (header, payload)]
    signing_input = ".".join(b64url_encode(p) for p in parts)
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url_encode(signature)}"


# --- round trips and byte-identical output ---------------------------------------------


@pytest.mark.parametrize("algorithm", handmade.SUPPORTED_ALGORITHMS)
def test_every_algorithm_round_trips(algorithm):
    claims = {"sub": "42", "role": "admin", "exp": NOW + 60}
    token = encode(claims, SIGNING_KEYS[algorithm], algorithm)
    assert decode(token, VERIFYING_KEYS[algorithm], [algorithm]) == claims


@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512", "RS256", "EdDSA"])
def test_encode_is_byte_identical_to_pyjwt(algorithm):
    claims = {"sub": "42", "name": "Zoë", "n": [1, 2.5, None, True], "exp": NOW + 60}
    key = SIGNING_KEYS[algorithm]
    assert encode(claims, key, algorithm) == jwt.encode(claims, key, algorithm=algorithm)


@pytest.mark.parametrize("algorithm", handmade.SUPPORTED_ALGORITHMS)
def test_pyjwt_tokens_decode_and_ours_decode_in_pyjwt(algorithm):
    claims = {"sub": "42"}
    ours = encode(claims, SIGNING_KEYS[algorithm], algorithm)
    theirs = jwt.encode(claims, SIGNING_KEYS[algorithm], algorithm=algorithm)
    assert jwt.decode(ours, VERIFYING_KEYS[algorithm], algorithms=[algorithm]) == claims
    assert decode(theirs, VERIFYING_KEYS[algorithm], [algorithm]) == claims


def test_es256_signature_is_raw_r_and_s_not_der():
    token = encode({"sub": "42"}, EC_KEY, "ES256")
    assert len(b64url_decode(token.split(".")[2])) == 64


def test_es256_der_signature_is_rejected():
    header_payload = encode({"sub": "42"}, EC_KEY, "ES256").rsplit(".", 1)[0]
    der = EC_KEY.sign(header_payload.encode(), ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignatureError):
        decode(f"{header_payload}.{b64url_encode(der)}", EC_KEY.public_key(), ["ES256"])


def test_header_with_kid_and_typ_matches_pyjwt():
    headers = {"kid": "2024-01", "typ": "at+jwt", "cty": "x"}
    assert encode({}, SECRET, headers=headers) == jwt.encode({}, SECRET, headers=headers)
    assert get_unverified_header(encode({}, SECRET, headers=headers)) == {
        "alg": "HS256",
        "cty": "x",
        "kid": "2024-01",
        "typ": "at+jwt",
    }


def test_typ_none_is_left_out_as_in_pyjwt():
    token = encode({}, SECRET, headers={"typ": None})
    assert token == jwt.encode({}, SECRET, headers={"typ": None})
    assert get_unverified_header(token) == {"alg": "HS256"}


def test_alg_in_headers_overrides_algorithm():
    token = encode({}, SECRET, "HS256", headers={"alg": "HS512"})
    assert token == jwt.encode({}, SECRET, algorithm="HS256", headers={"alg": "HS512"})
    assert get_unverified_header(token)["alg"] == "HS512"


def test_datetime_claims_become_integer_timestamps():
    when = datetime(2030, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    token = encode({"exp": when, "iat": when, "nbf": when}, SECRET)
    assert token == jwt.encode({"exp": when, "iat": when, "nbf": when}, SECRET)
    payload = decode(token, SECRET, ["HS256"], options={"verify_iat": False, "verify_nbf": False})
    assert payload == {"exp": 1893492000, "iat": 1893492000, "nbf": 1893492000}


def test_encode_leaves_the_callers_payload_alone():
    claims = {"exp": datetime(2030, 1, 1, tzinfo=UTC)}
    encode(claims, SECRET)
    assert isinstance(claims["exp"], datetime)


def test_encode_refuses_a_payload_that_is_not_a_dict():
    with pytest.raises(TypeError, match="JSON objects"):
        encode([1, 2], SECRET)  # type: ignore[arg-type]


def test_encode_refuses_a_non_string_issuer():
    with pytest.raises(TypeError, match="iss"):
        encode({"iss": 1}, SECRET)


def test_encode_refuses_a_non_string_kid():
    with pytest.raises(InvalidTokenError, match="Key ID"):
        encode({}, SECRET, headers={"kid": 7})


def test_encode_refuses_nan_which_is_not_json():
    with pytest.raises(ValueError):
        encode({"x": float("nan")}, SECRET)


@pytest.mark.parametrize("algorithm", ["none", "None", "NONE", "PS256", "HS1"])
def test_encode_refuses_unsupported_algorithms_including_none(algorithm):
    with pytest.raises(NotImplementedError):
        encode({}, SECRET, algorithm)


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_encode_with_a_public_key_is_refused(algorithm):
    with pytest.raises(InvalidKeyError, match="private key"):
        encode({}, VERIFYING_KEYS[algorithm], algorithm)


def test_encode_signs_with_a_short_hmac_key_without_warning():
    # pyproject turns warnings into errors: PyJWT would warn here, handmade stays quiet.
    assert encode({"a": 1}, b"short").count(".") == 2


@pytest.mark.parametrize(("algorithm", "size"), [("HS256", 32), ("HS384", 48), ("HS512", 64)])
def test_decode_refuses_an_hmac_key_shorter_than_the_hash_by_default(algorithm, size):
    short = b"k" * (size - 1)  # RFC 7518 §3.2: at least the hash size; PyJWT only warns
    token = encode({"a": 1}, short, algorithm)
    with pytest.raises(InvalidKeyError, match=f"{size - 1} bytes"):
        decode(token, short, [algorithm])
    with pytest.raises(InvalidKeyError):
        decode_jws(token, short, [algorithm])
    assert decode(encode({"a": 1}, b"k" * size, algorithm), b"k" * size, [algorithm]) == {"a": 1}


def test_a_short_hmac_key_is_accepted_only_with_the_explicit_opt_out():
    token = encode({"a": 1}, b"your-256-bit-secret")  # jwt.io's example: 19 bytes
    relaxed = {"enforce_minimum_key_length": False}
    assert decode(token, b"your-256-bit-secret", ["HS256"], options=relaxed) == {"a": 1}
    assert decode_jws(token, b"your-256-bit-secret", ["HS256"], options=relaxed)["payload"] == b'{"a":1}'


# --- decode_jws: the JWS layer ------------------------------------------------------------


def test_decode_jws_returns_header_payload_bytes_and_signature_like_pyjwt():
    token = jwt.api_jws.encode(b"not json at all \xff", SECRET, "HS256", headers={"kid": "k1"})
    ours = decode_jws(token, SECRET, ["HS256"])
    theirs = jwt.api_jws.decode_complete(token, SECRET, ["HS256"])
    assert ours == theirs
    assert ours["payload"] == b"not json at all \xff"


def test_decode_jws_accepts_any_payload_that_decode_refuses():
    token = jwt.api_jws.encode(b"[1, 2]", SECRET, "HS256")
    assert decode_jws(token, SECRET, ["HS256"])["payload"] == b"[1, 2]"
    with pytest.raises(DecodeError, match="json object"):
        decode(token, SECRET, ["HS256"])


def test_decode_jws_is_as_strict_as_decode():
    token = encode({"a": 1}, SECRET)
    for bad, error in [
        (token + "=", DecodeError),
        (token[:-1] + "+", DecodeError),
        (token.replace(".", "..", 1), DecodeError),
        (token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1], InvalidSignatureError),
    ]:
        with pytest.raises(error):
            decode_jws(bad, SECRET, ["HS256"])
    with pytest.raises(DecodeError, match="algorithms"):
        decode_jws(token, SECRET, None)
    with pytest.raises(InvalidAlgorithmError):
        decode_jws(token, SECRET, ["HS384"])
    with pytest.raises(TypeError, match="verify_exp"):
        decode_jws(token, SECRET, ["HS256"], options={"verify_exp": False})


def test_decode_jws_without_signature_check_still_parses_strictly():
    token = encode({"a": 1}, SECRET)
    parts = decode_jws(token, None, None, options={"verify_signature": False})
    assert parts["header"] == {"alg": "HS256", "typ": "JWT"}
    with pytest.raises(DecodeError):
        decode_jws(token + "=", None, None, options={"verify_signature": False})


def test_decode_jws_never_accepts_alg_none():
    unsigned = jwt.api_jws.encode(b"{}", None, "none")  # type: ignore[arg-type]  # alg none takes no key
    with pytest.raises(InvalidAlgorithmError):
        decode_jws(unsigned, SECRET, ["none", "HS256"])


@pytest.mark.parametrize("algorithm", ["HS256", "RS256", "ES256", "EdDSA"])
def test_a_pyjwk_key_verifies_only_its_own_algorithm(algorithm):
    public = jwt.PyJWK.from_json(jwt.algorithms.get_default_algorithms()[algorithm].to_jwk(VERIFYING_KEYS[algorithm]))
    token = encode({"a": 1}, SIGNING_KEYS[algorithm], algorithm)
    assert decode(token, public, [algorithm]) == {"a": 1}
    other = encode({"a": 1}, SECRET, "HS512") if algorithm != "HS256" else encode({"a": 1}, SECRET, "HS384")
    with pytest.raises(InvalidAlgorithmError, match="does not match the key"):
        decode(other, public, ["HS256", "HS384", "HS512", algorithm])


@pytest.mark.parametrize("key", [None, 5, 1.5, {"kty": "OKP"}, [1]])
@pytest.mark.parametrize("algorithm", ["HS256", "RS256", "ES256", "EdDSA"])
def test_a_key_of_the_wrong_type_raises_the_class_pyjwt_raises(algorithm, key):
    token = encode({"a": 1}, SIGNING_KEYS[algorithm], algorithm)
    with pytest.raises(Exception) as theirs:
        jwt.decode(token, key, [algorithm])
    with pytest.raises(Exception) as ours:
        decode(token, key, [algorithm])
    assert type(ours.value) is type(theirs.value)  # InvalidKeyError for EdDSA, TypeError otherwise


# --- base64url --------------------------------------------------------------------------


def test_b64url_round_trips_every_length():
    for n in range(20):
        data = bytes(range(250, 250 - n, -1))
        assert b64url_decode(b64url_encode(data)) == data


def test_b64url_encode_is_url_safe_and_unpadded():
    assert b64url_encode(b"\xfb\xff\xfe") == "-__-"
    assert b64url_encode(b"a") == "YQ"


@pytest.mark.parametrize("text", ["YQ==", "YQ=", "+/8", "/w", "YQ\n", " YQ", "YQ.", "é"])
def test_b64url_decode_refuses_padding_and_stray_characters(text):
    with pytest.raises(DecodeError):
        b64url_decode(text)


def test_b64url_decode_refuses_an_impossible_length():
    with pytest.raises(DecodeError):
        b64url_decode("YWJjZ")


def test_b64url_decode_refuses_non_canonical_text():
    # "YR" decodes to b"a" too if the unused low bits are ignored; only "YQ" is canonical.
    with pytest.raises(DecodeError):
        b64url_decode("YR")


# --- RFC 7515 Appendix A.1 --------------------------------------------------------------


def test_rfc7515_a1_token_verifies():
    claims = decode(RFC7515_A1_TOKEN, RFC7515_A1_KEY, ["HS256"], options={"verify_exp": False})
    assert claims == {"iss": "joe", "exp": 1300819380, "http://example.com/is_root": True}


def test_rfc7515_a1_header_and_payload_keep_their_crlf_bytes():
    header, payload, _ = RFC7515_A1_TOKEN.split(".")
    assert b64url_decode(header) == b'{"typ":"JWT",\r\n "alg":"HS256"}'
    assert b64url_decode(payload).startswith(b'{"iss":"joe",\r\n "exp":1300819380,')


def test_rfc7515_a1_token_has_expired_since_2011():
    with pytest.raises(ExpiredSignatureError):
        decode(RFC7515_A1_TOKEN, RFC7515_A1_KEY, ["HS256"])


# --- signatures -------------------------------------------------------------------------


def test_tampered_payload_raises_invalid_signature():
    header, _, signature = hs256({"role": "user"}).split(".")
    forged_payload = b64url_encode(b'{"role":"admin"}')
    with pytest.raises(InvalidSignatureError):
        check(f"{header}.{forged_payload}.{signature}")


def test_wrong_secret_raises_invalid_signature():
    with pytest.raises(InvalidSignatureError):
        decode(hs256({}), SECRET[::-1], ["HS256"])


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_wrong_public_key_raises_invalid_signature(algorithm):
    others: dict[str, Any] = {
        "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ES256": ec.generate_private_key(ec.SECP256R1()),
        "EdDSA": ed25519.Ed25519PrivateKey.generate(),
    }
    token = encode({}, SIGNING_KEYS[algorithm], algorithm)
    with pytest.raises(InvalidSignatureError):
        decode(token, others[algorithm].public_key(), [algorithm])


def test_signature_with_trailing_padding_is_refused_though_pyjwt_accepts_it():
    token = hs256({"sub": "42"}) + "="
    assert jwt.decode(token, SECRET, algorithms=["HS256"]) == {"sub": "42"}  # PyJWT 2.15
    with pytest.raises(DecodeError):
        check(token)


def test_empty_signature_raises_invalid_signature():
    with pytest.raises(InvalidSignatureError):
        check(hs256({}).rsplit(".", 1)[0] + ".")


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_private_key_object_verifies_through_its_public_half(algorithm):
    token = encode({"sub": "42"}, SIGNING_KEYS[algorithm], algorithm)
    assert decode(token, SIGNING_KEYS[algorithm], [algorithm]) == {"sub": "42"}


def test_public_key_pem_and_openssh_text_verify_rs256():
    token = encode({"sub": "42"}, RSA_KEY, "RS256")
    openssh = RSA_KEY.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    assert decode(token, RSA_PUBLIC_PEM.decode(), ["RS256"]) == {"sub": "42"}
    assert decode(token, openssh, ["RS256"]) == {"sub": "42"}


def test_private_key_pem_signs():
    pem = ED_KEY.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert encode({}, pem, "EdDSA") == jwt.encode({}, ED_KEY, algorithm="EdDSA")


def test_hmac_is_compared_with_compare_digest(monkeypatch):
    calls = []
    compare_digest = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return compare_digest(a, b)

    monkeypatch.setattr(handmade.hmac, "compare_digest", spy)  # type: ignore[attr-defined]  # the module handmade uses
    check(hs256({}))
    assert len(calls) == 1


# --- algorithms -------------------------------------------------------------------------


@pytest.mark.parametrize("algorithms", [None, []])
def test_algorithms_are_required(algorithms):
    with pytest.raises(DecodeError, match='"algorithms" argument'):
        decode(hs256({}), SECRET, algorithms)


def test_header_alg_must_be_one_of_algorithms():
    with pytest.raises(InvalidAlgorithmError, match="not allowed"):
        decode(hs256({}), SECRET, ["HS512", "RS256"])


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_is_refused_in_any_spelling_even_when_listed(alg):
    unsecured = f"{b64url_encode(json.dumps({'alg': alg}).encode())}.{b64url_encode(b'{}')}."
    with pytest.raises(InvalidAlgorithmError, match="never accepted"):
        decode(unsecured, SECRET, [alg, "HS256"])


def test_alg_none_token_from_pyjwt_is_refused():
    unsecured = jwt.encode({"role": "admin"}, None, algorithm="none")  # type: ignore[arg-type]  # alg none takes no key
    with pytest.raises(InvalidAlgorithmError):
        check(unsecured)


def test_missing_alg_raises_invalid_algorithm():
    with pytest.raises(InvalidAlgorithmError, match="not specified"):
        check(forge({"typ": "JWT"}, {}))


@pytest.mark.parametrize("alg", [256, ["HS256"], None, ""])
def test_alg_that_is_not_a_usable_string_raises_invalid_algorithm(alg):
    with pytest.raises(InvalidAlgorithmError):
        check(forge({"alg": alg}, {}))


def test_algorithms_given_as_a_string_mean_exactly_that_string():
    # PyJWT tests `alg in algorithms`: on a str that is a substring test.
    assert jwt.decode(hs256({}), SECRET, algorithms="xxHS256xx") == {}
    assert decode(hs256({}), SECRET, "HS256") == {}
    with pytest.raises(InvalidAlgorithmError):
        decode(hs256({}), SECRET, "xxHS256xx")


def test_listed_but_unsupported_algorithm_is_refused():
    token = jwt.encode({}, RSA_KEY, algorithm="PS256")
    with pytest.raises(InvalidAlgorithmError, match="not supported"):
        decode(token, RSA_KEY.public_key(), ["PS256"])


# --- key confusion and bad keys ---------------------------------------------------------


def test_rs256_public_key_pem_as_hs256_secret_is_refused():
    # The classic attack: sign HS256 with the server's public key, which everyone has.
    forged = forge({"alg": "HS256", "typ": "JWT"}, {"role": "admin"}, key=RSA_PUBLIC_PEM)
    with pytest.raises(InvalidKeyError, match="asymmetric"):
        decode(forged, RSA_PUBLIC_PEM, ["RS256", "HS256"])
    with pytest.raises(InvalidKeyError):
        jwt.decode(forged, RSA_PUBLIC_PEM, algorithms=["RS256", "HS256"])


@pytest.mark.parametrize(
    "key",
    [
        RSA_PUBLIC_PEM.decode(),
        RSA_KEY.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH),
        ED_KEY.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH),
        EC_KEY.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH),
        RSA_KEY.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
        b"---- BEGIN SSH2 PUBLIC KEY ----\nAAAA\n---- END SSH2 PUBLIC KEY ----\n",
    ],
    ids=["pem", "ssh-rsa", "ssh-ed25519", "ecdsa-sha2", "der", "ssh2-pem"],
)
def test_asymmetric_key_text_is_refused_as_hmac_secret(key):
    with pytest.raises(InvalidKeyError):
        encode({}, key, "HS256")


@pytest.mark.parametrize("key", [RSA_KEY, RSA_KEY.public_key(), EC_KEY, ED_KEY.public_key()])
def test_key_object_is_refused_as_hmac_secret(key):
    # PyJWT raises TypeError here; an InvalidKeyError says what is wrong.
    with pytest.raises(InvalidKeyError, match="asymmetric"):
        decode(hs256({}), key, ["HS256"])


def test_jwk_json_is_refused_as_hmac_secret():
    jwk_text = json.dumps({"kty": "oct", "k": b64url_encode(SECRET)})
    with pytest.raises(InvalidKeyError, match="JSON"):
        encode({}, jwk_text, "HS256")


def test_empty_hmac_secret_is_refused():
    with pytest.raises(InvalidKeyError, match="empty"):
        decode(hs256({}), b"", ["HS256"])


@pytest.mark.parametrize("key", [None, 42])
def test_hmac_secret_of_the_wrong_type_raises_type_error(key):
    with pytest.raises(TypeError):
        decode(hs256({}), key, ["HS256"])


def test_rsa_key_under_2048_bits_is_refused():
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(InvalidKeyError, match="1024 bits"):
        encode({}, small, "RS256")


def test_es256_refuses_a_key_on_another_curve():
    with pytest.raises(InvalidKeyError, match="P-256"):
        encode({}, ec.generate_private_key(ec.SECP384R1()), "ES256")


def test_key_of_the_wrong_family_is_refused():
    with pytest.raises(InvalidKeyError):
        decode(encode({}, RSA_KEY, "RS256"), EC_KEY.public_key(), ["RS256"])


def test_unparseable_key_text_is_an_invalid_key():
    with pytest.raises(InvalidKeyError, match="Could not parse"):
        decode(encode({}, RSA_KEY, "RS256"), "not a key", ["RS256"])


# --- malformed and hostile input --------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    ["", ".", "..", "...", "a.b", "a.b.c.d", "é.é.é", "\x00.\x00.\x00", "a b.c.d", "eyJ.eyJ.", " " * 10],
)
def test_malformed_tokens_raise_decode_error(token):
    with pytest.raises(DecodeError):
        check(token)


def test_random_bytes_raise_decode_error():
    with pytest.raises(DecodeError):
        check(bytes(range(256)))  # type: ignore[arg-type]


@pytest.mark.parametrize("token", [None, 42, ["a", "b", "c"]])
def test_a_token_that_is_not_text_raises_decode_error(token):
    with pytest.raises(DecodeError, match="token type"):
        check(token)


def test_token_as_bytes_is_accepted():
    assert check(hs256({"a": 1}).encode()) == {"a": 1}  # type: ignore[arg-type]  # bytes on purpose


def test_oversized_token_is_refused_before_any_parsing(monkeypatch):
    def fail(*args):
        raise AssertionError("decoded an oversized token")

    monkeypatch.setattr(handmade, "_b64url_decode_checked", fail)
    monkeypatch.setattr(handmade, "_TOKEN", None)
    with pytest.raises(DecodeError, match=f"longer than {handmade.MAX_TOKEN_LENGTH}"):
        check("a" * 10_000_000)


def test_token_at_the_size_limit_is_still_read():
    claims = {"pad": "x" * 6000}
    token = hs256(claims)
    assert len(token) <= handmade.MAX_TOKEN_LENGTH
    assert check(token) == claims


@pytest.mark.parametrize(
    ("header", "message"),
    [(b"not json", "header"), (b"[1, 2]", "json object"), (b"\xff\xfe", "header"), (b'"HS256"', "json object")],
)
def test_header_that_is_not_a_json_object_raises_decode_error(header, message):
    with pytest.raises(DecodeError, match=message):
        check(forge(header, {}))


@pytest.mark.parametrize("payload", [b"not json", b"[1, 2]", b"\xff", b"null", b""])
def test_payload_that_is_not_a_json_object_raises_decode_error(payload):
    with pytest.raises(DecodeError, match="payload"):
        check(forge({"alg": "HS256"}, payload))


def test_duplicate_member_names_are_refused():
    with pytest.raises(DecodeError, match="duplicate"):
        check(forge(b'{"alg":"HS256","alg":"none"}', {}))
    with pytest.raises(DecodeError, match="duplicate"):
        check(forge({"alg": "HS256"}, b'{"role":"user","role":"admin"}'))


def test_nan_and_infinity_in_a_payload_are_refused():
    with pytest.raises(DecodeError):
        check(forge({"alg": "HS256"}, b'{"exp":Infinity}'))


def test_crit_header_is_refused():
    token = forge({"alg": "HS256", "crit": ["exp"], "exp": 1}, {})
    with pytest.raises(InvalidTokenError, match="critical"):
        check(token)


def test_unencoded_payload_header_is_refused():
    with pytest.raises(InvalidTokenError, match="b64"):
        check(forge({"alg": "HS256", "b64": False}, {}))


def test_non_string_kid_in_a_token_is_refused():
    with pytest.raises(InvalidTokenError, match="Key ID"):
        check(forge({"alg": "HS256", "kid": 1}, {}))


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=60), st.binary(max_size=60)))
def test_garbage_raises_only_decode_error(garbage):
    with pytest.raises(DecodeError):
        check(garbage)


# --- claims -----------------------------------------------------------------------------


def test_expired_token_is_rejected():
    with pytest.raises(ExpiredSignatureError):
        check(hs256({"exp": NOW - 10}))


def test_exp_equal_to_now_is_already_expired():
    with pytest.raises(ExpiredSignatureError):
        check(hs256({"exp": int(time.time())}))


@pytest.mark.parametrize("leeway", [30, 30.0, timedelta(seconds=30)])
def test_leeway_accepts_a_recently_expired_token(leeway):
    assert check(hs256({"exp": NOW - 10}), leeway=leeway) == {"exp": NOW - 10}


def test_verify_exp_false_accepts_an_expired_token():
    assert check(hs256({"exp": NOW - 10}), options={"verify_exp": False}) == {"exp": NOW - 10}


def test_not_yet_valid_nbf_raises_immature_signature():
    with pytest.raises(ImmatureSignatureError, match="nbf"):
        check(hs256({"nbf": NOW + 60}))


def test_iat_in_the_future_raises_immature_signature():
    with pytest.raises(ImmatureSignatureError, match="iat"):
        check(hs256({"iat": NOW + 60}))


def test_float_times_are_accepted():
    assert check(hs256({"exp": NOW + 60.5, "iat": NOW - 0.5})) == {"exp": NOW + 60.5, "iat": NOW - 0.5}


@pytest.mark.parametrize("value", ["tomorrow", None, [1], {"t": 1}, True])
def test_exp_that_is_not_a_number_raises_decode_error(value):
    with pytest.raises(DecodeError, match="exp"):
        check(hs256({"exp": value}))


@pytest.mark.parametrize(
    ("claim", "error"), [("exp", DecodeError), ("nbf", DecodeError), ("iat", InvalidIssuedAtError)]
)
def test_time_claim_that_overflows_to_infinity_is_refused_like_pyjwt(claim, error):
    token = forge({"alg": "HS256"}, f'{{"{claim}":1e400}}'.encode())
    with pytest.raises(error):
        jwt.decode(token, SECRET, algorithms=["HS256"])
    with pytest.raises(error, match=claim):
        check(token)


def test_exp_as_a_numeric_string_is_refused_though_pyjwt_accepts_it():
    token = hs256({"exp": str(NOW + 60)})
    assert jwt.decode(token, SECRET, algorithms=["HS256"]) == {"exp": str(NOW + 60)}
    with pytest.raises(DecodeError, match="exp"):
        check(token)


def test_nbf_that_is_not_a_number_raises_decode_error():
    with pytest.raises(DecodeError, match="nbf"):
        check(hs256({"nbf": "now"}))


def test_iat_that_is_not_a_number_raises_invalid_issued_at():
    with pytest.raises(InvalidIssuedAtError):
        check(hs256({"iat": "now"}))


def test_required_claim_missing_raises_missing_required_claim():
    with pytest.raises(MissingRequiredClaimError, match='"exp"'):
        check(hs256({"sub": "42"}), options={"require": ["exp"]})


def test_required_claim_set_to_null_counts_as_missing():
    with pytest.raises(MissingRequiredClaimError):
        check(hs256({"exp": None}), options={"require": ["exp"]})


def test_audience_expected_but_token_has_none_raises_missing_required_claim():
    with pytest.raises(MissingRequiredClaimError, match='"aud"'):
        check(hs256({}), audience="api")


def test_token_with_aud_but_no_audience_expected_raises_invalid_audience():
    with pytest.raises(InvalidAudienceError):
        check(hs256({"aud": "api"}))


def test_wrong_audience_raises_invalid_audience():
    with pytest.raises(InvalidAudienceError):
        check(hs256({"aud": "api"}), audience="billing")


def test_audience_is_not_a_substring_match():
    with pytest.raises(InvalidAudienceError):
        check(hs256({"aud": "api.example.com"}), audience="api")


def test_aud_list_accepts_any_of_its_members():
    assert check(hs256({"aud": ["web", "api"]}), audience="api") == {"aud": ["web", "api"]}


def test_audience_list_accepts_any_of_its_members():
    assert check(hs256({"aud": "api"}), audience=["web", "api"]) == {"aud": "api"}


@pytest.mark.parametrize("aud", [1, ["api", 2], {"api": True}])
def test_malformed_aud_raises_invalid_audience(aud):
    with pytest.raises(InvalidAudienceError, match="format"):
        check(hs256({"aud": aud}), audience="api")


def test_strict_aud_refuses_a_list():
    with pytest.raises(InvalidAudienceError, match="strict"):
        check(hs256({"aud": ["api"]}), audience="api", options={"strict_aud": True})


def test_audience_of_the_wrong_type_raises_type_error():
    with pytest.raises(TypeError, match="audience"):
        check(hs256({"aud": "api"}), audience=42)


def test_issuer_expected_but_missing_raises_missing_required_claim():
    with pytest.raises(MissingRequiredClaimError, match='"iss"'):
        check(hs256({}), issuer="auth")


def test_wrong_issuer_raises_invalid_issuer():
    with pytest.raises(InvalidIssuerError):
        check(hs256({"iss": "evil"}), issuer="auth")


def test_issuer_string_is_not_a_substring_match():
    with pytest.raises(InvalidIssuerError):
        check(hs256({"iss": "aut"}), issuer="auth")


def test_issuer_sequence_accepts_any_of_its_members():
    assert check(hs256({"iss": "auth2"}), issuer=["auth1", "auth2"]) == {"iss": "auth2"}


def test_non_string_iss_in_a_token_raises_invalid_issuer():
    with pytest.raises(InvalidIssuerError, match="must be a string"):
        check(forge({"alg": "HS256"}, {"iss": 1}), issuer="auth")


def test_non_string_sub_raises_invalid_subject():
    with pytest.raises(InvalidSubjectError):
        check(hs256({"sub": 42}))


def test_non_string_jti_raises_invalid_jti():
    with pytest.raises(InvalidJTIError):
        check(hs256({"jti": 42}))


def test_claims_are_checked_in_pyjwts_order():
    # require, then iat, nbf, exp, then iss, then aud: the first failing check wins.
    token = hs256({"iat": NOW + 60, "nbf": NOW + 60, "exp": NOW - 60, "iss": "x", "aud": "x"})
    with pytest.raises(MissingRequiredClaimError):
        check(token, options={"require": ["jti"]}, issuer="y", audience="z")
    with pytest.raises(ImmatureSignatureError, match="iat"):
        check(token, issuer="y", audience="z")
    with pytest.raises(ImmatureSignatureError, match="nbf"):
        check(token, issuer="y", audience="z", options={"verify_iat": False})
    with pytest.raises(ExpiredSignatureError):
        check(token, issuer="y", audience="z", options={"verify_iat": False, "verify_nbf": False})
    with pytest.raises(InvalidIssuerError):
        check(token, issuer="y", audience="z", leeway=120)


def test_signature_is_checked_before_claims():
    header, _, signature = hs256({}).split(".")
    expired = b64url_encode(json.dumps({"exp": NOW - 60}).encode())
    with pytest.raises(InvalidSignatureError):
        check(f"{header}.{expired}.{signature}")


def test_verify_signature_false_reads_claims_without_key_or_algorithms():
    token = encode({"exp": NOW - 60, "aud": "x"}, SECRET)
    assert decode(token, None, None, options={"verify_signature": False}) == {"exp": NOW - 60, "aud": "x"}


def test_verify_signature_false_still_checks_what_is_asked():
    token = encode({"exp": NOW - 60}, SECRET)
    with pytest.raises(ExpiredSignatureError):
        decode(token, None, None, options={"verify_signature": False, "verify_exp": True})


def test_unknown_option_raises_type_error():
    with pytest.raises(TypeError, match="verify_expiry"):
        check(hs256({}), options={"verify_expiry": False})


# --- get_unverified_header --------------------------------------------------------------


def test_get_unverified_header_reads_the_header():
    token = encode({}, ED_KEY, "EdDSA", headers={"kid": "ed-1"})
    assert get_unverified_header(token) == {"alg": "EdDSA", "kid": "ed-1", "typ": "JWT"}


def test_get_unverified_header_refuses_malformed_tokens():
    with pytest.raises(DecodeError):
        get_unverified_header("not-a-token")


def test_module_exports_its_public_functions_and_constants():
    functions = {n for n, v in vars(handmade).items() if callable(v) and v.__module__ == handmade.__name__}
    constants = {n for n in vars(handmade) if n.isupper() and not n.startswith("_")}
    assert sorted(handmade.__all__) == sorted(n for n in functions | constants if not n.startswith("_"))
