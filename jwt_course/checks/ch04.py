"""Chapter 04: refresh-token rotation with reuse detection, a denylist check, a race-free client.

Every checker is a table of cases (:mod:`jwt_course.checks.cases`) run in order on one
subject, the way the lesson's app uses the answer. q1 drives one ``RefreshStore`` through a
story (two devices, a rotation chain, a replayed token, a second store). q2 calls
``is_revoked`` on a real SQLite denylist built by :func:`new_denylist`, with hostile ids.
q3 runs one instance of the learner's ``httpx.Auth`` class for many requests against the
course's demo API (:func:`jwt_course.server.create_app` under :func:`jwt_course.serve`, on a
hand-moved clock), with concurrent refreshes forced by :class:`jwt_course.client.BurstGate`;
every request the server receives is recorded, and the messages say what it received.
"""

from __future__ import annotations

import base64
import contextlib
import inspect
import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from typing import Any

import httpx

from ..clock import COURSE_START, ManualClock
from . import Failure, NotSolved
from ._servers import SharedServer
from .cases import Case, Expect, Outcome, Raises, TableExercise, short

__all__ = ["TokenRejected", "deny", "new_denylist", "q1", "q2", "q3"]


class TokenRejected(Exception):
    """A refresh token the store refuses (unknown, used, or of a revoked family)."""


class _Seen(dict):  # type: ignore[type-arg]
    """A scenario's report; it reads as its ``seen`` entry in a counter-example ("returned <seen>")."""

    def __repr__(self) -> str:
        return str(self.get("seen", "?"))


class _Report(Expect):
    """A scenario's report, read by ``diagnose`` (a problem in words, or "" when all is well)."""

    def __init__(self, diagnose: Callable[[Any], str], wanted: str) -> None:
        self.diagnose = diagnose
        self.wanted = wanted
        self.problem = ""

    def accepts(self, outcome: Outcome) -> bool:
        self.problem = ""
        if outcome.raised:
            return False
        self.problem = self.diagnose(outcome.value)
        return not self.problem

    def describe(self) -> str:
        return self.wanted + (f"; what happened: {self.problem}" if self.problem else "")


# -- q1 ------------------------------------------------------------------------


class _Story:
    """One store, used the way the auth server uses it, and the jtis it handed out."""

    def __init__(self, store_class: Any) -> None:
        self.store_class = store_class
        self.store = store_class()
        self.jti: dict[str, str] = {}

    def issue(self, family: str, name: str) -> Any:
        jti = self.store.issue(family)
        if isinstance(jti, str) and jti:
            self.jti[name] = jti
        return jti

    def rotate(self, old: str, name: str) -> Any:
        jti = self.store.rotate(self.jti[old])
        if isinstance(jti, str) and jti:
            self.jti[name] = jti
        return jti


class _NewJti(Expect):
    """Returns a non-empty str that no earlier call returned."""

    def __init__(self, story: _Story, name: str) -> None:
        self.story = story
        self.name = name
        self.problem = ""

    def accepts(self, outcome: Outcome) -> bool:
        self.problem = ""
        if outcome.raised:
            return False
        jti = outcome.value
        if not isinstance(jti, str) or not jti:
            self.problem = "a jti is a non-empty string"
            return False
        earlier = [name for name, value in self.story.jti.items() if value == jti and name != self.name]
        if earlier:
            self.problem = f"it is the same as {earlier[0]}: every jti must be new"
            return False
        return True

    def describe(self) -> str:
        return "return a new jti (a non-empty string)" + (f"; {self.problem}" if self.problem else "")


class _Bool(Expect):
    def __init__(self, value: bool) -> None:
        self.value = value

    def accepts(self, outcome: Outcome) -> bool:
        return not outcome.raised and outcome.value is self.value

    def describe(self) -> str:
        return f"return {self.value} (a real bool: True or False, never None)"


_REJECT = Raises((TokenRejected,), "raise TokenRejected")


