"""One server per checker process, for checks that talk to a real server but need no fresh one.

Starting and stopping a uvicorn server costs a check about 0.1-0.2 s (``stop()`` waits for the
server's loop to finish); a learner who runs ``check()`` again, and a test corpus that runs
dozens of answers, pay it every time. A :class:`SharedServer` starts its server on first use,
hands the same one to every later check while it runs, starts a new one if it was stopped (a
check may stop it to end a client stuck in a loop), and stops it when the process exits.

Only apps whose state cannot carry one check's answer into the next are shared: ch03's echo
app keeps nothing; ch04's demo API keeps refresh families, and every check logs in afresh (a new
family) and resets what it reads (the request recorder, the burst gate) before each case.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["SharedServer"]

T = TypeVar("T")


class SharedServer(Generic[T]):
    """``get()`` returns ``(server, extra)`` made by ``start()``; the same pair while the server runs."""

    def __init__(self, start: Callable[[], tuple[Any, T]]) -> None:
        self._start = start
        self._lock = threading.Lock()
        self._current: tuple[Any, T] | None = None
        self._registered = False

    def get(self) -> tuple[Any, T]:
        """The running server and what came with it, started now if there is none."""
        with self._lock:
            if self._current is None or not self._current[0].running:
                if self._current is not None:
                    self._current[0].stop()
                self._current = self._start()
                if not self._registered:
                    atexit.register(self.stop)
                    self._registered = True
            return self._current

    def stop(self) -> None:
        """Stop the server (if any); the next :meth:`get` starts a new one."""
        with self._lock:
            current, self._current = self._current, None
        if current is not None:
            current[0].stop()
