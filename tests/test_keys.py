"""jwt_course.keys: key generation, RFC 7638 kids, JWKs and the rotating KeyRing."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from jwt_course.clock import ManualClock
from jwt_course.keys import (
    ASYMMETRIC_ALGORITHMS,
    KeyRing,
    algorithm_for,
    generate_private_key,
    jwk_thumbprint,
    load_private_key,
    public_jwk,
)

# RFC 7638 §3.1: this RSA key's thumbprint is NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs.
RFC7638_N = (
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJ"
    "ECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2"
    "QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6"
    "WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
)
TO_JWK: dict[str, Any] = {"RS256": RSAAlgorithm, "ES256": ECAlgorithm, "EdDSA": OKPAlgorithm}


def b64url_int(text: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


@pytest.fixture(scope="module", params=list(ASYMMETRIC_ALGORITHMS))
def key(request):
    return request.param, generate_private_key(request.param)


def test_the_rfc_7638_example_thumbprint():
    public = rsa.RSAPublicNumbers(65537, b64url_int(RFC7638_N)).public_key()
    assert jwk_thumbprint(public) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_generated_keys_have_the_promised_type_and_size(key):
    algorithm, private = key
    assert algorithm_for(private) == algorithm
    if algorithm == "RS256":
        assert private.key_size == 2048
    if algorithm == "ES256":
        assert isinstance(private.curve, ec.SECP256R1)


def test_public_jwk_matches_pyjwt(key):
    algorithm, private = key
    ours = public_jwk(private.public_key())
    theirs = TO_JWK[algorithm].to_jwk(private.public_key(), as_dict=True)
    theirs.pop("key_ops", None)
    assert {k: v for k, v in ours.items() if k not in ("kid", "use", "alg")} == theirs
    assert (ours["use"], ours["alg"], ours["kty"]) == ("sig", algorithm, ASYMMETRIC_ALGORITHMS[algorithm])


def test_public_jwk_has_no_private_members(key):
    _, private = key
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(public_jwk(private))


def test_the_kid_is_the_thumbprint_of_the_public_key(key):
    _, private = key
    assert public_jwk(private)["kid"] == jwk_thumbprint(private) == jwk_thumbprint(private.public_key())
    members = {k: v for k, v in public_jwk(private).items() if k not in ("kid", "use", "alg")}
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":")).encode()
    import hashlib

    digest = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
    assert digest == jwk_thumbprint(private)


def test_a_jwk_verifies_a_token_through_pyjwk(key):
    algorithm, private = key
    token = jwt.encode({"sub": "alice"}, private, algorithm=algorithm)
    assert jwt.decode(token, jwt.PyJWK(public_jwk(private)), algorithms=[algorithm]) == {"sub": "alice"}


def test_ec_coordinates_keep_their_leading_zero_bytes():
    # x or y below 2**248 happen about once in 128 keys: find one and check 32 bytes are kept.
    for _ in range(2000):
        private = ec.generate_private_key(ec.SECP256R1())
        numbers = private.public_key().public_numbers()
        if numbers.x < 2**248 or numbers.y < 2**248:
            break
    else:
        pytest.skip("no short coordinate found")
    jwk = public_jwk(private)
    assert len(base64.urlsafe_b64decode(jwk["x"] + "=")) == len(base64.urlsafe_b64decode(jwk["y"] + "=")) == 32


def test_a_pem_round_trips_to_the_same_kid(key):
    _, private = key
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert jwk_thumbprint(load_private_key(pem)) == jwk_thumbprint(private)
    assert jwk_thumbprint(load_private_key(pem.decode())) == jwk_thumbprint(private)


def test_unsupported_keys_and_algorithms_are_refused():
    with pytest.raises(ValueError, match="not a public-key algorithm"):
        generate_private_key("HS256")
    with pytest.raises(ValueError, match="P-256"):
        algorithm_for(ec.generate_private_key(ec.SECP384R1()))
    with pytest.raises(ValueError, match="2048"):
        algorithm_for(rsa.generate_private_key(65537, 1024))


def test_a_ring_refuses_a_key_of_another_algorithm():
    with pytest.raises(ValueError, match="cannot sign"):
        KeyRing("RS256", retire_after_seconds=60, private_key=generate_private_key("EdDSA"))


def test_rotation_keeps_the_old_key_until_it_is_retired():
    clock = ManualClock(1_700_000_000)
    ring = KeyRing("EdDSA", retire_after_seconds=100, clock=clock)
    first = ring.current
    second = ring.rotate()
    assert ring.current is second and ring.kids == [second.kid, first.kid]
    assert first.retired_at == clock.now and first.remove_at == clock.now + 100
    clock.now += 99
    assert ring.verifying_key(first.kid) is first.public_key
    clock.now += 1
    assert ring.kids == [second.kid]
    with pytest.raises(jwt.InvalidTokenError, match="unknown signing key"):
        ring.verifying_key(first.kid)


def test_publish_next_shows_the_key_before_it_signs():
    ring = KeyRing("ES256", retire_after_seconds=100, clock=ManualClock(1_700_000_000))
    current = ring.current
    upcoming = ring.publish_next()
    assert ring.current is current and ring.kids == [current.kid, upcoming.kid]
    assert ring.rotate() is upcoming
    assert ring.kids == [upcoming.kid, current.kid]


def test_remove_drops_a_leaked_key_at_once():
    ring = KeyRing("EdDSA", retire_after_seconds=100, clock=ManualClock(1_700_000_000))
    old = ring.current
    ring.rotate()
    ring.remove(old.kid)
    assert old.kid not in ring.kids
    with pytest.raises(ValueError, match="current key"):
        ring.remove(ring.current.kid)
    with pytest.raises(KeyError):
        ring.remove("no-such-kid")


@pytest.mark.parametrize("kid", [None, 42, "x" * 200, ["a"]])
def test_odd_kids_are_unknown_not_a_crash(kid):
    ring = KeyRing("EdDSA", retire_after_seconds=100)
    with pytest.raises(jwt.InvalidTokenError, match="unknown signing key"):
        ring.verifying_key(kid)


def test_the_jwks_holds_public_keys_only():
    ring = KeyRing("EdDSA", retire_after_seconds=100)
    ring.rotate()
    jwks = ring.jwks()
    assert [k["kid"] for k in jwks["keys"]] == ring.kids
    assert all(set(k) == {"kty", "crv", "x", "kid", "use", "alg"} for k in jwks["keys"])
    assert len(jwt.PyJWKSet.from_dict(jwks).keys) == 2


def test_from_pem_picks_the_algorithm_from_the_key():
    pem = generate_private_key("ES256").private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert KeyRing.from_pem(pem, retire_after_seconds=60).algorithm == "ES256"


@pytest.mark.parametrize("value", [0, -1, 1.5, True])
def test_retire_after_must_be_a_positive_integer(value):
    with pytest.raises(ValueError, match="retire_after_seconds"):
        KeyRing("EdDSA", retire_after_seconds=value)