class RotationStore(TableExercise):
    """Refresh-token families: rotate on use, revoke the family on reuse."""

    label = "q1"
    name = "RefreshStore"
    hints = (
        "Keep three things: which family each jti belongs to (dict jti -> family), the one usable jti "
        "of each family (dict family -> jti), and the revoked families (a set). Create them in __init__ "
        "(on self), so that two stores share nothing. Make jtis with secrets.token_urlsafe(8).",
        "rotate(jti): unknown jti -> raise TokenRejected. Family revoked -> raise TokenRejected. jti is "
        "not the family's current one -> it was used before: add the family to the revoked set, THEN raise.",
        "Otherwise make a new jti, record its family, make it the family's current one and return it. "
        "is_revoked returns `family in self.revoked`: True or False.",
    )

    @contextmanager
    def subject(self, answer: Any) -> Iterator[Any]:
        if not inspect.isclass(answer):
            raise Failure(f"RefreshStore should be a class, got {type(answer).__name__}")
        try:
            story = _Story(answer)
        except NotImplementedError:
            raise NotSolved from None
        except Exception as exc:
            raise Failure(f"RefreshStore() raised {type(exc).__name__}: {exc}") from None
        self._story = story
        yield story

    def cases(self) -> Sequence[Case]:
        story = self._story
        issue = "issue(family) starts a family and returns its first jti, a unique non-empty string"
        rotate = "rotate(jti) with the family's current jti returns the next jti of that family"
        reuse = "an already used jti raises TokenRejected and first revokes its whole family"
        revoked = "is_revoked(family) returns True or False: True exactly for the families revoked"

        def new(name: str, act: Callable[[_Story], Any], requirement: str, shown: str) -> Case:
            return Case(requirement, _NewJti(story, name), act=act, shown=shown)

        return [
            new("the phone's first jti", lambda s: s.issue("phone", "the phone's first jti"), issue, "issue('phone')"),
            new(
                "the phone's second jti",
                lambda s: s.rotate("the phone's first jti", "the phone's second jti"),
                rotate,
                "rotate(<the phone's first jti>)",
            ),
            new(
                "the phone's third jti",
                lambda s: s.rotate("the phone's second jti", "the phone's third jti"),
                rotate,
                "rotate(<the phone's second jti>)",
            ),
            new(
                "the laptop's first jti",
                lambda s: s.issue("laptop", "the laptop's first jti"),
                issue,
                "issue('laptop')",
            ),
            new(
                "the laptop's second jti",
                lambda s: s.rotate("the laptop's first jti", "the laptop's second jti"),
                rotate,
                "rotate(<the laptop's first jti>)",
            ),
            Case(
                revoked,
                _Bool(False),
                act=lambda s: s.store.is_revoked("phone"),
                shown="is_revoked('phone') after normal rotations (nothing reused yet)",
            ),
            Case(revoked, _Bool(False), act=lambda s: s.store.is_revoked("laptop"), shown="is_revoked('laptop')"),
            Case(
                reuse,
                _REJECT,
                act=lambda s: s.store.rotate(s.jti["the phone's first jti"]),
                shown="rotate(<the phone's FIRST jti, already used>)",
            ),
            Case(
                reuse,
                _Bool(True),
                act=lambda s: s.store.is_revoked("phone"),
                shown="is_revoked('phone') after the phone's used jti came back",
                note="a used refresh token coming back means two parties hold it: revoke the whole family",
            ),
            Case(
                "revoke only the family of the reused jti",
                _Bool(False),
                act=lambda s: s.store.is_revoked("laptop"),
                shown="is_revoked('laptop') after a PHONE jti was reused",
            ),
            Case(
                "any jti of a revoked family raises TokenRejected, the family's newest included",
                _REJECT,
                act=lambda s: s.store.rotate(s.jti["the phone's third jti"]),
                shown="rotate(<the phone's CURRENT jti>) after its family was revoked",
                note="the thief may hold the newest one: it must die too",
            ),
            new(
                "the laptop's third jti",
                lambda s: s.rotate("the laptop's second jti", "the laptop's third jti"),
                "revoke only the family of the reused jti: the laptop still rotates",
                "rotate(<the laptop's current jti>) after the phone family was revoked",
            ),
            Case(
                "a jti the store never issued raises TokenRejected (not KeyError: a server answers 401)",
                _REJECT,
                act=lambda s: s.store.rotate("no-such-jti"),
                shown="rotate('no-such-jti')",
            ),
            new(
                "the tablet's first jti",
                lambda s: s.issue("tablet", "the tablet's first jti"),
                issue,
                "issue('tablet')",
            ),
            new(
                "the tablet's second jti",
                lambda s: s.rotate("the tablet's first jti", "the tablet's second jti"),
                rotate,
                "rotate(<the tablet's first jti>)",
            ),
            Case(
                reuse,
                _REJECT,
                act=lambda s: s.store.rotate(s.jti["the tablet's first jti"]),
                shown="rotate(<the tablet's first jti>) a second time, right after its rotation",
            ),
            Case(
                reuse,
                _Bool(True),
                act=lambda s: s.store.is_revoked("tablet"),
                shown="is_revoked('tablet') after its just-used jti came back",
            ),
            Case(
                revoked,
                _Bool(False),
                act=lambda s: s.store.is_revoked("never-issued"),
                shown="is_revoked('never-issued')",
            ),
            Case(
                "a jti the store never issued raises TokenRejected: two stores share nothing",
                _REJECT,
                act=lambda s: s.store_class().rotate(s.jti["the laptop's third jti"]),
                shown="RefreshStore().rotate(<the laptop's current jti, issued by ANOTHER store>)",
                note="keep the dicts on self (made in __init__), not on the class",
            ),
        ]


