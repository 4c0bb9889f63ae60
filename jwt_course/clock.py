"""A clock that moves only when told to, for lessons, tests and checkers.

Everything in the course that reads the time takes a ``clock`` (a callable returning epoch
seconds, like :func:`time.time`): the server's ``Settings(clock=...)``, ``TokenSigner``,
``KeyRing``, the session stores. Pass a :class:`ManualClock` to make expiry deterministic::

    clock = ManualClock(1_767_225_600)  # 2026-01-01 00:00:00 UTC
    settings = Settings(secret_key=..., clock=clock)
    clock.advance(15 * 60)              # the access token has just expired
"""

from __future__ import annotations

__all__ = ["COURSE_START", "ManualClock"]

#: 2026-01-01 00:00:00 UTC, the "now" the lessons start from.
COURSE_START = 1_767_225_600


class ManualClock:
    """Epoch seconds that change only through :attr:`now` or :meth:`advance`.

    Calling the clock returns :attr:`now` unchanged (an ``int`` stays an ``int``).
    """

    def __init__(self, now: float = COURSE_START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (backward if negative)."""
        self.now += seconds

    def __repr__(self) -> str:
        return f"ManualClock({self.now!r})"
