"""The demo API's revocation state, in SQLite.

Two tables, both keyed on identifiers from inside a verified token, never on the raw
token (PyJWT accepts more than one spelling of the same signature, e.g. a trailing
``=``, so a denylist keyed on token text can be bypassed):

``denied_tokens(iss, jti, expires_at)``
    Access tokens revoked one by one (``POST /logout``). ``expires_at`` is the token's
    own ``exp``: after that the token is rejected anyway, so the row is deleted.

``families(iss, fam, sub, current_jti, revoked, expires_at)``
    One row per login. Every access and refresh token carries the login's family id
    (``fam``). ``current_jti`` is the only refresh token of the family that may be
    used; using it rotates to a new one. Presenting any other refresh token of the
    family is reuse (a stolen token, or the thief got there first), so the family is
    revoked: its refresh tokens and its access tokens are rejected from then on.
    ``expires_at`` is the expiry of the newest token issued in the family.

Expired rows are purged on every write, so both tables stay bounded by the number
of tokens that are still alive. :meth:`RevocationStore.row_counts` shows it.

One connection per store, shared between threads (``check_same_thread=False``) and
serialised with a lock; files use WAL journaling. Every write is one transaction.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from types import TracebackType

__all__ = ["RevocationStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS denied_tokens (
    iss TEXT NOT NULL,
    jti TEXT NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (iss, jti)
);
CREATE INDEX IF NOT EXISTS denied_tokens_expiry ON denied_tokens (expires_at);
CREATE TABLE IF NOT EXISTS families (
    iss TEXT NOT NULL,
    fam TEXT NOT NULL,
    sub TEXT NOT NULL,
    current_jti TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0,
    expires_at REAL NOT NULL,
    PRIMARY KEY (iss, fam)
);
CREATE INDEX IF NOT EXISTS families_expiry ON families (expires_at);
"""


class RevocationStore:
    """Denylist of access tokens and the state of refresh-token families.

    ``database`` is ``":memory:"`` (gone with the process) or a SQLite file path
    (survives restarts; several apps may share it).
    """

    def __init__(self, database: str = ":memory:") -> None:
        self.database = database
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(database, check_same_thread=False, isolation_level=None, timeout=5.0)
        # closed by close(), or when the store is garbage-collected (an app dropped
        # without close() must not leak its connection: Python 3.13 warns about that)
        self._close_connection = weakref.finalize(self, self._conn.close)
        with self._lock:
            if database != ":memory:":
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(_SCHEMA)

    # -- access tokens -------------------------------------------------------------

    def deny_token(self, iss: str, jti: str, expires_at: float, now: float) -> None:
        """Reject the token ``(iss, jti)`` until ``expires_at`` (its ``exp``)."""
        self._write(
            now,
            "INSERT OR REPLACE INTO denied_tokens (iss, jti, expires_at) VALUES (?, ?, ?)",
            (iss, jti, expires_at),
        )

    def is_rejected(self, iss: str, jti: str, fam: str) -> bool:
        """True if the token ``jti`` is denied or its family ``fam`` is revoked."""
        with self._lock:
            row = self._conn.execute(
                "SELECT EXISTS (SELECT 1 FROM denied_tokens WHERE iss = ? AND jti = ?)"
                " OR EXISTS (SELECT 1 FROM families WHERE iss = ? AND fam = ? AND revoked)",
                (iss, jti, iss, fam),
            ).fetchone()
        return bool(row[0])

    # -- refresh-token families ----------------------------------------------------

    def start_family(self, iss: str, fam: str, sub: str, jti: str, expires_at: float, now: float) -> None:
        """Record a new login whose first refresh token is ``jti``."""
        self._write(
            now,
            "INSERT INTO families (iss, fam, sub, current_jti, expires_at) VALUES (?, ?, ?, ?, ?)",
            (iss, fam, sub, jti, expires_at),
        )

    def rotate(self, iss: str, fam: str, used_jti: str, new_jti: str, expires_at: float, now: float) -> str:
        """Use refresh token ``used_jti`` of family ``fam`` and make ``new_jti`` current.

        Returns ``"ok"``; ``"unknown"`` if the family is not on record (it expired and
        was purged, or came from another database); ``"revoked"`` if the family was
        already revoked; ``"reuse"`` if ``used_jti`` is not the current token, in which
        case the family is revoked now.
        """
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                row = self._conn.execute(
                    "SELECT current_jti, revoked FROM families WHERE iss = ? AND fam = ?",
                    (iss, fam),
                ).fetchone()
                if row is None:
                    outcome = "unknown"
                elif row[1]:
                    outcome = "revoked"
                elif row[0] != used_jti:
                    outcome = "reuse"
                    self._conn.execute("UPDATE families SET revoked = 1 WHERE iss = ? AND fam = ?", (iss, fam))
                else:
                    outcome = "ok"
                    self._conn.execute(
                        "UPDATE families SET current_jti = ?, expires_at = MAX(expires_at, ?)"
                        " WHERE iss = ? AND fam = ?",
                        (new_jti, expires_at, iss, fam),
                    )
                self._purge(now)
                self._conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
        return outcome

    def revoke_family(self, iss: str, fam: str, now: float, keep_until: float) -> None:
        """Revoke every token of family ``fam``; remember it until ``keep_until`` at least."""
        self._write(
            now,
            "UPDATE families SET revoked = 1, expires_at = MAX(expires_at, ?) WHERE iss = ? AND fam = ?",
            (keep_until, iss, fam),
        )

    def logout(self, iss: str, jti: str, expires_at: float, fam: str, now: float, keep_until: float) -> None:
        """Deny access token ``jti`` and revoke its family ``fam``, in one transaction.

        Both writes commit together or not at all: a crash in between can never leave
        the access token denied while its refresh tokens stay alive.
        """
        self._write_all(
            now,
            [
                (
                    "INSERT OR REPLACE INTO denied_tokens (iss, jti, expires_at) VALUES (?, ?, ?)",
                    (iss, jti, expires_at),
                ),
                (
                    "UPDATE families SET revoked = 1, expires_at = MAX(expires_at, ?) WHERE iss = ? AND fam = ?",
                    (keep_until, iss, fam),
                ),
            ],
        )

    # -- housekeeping --------------------------------------------------------------

    def purge_expired(self, now: float) -> int:
        """Delete rows whose tokens have expired anyway; returns how many went."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                removed = self._purge(now)
                self._conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
        return removed

    def row_counts(self) -> dict[str, int]:
        """Number of rows per table, e.g. ``{"denied_tokens": 1, "families": 2}``."""
        with self._lock:
            denied = self._conn.execute("SELECT COUNT(*) FROM denied_tokens").fetchone()[0]
            families = self._conn.execute("SELECT COUNT(*) FROM families").fetchone()[0]
        return {"denied_tokens": int(denied), "families": int(families)}

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._close_connection()

    def __enter__(self) -> RevocationStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _write(self, now: float, sql: str, params: tuple[object, ...]) -> None:
        self._write_all(now, [(sql, params)])

    def _write_all(self, now: float, statements: list[tuple[str, tuple[object, ...]]]) -> None:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, params in statements:
                    self._conn.execute(sql, params)
                self._purge(now)
                self._conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        # A failed statement may already have ended the transaction (RAISE(ROLLBACK),
        # a full disk): rolling back twice would hide the real error.
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    def _purge(self, now: float) -> int:
        removed = self._conn.execute("DELETE FROM denied_tokens WHERE expires_at <= ?", (now,)).rowcount
        removed += self._conn.execute("DELETE FROM families WHERE expires_at <= ?", (now,)).rowcount
        return int(removed)
