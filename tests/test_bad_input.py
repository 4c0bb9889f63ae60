"""Bad input against the demo API over real HTTP: never a 5xx, an echo or a hang.

Issue 11: NaN, Infinity, 1e999 and lone surrogates in JSON bodies, 10 MB fields, wrong
content types, a body announced and never sent, and validly signed tokens whose time
claims are no dates. Each answer is a small 4xx JSON body that contains no submitted
password or token, and nothing is logged as an error.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

from jwt_course import serve
from jwt_course.server import Settings, create_app
from jwt_course.tokens import ACCESS_TOKEN_TYPE, REFRESH_TOKEN_TYPE, InvalidTimeClaimError

SECRET = "bad-input-test-secret-0123456789abcdef-0123456789"
ISSUER = "https://issuer.test"
AUDIENCE = "course-api"
PASSWORD = "S3cret-Passw0rd-never-echoed"
MAX_ERROR_BODY = 4096


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    app = create_app(Settings(secret_key=SECRET, issuer=ISSUER, audience=AUDIENCE, body_timeout_seconds=1.0))
    with serve(app) as running:
        yield running


@pytest.fixture
def client(server: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        yield http


def assert_small_clean_4xx(response: httpx.Response, *secrets: str) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert len(response.content) <= MAX_ERROR_BODY, len(response.content)
    assert response.headers["content-type"].startswith("application/json")
    body = response.text
    for secret in (PASSWORD, *secrets):
        assert secret not in body
    assert "detail" in response.json()


def assert_nothing_logged(server: Any) -> None:
    errors = [r.getMessage() for r in server.log if r.levelno >= logging.WARNING]
    assert not errors, errors


RAW_LOGIN_BODIES = [
    '{"username": "alice", "password": NaN}',
    '{"username": "alice", "password": Infinity}',
    '{"username": "alice", "password": -Infinity}',
    '{"username": "alice", "password": 1e999}',
    '{"username": "\\ud800", "password": "%s"}' % PASSWORD,
    '{"username": "alice", "password": "%s\\udfff"}' % PASSWORD,
    '{"username": NaN, "password": NaN}',
    '{"username": "alice", "password": "%s", "extra": NaN}' % PASSWORD,
    '[NaN, "%s"]' % PASSWORD,
    '"%s"' % PASSWORD,
    '{"username": "alice", "password": ["%s"]}' % PASSWORD,
    '{"username": "alice", "password": {"x": "%s"}}' % PASSWORD,
    '{"username": "alice", "password": "%s"' % PASSWORD,  # truncated JSON
]


@pytest.mark.parametrize("body", RAW_LOGIN_BODIES)
def test_login_json_garbage_is_a_small_4xx_without_the_password(server: Any, client: httpx.Client, body: str) -> None:
    response = client.post("/login", content=body, headers={"content-type": "application/json"})
    assert_small_clean_4xx(response)
    assert_nothing_logged(server)


@pytest.mark.parametrize(
    "body",
    [
        '{"refresh_token": "\\ud800"}',
        '{"refresh_token": NaN}',
        '{"refresh_token": 1e999}',
        '{"refresh_token": -Infinity}',
        '{"refresh_token": "eyJ\\udbff.x.y"}',
        '{"refresh_token": null}',
    ],
)
def test_refresh_json_garbage_is_a_small_4xx(server: Any, client: httpx.Client, body: str) -> None:
    response = client.post("/refresh", content=body, headers={"content-type": "application/json"})
    assert_small_clean_4xx(response)
    assert_nothing_logged(server)


def test_a_10_mb_password_gets_a_small_answer(client: httpx.Client) -> None:
    huge = PASSWORD * (10_000_000 // len(PASSWORD))
    response = client.post("/login", json={"username": "alice", "password": huge})
    assert_small_clean_4xx(response)


def test_a_10_mb_form_password_gets_a_small_answer(client: httpx.Client) -> None:
    huge = PASSWORD * (10_000_000 // len(PASSWORD))
    response = client.post("/token", data={"username": "alice", "password": huge})
    assert_small_clean_4xx(response)


def test_a_chunked_body_over_the_cap_gets_413(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: the cap applies as it streams
        yield b'{"username": "alice", "password": "'
        for _ in range(100):
            yield PASSWORD.encode() * 40
        yield b'"}'

    response = client.post("/login", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert_small_clean_4xx(response)


def test_a_password_just_over_the_field_limit_is_not_echoed(client: httpx.Client) -> None:
    long = PASSWORD * (2000 // len(PASSWORD))  # 2 KB: under the body cap, over max_length
    response = client.post("/login", json={"username": "alice", "password": long})
    assert response.status_code == 422
    assert_small_clean_4xx(response)


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/octet-stream", ""])
def test_a_login_posted_with_a_wrong_content_type_is_not_echoed(client: httpx.Client, content_type: str) -> None:
    body = f"username=alice&password={PASSWORD}"
    response = client.post("/login", content=body, headers={"content-type": content_type})
    assert_small_clean_4xx(response)


@pytest.mark.parametrize("content_type", ["text/plain", "application/json"])
def test_a_token_form_posted_with_a_wrong_content_type_is_not_echoed(client: httpx.Client, content_type: str) -> None:
    body = f"username=alice&password={PASSWORD}&grant_type=password"
    response = client.post("/token", content=body, headers={"content-type": content_type})
    assert_small_clean_4xx(response)


@pytest.mark.parametrize("password", ["%ED%A0%80", "%FF%FE", f"{PASSWORD}%ED%BF%BF"])
def test_a_form_password_that_is_no_utf8_is_a_401(server: Any, client: httpx.Client, password: str) -> None:
    body = f"username=alice&password={password}"
    response = client.post("/token", content=body, headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 401, response.text
    assert_small_clean_4xx(response)
    assert_nothing_logged(server)


def test_validation_errors_keep_their_shape_without_input(client: httpx.Client) -> None:
    response = client.post("/login", json={"username": "alice"})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error == {"loc": ["body", "password"], "msg": "Field required", "type": "missing"}


def test_a_bearer_header_with_garbage_is_a_401_not_an_echo(client: httpx.Client) -> None:
    response = client.get("/me", headers={"authorization": f"Bearer {PASSWORD}"})
    assert response.status_code == 401
    assert_small_clean_4xx(response)


# -- a body that never arrives ----------------------------------------------------------


def raw_request(server: Any, request: bytes, timeout: float = 10.0) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(request)
        chunks: list[bytes] = []
        while True:  # until the server closes the connection
            chunk = sock.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def test_a_body_announced_and_never_sent_gets_408_and_the_connection_closes(server: Any) -> None:
    request = (
        b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 10485760\r\n\r\n0123456789"
    )
    # a 10 MB body is refused as too large before it is read
    assert raw_request(server, request).startswith(b"HTTP/1.1 413 ")


def test_a_small_body_announced_and_never_finished_gets_408(server: Any) -> None:
    request = (
        b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n0123456789"
    )
    answer = raw_request(server, request)  # raw_request's own timeout (10 s) fails a hang
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert b"connection: close" in answer.lower()


def test_body_timeout_is_configurable_and_bounded() -> None:
    assert Settings(secret_key=SECRET).body_timeout_seconds <= 60
    with pytest.raises(ValueError, match="body_timeout_seconds"):
        Settings(secret_key=SECRET, body_timeout_seconds=0)
    env = {"JWT_COURSE_SECRET_KEY": SECRET, "JWT_COURSE_BODY_TIMEOUT_SECONDS": "1.5"}
    assert Settings.from_env(env).body_timeout_seconds == 1.5


def test_a_get_announcing_a_body_it_never_sends_gets_408(server: Any) -> None:
    request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50\r\n\r\n"
    assert raw_request(server, request).startswith(b"HTTP/1.1 408 ")


# -- validly signed tokens whose time claims are no dates --------------------------------


def signed(claims: dict[str, Any], typ: str = ACCESS_TOKEN_TYPE) -> str:
    now = 1_700_000_000
    payload = {
        "sub": "alice",
        "role": "user",
        "fam": "f",
        "jti": "j",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 900,
        **claims,
    }
    header = {"typ": typ}
    return jwt.encode(payload, SECRET, algorithm="HS256", headers=header)


def signed_raw(claim: str, raw_value: str, typ: str = ACCESS_TOKEN_TYPE) -> str:
    """A token whose ``claim`` is written as ``raw_value`` verbatim in the JSON (e.g. NaN)."""
    placeholder = 1234567.0
    token = signed({claim: placeholder}, typ)
    header_b64, payload_b64, _ = token.split(".")
    payload = jwt.utils.base64url_decode(payload_b64).replace(b"1234567.0", raw_value.encode())
    signing_input = f"{header_b64}.{jwt.utils.base64url_encode(payload).decode()}"
    signature = jwt.get_algorithm_by_name("HS256").sign(signing_input.encode(), SECRET.encode())
    return f"{signing_input}.{jwt.utils.base64url_encode(signature).decode()}"


ABSURD_TIMES = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "9" * 400,
    "true",
    "false",
    "null",
    '"2030-01-01"',
    "[1]",
    "-1",
    "1e300",
    "253402300800",
]


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
@pytest.mark.parametrize("raw_value", ABSURD_TIMES)
def test_a_signed_access_token_with_an_absurd_time_claim_is_a_401(
    client: httpx.Client, claim: str, raw_value: str
) -> None:
    token = signed_raw(claim, raw_value)
    response = client.get("/me", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 401, (claim, raw_value, response.text)
    assert_small_clean_4xx(response, token)


@pytest.mark.parametrize("raw_value", ["NaN", "Infinity", "1e400", "9" * 400])
def test_a_signed_refresh_token_with_an_absurd_exp_is_a_401(client: httpx.Client, raw_value: str) -> None:
    token = signed_raw("exp", raw_value, REFRESH_TOKEN_TYPE)
    response = client.post("/refresh", json={"refresh_token": token})
    assert response.status_code == 401, response.text
    assert_small_clean_4xx(response, token)


@pytest.mark.parametrize("raw_value", ["NaN", "Infinity", "1e400", "9" * 400, "true"])
def test_the_signer_raises_a_decode_error_for_absurd_times(raw_value: str) -> None:
    app = create_app(Settings(secret_key=SECRET, issuer=ISSUER, audience=AUDIENCE, clock=lambda: 1_700_000_100))
    signer = app.state.signer
    with pytest.raises(InvalidTimeClaimError, match="'exp'"):
        signer.decode(signed_raw("exp", raw_value), ACCESS_TOKEN_TYPE, ["sub"])
    assert issubclass(InvalidTimeClaimError, jwt.InvalidTokenError)
    app.state.store.close()


def test_a_sane_token_still_passes() -> None:
    app = create_app(Settings(secret_key=SECRET, issuer=ISSUER, audience=AUDIENCE, clock=lambda: 1_700_000_100))
    claims = app.state.signer.decode(signed({"nbf": 1_700_000_000.5}), ACCESS_TOKEN_TYPE, ["sub"])
    assert claims["sub"] == "alice"
    app.state.store.close()


# -- OpenAPI says what the routes answer --------------------------------------------------


def test_openapi_documents_the_error_answers(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/login", "/token", "/refresh"):
        assert {"400", "401", "408", "413", "422"} <= set(paths[path]["post"]["responses"]), path
    for path, method in (("/me", "get"), ("/admin", "get"), ("/logout", "post")):
        assert {"401", "408", "413"} <= set(paths[path][method]["responses"]), path
    assert "403" in paths["/admin"]["get"]["responses"]


def test_a_body_that_is_no_utf8_json_is_a_documented_400(client: httpx.Client) -> None:
    response = client.post("/login", content=b"\xff\xfe{", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert_small_clean_4xx(response)


def test_redoc_is_off_rather_than_loading_a_cdn(client: httpx.Client) -> None:
    assert client.get("/redoc").status_code == 404
    docs = client.get("/docs").text
    assert "cdn" not in docs.lower() and "https://" not in docs


@pytest.mark.parametrize("depth", [1000, 1500])
def test_a_bearer_token_with_a_deeply_nested_header_is_a_401(server: Any, client: httpx.Client, depth: int) -> None:
    header = jwt.utils.base64url_encode(b"[" * depth + b"]" * depth).decode()
    token = f"{header}.e30.c2ln"
    response = client.get("/me", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert_small_clean_4xx(response)
    assert_nothing_logged(server)


def test_a_refresh_token_with_a_deeply_nested_header_is_a_401(client: httpx.Client) -> None:
    header = jwt.utils.base64url_encode(b"[" * 2500 + b"]" * 2500).decode()
    response = client.post("/refresh", json={"refresh_token": f"{header}.e30.c2ln"})
    assert response.status_code == 401
    assert_small_clean_4xx(response)