# -- q2 ------------------------------------------------------------------------

_NOW = 1_767_225_600


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


class _Lookup(Expect):
    """Returns the bool ``value``; on failure says what the table shows."""

    def __init__(self, db: sqlite3.Connection, jti: str, value: bool) -> None:
        self.db = db
        self.jti = jti
        self.value = value
        self.problem = ""

    def accepts(self, outcome: Outcome) -> bool:
        self.problem = ""
        if outcome.raised:
            if isinstance(outcome.error, sqlite3.Error):
                self.problem = "the jti rewrote your SQL: pass values with ? placeholders, never an f-string"
            return False
        if not isinstance(outcome.value, bool):
            self.problem = f"it returned a {type(outcome.value).__name__}; return a bool (e.g. `row is not None`)"
            return False
        if outcome.value is self.value:
            return True
        rows = _rows(self.db)
        if self.value and self.jti not in rows:
            self.problem = (
                "its row was deleted, though it expires only at now + 600: purge only rows with expires_at <= now "
                "(the `now` argument, not the wall clock or the token's own exp)"
            )
        elif not self.value and any(c in self.jti for c in "%_'"):
            self.problem = (
                f"no row has the jti {self.jti!r}: compare with `jti = ?` (LIKE treats % and _ as wildcards; an "
                "f-string lets a quote rewrite the query)"
            )
        return False

    def describe(self) -> str:
        return f"return {self.value}" + (f": {self.problem}" if self.problem else "")


class _Table(Expect):
    """After the call, the denylist holds exactly ``expected`` rows (of those named)."""

    def __init__(self, db: sqlite3.Connection, keep: Sequence[str], gone: Sequence[str]) -> None:
        self.db = db
        self.keep = keep
        self.gone = gone
        self.problem = ""

    def accepts(self, outcome: Outcome) -> bool:
        self.problem = ""
        if outcome.raised:
            return False
        rows = _rows(self.db)
        lost = [j for j in self.keep if j not in rows]
        left = [j for j in self.gone if j in rows]
        if lost:
            self.problem = (
                f"the rows {lost} were deleted although their tokens are still valid: removing them brings those "
                "tokens back to life"
            )
        elif left:
            self.problem = (
                f"the rows {left} (expires_at <= now) are still there: their tokens are refused by the exp check "
                "anyway, so delete them (expires_at <= now), or the table grows with every logout forever"
            )
        return not self.problem

    def describe(self) -> str:
        return "leave exactly the rows of tokens that have not expired" + (f": {self.problem}" if self.problem else "")


