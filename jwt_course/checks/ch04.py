"""Chapter 04: refresh-token rotation with reuse detection, a denylist check, a race-free client.

q1 drives the learner's ``RefreshStore`` class through a scripted story (two devices,
a rotation chain, a replayed token). q2 calls ``is_revoked`` on a real SQLite
denylist built by :func:`new_denylist`. q3 runs the learner's ``httpx.Auth`` class
against the course's demo API (:func:`jwt_course.server.create_app` under
:func:`jwt_course.serve`, on a hand-moved clock), with the race forced by
:class:`jwt_course.client.BurstGate`.
"""

from __future__ import annotations

import contextlib
import inspect
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from typing import Any

import httpx

from . import Exercise, Failure, NotSolved

__all__ = ["TokenRejected", "deny", "new_denylist", "q1", "q2", "q3"]


class TokenRejected(Exception):
    """A refresh token the store refuses (unknown, used, or of a revoked family)."""


def _show(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- q1 ------------------------------------------------------------------------


class RotationStore(Exercise):
    """Refresh-token families: rotate on use, revoke the family on reuse."""

    label = "q1"
    name = "RefreshStore"
    hints = (
        "Keep three things: which family each jti belongs to (dict jti -> family), the one usable jti "
        "of each family (dict family -> jti), and the revoked families (a set). Make jtis with "
        "secrets.token_urlsafe(8).",
        "rotate(jti): unknown jti -> raise TokenRejected. Family revoked -> raise TokenRejected. jti is "
        "not the family's current one -> it was used before: add the family to the revoked set, THEN raise.",
        "Otherwise make a new jti, record its family, make it the family's current one and return it.",
    )
    solution_code = '''
class RefreshStore:
    def __init__(self) -> None:
        self.family_of: dict[str, str] = {}   # jti -> family
        self.current: dict[str, str] = {}     # family -> the one usable jti
        self.revoked: set[str] = set()

    def _new_jti(self, family: str) -> str:
        jti = secrets.token_urlsafe(8)
        self.family_of[jti] = family
        self.current[family] = jti
        return jti

    def issue(self, family: str) -> str:
        return self._new_jti(family)

    def rotate(self, jti: str) -> str:
        family = self.family_of.get(jti)
        if family is None:
            raise TokenRejected("unknown refresh token")
        if family in self.revoked:
            raise TokenRejected("this login was revoked")
        if self.current[family] != jti:        # used before: stolen, or the thief came first
            self.revoked.add(family)
            raise TokenRejected("refresh token reuse: the whole family is revoked")
        return self._new_jti(family)

    def is_revoked(self, family: str) -> bool:
        return family in self.revoked
'''

    def verify(self, answer: Any) -> None:
        if not inspect.isclass(answer):
            raise Failure(f"RefreshStore should be a class, got {type(answer).__name__}")
        store = self.call(answer)
        phone1 = self._issue(store, "phone")
        phone2 = self._rotate(store, phone1, "rotate(the phone's first jti)")
        if phone2 == phone1:
            raise Failure("rotate(jti) returned the same jti: a rotation must hand out a NEW refresh token")
        phone3 = self._rotate(store, phone2, "rotate(the phone's second jti)")
        laptop1 = self._issue(store, "laptop")
        if laptop1 in (phone1, phone2, phone3):
            raise Failure("issue('laptop') returned a jti the phone family already uses: jtis must be unique")
        laptop2 = self._rotate(store, laptop1, "rotate(the laptop's first jti)")
        if self._revoked(store, "phone") or self._revoked(store, "laptop"):
            raise Failure("is_revoked(...) is True after normal rotations: nothing was reused yet")
        self._reject(store, phone1, "replaying the phone's FIRST jti (already used twice over)")
        if not self._revoked(store, "phone"):
            raise Failure(
                "after a used jti was replayed, is_revoked('phone') is False. A used refresh token coming "
                "back means two parties hold it (the user and a thief): revoke the whole family"
            )
        if self._revoked(store, "laptop"):
            raise Failure("replaying a phone token revoked the laptop's family too: revoke only the family of that jti")
        self._reject(
            store, phone3,
            "the phone's CURRENT jti, after its family was revoked (the thief may hold it: it must die too)",
        )
        laptop3 = self._rotate(store, laptop2, "rotate(the laptop's current jti) after the phone family was revoked")
        self._reject(store, "no-such-jti", "a jti the store never issued")
        # A replay of the token just used (the thief refreshes first, then Alice does).
        tablet1 = self._issue(store, "tablet")
        self._rotate(store, tablet1, "rotate(the tablet's first jti)")
        self._reject(store, tablet1, "the tablet's first jti presented a second time (right after its rotation)")
        if not self._revoked(store, "tablet"):
            raise Failure("presenting the tablet's just-used jti again did not revoke the tablet family")
        if self._revoked(store, "laptop") or not laptop3:
            raise Failure("the laptop family should still be alive")

    def _issue(self, store: Any, family: str) -> str:
        jti = self.call(store.issue, family)
        if not isinstance(jti, str) or not jti:
            raise Failure(f"issue({family!r}) returned {_show(jti)}; expected a non-empty string (the jti)")
        return jti

    def _rotate(self, store: Any, jti: str, what: str) -> str:
        try:
            new = store.rotate(jti)
        except TokenRejected as exc:
            raise Failure(f"{what} raised TokenRejected({str(exc)!r}); that jti is current, so rotate should accept it") from None
        except NotImplementedError:
            raise NotSolved from None
        except Exception as exc:
            raise Failure(f"{what} raised {type(exc).__name__}: {exc}") from None
        if new is None or new is Ellipsis:
            raise NotSolved
        if not isinstance(new, str) or not new:
            raise Failure(f"{what} returned {_show(new)}; expected the new jti (a string)")
        return new

    def _reject(self, store: Any, jti: str, what: str) -> None:
        try:
            result = store.rotate(jti)
        except TokenRejected:
            return
        except Exception as exc:
            raise Failure(f"for {what}, rotate raised {type(exc).__name__}: {exc}; raise TokenRejected") from None
        raise Failure(f"for {what}, rotate returned {_show(result)}; it must raise TokenRejected")

    def _revoked(self, store: Any, family: str) -> bool:
        try:
            result = store.is_revoked(family)
        except Exception as exc:
            raise Failure(f"is_revoked({family!r}) raised {type(exc).__name__}: {exc}") from None
        if result is None:
            raise NotSolved
        if not isinstance(result, bool):
            raise Failure(f"is_revoked({family!r}) returned {_show(result)}; return True or False")
        return result


# -- q2 ------------------------------------------------------------------------


def new_denylist() -> sqlite3.Connection:
    """An in-memory SQLite denylist: table ``denylist(jti TEXT PRIMARY KEY, expires_at INTEGER)``."""
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.execute("CREATE TABLE denylist (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)")
    return db


def deny(db: sqlite3.Connection, jti: str, expires_at: int) -> None:
    """Put ``jti`` on the denylist until ``expires_at`` (the token's own ``exp``)."""
    db.execute("INSERT OR REPLACE INTO denylist (jti, expires_at) VALUES (?, ?)", (jti, expires_at))


def _rows(db: sqlite3.Connection) -> dict[str, int]:
    return dict(db.execute("SELECT jti, expires_at FROM denylist ORDER BY jti").fetchall())


class DenylistCheck(Exercise):
    """is_revoked(db, claims, now): look up the jti, purging rows that expired."""

    label = "q2"
    name = "is_revoked"
    hints = (
        "Two statements: first `DELETE FROM denylist WHERE expires_at <= ?` with now, then "
        "`SELECT 1 FROM denylist WHERE jti = ?` with claims['jti'].",
        "Pass values as parameters (the `?` placeholders), never with an f-string; return "
        "`row is not None` so the answer is a real bool.",
    )
    solution_code = '''
def is_revoked(db: sqlite3.Connection, claims: dict, now: int) -> bool:
    # A row may go once its token has expired: the exp check refuses that token anyway.
    db.execute("DELETE FROM denylist WHERE expires_at <= ?", (now,))
    row = db.execute("SELECT 1 FROM denylist WHERE jti = ?", (claims["jti"],)).fetchone()
    return row is not None
'''

    def verify(self, answer: Any) -> None:
        with contextlib.closing(new_denylist()) as db:
            self._verify(answer, db)

    def _verify(self, answer: Any, db: sqlite3.Connection) -> None:
        now = 1_767_225_600
        deny(db, "logged-out", now + 600)
        deny(db, "expired-long-ago", now - 3600)
        deny(db, "expires-right-now", now)
        cases: list[tuple[dict[str, Any], bool, str]] = [
            ({"jti": "logged-out", "exp": now + 600}, True, "a token logged out 5 minutes ago (expires in 10)"),
            ({"jti": "still-fine", "exp": now + 900}, False, "a token that was never logged out"),
            ({"jti": "x' OR '1'='1", "exp": now + 900}, False, "a jti containing a quote"),
        ]
        for claims, expected, what in cases:
            got = self.call(answer, db, dict(claims), now)
            if not isinstance(got, bool):
                raise Failure(f"for {what}, is_revoked returned {_show(got)}; return True or False (a bool)")
            if got != expected:
                extra = (
                    " (build the query with ? placeholders: an f-string lets the jti rewrite your SQL)"
                    if "'" in claims["jti"] else ""
                )
                if expected and claims["jti"] not in _rows(db):
                    extra = (
                        f": its row was deleted, though it expires only at now + {claims['exp'] - now}. "
                        "Purge only rows with expires_at <= now"
                    )
                raise Failure(f"for {what} (jti {claims['jti']!r}), is_revoked returned {got}, expected {expected}{extra}")
        left = _rows(db)
        if "logged-out" not in left:
            raise Failure(
                f"after is_revoked(..., now={now}) the row for 'logged-out' (expires_at = now + 600) was deleted: "
                "that token is still valid, so removing the row would bring it back to life"
            )
        for jti in ("expired-long-ago", "expires-right-now"):
            if jti in left:
                raise Failure(
                    f"after is_revoked(..., now={now}) the row {jti!r} (expires_at = {_rows_expiry(jti, now)}) is "
                    "still there. Its token has expired (exp <= now), so the signature check refuses it anyway: "
                    "delete it, or the table grows with every logout forever"
                )
        got = self.call(answer, db, {"jti": "logged-out", "exp": now + 600}, now + 599)
        if got is not True:
            raise Failure(f"at now + 599 the 'logged-out' token is still within its lifetime; is_revoked returned {got}")
        # Bounded: 1000 logouts spread over 15 minutes; 10 minutes later about a third are left.
        for i in range(1000):
            deny(db, f"bulk-{i:04d}", now + 600 + (i * 900) // 1000)
        later = now + 1200
        self.call(answer, db, {"jti": "bulk-0999", "exp": now + 1499}, later)
        size = len(_rows(db))
        expected_size = sum(1 for i in range(1000) if now + 600 + (i * 900) // 1000 > later)
        if size != expected_size:
            raise Failure(
                f"after 1000 logouts (expiring between now+600 and now+1500) and a check at now+1200, the table "
                f"holds {size} rows; expected {expected_size} (exactly the tokens that have not expired yet)"
            )


def _rows_expiry(jti: str, now: int) -> str:
    return "now - 3600" if jti == "expired-long-ago" else "now"


# -- q3 ------------------------------------------------------------------------

_SECRET = "chapter-04-exercise-server-secret-0123456789abcdef"
_BURST = 8
_LIMIT_S = 8.0


class _Clock:
    def __init__(self) -> None:
        self.now = 1_767_225_600

    def __call__(self) -> int:
        return self.now


@contextmanager
def _race_server() -> Iterator[tuple[Any, Any, _Clock]]:
    from ..client import BurstGate
    from ..server import Settings, create_app
    from ..serving import serve

    clock = _Clock()
    gate = BurstGate(create_app(Settings(secret_key=_SECRET, clock=clock)), wave_timeout=1.0)
    with serve(gate) as server:
        yield server, gate, clock


def _login(server: Any) -> dict[str, Any]:
    response = httpx.post(f"{server.url}/login", json={"username": "alice", "password": "wonderland"}, timeout=5)
    response.raise_for_status()
    return dict(response.json())


class RaceFreeClient(Exercise):
    """A refreshing httpx auth class whose concurrent requests refresh only once."""

    label = "q3"
    name = "SafeRefreshingAuth"
    hints = (
        "Remember which pair you sent (`sent = self.tokens`, read under the lock). On a 401, take the lock; "
        "only if `self.tokens is sent` (nobody refreshed meanwhile) do the refresh yourself.",
        "Inside `with self.lock:` you may yield the refresh request: `answer = yield httpx.Request('POST', "
        "request.url.join(self.refresh_url), json={'refresh_token': sent['refresh_token']})`, then "
        "`answer.read()`; on a non-200 just `return` (the caller gets that 401: no loop).",
        "After the `with` block, set the header from the current `self.tokens` and `yield request` once more: "
        "a request that waited finds the new pair already there and simply retries with it.",
    )
    solution_code = '''
class SafeRefreshingAuth(httpx.Auth):
    requires_request_body = True

    def __init__(self, tokens: dict, refresh_url: str) -> None:
        self.tokens = dict(tokens)
        self.refresh_url = refresh_url
        self.lock = threading.Lock()

    def sync_auth_flow(self, request):
        with self.lock:
            sent = self.tokens
        request.headers["Authorization"] = f"Bearer {sent['access_token']}"
        response = yield request
        if response.status_code != 401:
            return
        with self.lock:
            if self.tokens is sent:            # nobody refreshed since we sent: our turn
                answer = yield httpx.Request(
                    "POST", request.url.join(self.refresh_url),
                    json={"refresh_token": sent["refresh_token"]},
                )
                answer.read()
                if answer.status_code != 200:
                    return                     # refresh refused: hand its 401 back, no loop
                self.tokens = answer.json()
            current = self.tokens
        request.headers["Authorization"] = f"Bearer {current['access_token']}"
        yield request
'''

    def verify(self, answer: Any) -> None:
        if not (inspect.isclass(answer) and issubclass(answer, httpx.Auth)):
            raise Failure(f"SafeRefreshingAuth should be a class derived from httpx.Auth, got {_show(answer)}")
        probe_tokens = {"access_token": "probe-access", "refresh_token": "probe-refresh"}
        auth_class: Any = answer
        try:
            probe: Any = auth_class(dict(probe_tokens), "http://127.0.0.1/refresh").sync_auth_flow(
                httpx.Request("GET", "http://127.0.0.1/me")
            )
        except NotImplementedError:
            raise NotSolved from None
        except Exception as exc:
            raise Failure(f"SafeRefreshingAuth(tokens, url).sync_auth_flow(request) raised {type(exc).__name__}: {exc}") from None
        if probe is None or probe is Ellipsis:
            raise NotSolved
        if not inspect.isgenerator(probe):
            raise Failure("sync_auth_flow must be a generator: `response = yield request`")
        probe.close()
        with _race_server() as (server, gate, clock), ThreadPoolExecutor(_BURST) as pool:
            try:
                self._scenarios(answer, server, gate, clock, pool)
            finally:
                gate.disarm()

    def _scenarios(self, answer: Any, server: Any, gate: Any, clock: _Clock, pool: ThreadPoolExecutor) -> None:
        def me(client: httpx.Client) -> int:
            return client.get("/me").status_code

        # 1. A valid token: no refresh.
        gate.clear()  # not armed: nothing is held, refreshes are counted
        auth = answer(_login(server), "/refresh")
        statuses = self._run(pool, server, auth, [me] * 2, "two requests with a valid token")
        if statuses != [200, 200] or gate.refreshes:
            raise Failure(
                f"two requests with a valid access token: statuses {statuses}, {gate.refreshes} refresh request(s); "
                "expected [200, 200] and no refresh"
            )
        # 2. An expired token: one refresh, one retry.
        clock.now += 900
        statuses = self._run(pool, server, auth, [me], "one request with an expired access token")
        if statuses != [200] or gate.refreshes != 1:
            raise Failure(
                f"one request with an expired access token: status {statuses[0]}, {gate.refreshes} refresh "
                "request(s); expected one refresh and then 200 (send the request again with the new token)"
            )
        # 3. A revoked session: the refresh fails, the 401 comes back, no loop.
        gate.clear()
        pair = _login(server)
        httpx.post(f"{server.url}/logout", headers={"Authorization": f"Bearer {pair['access_token']}"}, timeout=5)
        auth = answer(pair, "/refresh")
        statuses = self._run(pool, server, auth, [me], "a request after logout")
        if statuses != [401] or gate.refreshes != 1:
            raise Failure(
                f"after logout (the refresh token is revoked): status {statuses[0]}, {gate.refreshes} refresh "
                "request(s); expected exactly one refresh attempt and a 401 for the caller"
            )
        # 4. The race: eight requests at once with the same expired token.
        auth = answer(_login(server), "/refresh")
        clock.now += 900
        gate.arm(_BURST)
        statuses = self._run(pool, server, auth, [me] * _BURST, f"{_BURST} concurrent requests")
        answers = list(gate.refresh_answers)
        gate.disarm()
        if not gate.wave_complete:
            raise Failure(
                f"{_BURST} threads sent a request at the same time, but they reached the server one by one: "
                "does your lock cover the whole request? Hold it only around reading the tokens and refreshing"
            )
        if len(answers) > 1:
            details = [detail for status, detail in answers if status == 401]
            said = next((d for d in details if "reuse" in d), details[0] if details else "200 twice")
            alive = self._run(pool, server, auth, [me], "a request after the burst")[0]
            raise Failure(
                f"{_BURST} concurrent requests with the same expired access token: the server received "
                f"{len(answers)} refresh requests carrying one refresh token and answered {said!r}; "
                f"the next GET /me got {alive}: the user was logged out by their own client. "
                "Let one refresh run at a time, and skip it when the tokens changed while you waited"
            )
        if statuses != [200] * _BURST or len(answers) != 1:
            raise Failure(
                f"{_BURST} concurrent requests with an expired token: statuses {sorted(statuses)} with "
                f"{len(answers)} refresh(es); expected {_BURST} x 200 after exactly one refresh"
            )
        after = self._run(pool, server, auth, [me], "a request after the burst")
        if after != [200]:
            raise Failure(f"after the burst the next GET /me got {after[0]}; the session should still be alive")

    @staticmethod
    def _run(
        pool: ThreadPoolExecutor, server: Any, auth: Any, calls: list[Callable[[httpx.Client], int]], what: str
    ) -> list[int]:
        client = httpx.Client(base_url=server.url, auth=auth, timeout=5)
        try:
            futures = [pool.submit(call, client) for call in calls]
            try:
                return [future.result(timeout=_LIMIT_S) for future in futures]
            except FutureTimeout:
                server.stop()  # ends a request loop: its next request fails to connect
                raise Failure(
                    f"{what} did not finish within {_LIMIT_S:g} s: does your client keep refreshing in a loop? "
                    "Refresh at most once per request"
                ) from None
            except httpx.TooManyRedirects:
                raise Failure(
                    f"{what}: httpx gave up after more than 20 requests in one auth flow "
                    "(TooManyRedirects): your client keeps refreshing in a loop. Refresh at most once per request"
                ) from None
            except Exception as exc:
                raise Failure(f"{what}: the request raised {type(exc).__name__}: {exc}") from None
        finally:
            client.close()


q1 = RotationStore()
q2 = DenylistCheck()
q3 = RaceFreeClient()
