"""Logout is one transaction: the jti denial and the family revocation commit together.

Two real-SQLite checks (issue 11):

* a deterministic fault between the two writes: a trigger, created from a second
  connection on the server's database file, aborts the family revocation. The logout
  fails as a whole: the token still works, and a retried logout finishes the job.
* kill -9 under load: a server in a subprocess on a SQLite file, a burst of logouts and
  refreshes, SIGKILL mid-burst, a restart on the same file. Every acknowledged
  logout and rotation is still there, every logout is all-or-nothing, and
  ``PRAGMA integrity_check`` says ok. ``JWT_COURSE_KILL_TRIALS`` (default 1) sets
  how many kill rounds run.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from jwt_course import serve
from jwt_course.server import Settings, create_app

SECRET = "logout-atomic-test-secret-0123456789abcdef-012345"
TRIGGER = """
CREATE TRIGGER injected_fault BEFORE UPDATE OF revoked ON families WHEN NEW.revoked = 1
BEGIN SELECT RAISE(ABORT, 'injected fault between the two logout writes'); END
"""


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def login(client: httpx.Client) -> dict[str, Any]:
    response = client.post("/login", json={"username": "alice", "password": "wonderland"})
    assert response.status_code == 200, response.text
    pair: dict[str, Any] = response.json()
    return pair


@pytest.fixture
def database(tmp_path: Path) -> str:
    return str(tmp_path / "revocations.sqlite")


@pytest.fixture
def client(database: str) -> Iterator[httpx.Client]:
    app = create_app(Settings(secret_key=SECRET, database=database))
    try:
        with serve(app) as server, httpx.Client(base_url=server.url, timeout=10) as http:
            yield http
    finally:
        app.state.store.close()


def inject_fault(database: str, sql: str) -> None:
    with sqlite3.connect(database) as other:
        other.execute(sql)
    other.close()


def test_a_fault_between_the_writes_leaves_nothing_half_done(client: httpx.Client, database: str) -> None:
    pair = login(client)
    inject_fault(database, TRIGGER)
    # (connection: close: the server drops a connection whose request raised)
    failed = client.post("/logout", headers={**bearer(pair["access_token"]), "connection": "close"})
    assert failed.status_code == 500  # the injected fault, answered as a server error
    inject_fault(database, "DROP TRIGGER injected_fault")
    # nothing of the failed logout stuck: the token still works
    assert client.get("/me", headers=bearer(pair["access_token"])).status_code == 200


def test_a_retried_logout_after_a_fault_finishes_the_job(client: httpx.Client, database: str) -> None:
    pair = login(client)
    inject_fault(database, TRIGGER)
    client.post("/logout", headers={**bearer(pair["access_token"]), "connection": "close"})
    inject_fault(database, "DROP TRIGGER injected_fault")
    assert client.post("/logout", headers=bearer(pair["access_token"])).status_code == 204
    assert client.get("/me", headers=bearer(pair["access_token"])).status_code == 401
    refreshed = client.post("/refresh", json={"refresh_token": pair["refresh_token"]})
    assert refreshed.status_code == 401


def test_the_store_rolls_back_both_writes_together(database: str) -> None:
    from jwt_course.store import RevocationStore

    with RevocationStore(database) as store:
        store.start_family("iss", "fam", "alice", "r1", expires_at=2000, now=1000)
        inject_fault(database, TRIGGER)
        with pytest.raises(sqlite3.IntegrityError, match="injected fault"):
            store.logout("iss", "a1", 1900, "fam", now=1000, keep_until=1900)
        assert store.row_counts() == {"denied_tokens": 0, "families": 1}
        assert not store.is_rejected("iss", "a1", "fam")


# -- kill -9 under load -------------------------------------------------------------------

SERVER_SCRIPT = """
import sys, threading
from jwt_course import serve
from jwt_course.server import Settings, create_app
app = create_app(Settings(secret_key=sys.argv[1], database=sys.argv[2]))
server = serve(app)
print(server.port, flush=True)
threading.Event().wait()
"""


class Subprocess:
    """The demo API in a child process on ``database``; ``kill()`` sends SIGKILL."""

    def __init__(self, database: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER_SCRIPT, SECRET, database],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line.strip().isdigit(), f"server did not start: {line!r}"
        self.url = f"http://127.0.0.1:{int(line)}"

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        assert self.process.stdout is not None
        self.process.stdout.close()


SESSIONS = 24
KILL_AFTER_ACKS = 8


def burst(url: str, pairs: list[dict[str, Any]], kill: Subprocess) -> dict[int, Any]:
    """Logout even sessions, refresh odd ones, 4 at a time; SIGKILL after a few acks."""
    acknowledged: dict[int, Any] = {}
    lock = threading.Lock()

    def one(i: int) -> None:
        pair = pairs[i]
        try:
            with httpx.Client(base_url=url, timeout=5) as http:
                if i % 2 == 0:
                    response = http.post("/logout", headers=bearer(pair["access_token"]))
                    ok = response.status_code == 204
                else:
                    response = http.post("/refresh", json={"refresh_token": pair["refresh_token"]})
                    ok = response.status_code == 200
        except httpx.HTTPError:
            return  # cut off by the kill: not acknowledged
        if ok:
            with lock:
                acknowledged[i] = None if i % 2 == 0 else response.json()
                if len(acknowledged) == KILL_AFTER_ACKS:
                    kill.kill()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, range(len(pairs))))
    return acknowledged


def check_after_restart(http: httpx.Client, pairs: list[dict[str, Any]], acked: dict[int, Any]) -> None:
    for i, pair in enumerate(pairs):
        me = http.get("/me", headers=bearer(pair["access_token"])).status_code
        if i % 2 == 0:
            refresh = http.post("/refresh", json={"refresh_token": pair["refresh_token"]}).status_code
            if i in acked:  # an acknowledged logout is never lost
                assert (me, refresh) == (401, 401), (i, me, refresh)
            else:  # an unacknowledged one happened entirely or not at all
                assert (me, refresh) in ((401, 401), (200, 200)), (i, me, refresh)
        elif i in acked:  # an acknowledged rotation: the new token is current, the old one used up
            new = http.post("/refresh", json={"refresh_token": acked[i]["refresh_token"]}).status_code
            assert new == 200, i
            old = http.post("/refresh", json={"refresh_token": pair["refresh_token"]}).status_code
            assert old == 401, i


def kill_trial(database: str) -> int:
    first = Subprocess(database)
    try:
        with httpx.Client(base_url=first.url, timeout=10) as http:
            pairs = [login(http) for _ in range(SESSIONS)]
        acked = burst(first.url, pairs, first)
    finally:
        first.kill()
    assert len(acked) >= KILL_AFTER_ACKS
    second = Subprocess(database)
    try:
        with httpx.Client(base_url=second.url, timeout=10) as http:
            check_after_restart(http, pairs, acked)
    finally:
        second.kill()
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    return len(acked)


def test_kill_9_during_a_burst_loses_no_acknowledged_revocation(tmp_path: Path) -> None:
    trials = int(os.environ.get("JWT_COURSE_KILL_TRIALS", "1"))
    for trial in range(trials):
        kill_trial(str(tmp_path / f"trial-{trial}.sqlite"))
