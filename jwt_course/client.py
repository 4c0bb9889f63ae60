"""A refreshing Bearer client for httpx, the race it can lose, and a way to force that race.

:class:`RefreshingAuth` is an ``httpx.Auth``: it sends the access token, and when the
server answers 401 it refreshes once (``POST`` the refresh token to the refresh URL),
stores the rotated pair and sends the request again::

    auth = RefreshingAuth(pair, "/refresh")          # pair: the JSON of POST /login
    with httpx.Client(base_url=server.url, auth=auth) as client:
        client.get("/me")                            # refreshes by itself when needed

With refresh-token rotation and reuse detection on the server, a refreshing client has
a classic race: several requests sent with the same expired access token all get a
401, and if each of them refreshes, every refresh after the first presents a refresh
token that was just used up. To the server that is a stolen token being replayed, so
it revokes the whole session: the user is logged out by their own client.
:class:`NaiveRefreshingAuth` is that client, kept on purpose to show the bug.
:class:`RefreshingAuth` lets one refresh run at a time (a ``threading.Lock`` for
``httpx.Client``, an ``asyncio.Lock`` for ``httpx.AsyncClient``); a request that waited
for the lock and finds that the pair changed since it was sent just retries with the
new access token.

:class:`BurstGate` is an ASGI middleware for tests and notebooks that makes the race
happen every time instead of now and then: it holds the first ``burst`` authorised
requests until all of them have arrived (so all are sent with the same token), and
holds each refresh answer until ``burst`` refreshes have reached the server (or a
short time has passed: a correct client sends only one).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["BurstGate", "NaiveRefreshingAuth", "RefreshingAuth", "TokenPair"]


@dataclass(frozen=True)
class TokenPair:
    """An access token and the refresh token that renews it."""

    access_token: str
    refresh_token: str = ""

    @classmethod
    def of(cls, value: TokenPair | Mapping[str, Any]) -> TokenPair:
        """A pair from a ``TokenPair`` or a token response (``{"access_token", "refresh_token"}``)."""
        if isinstance(value, TokenPair):
            return value
        access, refresh = value.get("access_token"), value.get("refresh_token", "")
        if not isinstance(access, str) or not access or not isinstance(refresh, str):
            raise ValueError("a token pair needs a non-empty 'access_token' and a 'refresh_token'")
        return cls(access, refresh)

    def __repr__(self) -> str:  # never print tokens
        return (
            f"TokenPair(access_token=<{len(self.access_token)} chars>, refresh_token=<{len(self.refresh_token)} chars>)"
        )


Login = Callable[[], "TokenPair | Mapping[str, Any] | Awaitable[TokenPair | Mapping[str, Any]]"]


class _RefreshingBase(httpx.Auth):
    """Token state and the refresh request, shared by both clients."""

    def __init__(
        self,
        tokens: TokenPair | Mapping[str, Any] | None = None,
        refresh_url: str | httpx.URL = "/refresh",
        *,
        login: Login | None = None,
    ) -> None:
        if tokens is None and login is None:
            raise ValueError("give a token pair, a login callable, or both")
        self._tokens: TokenPair | None = None if tokens is None else TokenPair.of(tokens)
        self.refresh_url = httpx.URL(refresh_url)
        self._login = login
        self._stats_lock = threading.Lock()
        self.refreshes = 0
        self.failed_refreshes = 0
        self.logins = 0

    @property
    def tokens(self) -> TokenPair | None:
        """The current pair; ``None`` once a refresh has failed (log in again)."""
        return self._tokens

    @property
    def logged_out(self) -> bool:
        """True when there is no usable pair: a refresh failed and no login callable is set."""
        return self._tokens is None and self._login is None

    def _authorize(self, request: httpx.Request, tokens: TokenPair | None) -> None:
        if tokens is not None:
            request.headers["Authorization"] = f"Bearer {tokens.access_token}"

    def _refresh_request(self, request: httpx.Request, tokens: TokenPair) -> httpx.Request:
        # A relative refresh URL ("/refresh") is resolved against the request's URL.
        url = request.url.join(self.refresh_url)
        with self._stats_lock:
            self.refreshes += 1
        return httpx.Request("POST", url, json={"refresh_token": tokens.refresh_token})

    def _accept(self, response: httpx.Response) -> TokenPair | None:
        """The new pair from a refresh response, or None (and count a failure)."""
        pair: TokenPair | None = None
        if response.status_code == 200:
            try:
                pair = TokenPair.of(response.json())
            except (ValueError, AttributeError, json.JSONDecodeError):
                pair = None
        if pair is None:
            with self._stats_lock:
                self.failed_refreshes += 1
        return pair

    def _logged_in(self, result: TokenPair | Mapping[str, Any]) -> TokenPair:
        with self._stats_lock:
            self.logins += 1
        return TokenPair.of(result)

    def _sync_tokens(self) -> TokenPair | None:
        if self._tokens is None and self._login is not None:
            result = self._login()
            if inspect.isawaitable(result):
                raise TypeError("an async login callable needs httpx.AsyncClient")
            self._tokens = self._logged_in(result)
        return self._tokens

    async def _async_tokens(self) -> TokenPair | None:
        if self._tokens is None and self._login is not None:
            result = self._login()
            if inspect.isawaitable(result):
                result = await result
            self._tokens = self._logged_in(result)
        return self._tokens


class NaiveRefreshingAuth(_RefreshingBase):
    """THE BUG, kept for chapter 04: every request that gets a 401 refreshes on its own.

    This is httpx's documented refresh pattern (``auth_flow`` with
    ``requires_response_body = True``, driven by httpx for both ``Client`` and
    ``AsyncClient``). Used by one request at a time it is fine. Under concurrency,
    N requests that were sent with the same expired access token make N refreshes
    with the same refresh token; with rotation and reuse detection the server sees
    refreshes 2..N as a replayed (stolen) token and revokes the whole session.
    Use :class:`RefreshingAuth`.
    """

    requires_request_body = True  # the request may be sent twice
    requires_response_body = True  # httpx reads the refresh answer before we parse it

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        tokens = self._sync_tokens()
        self._authorize(request, tokens)
        response = yield request
        if response.status_code != 401 or tokens is None:
            return
        refreshed = yield self._refresh_request(request, tokens)
        new_tokens = self._accept(refreshed)
        if new_tokens is None:
            self._tokens = None
            return  # the caller gets the refresh endpoint's 401
        self._tokens = new_tokens
        self._authorize(request, new_tokens)
        yield request


class RefreshingAuth(_RefreshingBase):
    """An ``httpx.Auth`` that sends the access token and refreshes once on a 401.

    ``tokens`` is a :class:`TokenPair` or the server's token response
    (``{"access_token", "refresh_token", ...}``); ``refresh_url`` is where the refresh
    token is POSTed as ``{"refresh_token": ...}`` (relative URLs are resolved against
    each request's URL). ``login`` is an optional callable (sync, or async for
    ``AsyncClient``) returning a new pair: it is called when there is no pair, at
    the first request without ``tokens`` and after a failed refresh.

    On a 401 the request is sent again once, with the new access token. If the
    refresh fails, the caller gets the refresh endpoint's 401 (its ``history`` holds
    the original 401) and :attr:`tokens` becomes ``None``: no second refresh, no loop.

    One refresh at a time: concurrent requests that got a 401 wait for the lock, and
    a request that finds the pair changed since it was sent retries with the new
    access token instead of refreshing again (a second refresh would present a used
    refresh token, which a rotating server treats as theft). ``httpx.Client`` threads
    share a ``threading.Lock``; ``httpx.AsyncClient`` tasks share an ``asyncio.Lock``.
    Do not drive one instance from both kinds of client at the same time.

    Only the refresh response is read inside the flow, so ``requires_response_body``
    stays False and streamed responses (``client.stream(...)``) keep streaming.
    ``refreshes``, ``failed_refreshes`` and ``logins`` count what the client did.
    """

    requires_request_body = True  # the request may be sent twice: keep its body

    def __init__(
        self,
        tokens: TokenPair | Mapping[str, Any] | None = None,
        refresh_url: str | httpx.URL = "/refresh",
        *,
        login: Login | None = None,
    ) -> None:
        super().__init__(tokens, refresh_url, login=login)
        self._sync_lock = threading.Lock()
        self._async_lock: asyncio.Lock | None = None
        self._async_lock_loop: asyncio.AbstractEventLoop | None = None

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.read()
        with self._sync_lock:
            sent = self._sync_tokens()
        self._authorize(request, sent)
        response = yield request
        if response.status_code != 401 or sent is None:
            return
        with self._sync_lock:
            if self._tokens is sent:  # nobody refreshed since we sent: our turn
                refreshed = yield self._refresh_request(request, sent)
                refreshed.read()
                self._tokens = self._accept(refreshed)
                if self._tokens is None:
                    return  # refresh refused: hand back its 401, do not loop
            current = self._tokens
        if current is None:
            return  # another request's refresh failed: hand back our own 401
        self._authorize(request, current)
        yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()
        lock = self._lock_for_this_loop()
        async with lock:
            sent = await self._async_tokens()
        self._authorize(request, sent)
        response = yield request
        if response.status_code != 401 or sent is None:
            return
        async with lock:
            if self._tokens is sent:
                refreshed = yield self._refresh_request(request, sent)
                await refreshed.aread()
                self._tokens = self._accept(refreshed)
                if self._tokens is None:
                    return
            current = self._tokens
        if current is None:
            return
        self._authorize(request, current)
        yield request

    def _lock_for_this_loop(self) -> asyncio.Lock:
        # An asyncio.Lock belongs to one event loop; make a new one for a new loop.
        loop = asyncio.get_running_loop()
        if self._async_lock is None or self._async_lock_loop is not loop:
            self._async_lock, self._async_lock_loop = asyncio.Lock(), loop
        return self._async_lock


# -- forcing the race in tests ---------------------------------------------------------


class BurstGate:
    """ASGI middleware that makes a refresh race deterministic (for tests and notebooks).

    Wrap an app (``serve(BurstGate(create_app(settings)))``), then call
    :meth:`arm` with the size of the burst you are about to send. While armed:

    * the first ``burst`` requests that carry an ``Authorization`` header (other than
      to ``refresh_path``) are held before they reach the app until all ``burst`` have
      arrived, so all of them were sent with the same token (if fewer arrive within
      ``wave_timeout`` seconds, they are let through and :attr:`wave_complete` is False:
      the client did not send them concurrently);
    * each answer from ``refresh_path`` is held until ``burst`` refresh requests have
      been answered by the app, or ``refresh_hold`` seconds have passed since the first
      one. A racy client sends ``burst`` refreshes, so every refresh is decided at the
      server before any client can retry; a correct client sends one, whose answer
      leaves after ``refresh_hold``, like a slow network.

    :attr:`refresh_answers` lists ``(status, detail)`` of every refresh answered since
    the last :meth:`arm` or :meth:`clear`, armed or not. Everything else passes through
    unchanged; :attr:`app` is the wrapped app.
    """

    def __init__(
        self,
        app: Any,
        *,
        refresh_path: str = "/refresh",
        wave_timeout: float = 2.0,
        refresh_hold: float = 0.3,
    ) -> None:
        self.app = app
        self.refresh_path = refresh_path
        self.wave_timeout = wave_timeout
        self.refresh_hold = refresh_hold
        self._lock = threading.Lock()
        self.burst = 0
        self.arrived = 0
        self.wave_complete = False
        self.refresh_answers: list[tuple[int, str]] = []
        self._wave: asyncio.Event | None = None
        self._refreshes: asyncio.Event | None = None

    def arm(self, burst: int) -> None:
        """Expect ``burst`` concurrent requests next (call between bursts, not during one)."""
        if burst < 1:
            raise ValueError("burst must be at least 1")
        with self._lock:
            self.burst, self.arrived, self.wave_complete = burst, 0, False
            self.refresh_answers = []
            self._wave, self._refreshes = asyncio.Event(), asyncio.Event()

    def disarm(self) -> None:
        """Let everything through again."""
        with self._lock:
            self.burst = 0
            for event in (self._wave, self._refreshes):
                if event is not None:
                    event.set()

    @property
    def refreshes(self) -> int:
        """How many refresh requests the app answered since :meth:`arm` or :meth:`clear`."""
        return len(self.refresh_answers)

    def clear(self) -> None:
        """Forget the recorded refresh answers (without arming)."""
        with self._lock:
            self.refresh_answers = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif scope["path"] == self.refresh_path:
            await self._refresh(scope, receive, send)
        else:
            if self.burst:
                await self._maybe_hold(scope)
            await self.app(scope, receive, send)

    async def _maybe_hold(self, scope: Any) -> None:
        if not any(name == b"authorization" for name, _ in scope["headers"]):
            return
        with self._lock:
            wave = self._wave
            if wave is None or wave.is_set() or self.arrived >= self.burst:
                return
            self.arrived += 1
            if self.arrived == self.burst:
                self.wave_complete = True
                wave.set()
        try:
            await asyncio.wait_for(wave.wait(), self.wave_timeout)
        except TimeoutError:
            wave.set()  # a client that does not send concurrently: let the others go

    async def _refresh(self, scope: Any, receive: Any, send: Any) -> None:
        messages: list[Any] = []

        async def capture(message: Any) -> None:
            messages.append(message)

        await self.app(scope, receive, capture)
        status = next((m["status"] for m in messages if m["type"] == "http.response.start"), 0)
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        try:
            detail = str(json.loads(body).get("detail", "")) if status != 200 else ""
        except (ValueError, AttributeError):
            detail = ""
        with self._lock:
            self.refresh_answers.append((status, detail))
            done = self._refreshes if self.burst else None
            if done is not None and len(self.refresh_answers) >= self.burst:
                done.set()
        if done is not None and not done.is_set():
            try:
                await asyncio.wait_for(done.wait(), self.refresh_hold)
            except TimeoutError:
                done.set()  # one refresh (a correct client): stop holding
        for message in messages:
            await send(message)
