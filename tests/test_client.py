"""jwt_course.client: the refreshing httpx auth, against the real demo API over HTTP.

Every test runs create_app() under serve() on a hand-moved clock (no TestClient, no
mocks). The races are forced with BurstGate: the burst's requests are all held at the
server until every one has arrived (so all carry the same expired token), and refresh
answers are held until all the burst's refreshes have been decided.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from jwt_course import serve
from jwt_course.client import BurstGate, NaiveRefreshingAuth, RefreshingAuth, TokenPair
from jwt_course.clock import COURSE_START, ManualClock
from jwt_course.server import Settings, create_app

SECRET = "test-secret-for-the-refreshing-client-0123456789"
ACCESS_TTL = 900
BURST = 8


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(COURSE_START)


@pytest.fixture
def gate(clock: ManualClock) -> BurstGate:
    return BurstGate(create_app(Settings(secret_key=SECRET, clock=clock)))


@pytest.fixture
def server(gate: BurstGate) -> Iterator[Any]:
    with serve(gate) as running:
        yield running


def login(server: Any, username: str = "alice", password: str = "wonderland") -> dict[str, Any]:
    response = httpx.post(f"{server.url}/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


def thread_burst(server: Any, auth: httpx.Auth, n: int = BURST) -> list[int]:
    with httpx.Client(base_url=server.url, auth=auth, timeout=5) as client:
        with ThreadPoolExecutor(n) as pool:
            return list(pool.map(lambda _: client.get("/me").status_code, range(n)))


def async_burst(server: Any, auth: httpx.Auth, n: int = BURST) -> list[int]:
    async def main() -> list[int]:
        async with httpx.AsyncClient(base_url=server.url, auth=auth, timeout=5) as client:
            responses = await asyncio.gather(*(client.get("/me") for _ in range(n)))
        return [response.status_code for response in responses]

    return asyncio.run(main())


def session_alive(server: Any, tokens: TokenPair | None) -> bool:
    if tokens is None:
        return False
    response = httpx.post(f"{server.url}/refresh", json={"refresh_token": tokens.refresh_token})
    return response.status_code == 200


# -- one request at a time -----------------------------------------------------------


def test_no_refresh_while_the_access_token_is_valid(server):
    auth = RefreshingAuth(login(server), "/refresh")
    with httpx.Client(base_url=server.url, auth=auth) as client:
        assert [client.get("/me").status_code for _ in range(3)] == [200, 200, 200]
    assert auth.refreshes == 0


def test_expired_access_token_is_refreshed_and_the_request_retried(server, clock):
    pair = login(server)
    auth = RefreshingAuth(pair, "/refresh")
    clock.now += ACCESS_TTL
    with httpx.Client(base_url=server.url, auth=auth) as client:
        response = client.get("/me")
    assert response.status_code == 200 and response.json()["username"] == "alice"
    assert [(r.status_code, r.url.path) for r in response.history] == [(401, "/me"), (200, "/refresh")]
    assert auth.refreshes == 1 and auth.failed_refreshes == 0
    assert auth.tokens is not None and auth.tokens.refresh_token != pair["refresh_token"]


def test_the_rotated_pair_is_kept_for_later_requests(server, clock):
    auth = RefreshingAuth(login(server), "/refresh")
    clock.now += ACCESS_TTL
    with httpx.Client(base_url=server.url, auth=auth) as client:
        assert client.get("/me").status_code == 200
        assert client.get("/me").status_code == 200
        clock.now += ACCESS_TTL  # expires again: the stored (rotated) refresh token works
        assert client.get("/me").status_code == 200
    assert auth.refreshes == 2


def test_a_failed_refresh_surfaces_the_401_without_looping(server):
    pair = login(server)
    httpx.post(f"{server.url}/logout", headers={"Authorization": f"Bearer {pair['access_token']}"})
    auth = RefreshingAuth(pair, "/refresh")
    with httpx.Client(base_url=server.url, auth=auth) as client:
        response = client.get("/me")
        assert response.status_code == 401
        assert response.url.path == "/refresh" and response.json()["detail"] == "refresh token revoked"
        assert [r.status_code for r in response.history] == [401]
        assert auth.tokens is None and auth.logged_out
        assert client.get("/me").status_code == 401  # no token to send any more, no refresh
    assert (auth.refreshes, auth.failed_refreshes) == (1, 1)


def test_a_login_callable_logs_in_lazily_and_again_after_a_failed_refresh(server):
    auth = RefreshingAuth(login=lambda: login(server), refresh_url="/refresh")
    with httpx.Client(base_url=server.url, auth=auth) as client:
        assert auth.logins == 0
        assert client.get("/me").status_code == 200 and auth.logins == 1
        client.post("/logout")
        assert client.get("/me").status_code == 401  # refresh refused: the family is revoked
        assert client.get("/me").status_code == 200 and auth.logins == 2
    assert not auth.logged_out


def test_the_refresh_url_may_be_absolute(server, clock):
    auth = RefreshingAuth(login(server), f"{server.url}/refresh")
    clock.now += ACCESS_TTL
    assert httpx.get(f"{server.url}/me", auth=auth).status_code == 200


def test_a_post_body_is_sent_again_on_the_retry(server, clock):
    # POST /logout has no body; POST /login ignores the token; so check the retried request.
    auth = RefreshingAuth(login(server), "/refresh")
    clock.now += ACCESS_TTL
    with httpx.Client(base_url=server.url, auth=auth) as client:
        response = client.post("/logout", content=b"kept")
    assert response.status_code == 204
    assert response.request.content == b"kept" and response.history[0].request.content == b"kept"


def test_a_streamed_response_still_streams_after_a_refresh(server, clock):
    auth = RefreshingAuth(login(server), "/refresh")
    clock.now += ACCESS_TTL
    with httpx.Client(base_url=server.url, auth=auth) as client:
        with client.stream("GET", "/ticks", params={"count": 3, "interval": 0}) as response:
            assert response.status_code == 200 and not response.is_stream_consumed
            assert list(response.iter_lines()) == ["tick 0", "tick 1", "tick 2"]
    assert auth.refreshes == 1


def test_async_client_refreshes_too(server, clock):
    auth = RefreshingAuth(login(server), "/refresh")
    clock.now += ACCESS_TTL

    async def main() -> int:
        async with httpx.AsyncClient(base_url=server.url, auth=auth) as client:
            return (await client.get("/me")).status_code

    assert asyncio.run(main()) == 200 and auth.refreshes == 1


def test_tokens_are_never_shown_in_a_repr(server):
    pair = login(server)
    assert pair["access_token"] not in repr(TokenPair.of(pair))


def test_a_pair_without_an_access_token_is_refused():
    with pytest.raises(ValueError, match="access_token"):
        RefreshingAuth({"refresh_token": "x"}, "/refresh")
    with pytest.raises(ValueError, match="login"):
        RefreshingAuth(None, "/refresh")


# -- the race ------------------------------------------------------------------------


def test_the_naive_client_logs_the_user_out_in_a_thread_burst(server, gate, clock):
    auth = NaiveRefreshingAuth(login(server), "/refresh")
    clock.now += ACCESS_TTL
    gate.arm(BURST)
    statuses = thread_burst(server, auth)
    assert gate.wave_complete  # all eight were sent with the same expired token
    outcomes = sorted(gate.refresh_answers)
    assert [status for status, _ in outcomes] == [200] + [401] * (BURST - 1)
    assert sum("reuse detected" in detail for _, detail in outcomes) == 1
    assert statuses == [401] * BURST  # the one good refresh came too late: its family is revoked
    assert not session_alive(server, auth.tokens)


def test_the_naive_client_logs_the_user_out_in_an_async_burst(server, gate, clock):
    auth = NaiveRefreshingAuth(login(server), "/refresh")
    clock.now += ACCESS_TTL
    gate.arm(BURST)
    assert async_burst(server, auth) == [401] * BURST
    assert gate.wave_complete and gate.refreshes == BURST
    assert not session_alive(server, auth.tokens)


def test_the_fixed_client_survives_a_thread_burst(server, gate, clock):
    auth = RefreshingAuth(login(server), "/refresh")
    clock.now += ACCESS_TTL
    gate.arm(BURST)
    assert thread_burst(server, auth) == [200] * BURST
    assert gate.wave_complete
    assert gate.refresh_answers == [(200, "")] and auth.refreshes == 1
    assert session_alive(server, auth.tokens)


def test_the_fixed_client_survives_an_async_burst(server, gate, clock):
    auth = RefreshingAuth(login(server), "/refresh")
    clock.now += ACCESS_TTL
    gate.arm(BURST)
    assert async_burst(server, auth) == [200] * BURST
    assert gate.wave_complete
    assert gate.refresh_answers == [(200, "")] and auth.refreshes == 1
    assert session_alive(server, auth.tokens)


def test_waiters_give_up_quietly_when_the_one_refresh_fails(server, gate):
    pair = login(server)
    httpx.post(f"{server.url}/logout", headers={"Authorization": f"Bearer {pair['access_token']}"})
    auth = RefreshingAuth(pair, "/refresh")
    gate.arm(BURST)
    assert thread_burst(server, auth) == [401] * BURST
    assert gate.refreshes == 1 and auth.refreshes == 1  # the others did not retry the dead token
