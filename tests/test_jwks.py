"""Public-key tokens and the JWKS route of jwt_course.server, black-box over real HTTP."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey, EllipticCurvePublicKey
from fastapi import FastAPI, HTTPException, Request

from jwt_course import serve
from jwt_course.clock import ManualClock
from jwt_course.handmade import b64url_encode
from jwt_course.keys import KeyRing, generate_private_key
from jwt_course.server import Settings, create_app

ISSUER = "https://issuer.test"
AUDIENCE = "course-api"
JWKS_PATH = "/.well-known/jwks.json"
ALGORITHMS = ["RS256", "ES256", "EdDSA"]
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def login(client: httpx.Client) -> dict[str, Any]:
    response = client.post("/login", json={"username": "alice", "password": "wonderland"})
    assert response.status_code == 200, response.text
    return response.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def access_claims(now: float, **changes: Any) -> dict[str, Any]:
    claims = {
        "sub": "alice",
        "role": "user",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": int(now),
        "exp": int(now) + 600,
        "jti": "forged-jti",
        "fam": "forged-family",
    }
    claims.update(changes)
    return claims


def assert_invalid_token(response: httpx.Response, fragment: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert fragment in response.json()["detail"]


@pytest.fixture(scope="module", params=ALGORITHMS)
def running(request) -> Iterator[tuple[str, Any, httpx.Client]]:
    app = create_app(Settings(algorithm=request.param, issuer=ISSUER, audience=AUDIENCE))
    with serve(app) as server, httpx.Client(base_url=server.url, timeout=5) as client:
        yield request.param, app, client


def test_the_jwks_route_publishes_the_public_key(running):
    algorithm, app, client = running
    response = client.get(JWKS_PATH)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    (key,) = response.json()["keys"]
    assert key["kid"] == app.state.key_ring.current.kid
    assert (key["alg"], key["use"]) == (algorithm, "sig")
    assert not PRIVATE_MEMBERS & set(key)
    expected = {"RS256": {"kty", "n", "e"}, "ES256": {"kty", "crv", "x", "y"}, "EdDSA": {"kty", "crv", "x"}}
    assert set(key) == expected[algorithm] | {"kid", "use", "alg"}


def test_every_token_names_its_key(running):
    algorithm, app, client = running
    pair = login(client)
    for token in (pair["access_token"], pair["refresh_token"]):
        header = jwt.get_unverified_header(token)
        assert (header["alg"], header["kid"]) == (algorithm, app.state.key_ring.current.kid)


def test_tokens_verify_against_the_published_jwks_with_pyjwkclient(running):
    algorithm, _, client = running
    token = login(client)["access_token"]
    keys = jwt.PyJWKClient(f"{client.base_url}{JWKS_PATH}", timeout=5)
    signing_key = keys.get_signing_key_from_jwt(token)
    claims = jwt.decode(token, signing_key, algorithms=[algorithm], audience=AUDIENCE, issuer=ISSUER)
    assert (claims["sub"], claims["role"]) == ("alice", "user")


def test_the_api_accepts_its_own_public_key_tokens(running):
    _, _, client = running
    pair = login(client)
    assert client.get("/me", headers=bearer(pair["access_token"])).json()["username"] == "alice"
    refreshed = client.post("/refresh", json={"refresh_token": pair["refresh_token"]})
    assert refreshed.status_code == 200
    assert client.post("/logout", headers=bearer(refreshed.json()["access_token"])).status_code == 204


def test_an_unknown_kid_is_401(running):
    algorithm, _, client = running
    stranger = generate_private_key(algorithm)
    token = jwt.encode(
        access_claims(time.time()), stranger, algorithm=algorithm, headers={"typ": "at+jwt", "kid": "no-such-key"}
    )
    assert_invalid_token(client.get("/me", headers=bearer(token)), "unknown signing key")


def test_a_token_without_a_kid_is_401(running):
    algorithm, _, client = running
    token = jwt.encode(
        access_claims(time.time()), generate_private_key(algorithm), algorithm=algorithm, headers={"typ": "at+jwt"}
    )
    assert_invalid_token(client.get("/me", headers=bearer(token)), "unknown signing key")


def test_a_foreign_key_under_our_kid_fails_the_signature(running):
    algorithm, app, client = running
    token = jwt.encode(
        access_claims(time.time()),
        generate_private_key(algorithm),
        algorithm=algorithm,
        headers={"typ": "at+jwt", "kid": app.state.key_ring.current.kid},
    )
    assert_invalid_token(client.get("/me", headers=bearer(token)), "Signature verification failed")


def test_another_algorithm_is_refused_even_with_our_kid(running):
    algorithm, app, client = running
    other = "EdDSA" if algorithm != "EdDSA" else "ES256"
    token = jwt.encode(
        access_claims(time.time()),
        generate_private_key(other),
        algorithm=other,
        headers={"typ": "at+jwt", "kid": app.state.key_ring.current.kid},
    )
    assert_invalid_token(client.get("/me", headers=bearer(token)), "alg value is not allowed")


def test_an_hs256_token_keyed_with_the_published_public_key_is_401_not_500(running):
    # The RS256 -> HS256 confusion attack: HMAC-sign with the public key as the secret.
    _algorithm, app, client = running
    public = app.state.key_ring.current.public_key
    for encoding, fmt in [
        (serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
    ]:
        secret = public.public_bytes(encoding, fmt)
        header = {"alg": "HS256", "typ": "at+jwt", "kid": app.state.key_ring.current.kid}
        signing_input = ".".join(
            b64url_encode(json.dumps(part).encode()) for part in (header, access_claims(time.time()))
        )
        signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        token = f"{signing_input}.{b64url_encode(signature)}"
        assert_invalid_token(client.get("/me", headers=bearer(token)), "alg value is not allowed")


def test_alg_none_is_401(running):
    _, app, client = running
    header = {"alg": "none", "typ": "at+jwt", "kid": app.state.key_ring.current.kid}
    token = ".".join(b64url_encode(json.dumps(p).encode()) for p in (header, access_claims(time.time()))) + "."
    assert_invalid_token(client.get("/me", headers=bearer(token)), "alg value is not allowed")


def test_an_hs256_server_publishes_no_keys():
    secret = "hs256-secret-for-the-jwks-tests-0123456789"
    app = create_app(Settings(secret_key=secret, issuer=ISSUER, audience=AUDIENCE))
    with serve(app) as server, httpx.Client(base_url=server.url, timeout=5) as client:
        response = client.get(JWKS_PATH)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/json"
        assert "HS256" in response.json()["detail"]
        assert secret not in response.text and b64url_encode(secret.encode()) not in response.text
        assert "kid" not in jwt.get_unverified_header(login(client)["access_token"])
        assert app.state.key_ring is None
        assert JWKS_PATH not in client.get("/openapi.json").json()["paths"]


@pytest.fixture
def rotating() -> Iterator[tuple[ManualClock, KeyRing, httpx.Client]]:
    clock = ManualClock(1_700_000_000)
    ring = KeyRing("EdDSA", retire_after_seconds=3600, clock=clock)
    settings = Settings(
        algorithm="EdDSA",
        key_ring=ring,
        issuer=ISSUER,
        audience=AUDIENCE,
        access_ttl_seconds=600,
        refresh_ttl_seconds=3600,
        clock=clock,
    )
    with serve(create_app(settings)) as server, httpx.Client(base_url=server.url, timeout=5) as client:
        yield clock, ring, client


def kids(client: httpx.Client) -> list[str]:
    return [key["kid"] for key in client.get(JWKS_PATH).json()["keys"]]


def test_rotation_logs_nobody_out(rotating):
    clock, ring, client = rotating
    old_kid = ring.current.kid
    before = login(client)
    clock.now += 60
    new_kid = ring.rotate().kid
    assert kids(client) == [new_kid, old_kid]
    # tokens signed before the rotation still work, both kinds
    assert client.get("/me", headers=bearer(before["access_token"])).status_code == 200
    refreshed = client.post("/refresh", json={"refresh_token": before["refresh_token"]})
    assert refreshed.status_code == 200
    # and what is signed now is signed with the new key
    for token in (refreshed.json()["access_token"], login(client)["access_token"]):
        assert jwt.get_unverified_header(token)["kid"] == new_kid
        assert client.get("/me", headers=bearer(token)).status_code == 200


def test_a_retired_key_leaves_the_set_and_its_tokens_die(rotating):
    clock, ring, client = rotating
    old = ring.current
    before = login(client)["access_token"]
    assert client.get("/me", headers=bearer(before)).status_code == 200  # now in the verified cache
    ring.rotate()
    clock.now += 3600 - 1
    assert old.kid in kids(client)
    clock.now += 1
    assert kids(client) == [ring.current.kid]
    # A token the old key signs with a far-away exp is refused for its key, not its age.
    late = jwt.encode(
        access_claims(clock.now), old.private_key, algorithm="EdDSA", headers={"typ": "at+jwt", "kid": old.kid}
    )
    assert_invalid_token(client.get("/me", headers=bearer(late)), "unknown signing key")


def test_a_removed_key_is_refused_even_for_a_cached_token(rotating):
    _, ring, client = rotating
    token = login(client)["access_token"]
    assert client.get("/me", headers=bearer(token)).status_code == 200
    old = ring.current.kid
    ring.rotate()
    assert client.get("/me", headers=bearer(token)).status_code == 200
    ring.remove(old)  # the old private key leaked
    assert_invalid_token(client.get("/me", headers=bearer(token)), "unknown signing key")


def test_the_app_counts_jwks_requests_and_the_route_is_public(running):
    _, app, client = running
    before = app.state.jwks_requests
    client.get(JWKS_PATH)
    client.get(JWKS_PATH)
    assert app.state.jwks_requests == before + 2
    assert client.get("/openapi.json").json()["paths"][JWKS_PATH]["get"].get("security") is None


def test_a_key_ring_must_outlive_the_refresh_tokens():
    ring = KeyRing("EdDSA", retire_after_seconds=600)
    with pytest.raises(ValueError, match="logged out"):
        Settings(algorithm="EdDSA", key_ring=ring, refresh_ttl_seconds=3600)


def test_a_private_key_pem_can_be_passed():
    key = generate_private_key("ES256")
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    settings = Settings(algorithm="ES256", private_key=pem)
    assert settings.key_ring is not None
    assert settings.key_ring.retire_after_seconds == settings.refresh_ttl_seconds
    public = settings.key_ring.current.public_key
    assert isinstance(public, EllipticCurvePublicKey)
    assert isinstance(key, EllipticCurvePrivateKey)
    assert public.public_numbers() == key.public_key().public_numbers()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"algorithm": "RS256", "private_key": generate_private_key("EdDSA")}, "not RS256"),
        ({"algorithm": "HS256", "key_ring": KeyRing("EdDSA", retire_after_seconds=10**7)}, "secret_key"),
        ({"algorithm": "ES256", "key_ring": KeyRing("EdDSA", retire_after_seconds=10**7)}, "KeyRing for ES256"),
        (
            {
                "algorithm": "EdDSA",
                "private_key": generate_private_key("EdDSA"),
                "key_ring": KeyRing("EdDSA", retire_after_seconds=10**7),
            },
            "not both",
        ),
    ],
)
def test_mismatched_key_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Settings(**kwargs)


# -- a resource service that only knows the JWKS URL (chapter 05's microservice case) ---------


def resource_service(jwks_url: str) -> Any:
    """A separate API that verifies the auth server's tokens with PyJWKClient, as in chapter 05."""
    keys = jwt.PyJWKClient(jwks_url, lifespan=300, timeout=2, cooldown_duration=0)
    app = FastAPI()

    @app.get("/orders")
    def orders(request: Request) -> dict[str, Any]:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        try:
            key = keys.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError:  # the JWKS endpoint is unreachable
            raise HTTPException(503, "signing keys unavailable, try again later") from None
        except jwt.PyJWTError as exc:  # unknown kid after a refetch, or not a token at all
            raise HTTPException(401, f"invalid token: {exc}") from None
        claims = jwt.decode(token, key, algorithms=["ES256"], audience="jwt-course-api")
        return {"user": claims["sub"]}

    return app


def test_a_resource_service_keeps_working_from_its_cache_when_the_jwks_is_down():
    auth = create_app(Settings(algorithm="ES256"))
    other = create_app(Settings(algorithm="ES256"))  # another key: a kid the service never saw
    with serve(auth) as auth_server, serve(other) as other_server:
        with httpx.Client(base_url=auth_server.url) as client:
            known = login(client)["access_token"]
        with httpx.Client(base_url=other_server.url) as client:
            unknown = login(client)["access_token"]
        service = serve(resource_service(f"{auth_server.url}/.well-known/jwks.json"))
        try:
            with httpx.Client(base_url=service.url) as api:
                before = api.get("/orders", headers=bearer(known))
                auth_server.stop()  # the JWKS endpoint goes down
                cached = api.get("/orders", headers=bearer(known))
                new_kid = api.get("/orders", headers=bearer(unknown))
                garbage = api.get("/orders", headers=bearer("not-a-token"))
        finally:
            service.stop()
    assert before.status_code == 200 and before.json() == {"user": "alice"}
    assert cached.status_code == 200  # the key was cached: no download needed
    assert new_kid.status_code == 503 and new_kid.json()["detail"].startswith("signing keys unavailable")
    assert garbage.status_code == 401