class DenylistCheck(TableExercise):
    """is_revoked(db, claims, now): look up the jti, purging rows that expired."""

    label = "q2"
    name = "is_revoked"
    hints = (
        "Two statements: first `DELETE FROM denylist WHERE expires_at <= ?` with now, then "
        "`SELECT 1 FROM denylist WHERE jti = ?` with claims['jti'].",
        "Pass values as parameters (the `?` placeholders), never with an f-string, and compare with `=` "
        "(not LIKE); return `row is not None` so the answer is a real bool.",
    )

    @contextmanager
    def subject(self, answer: Any) -> Iterator[Any]:
        with super().subject(answer) as fn, contextlib.closing(new_denylist()) as db:
            deny(db, "logged-out", _NOW + 600)
            deny(db, "expired-long-ago", _NOW - 3600)
            deny(db, "expires-right-now", _NOW)
            self._db = db
            yield fn

    def cases(self) -> Sequence[Case]:
        db = self._db
        lookup = "True if claims['jti'] is on the denylist, else False (a real bool)"
        exact = "look up exactly claims['jti'] (with ? placeholders and =): quotes and LIKE wildcards are data"

        def ask(jti: str, exp: int, now: int = _NOW) -> Callable[[Any], Any]:
            return lambda fn: fn(db, {"jti": jti, "exp": exp}, now)

        def bulk(fn: Any) -> Any:
            for i in range(1000):
                deny(db, f"bulk-{i:04d}", _NOW + 600 + (i * 900) // 1000)
            fn(db, {"jti": "never-logged-out", "exp": _NOW + 1499}, _NOW + 1200)  # the common case: not on the list
            return len(_rows(db))

        expected_size = sum(1 for i in range(1000) if _NOW + 600 + (i * 900) // 1000 > _NOW + 1200)
        return [
            Case(
                lookup,
                _Lookup(db, "logged-out", True),
                act=ask("logged-out", _NOW + 600),
                shown="is_revoked(db, {'jti': 'logged-out', 'exp': now + 600}, now)",
                note="logged out 5 minutes ago, expires in 10",
            ),
            Case(
                lookup,
                _Lookup(db, "still-fine", False),
                act=ask("still-fine", _NOW + 900),
                shown="is_revoked(db, {'jti': 'still-fine', ...}, now) (never logged out)",
            ),
            Case(
                exact,
                _Lookup(db, "x' OR '1'='1", False),
                act=ask("x' OR '1'='1", _NOW + 900),
                shown="is_revoked(db, {'jti': \"x' OR '1'='1\", ...}, now)",
            ),
            Case(
                exact, _Lookup(db, "%", False), act=ask("%", _NOW + 900), shown="is_revoked(db, {'jti': '%', ...}, now)"
            ),
            Case(
                exact,
                _Lookup(db, "logged_out", False),
                act=ask("logged_out", _NOW + 900),
                shown="is_revoked(db, {'jti': 'logged_out', ...}, now) (an underscore, not the hyphen)",
            ),
            Case(
                "first delete every row whose expires_at <= now, and only those",
                _Table(db, keep=["logged-out"], gone=["expired-long-ago", "expires-right-now"]),
                act=ask("still-fine", _NOW + 900),
                shown=f"the table after is_revoked(..., now={_NOW})",
            ),
            Case(
                lookup,
                _Lookup(db, "logged-out", True),
                act=ask("logged-out", _NOW + 600, _NOW + 599),
                shown="is_revoked(db, {'jti': 'logged-out', 'exp': now + 600}, now + 599)",
                note="one second before it expires, it is still revoked",
            ),
            Case(
                "the purge keeps the table small: exactly the tokens that have not expired stay",
                _SizeIs(expected_size),
                act=bulk,
                shown="1000 logouts expiring between now+600 and now+1500, then is_revoked(<a token never logged "
                "out>, now+1200); rows left",
            ),
        ]


class _SizeIs(Expect):
    def __init__(self, size: int) -> None:
        self.size = size

    def accepts(self, outcome: Outcome) -> bool:
        return not outcome.raised and outcome.value == self.size

    def describe(self) -> str:
        return f"leave {self.size} rows (the tokens that have not expired yet)"


# -- q3 ------------------------------------------------------------------------

_SECRET = "chapter-04-exercise-server-secret-0123456789abcdef"
_BURST = 8
_LIMIT_S = 8.0


def _jti(token: str) -> str:
    try:
        payload = token.split(".")[1]
        return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))).get("jti", token))
    except (IndexError, ValueError, AttributeError):
        return token


