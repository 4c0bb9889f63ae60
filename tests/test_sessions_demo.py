"""Chapter 02's session and JWT demo apps, over real HTTP with serve()."""

from __future__ import annotations

import os
import tempfile

import httpx
import jwt
import pytest

from jwt_course import serve
from jwt_course.clock import ManualClock
from jwt_course.sessions_demo import (
    COOKIE_NAME,
    MemorySessionStore,
    SqliteSessionStore,
    create_jwt_app,
    create_session_app,
    new_session_id,
)

SECRET = "tests-sessions-demo-secret-0123456789abcdef"
ALICE = {"username": "alice", "password": "wonderland"}
START = 1_767_225_600


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(float(START))


@pytest.fixture
def session_server(clock):
    store = MemorySessionStore()
    with serve(create_session_app(store, ttl_seconds=60, clock=clock)) as server:
        server.store = store  # type: ignore[attr-defined]
        yield server


@pytest.fixture
def jwt_server(clock):
    with serve(create_jwt_app(SECRET, ttl_seconds=60, clock=clock)) as server:
        yield server


# -- stores --------------------------------------------------------------------


@pytest.mark.parametrize("make_store", [MemorySessionStore, SqliteSessionStore])
def test_store_create_get_delete(make_store):
    store = make_store()
    sid = store.create("alice", expires_at=100.0)
    assert store.get(sid, now=99.9) == "alice"
    assert store.get(sid, now=100.0) is None  # expired at exactly expires_at, like exp
    assert store.get("unknown", now=0) is None
    assert len(store) == 1
    assert store.delete(sid) is True
    assert store.delete(sid) is False
    assert store.get(sid, now=0) is None
    assert len(store) == 0


def test_session_ids_are_long_and_distinct():
    ids = {new_session_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) == 43 for i in ids)


def test_sqlite_stores_on_one_file_share_sessions():
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "sessions.sqlite")
        with SqliteSessionStore(path) as one, SqliteSessionStore(path) as two:
            sid = one.create("bob", expires_at=10.0)
            assert two.get(sid, now=0) == "bob"
            assert two.delete(sid)
            assert one.get(sid, now=0) is None


def test_sqlite_store_is_not_fooled_by_sql_in_the_id():
    store = SqliteSessionStore()
    store.create("alice", expires_at=10.0)
    assert store.get("' OR '1'='1", now=0) is None


# -- session app -----------------------------------------------------------------


def test_session_login_sets_an_httponly_cookie_and_me_answers(session_server):
    with httpx.Client(base_url=session_server.url) as client:
        response = client.post("/login", json=ALICE)
        assert response.status_code == 200
        cookie = response.headers["set-cookie"].lower()
        assert cookie.startswith(f"{COOKIE_NAME}=")
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert client.get("/me").json() == {"username": "alice", "auth": "session"}
    assert len(session_server.store) == 1


