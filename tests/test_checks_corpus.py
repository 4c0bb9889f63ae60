"""The shared hostile corpus: every entry is what its name says (so a checker using it tests what it claims)."""

from __future__ import annotations

import base64

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from jwt_course import handmade
from jwt_course.checks import corpus as c

SECRET = "corpus-test-secret-" + "0123456789abcdef" * 3
CLAIMS = {"sub": "alice", "role": "user"}


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_rfc7515_a1_token_verifies_with_its_key():
    claims = jwt.decode(c.RFC7515_A1_TOKEN, c.RFC7515_A1_KEY, algorithms=["HS256"], options={"verify_exp": False})
    assert claims["iss"] == "joe"
    assert b"\r\n" in base64.urlsafe_b64decode(c.RFC7515_A1_TOKEN.split(".")[0] + "==")


@pytest.mark.parametrize("variant", c.header_variants(CLAIMS, SECRET), ids=lambda h: h.name)
def test_header_variants_are_correctly_signed(variant):
    assert jwt.decode(variant.value, SECRET, algorithms=["HS256"]) == CLAIMS


def test_header_variants_differ_from_pyjwts_header():
    usual = jwt.encode(CLAIMS, SECRET, algorithm="HS256").split(".")[0]
    assert all(h.value.split(".")[0] != usual for h in c.header_variants(CLAIMS, SECRET))


def test_urlsafe_signed_has_both_urlsafe_characters():
    signature = c.urlsafe_signed(CLAIMS, SECRET).split(".")[2]
    assert "-" in signature and "_" in signature


@pytest.mark.parametrize("variant", c.spellings(c.urlsafe_signed(CLAIMS, SECRET)), ids=lambda h: h.name)
def test_spellings_decode_leniently_to_the_same_signature_and_strictly_not_at_all(variant):
    original = c.urlsafe_signed(CLAIMS, SECRET).split(".")[2]
    spelled = variant.value.split(".", 2)[2]
    lenient = base64.b64decode(spelled.replace("-", "+").replace("_", "/") + "==", validate=False)
    assert lenient == base64.urlsafe_b64decode(original + "=")
    with pytest.raises(jwt.DecodeError):
        handmade.b64url_decode(spelled)


@pytest.mark.parametrize("text", [h.value for h in c.NOT_BASE64URL + c.lengths_1_mod_4()])
def test_not_base64url_is_refused_by_the_strict_decoder(text):
    with pytest.raises(jwt.DecodeError):
        handmade.b64url_decode(text)


def test_alg_none_spellings_are_unsigned():
    found = c.alg_none(CLAIMS, jwt.encode(CLAIMS, SECRET, algorithm="HS256"))
    assert [jwt.get_unverified_header(h.value)["alg"] for h in found] == ["none", "None", "NONE", "none"]
    assert [h.value.endswith(".") for h in found] == [True, True, True, False]


def test_alg_confusion_with_a_secret_uses_the_same_secret():
    found = c.alg_confusion(CLAIMS, secret=SECRET, expected="HS256")
    assert [h.name for h in found] == ["same-secret-HS384", "same-secret-HS512"]
    for h in found:
        alg = jwt.get_unverified_header(h.value)["alg"]
        assert jwt.decode(h.value, SECRET, algorithms=[alg]) == CLAIMS


def test_alg_confusion_with_an_rsa_key_signs_with_that_key(rsa_key):
    found = {h.name: h.value for h in c.alg_confusion(CLAIMS, private_key=rsa_key, expected="RS256")}
    assert set(found) == {
        "same-rsa-key-RS384",
        "same-rsa-key-RS512",
        "same-rsa-key-PS256",
        "hs256-public-pem-spki",
        "hs256-public-pem-pkcs1",
    }
    for name in ("same-rsa-key-RS384", "same-rsa-key-RS512", "same-rsa-key-PS256"):
        alg = name.rsplit("-", 1)[1]
        assert jwt.decode(found[name], rsa_key.public_key(), algorithms=[alg]) == CLAIMS


def test_hs256_with_the_public_pem_is_a_real_confusion_token(rsa_key):
    import hashlib
    import hmac

    (token,) = [h.value for h in c.alg_confusion(CLAIMS, private_key=rsa_key) if h.name == "hs256-public-pem-spki"]
    pem = rsa_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input, _, signature = token.rpartition(".")
    assert handmade.b64url_decode(signature) == hmac.digest(pem, signing_input.encode(), hashlib.sha256)


def test_alg_confusion_with_an_ec_key():
    key = ec.generate_private_key(ec.SECP256R1())
    names = [h.name for h in c.alg_confusion(CLAIMS, private_key=key)]
    assert names == ["same-ec-key-ES256", "hs256-public-pem-spki"]


def test_without_each_drops_one_claim_at_a_time():
    dropped = c.without_each({"sub": "a", "exp": 1, "iat": 0}, ("exp", "sub"))
    assert [h.value for h in dropped] == [{"sub": "a", "iat": 0}, {"exp": 1, "iat": 0}]


def test_time_edges_have_unique_names():
    names = [h.name for h in c.time_edges(1_700_000_000)]
    assert len(names) == len(set(names))


def test_injection_ids_include_like_wildcards():
    assert {"%", "' OR '1'='1"} <= {h.value for h in c.INJECTION_IDS}


def test_prefix_roles_never_include_the_role_itself():
    roles = [h.value for h in c.prefix_roles("admin")]
    assert "admin" not in roles
    assert {"administrator-pending", "adm", "ADMIN", "admin "} <= {r for r in roles if isinstance(r, str)}


def test_signer_matches_pyjwt_for_deterministic_algorithms():
    from jwt_course.attacks import forge, signer

    assert forge({"alg": "HS512", "typ": "JWT"}, CLAIMS, signer("HS512", SECRET)) == jwt.encode(
        CLAIMS, SECRET, algorithm="HS512"
    )