class _Recorder:
    """ASGI middleware: records every request's path, status and (for /refresh) the refresh token's jti."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.seen: list[tuple[str, int, str]] = []

    def clear(self) -> None:
        with self.lock:
            self.seen = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = bytearray()

        async def tee_receive() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                body.extend(message.get("body", b""))
            return message

        async def tee_send(message: Any) -> None:
            if message["type"] == "http.response.start":  # recorded before the client can see the answer
                self._record(scope["path"], int(message["status"]), bytes(body))
            await send(message)

        await self.app(scope, tee_receive, tee_send)

    def _record(self, path: str, status: int, body: bytes) -> None:
        sent = ""
        if path == "/refresh":
            try:
                sent = _jti(str(json.loads(body).get("refresh_token", "")))
            except (ValueError, AttributeError):
                sent = "?"
        with self.lock:
            self.seen.append((path, status, sent))

    def refreshes(self) -> list[tuple[int, str]]:
        with self.lock:
            return [(status, sent) for path, status, sent in self.seen if path == "/refresh"]

    def count(self, path: str) -> int:
        with self.lock:
            return sum(1 for p, _, _ in self.seen if p == path)


def _start_race_server() -> tuple[Any, tuple[Any, _Recorder, ManualClock]]:
    from ..client import BurstGate
    from ..server import Settings, create_app
    from ..serving import serve

    clock = ManualClock(COURSE_START)
    gate = BurstGate(create_app(Settings(secret_key=_SECRET, clock=clock)), wave_timeout=1.0)
    recorder = _Recorder(gate)
    return serve(recorder), (gate, recorder, clock)


#: one demo API per process for q3 (started on first use; a check that stops it to end a client's request loop
#: gets a new one next time). What a check reads cannot come from an earlier answer: each check logs in afresh
#: (a new refresh family; a logout or a reuse revokes only its own family), every case clears the recorder, the
#: gate is disarmed and its answers cleared before and after a check, and the clock only moves forward.
_RACE: SharedServer[tuple[Any, _Recorder, ManualClock]] = SharedServer(_start_race_server)


def _client(**kwargs: Any) -> httpx.Client:
    """A client for plain http to 127.0.0.1: no TLS is involved, so skip loading a CA bundle (~80 ms each)."""
    return httpx.Client(verify=False, timeout=5, **kwargs)


def _login(server: Any) -> dict[str, Any]:
    from ..server import DEMO_USERS

    username, password, _role = DEMO_USERS[0]  # alice, role user
    with _client() as client:
        response = client.post(f"{server.url}/login", json={"username": username, "password": password})
    response.raise_for_status()
    return dict(response.json())


def _logout(server: Any, access_token: str) -> None:
    with _client() as client:
        client.post(f"{server.url}/logout", headers={"Authorization": f"Bearer {access_token}"})


def _refresh_story(refreshes: list[tuple[int, str]]) -> str:
    """What the server received at /refresh, in words."""
    if not refreshes:
        return "no refresh request"
    tokens = len({sent for _, sent in refreshes})
    answers = Counter(status for status, _ in refreshes)
    said = ", ".join(f"{n} x {status}" for status, n in sorted(answers.items()))
    carrying = (
        "all carrying the same refresh token"
        if tokens == 1 and len(refreshes) > 1
        else f"carrying {tokens} different refresh tokens"
        if len(refreshes) > 1
        else ""
    )
    return f"{len(refreshes)} refresh request(s){' ' + carrying if carrying else ''}, answered {said}"


class _Env:
    """The server, gate, recorder, clock and thread pool q3's cases share."""

    def __init__(
        self, answer: Any, server: Any, gate: Any, recorder: _Recorder, clock: ManualClock, pool: ThreadPoolExecutor
    ) -> None:
        self.answer = answer
        self.server = server
        self.gate = gate
        self.recorder = recorder
        self.clock = clock
        self.pool = pool
        self.auth: Any = None

    def new_auth(self, pair: dict[str, Any] | None = None) -> None:
        self.auth = self.answer(pair or _login(self.server), "/refresh")

    def me(self, count: int, what: str) -> list[int]:
        client = _client(base_url=self.server.url, auth=self.auth)
        try:
            futures = [self.pool.submit(lambda: client.get("/me").status_code) for _ in range(count)]
            try:
                return [future.result(timeout=_LIMIT_S) for future in futures]
            except FutureTimeout:
                self.server.stop()  # ends a request loop: its next request fails to connect
                raise Failure(
                    f"{what} did not finish within {_LIMIT_S:g} s: does your client keep refreshing in a loop? "
                    "Refresh at most once per request"
                ) from None
            except httpx.TooManyRedirects:
                raise Failure(
                    f"{what}: httpx gave up after more than 20 requests in one auth flow (TooManyRedirects): your "
                    "client keeps refreshing in a loop. Refresh at most once per request"
                ) from None
            except httpx.ResponseNotRead:
                raise Failure(
                    f"{what}: the request raised ResponseNotRead: call `answer.read()` on the refresh answer before "
                    "`answer.json()` (sync_auth_flow does not read bodies for you)"
                ) from None
            except Exception as exc:
                raise Failure(f"{what}: the request raised {type(exc).__name__}: {exc}") from None
        finally:
            client.close()

    def report(self, statuses: list[int], refreshes: list[tuple[int, str]] | None = None, **extra: Any) -> _Seen:
        if refreshes is None:
            refreshes = self.recorder.refreshes()
        answers = ", ".join(f"{n} x {status}" for status, n in sorted(Counter(statuses).items()))
        seen = f"<{answers}, after {len(refreshes)} refresh request(s)>"
        return _Seen(
            {"statuses": statuses, "refreshes": refreshes, "me": self.recorder.count("/me"), "seen": seen, **extra}
        )