def test_session_wrong_password_and_unknown_user_get_the_same_401(session_server):
    wrong = httpx.post(f"{session_server.url}/login", json={**ALICE, "password": "nope"})
    unknown = httpx.post(f"{session_server.url}/login", json={"username": "eve", "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_session_me_without_or_with_a_forged_cookie_is_401(session_server):
    assert httpx.get(f"{session_server.url}/me").status_code == 401
    forged = httpx.get(f"{session_server.url}/me", cookies={COOKIE_NAME: new_session_id()})
    assert forged.status_code == 401


def test_session_expires_on_the_servers_clock(session_server, clock):
    with httpx.Client(base_url=session_server.url) as client:
        client.post("/login", json=ALICE)
        clock.now += 60
        assert client.get("/me").status_code == 401


def test_session_logout_deletes_the_session(session_server):
    with httpx.Client(base_url=session_server.url) as client:
        client.post("/login", json=ALICE)
        session_id = client.cookies[COOKIE_NAME]
        assert client.post("/logout").status_code == 200
    assert len(session_server.store) == 0
    replay = httpx.get(f"{session_server.url}/me", cookies={COOKIE_NAME: session_id})
    assert replay.status_code == 401


def test_session_is_unknown_to_a_second_instance_with_its_own_store(session_server):
    with serve(create_session_app(MemorySessionStore())) as other:
        with httpx.Client(base_url=session_server.url) as client:
            client.post("/login", json=ALICE)
            cookies = {COOKIE_NAME: client.cookies[COOKIE_NAME]}
        assert httpx.get(f"{other.url}/me", cookies=cookies).status_code == 401


def test_two_session_instances_on_one_sqlite_file_share_logins():
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "sessions.sqlite")
        with SqliteSessionStore(path) as store_a, SqliteSessionStore(path) as store_b:
            with serve(create_session_app(store_a)) as a, serve(create_session_app(store_b)) as b:
                login = httpx.post(f"{a.url}/login", json=ALICE)
                cookies = {COOKIE_NAME: login.cookies[COOKIE_NAME]}
                assert httpx.get(f"{b.url}/me", cookies=cookies).json()["username"] == "alice"


# -- JWT app ---------------------------------------------------------------------


def _token(server) -> str:
    return httpx.post(f"{server.url}/login", json=ALICE).json()["access_token"]


def test_jwt_login_returns_a_signed_token_with_the_servers_clock(jwt_server):
    body = httpx.post(f"{jwt_server.url}/login", json=ALICE).json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 60
    claims = jwt.decode(body["access_token"], SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert claims == {"sub": "alice", "iat": START, "exp": START + 60}


def test_jwt_me_accepts_the_bearer_token(jwt_server):
    headers = {"Authorization": f"Bearer {_token(jwt_server)}"}
    answer = httpx.get(f"{jwt_server.url}/me", headers=headers).json()
    assert answer == {"username": "alice", "auth": "jwt"}


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer a.b.c", "Basic YWxpY2U6d29uZGVybGFuZA==", "Bearer " + "x" * 5000],
)
def test_jwt_me_refuses_missing_or_malformed_headers_with_401(jwt_server, header):
    headers = {} if header is None else {"Authorization": header}
    response = httpx.get(f"{jwt_server.url}/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_jwt_me_refuses_a_token_signed_with_another_secret(jwt_server):
    other_secret = "another-secret-that-is-32-bytes-long!"
    forged = jwt.encode({"sub": "alice", "exp": START + 60}, other_secret, "HS256")
    response = httpx.get(f"{jwt_server.url}/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_jwt_expires_on_the_servers_clock_and_logout_deletes_nothing(jwt_server, clock):
    headers = {"Authorization": f"Bearer {_token(jwt_server)}"}
    assert httpx.post(f"{jwt_server.url}/logout", headers=headers).status_code == 204
    clock.now += 59
    assert httpx.get(f"{jwt_server.url}/me", headers=headers).status_code == 200
    clock.now += 1
    assert httpx.get(f"{jwt_server.url}/me", headers=headers).status_code == 401


def test_jwt_works_on_a_second_instance_with_the_same_secret(jwt_server, clock):
    headers = {"Authorization": f"Bearer {_token(jwt_server)}"}
    with serve(create_jwt_app(SECRET, clock=clock)) as other:
        assert httpx.get(f"{other.url}/me", headers=headers).status_code == 200
    with serve(create_jwt_app(SECRET[::-1], clock=clock)) as stranger:
        assert httpx.get(f"{stranger.url}/me", headers=headers).status_code == 401


def test_jwt_app_refuses_a_short_secret():
    with pytest.raises(ValueError, match="32 bytes"):
        create_jwt_app("too-short")


# -- bad input (issue 11): small 4xx answers, never an echo or a 500 -------------------------

GARBAGE_LOGINS = [
    '{"username": "alice", "password": NaN}',
    '{"username": "alice", "password": Infinity}',
    '{"username": "alice", "password": 1e999}',
    '{"username": "\\ud800", "password": "never-echo-this-password"}',
    '{"username": "alice", "password": "never-echo-this-password\\udfff"}',
]


@pytest.mark.parametrize("body", GARBAGE_LOGINS)
@pytest.mark.parametrize("which", ["session_server", "jwt_server"])
def test_garbage_logins_get_a_small_4xx_without_the_password(request, which, body):
    server = request.getfixturevalue(which)
    response = httpx.post(f"{server.url}/login", content=body, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert len(response.content) < 4096
    assert "never-echo-this-password" not in response.text


@pytest.mark.parametrize("which", ["session_server", "jwt_server"])
def test_a_login_posted_as_text_plain_is_not_echoed(request, which):
    server = request.getfixturevalue(which)
    body = '{"username": "alice", "password": "never-echo-this-password"}'
    response = httpx.post(f"{server.url}/login", content=body, headers={"content-type": "text/plain"})
    assert response.status_code == 422
    assert "never-echo-this-password" not in response.text
