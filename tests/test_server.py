"""jwt_course.server: the demo API, black-box over real HTTP with serve() and httpx.

Starlette's TestClient is not used (it warns with httpx, and warnings are errors):
every test talks to a real uvicorn server on loopback.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

import jwt_course.server
from jwt_course import serve
from jwt_course.clock import ManualClock
from jwt_course.handmade import b64url_encode
from jwt_course.passwords import DUMMY_HASH, hash_password, verify_password
from jwt_course.server import Settings, User, create_app

SECRET = "test-secret-for-the-demo-api-0123456789abcdef"  # 45 bytes, >= 32 for HS256
ISSUER = "https://issuer.test"
AUDIENCE = "course-api"
INVALID_TOKEN = re.compile(r'^Bearer error="invalid_token", error_description="[ !#-\[\]-~]*"$')


def settings(**overrides: Any) -> Settings:
    return Settings(**{"secret_key": SECRET, "issuer": ISSUER, "audience": AUDIENCE, **overrides})


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(settings())


@pytest.fixture(scope="module")
def server(app: FastAPI) -> Iterator[Any]:
    with serve(app) as running:
        yield running


@pytest.fixture
def client(server: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=5) as http:
        yield http


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_700_000_000)


@pytest.fixture
def clocked(clock: ManualClock) -> Iterator[tuple[FastAPI, httpx.Client]]:
    """An app on a hand-moved clock, with access TTL 60 s and refresh TTL 120 s."""
    app = create_app(settings(clock=clock, access_ttl_seconds=60, refresh_ttl_seconds=120))
    with serve(app) as running, httpx.Client(base_url=running.url, timeout=5) as http:
        yield app, http


def login(client: httpx.Client, username: str = "alice", password: str = "wonderland") -> dict:
    response = client.post("/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claims(**overrides: Any) -> dict[str, Any]:
    """Valid access-token claims; an override of None removes the claim."""
    now = int(time.time())
    base = {
        "sub": "alice",
        "role": "user",
        "iat": now,
        "exp": now + 60,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "jti": secrets.token_hex(8),
        "fam": "forged",
    }
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not None}


def sign(header: dict, payload: dict, key: bytes = SECRET.encode(), digest: str = "sha256") -> str:
    """Build a token by hand, so the header can hold anything (alg none, no typ...)."""
    signing_input = f"{b64url_encode(json.dumps(header).encode())}.{b64url_encode(json.dumps(payload).encode())}"
    if header.get("alg") == "none":
        return signing_input + "."
    signature = hmac.new(key, signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64url_encode(signature)}"


def access(payload: dict) -> str:
    return sign({"alg": "HS256", "typ": "at+jwt"}, payload)


def assert_invalid_token(response: httpx.Response, fragment: str = "") -> None:
    assert response.status_code == 401, response.text
    assert INVALID_TOKEN.match(response.headers["www-authenticate"]), response.headers
    assert fragment in response.json()["detail"]


# -- routes ----------------------------------------------------------------------------


def test_health_is_unprotected(client):
    assert client.get("/health").json() == {"status": "ok"}


def test_login_returns_a_bearer_token_pair(client):
    pair = login(client)
    assert set(pair) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert pair["token_type"] == "bearer" and pair["expires_in"] == 900


def test_token_endpoint_accepts_the_oauth2_password_form(client):
    response = client.post("/token", data={"username": "bob", "password": "builder"})
    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"


def test_access_token_is_typed_and_carries_the_required_claims(client):
    token = login(client)["access_token"]
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "at+jwt"}
    payload = jwt.decode(token, SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    assert {"sub", "role", "iat", "exp", "iss", "aud", "jti", "fam"} <= set(payload)
    assert payload["exp"] - payload["iat"] == 900


def test_refresh_token_is_typed_differently(client):
    token = login(client)["refresh_token"]
    assert jwt.get_unverified_header(token)["typ"] == "rt+jwt"


def test_me_returns_username_and_role(client):
    response = client.get("/me", headers=bearer(login(client)["access_token"]))
    assert response.status_code == 200
    assert response.json()["username"] == "alice" and response.json()["role"] == "user"


def test_admin_allows_an_admin(client):
    response = client.get("/admin", headers=bearer(login(client, "bob", "builder")["access_token"]))
    assert response.status_code == 200 and response.json()["username"] == "bob"


def test_admin_forbids_a_user_with_insufficient_scope(client):
    response = client.get("/admin", headers=bearer(login(client)["access_token"]))
    assert response.status_code == 403
    assert response.headers["www-authenticate"].startswith('Bearer error="insufficient_scope"')
    assert response.json() == {"detail": "admin role required"}


def test_openapi_declares_the_oauth2_password_scheme(client):
    schema = client.get("/openapi.json").json()
    scheme = schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert scheme == {"type": "oauth2", "flows": {"password": {"scopes": {}, "tokenUrl": "token"}}}
    assert schema["paths"]["/me"]["get"]["security"] == [{"OAuth2PasswordBearer": []}]


def test_swagger_ui_loads(client):
    response = client.get("/docs")
    assert response.status_code == 200 and "swagger-ui" in response.text


def test_unknown_route_is_a_json_404(client):
    response = client.get("/nope")
    assert response.status_code == 404 and response.json() == {"detail": "Not Found"}


# -- credentials -----------------------------------------------------------------------


def test_wrong_password_is_401(client):
    response = client.post("/login", json={"username": "alice", "password": "nope"})
    assert response.status_code == 401
    assert response.json() == {"detail": "incorrect username or password"}


def test_unknown_user_gets_the_same_401_as_a_wrong_password(client):
    wrong = client.post("/login", json={"username": "alice", "password": "nope"})
    unknown = client.post("/login", json={"username": "mallory", "password": "nope"})
    assert (unknown.status_code, unknown.json()) == (wrong.status_code, wrong.json())
    assert unknown.headers["www-authenticate"] == wrong.headers["www-authenticate"] == "Bearer"


def test_unknown_user_costs_the_same_scrypt_work_as_a_wrong_password(client, app, monkeypatch):
    # Equal cost, checked by the work done rather than by a stopwatch: one scrypt
    # verification with the same parameters for an unknown user as for a known one.
    checked: list[str] = []

    def counting_verify(password: str, encoded: str) -> bool:
        checked.append(encoded)
        return verify_password(password, encoded)

    monkeypatch.setattr(jwt_course.server, "verify_password", counting_verify)
    client.post("/login", json={"username": "alice", "password": "nope"})
    client.post("/login", json={"username": "mallory", "password": "nope"})
    alice_hash = app.state.settings.users["alice"].password_hash
    assert checked == [alice_hash, DUMMY_HASH]
    assert DUMMY_HASH.split("$")[:4] == alice_hash.split("$")[:4]  # scheme, n, r, p


def test_token_endpoint_rejects_a_wrong_password_with_a_bearer_challenge(client):
    response = client.post("/token", data={"username": "bob", "password": "nope"})
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"


def test_passwords_are_stored_as_scrypt_hashes(app):
    alice = app.state.settings.users["alice"]
    assert alice.password_hash.startswith("scrypt$") and "wonderland" not in alice.password_hash
    assert verify_password("wonderland", alice.password_hash)
    assert hash_password("wonderland") != hash_password("wonderland")  # random salt


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        ("/login", {"content": b'{"username": "alice", "password": ', "headers": {"content-type": "application/json"}}),
        ("/login", {"json": ["alice", "wonderland"]}),
        ("/login", {"json": {"username": "alice"}}),
        ("/login", {"content": b"\xff\xfe", "headers": {"content-type": "application/json"}}),
        ("/login", {"json": {"username": "alice", "password": "x" * 5000}}),
        ("/token", {"json": {"username": "alice", "password": "wonderland"}}),
        ("/refresh", {"content": b"not json", "headers": {"content-type": "application/json"}}),
        ("/refresh", {"json": {"refresh_token": 123}}),
    ],
    ids=[
        "truncated",
        "array",
        "missing-field",
        "bad-utf8",
        "huge-password",
        "json-to-form",
        "refresh-text",
        "refresh-number",
    ],
)
def test_malformed_bodies_are_422_never_500(client, path, kwargs):
    response = client.post(path, **kwargs)
    assert response.status_code == 422 and "detail" in response.json()


# -- missing and malformed tokens ------------------------------------------------------


def test_no_token_is_401_with_a_plain_bearer_challenge(client):
    response = client.get("/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"detail": "not authenticated"}


@pytest.mark.parametrize(
    "header", ["Bearer", "Basic xyz", "Bearer a.b", "Bearer a.b.c", "Bearer a b", "Token abc", "bearer ..."]
)
def test_a_garbage_authorization_header_is_invalid_token(client, header):
    assert_invalid_token(client.get("/me", headers={"Authorization": header}))


def test_an_oversized_authorization_header_is_refused_before_any_parsing(client, monkeypatch):
    def no_decoding(*args, **kwargs):
        raise AssertionError("an oversized token reached the JWT decoder")

    monkeypatch.setattr(jwt, "get_unverified_header", no_decoding)
    monkeypatch.setattr(jwt.PyJWT, "decode_complete", no_decoding)
    assert_invalid_token(client.get("/me", headers=bearer("a" * 100_000)), "too long")


def test_a_megabyte_header_is_refused_without_a_500(server):
    try:
        response = httpx.get(f"{server.url}/me", headers=bearer("a" * 1_000_000), timeout=5)
    except (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError):
        return  # uvicorn closed the connection: acceptable, no 500 and no hang
    assert 400 <= response.status_code < 500


# -- forged and misused tokens ---------------------------------------------------------


def test_a_well_forged_token_with_the_right_secret_is_accepted(client):
    # The control for the tests below: the helpers make tokens the server accepts.
    assert client.get("/me", headers=bearer(access(claims()))).status_code == 200


def test_a_token_signed_with_another_key_is_rejected(client):
    token = sign({"alg": "HS256", "typ": "at+jwt"}, claims(), key=secrets.token_bytes(32))
    assert_invalid_token(client.get("/me", headers=bearer(token)), "Signature verification failed")


def test_a_tampered_payload_is_rejected(client):
    header, _, signature = login(client)["access_token"].split(".")
    payload = b64url_encode(json.dumps(claims(role="admin")).encode())
    assert_invalid_token(client.get("/admin", headers=bearer(f"{header}.{payload}.{signature}")))


def test_an_expired_token_is_rejected(client):
    token = access(claims(iat=int(time.time()) - 120, exp=int(time.time()) - 60))
    assert_invalid_token(client.get("/me", headers=bearer(token)), "expired")


def test_a_token_from_the_future_is_rejected(client):
    token = access(claims(iat=int(time.time()) + 3600, exp=int(time.time()) + 7200))
    assert_invalid_token(client.get("/me", headers=bearer(token)), "not yet valid")


def test_a_wrong_audience_is_rejected(client):
    assert_invalid_token(client.get("/me", headers=bearer(access(claims(aud="other-api")))), "Audience")


def test_a_wrong_issuer_is_rejected(client):
    token = access(claims(iss="https://evil.test"))
    assert_invalid_token(client.get("/me", headers=bearer(token)), "issuer")


@pytest.mark.parametrize("claim", ["exp", "iat", "iss", "aud", "jti", "sub", "role", "fam"])
def test_a_token_missing_a_required_claim_is_rejected(client, claim):
    token = access(claims(**{claim: None}))
    assert_invalid_token(client.get("/me", headers=bearer(token)), claim)


def test_a_non_numeric_exp_is_rejected(client):
    assert_invalid_token(client.get("/me", headers=bearer(access(claims(exp="tomorrow")))))


def test_a_refresh_token_is_not_accepted_as_an_access_token(client):
    refresh = login(client)["refresh_token"]
    assert_invalid_token(client.get("/me", headers=bearer(refresh)), "wrong token type")


def test_an_access_token_is_not_accepted_as_a_refresh_token(client):
    access_token = login(client)["access_token"]
    response = client.post("/refresh", json={"refresh_token": access_token})
    assert_invalid_token(response, "wrong token type")


@pytest.mark.parametrize("typ", [None, "JWT", "rt+jwt", "AT+JWT-ish"])
def test_a_token_without_the_access_typ_is_rejected(client, typ):
    header = {"alg": "HS256"} if typ is None else {"alg": "HS256", "typ": typ}
    assert_invalid_token(client.get("/me", headers=bearer(sign(header, claims()))), "token type")


def test_alg_none_is_rejected(client):
    token = sign({"alg": "none", "typ": "at+jwt"}, claims())
    assert_invalid_token(client.get("/me", headers=bearer(token)), "alg")


def test_a_stronger_hmac_alg_with_the_right_secret_is_still_rejected(client):
    # Only the configured algorithm is accepted, whatever the header says.
    token = sign({"alg": "HS512", "typ": "at+jwt"}, claims(), digest="sha512")
    assert_invalid_token(client.get("/me", headers=bearer(token)), "alg")


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_an_rs256_token_is_rejected(client, rsa_key):
    token = jwt.encode(claims(), rsa_key, algorithm="RS256", headers={"typ": "at+jwt"})
    assert_invalid_token(client.get("/me", headers=bearer(token)), "alg")


def test_an_hs256_token_keyed_with_a_public_key_pem_is_rejected(client, rsa_key):
    # The RS256 -> HS256 confusion attack: sign with the public key as an HMAC secret.
    pem = rsa_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    token = sign({"alg": "HS256", "typ": "at+jwt"}, claims(), key=pem)
    assert_invalid_token(client.get("/me", headers=bearer(token)))


# -- refresh, reuse detection and logout -----------------------------------------------


def test_refresh_returns_a_new_pair(client):
    pair = login(client)
    response = client.post("/refresh", json={"refresh_token": pair["refresh_token"]})
    assert response.status_code == 200
    fresh = response.json()
    assert fresh["refresh_token"] != pair["refresh_token"]
    assert client.get("/me", headers=bearer(fresh["access_token"])).status_code == 200


def test_a_used_refresh_token_is_rejected(client):
    pair = login(client)
    client.post("/refresh", json={"refresh_token": pair["refresh_token"]})
    response = client.post("/refresh", json={"refresh_token": pair["refresh_token"]})
    assert_invalid_token(response, "reuse detected")


def test_reuse_revokes_the_newest_refresh_token_of_the_family(client):
    pair = login(client)
    newest = client.post("/refresh", json={"refresh_token": pair["refresh_token"]}).json()
    client.post("/refresh", json={"refresh_token": pair["refresh_token"]})  # the thief's replay
    response = client.post("/refresh", json={"refresh_token": newest["refresh_token"]})
    assert_invalid_token(response, "revoked")


def test_reuse_revokes_the_access_tokens_of_the_family(client):
    pair = login(client)
    newest = client.post("/refresh", json={"refresh_token": pair["refresh_token"]}).json()
    client.post("/refresh", json={"refresh_token": pair["refresh_token"]})
    for token in (pair["access_token"], newest["access_token"]):
        assert_invalid_token(client.get("/me", headers=bearer(token)), "revoked")


def test_reuse_leaves_other_logins_alone(client):
    other = login(client)
    pair = login(client)
    client.post("/refresh", json={"refresh_token": pair["refresh_token"]})
    client.post("/refresh", json={"refresh_token": pair["refresh_token"]})
    assert client.get("/me", headers=bearer(other["access_token"])).status_code == 200


def test_a_garbage_refresh_token_is_401(client):
    assert_invalid_token(client.post("/refresh", json={"refresh_token": "garbage"}))


def test_a_refresh_token_signed_with_another_key_is_401(client):
    payload = claims()
    del payload["role"]
    token = sign({"alg": "HS256", "typ": "rt+jwt"}, payload, key=secrets.token_bytes(32))
    assert_invalid_token(client.post("/refresh", json={"refresh_token": token}))


def test_a_forged_refresh_token_of_an_unknown_family_is_401(client):
    token = sign({"alg": "HS256", "typ": "rt+jwt"}, claims(role=None, fam="never-issued"))
    assert_invalid_token(client.post("/refresh", json={"refresh_token": token}), "unknown")


def test_logout_returns_204_and_rejects_the_access_token(client):
    token = login(client)["access_token"]
    response = client.post("/logout", headers=bearer(token))
    assert response.status_code == 204 and response.content == b""
    assert_invalid_token(client.get("/me", headers=bearer(token)), "revoked")


def test_logout_rejects_a_token_the_server_has_already_verified(client):
    token = login(client)["access_token"]
    assert client.get("/me", headers=bearer(token)).status_code == 200  # now cached
    client.post("/logout", headers=bearer(token))
    assert_invalid_token(client.get("/me", headers=bearer(token)), "revoked")


def test_an_app_without_the_verified_token_cache_works():
    app = create_app(settings(verified_token_cache=0))
    with serve(app) as running, httpx.Client(base_url=running.url) as client:
        token = login(client)["access_token"]
        assert client.get("/me", headers=bearer(token)).status_code == 200
        assert client.get("/me", headers=bearer(token)).status_code == 200


def test_logout_revokes_the_refresh_family(client):
    pair = login(client)
    client.post("/logout", headers=bearer(pair["access_token"]))
    assert_invalid_token(client.post("/refresh", json={"refresh_token": pair["refresh_token"]}))


def test_a_padded_signature_does_not_bypass_logout(client):
    # PyJWT 2.15 accepts a trailing "=" on the signature; the denylist keys on jti.
    token = login(client)["access_token"]
    client.post("/logout", headers=bearer(token))
    assert_invalid_token(client.get("/me", headers=bearer(token + "=")))


def test_logout_without_a_token_is_401(client):
    assert client.post("/logout").status_code == 401


def test_a_concurrent_burst_of_requests_all_succeed(client, server):
    token = login(client)["access_token"]
    statuses: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        with httpx.Client(base_url=server.url, timeout=10) as own:
            codes = [own.get("/me", headers=bearer(token)).status_code for _ in range(25)]
        with lock:
            statuses.extend(codes)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 100


# -- clock, expiry, persistence and purge ----------------------------------------------


def test_tokens_expire_on_the_settings_clock(clocked, clock):
    _, client = clocked
    pair = login(client)
    assert client.get("/me", headers=bearer(pair["access_token"])).status_code == 200
    clock.now += 60
    assert_invalid_token(client.get("/me", headers=bearer(pair["access_token"])), "expired")
    assert client.post("/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 200


def test_an_expired_refresh_token_is_401(clocked, clock):
    _, client = clocked
    pair = login(client)
    clock.now += 120
    response = client.post("/refresh", json={"refresh_token": pair["refresh_token"]})
    assert_invalid_token(response, "expired")


def test_expired_revocations_are_purged(clocked, clock):
    app, client = clocked
    client.post("/logout", headers=bearer(login(client)["access_token"]))
    assert app.state.store.row_counts() == {"denied_tokens": 1, "families": 1}
    clock.now += 121  # every token of that login has expired by now
    login(client)  # any write purges
    assert app.state.store.row_counts() == {"denied_tokens": 0, "families": 1}


def test_revocations_survive_a_restart(tmp_path):
    database = str(tmp_path / "revocations.sqlite3")
    first = create_app(settings(database=database))
    with serve(first) as running, httpx.Client(base_url=running.url) as client:
        pair = login(client)
        assert client.post("/logout", headers=bearer(pair["access_token"])).status_code == 204
    first.state.store.close()

    second = create_app(settings(database=database))
    with serve(second) as running, httpx.Client(base_url=running.url) as client:
        assert_invalid_token(client.get("/me", headers=bearer(pair["access_token"])), "revoked")
        assert_invalid_token(client.post("/refresh", json={"refresh_token": pair["refresh_token"]}))
        assert client.get("/me", headers=bearer(login(client)["access_token"])).status_code == 200
    second.state.store.close()


# -- streaming ------------------------------------------------------------------------


def test_ticks_streams_one_line_per_tick(client):
    token = login(client, "bob", "builder")["access_token"]
    response = client.get("/ticks", params={"count": 5, "interval": 0}, headers=bearer(token))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert response.text == "".join(f"tick {i}\n" for i in range(5))


def test_ticks_requires_a_token(client):
    assert client.get("/ticks", params={"count": 1}).status_code == 401


@pytest.mark.parametrize("params", [{"count": 0}, {"count": 1001}, {"interval": 2}, {"interval": -1}, {"count": "x"}])
def test_ticks_rejects_out_of_range_parameters(client, params):
    token = login(client)["access_token"]
    assert client.get("/ticks", params=params, headers=bearer(token)).status_code == 422


def test_ticks_stop_when_the_client_disconnects(client, app):
    token = login(client)["access_token"]
    before = app.state.ticks_sent
    with client.stream("GET", "/ticks", params={"count": 1000, "interval": 0.01}, headers=bearer(token)) as response:
        lines = response.iter_lines()
        assert [next(lines) for _ in range(3)] == ["tick 0", "tick 1", "tick 2"]
    deadline = time.monotonic() + 3
    while not app.state.last_stream_disconnected and time.monotonic() < deadline:
        time.sleep(0.01)
    assert app.state.last_stream_disconnected
    assert 3 <= app.state.ticks_sent - before < 1000


# -- settings -------------------------------------------------------------------------


def test_the_default_secret_is_random():
    assert Settings().secret_key != Settings().secret_key
    assert len(Settings().secret_key) >= 32


def test_a_short_secret_is_refused():
    with pytest.raises(ValueError, match="at least 32"):
        Settings(secret_key="too-short")


def test_a_secret_too_short_for_hs512_is_refused():
    with pytest.raises(ValueError, match="at least 64"):
        Settings(secret_key=SECRET, algorithm="HS512")


def test_a_public_key_pem_is_refused_as_a_secret(rsa_key):
    pem = rsa_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(ValueError, match="HMAC secret"):
        Settings(secret_key=pem)


@pytest.mark.parametrize("algorithm", ["PS256", "none", "hs256"])
def test_an_unsupported_algorithm_is_refused(algorithm):
    with pytest.raises(ValueError, match="not supported"):
        Settings(algorithm=algorithm)


def test_settings_from_env_reads_the_variables(tmp_path):
    environ = {
        "JWT_COURSE_SECRET_KEY": "e" * 64,
        "JWT_COURSE_ALGORITHM": "HS512",
        "JWT_COURSE_ISSUER": "https://env.test",
        "JWT_COURSE_AUDIENCE": "env-api",
        "JWT_COURSE_ACCESS_TTL_SECONDS": "60",
        "JWT_COURSE_REFRESH_TTL_SECONDS": "3600",
        "JWT_COURSE_DATABASE": str(tmp_path / "env.sqlite3"),
    }
    loaded = Settings.from_env(environ)
    assert (loaded.secret_key, loaded.algorithm, loaded.issuer, loaded.audience) == (
        "e" * 64,
        "HS512",
        "https://env.test",
        "env-api",
    )
    assert (loaded.access_ttl_seconds, loaded.refresh_ttl_seconds) == (60, 3600)
    assert loaded.database == environ["JWT_COURSE_DATABASE"]


def test_settings_from_an_empty_env_uses_a_random_secret():
    assert Settings.from_env({}).secret_key != Settings.from_env({}).secret_key


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("JWT_COURSE_ACCESS_TTL_SECONDS", "soon", "JWT_COURSE_ACCESS_TTL_SECONDS must be an integer"),
        ("JWT_COURSE_REFRESH_TTL_SECONDS", "-5", "refresh_ttl_seconds must be a positive integer"),
        ("JWT_COURSE_SECRET_KEY", "short", "at least 32"),
        ("JWT_COURSE_ALGORITHM", "none", "not supported"),
    ],
)
def test_settings_from_env_names_a_bad_value(variable, value, message):
    with pytest.raises(ValueError, match=message):
        Settings.from_env({variable: value})


def test_an_hs512_app_signs_with_hs512():
    app = create_app(Settings(secret_key="k" * 64, algorithm="HS512"))
    with serve(app) as running, httpx.Client(base_url=running.url) as client:
        token = login(client)["access_token"]
        assert jwt.get_unverified_header(token)["alg"] == "HS512"
        assert client.get("/me", headers=bearer(token)).status_code == 200


def test_custom_users_can_log_in():
    app = create_app(settings(users={"carol": User.create("carol", "c4rol-pass", "admin")}))
    with serve(app) as running, httpx.Client(base_url=running.url) as client:
        token = login(client, "carol", "c4rol-pass")["access_token"]
        assert client.get("/admin", headers=bearer(token)).status_code == 200
        assert client.post("/login", json={"username": "alice", "password": "wonderland"}).status_code == 401