class RaceFreeClient(TableExercise):
    """A refreshing httpx auth class whose concurrent requests refresh only once."""

    label = "q3"
    name = "SafeRefreshingAuth"
    hints = (
        "Remember which pair you sent (`sent = self.tokens`, read under the lock). On a 401, take the lock; "
        "only if `self.tokens is sent` (nobody refreshed meanwhile) do the refresh yourself.",
        "Inside `with self.lock:` you may yield the refresh request: `answer = yield httpx.Request('POST', "
        "request.url.join(self.refresh_url), json={'refresh_token': sent['refresh_token']})`, then "
        "`answer.read()`; on a non-200 just `return` (the caller gets that 401: no loop, no retry).",
        "After the `with` block, set the header from the current `self.tokens` and `yield request` once more: "
        "a request that waited finds the new pair already there and simply retries with it.",
    )

    @contextmanager
    def subject(self, answer: Any) -> Iterator[Any]:
        if not (inspect.isclass(answer) and issubclass(answer, httpx.Auth)):
            raise Failure(f"SafeRefreshingAuth should be a class derived from httpx.Auth, got {short(answer)}")
        self._probe(answer)
        server, (gate, recorder, clock) = _RACE.get()
        gate.disarm()
        gate.clear()
        recorder.clear()
        with ThreadPoolExecutor(_BURST) as pool:
            try:
                yield _Env(answer, server, gate, recorder, clock, pool)
            finally:
                gate.disarm()

    @staticmethod
    def _probe(answer: Any) -> None:
        tokens = {"access_token": "probe-access", "refresh_token": "probe-refresh"}
        try:
            probe = answer(dict(tokens), "http://127.0.0.1/refresh").sync_auth_flow(
                httpx.Request("GET", "http://127.0.0.1/me")
            )
        except NotImplementedError:
            raise NotSolved from None
        except Exception as exc:
            raise Failure(
                f"SafeRefreshingAuth(tokens, url).sync_auth_flow(request) raised {type(exc).__name__}: {exc}"
            ) from None
        if probe is None or probe is Ellipsis:
            raise NotSolved
        if not inspect.isgenerator(probe):
            raise Failure("sync_auth_flow must be a generator: `response = yield request`")
        probe.close()

    def cases(self) -> Sequence[Case]:
        def valid(env: _Env) -> _Seen:
            env.recorder.clear()
            env.new_auth()
            return env.report(env.me(2, "two requests with a valid token"))

        def expired(env: _Env) -> _Seen:
            env.recorder.clear()
            env.clock.now += 900
            return env.report(env.me(1, "a request with an expired access token"))

        def one_refresh(report: _Seen) -> str:
            if report["statuses"] != [200] or len(report["refreshes"]) != 1:
                return (
                    f"status {report['statuses']}, the server saw {_refresh_story(report['refreshes'])}; expected "
                    "one refresh, then the request sent again with the new access token"
                )
            return ""

        def revoked(env: _Env) -> _Seen:
            pair = _login(env.server)
            _logout(env.server, pair["access_token"])
            env.recorder.clear()
            env.new_auth(pair)
            return env.report(env.me(1, "a request after logout"))

        def after_logout(report: _Seen) -> str:
            if report["statuses"] != [401] or len(report["refreshes"]) != 1:
                return (
                    f"status {report['statuses']}, the server saw {_refresh_story(report['refreshes'])}; expected "
                    "exactly one refresh attempt and its 401 handed back"
                )
            if report["me"] != 1:
                return (
                    f"after the refused refresh the client sent GET /me again ({report['me']} requests in all): on a "
                    "non-200 refresh answer, `return` (the caller gets the 401), do not retry"
                )
            return ""

        def burst(env: _Env) -> _Seen:  # the same client instance as in the cases before
            env.clock.now += 900
            env.recorder.clear()
            env.gate.arm(_BURST)
            statuses = env.me(_BURST, f"{_BURST} concurrent requests")
            env.gate.disarm()
            complete, refreshes = env.gate.wave_complete, env.recorder.refreshes()
            said = next((detail for status, detail in env.gate.refresh_answers if status != 200 and detail), "")
            after = env.me(1, "a request after the burst")[0]
            return env.report(statuses, refreshes, complete=complete, after=after, said=said)

        def burst_ok(report: _Seen) -> str:
            refreshes = report["refreshes"]
            if not report["complete"]:
                return (
                    f"{_BURST} threads sent a request at the same time, but they reached the server one by one: does "
                    "your lock cover the whole request? Hold it only around reading the tokens and refreshing"
                )
            story = _refresh_story(refreshes) + (f" ({report['said']!r})" if report["said"] else "")
            if len(refreshes) > 1 and any(status != 200 for status, _ in refreshes):
                logged_out = (
                    "; the next GET /me got 401: the user was logged out by their own client"
                    if report["after"] == 401
                    else f"; the next GET /me got {report['after']}"
                )
                return (
                    f"the server saw {story}{logged_out}. Let one refresh run at a time, and skip it when the tokens "
                    "changed while you waited"
                )
            if len(refreshes) > 1:
                return (
                    f"the server saw {story}: every waiting request refreshed once more after the first one. One "
                    "expired token needs ONE refresh: skip yours when the tokens changed while you waited"
                )
            if report["statuses"] != [200] * _BURST or len(refreshes) != 1:
                return f"statuses {sorted(report['statuses'])}, the server saw {story}"
            if report["after"] != 200:
                return f"after the burst the next GET /me got {report['after']}; the session should still be alive"
            return ""

        def none_seen(report: _Seen) -> str:
            if report["statuses"] != [200, 200] or report["refreshes"]:
                return (
                    f"statuses {report['statuses']}, the server saw {_refresh_story(report['refreshes'])}; refresh "
                    "only on a 401"
                )
            return ""

        return [
            Case(
                "send the request with the current access token; no refresh while it is valid",
                _Report(none_seen, "get [200, 200] and no refresh request"),
                act=valid,
                shown="one client, two requests with a valid access token",
            ),
            Case(
                "on a 401, refresh once and send the request again with the new access token",
                _Report(one_refresh, "get 200 after exactly one refresh"),
                act=expired,
                shown="the same client, one request after the access token expired",
            ),
            Case(
                "the same instance keeps working: it refreshes again when the new token expires",
                _Report(one_refresh, "get 200 after exactly one refresh"),
                act=expired,
                shown="the same client, 15 minutes later (the refreshed token expired too)",
            ),
            Case(
                f"{_BURST} concurrent requests with one expired token: exactly one refresh, every request 200, "
                "the session alive",
                _Report(burst_ok, f"get {_BURST} x 200 after exactly one refresh"),
                act=burst,
                shown=f"the same client, {_BURST} requests at once from {_BURST} threads with an expired access token",
            ),
            Case(
                "on a refused refresh, return: the caller gets that 401, no loop and no retry",
                _Report(after_logout, "get 401 after one refresh attempt"),
                act=revoked,
                shown="a client whose session was logged out, one request",
            ),
        ]


q1 = RotationStore()
q2 = DenylistCheck()
q3 = RaceFreeClient()
