"""Run an ASGI app with uvicorn in a background thread, for notebooks and tests, or in
the foreground, for a command line.

``serve(app)`` binds a loopback port, starts uvicorn in a daemon thread, waits until
the server accepts connections and returns a :class:`Server` with ``.url``,
``.port`` and ``.stop()``::

    with serve(app) as server:
        httpx.get(f"{server.url}/health")

Three things matter in a notebook and are handled here:

* Quiet: uvicorn's own logging configuration is not installed (``log_config=None``),
  the access log is off, and every record logged from a server thread is kept on
  ``Server.log`` instead of being printed, so nothing from the server thread lands in
  whatever cell happens to be running.
* Fast: the listening socket is created here with ``IPPROTO_TCP`` so that uvicorn
  sets ``TCP_NODELAY`` on accepted connections; a socket made with protocol 0 keeps
  Nagle's algorithm on and each small response waits ~40 ms for a delayed ACK.
* Clean: ``stop()`` asks uvicorn to exit, joins the thread and closes the socket, so
  no thread is leaked and the port can be bound again. A server that cannot start
  (port taken, failing lifespan) raises ``RuntimeError`` instead of hanging.

A command line (``jwt-course serve``) wants the opposite of quiet: it makes a
:class:`Server` (which binds the port, so ``.port`` and ``.url`` are known and can be
printed), then calls :meth:`Server.run_in_foreground`, uvicorn as a terminal shows it,
until Ctrl+C or SIGTERM::

    server = Server(app, port=8000)       # RuntimeError if the port is taken
    print(f"listening on {server.url}")
    stopped_by = server.run_in_foreground()  # signal.SIGINT after Ctrl+C
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Mapping
from types import FrameType, TracebackType
from typing import Any

import uvicorn

__all__ = ["Server", "serve"]

_START_TIMEOUT = 5.0
_STOP_TIMEOUT = 5.0
_GRACEFUL_SHUTDOWN_SECONDS = 0.5
# A foreground server (a workshop's) gives open connections a little longer on Ctrl+C.
_FOREGROUND_GRACEFUL_SHUTDOWN_SECONDS = 2
# The loggers uvicorn's terminal logging configures; saved and restored around a foreground run.
_UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")


class _ThreadRouter(logging.Handler):
    """Send uvicorn records from a serve() thread to that server, others on to root."""

    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.sinks: dict[int, list[logging.LogRecord]] = {}
        self.sinks_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self.sinks_lock:
            sink = self.sinks.get(record.thread or 0)
        if sink is not None:
            sink.append(record)
        else:  # a uvicorn running elsewhere in the process: behave as if we were absent
            logging.getLogger().handle(record)


_router = _ThreadRouter()
_router_installed = False
_router_lock = threading.Lock()


def _install_router() -> None:
    global _router_installed
    with _router_lock:
        uvicorn_logger = logging.getLogger("uvicorn")
        if not _router_installed or _router not in uvicorn_logger.handlers:
            uvicorn_logger.addHandler(_router)
            uvicorn_logger.propagate = False
            _router_installed = True


_LoggerState = tuple[list[logging.Handler], int, bool, bool]


def _save_uvicorn_logging() -> dict[str, _LoggerState]:
    loggers = {name: logging.getLogger(name) for name in _UVICORN_LOGGERS}
    return {name: (list(lg.handlers), lg.level, lg.propagate, lg.disabled) for name, lg in loggers.items()}


def _restore_uvicorn_logging(saved: dict[str, _LoggerState]) -> None:
    for name, (handlers, level, propagate, disabled) in saved.items():
        lg = logging.getLogger(name)
        for handler in lg.handlers:
            if handler not in handlers:
                handler.close()
        lg.handlers[:] = handlers
        lg.setLevel(level)
        lg.propagate, lg.disabled = propagate, disabled


class _UvicornServer(uvicorn.Server):
    """uvicorn's server, whose once-every-100-ms main loop also wakes on ``wake()``.

    uvicorn polls ``should_exit`` every 0.1 s; waking it saves that wait on stop.
    """

    _wake_event: asyncio.Event | None = None
    _wake_loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._wake_loop = asyncio.get_running_loop()
        self._wake_event = asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake_event.wait(), 0.1)
            should_exit = await self.on_tick(counter)

    def wake(self) -> None:
        loop, event = self._wake_loop, self._wake_event
        if loop is not None and event is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                loop.call_soon_threadsafe(event.set)


class Server:
    """A uvicorn server running in a daemon thread; made by :func:`serve`.

    Attributes: ``url`` (``"http://127.0.0.1:54321"``, ``https://`` with TLS), ``host``,
    ``port``, ``app``, ``tls`` (True when serving HTTPS),
    and ``log``, the list of log records uvicorn emitted from this server's thread
    (errors in the app end up here rather than in a notebook cell).

    ``url`` is what code in the same machine uses (``httpx.get(f"{server.url}/me")``);
    ``browser_url`` is what a learner's *browser* opens: the same on a laptop, the
    jupyter-server-proxy address on a JupyterHub or Binder, where 127.0.0.1 would be the
    learner's own computer. In a notebook the server displays as a link to it.

    Making a ``Server`` binds its listening socket (``RuntimeError`` if the port cannot be
    bound), so ``port``, ``url`` and ``browser_url`` are known before it runs. It then runs
    once: in a background thread (what :func:`serve` does) or in the calling thread with
    :meth:`run_in_foreground` (what a command line does).
    """

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        ssl_certfile: str | None = None,
        ssl_keyfile: str | None = None,
    ) -> None:
        self.app = app
        self.host = host
        self.tls = ssl_certfile is not None
        self.log: list[logging.LogRecord] = []
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped = False
        self._stop_lock = threading.Lock()
        self._ssl = (ssl_certfile, ssl_keyfile)
        self._foreground: threading.Event | None = None  # set once run_in_foreground() returns
        self._foreground_thread: threading.Thread | None = None
        self._socket = _listening_socket(host, port)
        self.port: int = self._socket.getsockname()[1]
        self._config = uvicorn.Config(
            app,
            log_config=None,
            log_level="warning",
            access_log=False,
            loop="asyncio",
            http="h11",
            lifespan="auto",
            timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN_SECONDS,  # type: ignore[arg-type]
            ssl_certfile=ssl_certfile,
            ssl_keyfile=ssl_keyfile,
        )
        self._uvicorn = _UvicornServer(self._config)
        self._thread = threading.Thread(target=self._run, name=f"jwt_course.serve:{self.port}", daemon=True)

    @property
    def url(self) -> str:
        """Base URL of the server, without a trailing slash."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    @property
    def browser_url(self) -> str:
        """The URL a learner's browser can open for this server.

        Under JupyterHub or Binder (``JUPYTERHUB_SERVICE_PREFIX`` set, e.g. ``/user/alice/``)
        it is jupyter-server-proxy's path on the hub, ``{prefix}proxy/{port}/``, relative to
        the hub's address (the browser is already there). Elsewhere it is ``url``, the
        loopback URL. An HTTPS server is not proxied (jupyter-server-proxy forwards plain
        HTTP), so it keeps its loopback URL. Join paths with :meth:`browser_link`.
        """
        return self.browser_url_for(self.port, self.url) if not self.tls else self.url

    def browser_link(self, path: str = "") -> str:
        """``browser_url`` joined with ``path``: ``server.browser_link("/docs")``."""
        return f"{self.browser_url.rstrip('/')}/{path.lstrip('/')}"

    @staticmethod
    def browser_url_for(port: int, loopback_url: str, environ: Mapping[str, str] | None = None) -> str:
        """What ``browser_url`` would be for a server on ``port`` known locally as ``loopback_url``.

        ``environ`` defaults to ``os.environ``.
        """
        prefix = (os.environ if environ is None else environ).get("JUPYTERHUB_SERVICE_PREFIX", "")
        if not prefix.strip("/"):
            return loopback_url
        return f"/{prefix.strip('/')}/proxy/{port}/"

    @property
    def running(self) -> bool:
        """True while the server runs (in its thread or in the foreground) and has not been asked to stop."""
        foreground = self._foreground is not None and not self._foreground.is_set()
        return (self._thread.is_alive() or foreground) and not self._stopped

    def run_in_foreground(self) -> signal.Signals | None:
        """Run the server in the calling thread until SIGINT or SIGTERM (or :meth:`stop`); for a command line.

        The opposite of :func:`serve`'s quiet thread: uvicorn logs as it does in a terminal
        (its own logging configuration, info level, the access log, on stderr), and the
        lifespan must start (``lifespan="on"``). Called from the main thread, Ctrl+C (SIGINT)
        or SIGTERM stops it gracefully, open connections get up to 2 s, and the signal
        handlers in place before are back afterwards: uvicorn catches the signal, restores
        the handlers and raises the signal again, which this method takes as the end of the
        run rather than passing it on (no ``KeyboardInterrupt``). From another thread no
        signal is handled and :meth:`stop` ends the run.

        Returns the signal that stopped the server, or None when :meth:`stop` did. The socket
        is closed and the logging configuration of the ``uvicorn`` loggers restored on return;
        a ``Server`` runs once. ``RuntimeError`` if the server has already run or been stopped,
        or if the app fails to start (for example, its lifespan raises; uvicorn has logged why).
        """
        with self._stop_lock:
            if self._stopped or self._foreground is not None or self._thread.is_alive():
                raise RuntimeError(f"server on {self.url} has already run or been stopped; make a new Server")
            self._foreground = threading.Event()
            self._foreground_thread = threading.current_thread()
        stopped_by: list[int] = []
        saved_logging = _save_uvicorn_logging()
        previous: dict[int, Any] = {}
        try:
            config = uvicorn.Config(  # installs uvicorn's terminal logging (log_config's default)
                self.app,
                log_level="info",
                lifespan="on",
                timeout_graceful_shutdown=_FOREGROUND_GRACEFUL_SHUTDOWN_SECONDS,
                ssl_certfile=self._ssl[0],
                ssl_keyfile=self._ssl[1],
            )
            server = _UvicornServer(config)
            with self._stop_lock:
                self._uvicorn = server
                server.should_exit = self._stopped  # stop() already called from another thread

            def note(signum: int, frame: FrameType | None) -> None:
                # Before uvicorn's own handlers are in place (start-up) and when uvicorn raises
                # the signal again after restoring these: remember it, and stop if not stopping.
                stopped_by.append(signum)
                server.should_exit = True

            if threading.current_thread() is threading.main_thread():
                previous = {sig: signal.signal(sig, note) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                server.run(sockets=[self._socket])
            except SystemExit:  # uvicorn's exit when the lifespan fails at start-up
                raise RuntimeError(f"server on {self.url} failed to start (see uvicorn's log)") from None
            if not server.started:
                raise RuntimeError(f"server on {self.url} failed to start (see uvicorn's log)")
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            _restore_uvicorn_logging(saved_logging)
            self._stopped = True
            self._socket.close()
            self._foreground.set()
        return signal.Signals(stopped_by[0]) if stopped_by else None

    def _run(self) -> None:
        ident = threading.get_ident()
        with _router.sinks_lock:
            _router.sinks[ident] = self.log
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # SystemExit from a failed lifespan included
            self._error = exc
        finally:
            with _router.sinks_lock:
                _router.sinks.pop(ident, None)

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self._uvicorn.serve(sockets=[self._socket])

    def _start(self) -> None:
        _install_router()
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._uvicorn.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server on {self.url} failed to start: {self._failure()}")
            time.sleep(0.002)

    def _failure(self) -> str:
        # The last line of each message: "ValueError: boom", not the whole traceback.
        messages = [
            r.getMessage().strip().splitlines()[-1]
            for r in self.log
            if r.levelno >= logging.WARNING and r.getMessage().strip()
        ]
        if self._error is not None and not isinstance(self._error, SystemExit):
            messages.append(f"{type(self._error).__name__}: {self._error}")
        if self._thread.is_alive():
            messages.insert(0, f"not ready after {_START_TIMEOUT:g} s")
        return "; ".join(messages) or "the server thread exited"

    def stop(self) -> None:
        """Stop the server, join its thread and free the port; safe to call twice.

        For a server in :meth:`run_in_foreground` (in another thread), ask it to stop and wait
        until that method has returned (it closes the socket).
        """
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
        self._uvicorn.should_exit = True
        self._uvicorn.wake()
        if self._foreground is not None:
            if self._foreground_thread is not threading.current_thread():  # not from inside the run
                self._foreground.wait(2 * _STOP_TIMEOUT)
            return
        if self._thread.is_alive():
            self._thread.join(_STOP_TIMEOUT)
            if self._thread.is_alive():  # graceful shutdown did not finish in time
                self._uvicorn.force_exit = True
                self._thread.join(_STOP_TIMEOUT)
        self._socket.close()
        self._join_worker_threads()

    def _join_worker_threads(self) -> None:
        # Sync endpoints run in AnyIO worker threads tied to this server's event loop;
        # they are told to stop when the loop's main task ends. Wait for them, so a
        # stopped server leaves no thread behind.
        for thread in threading.enumerate():
            if self._loop is not None and getattr(thread, "loop", None) is self._loop:
                thread.join(1.0)

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        browser = self.browser_url
        shown = "" if browser == self.url else f", browser: {browser}"
        return f"<Server {self.url} {state}{shown}>"

    def _repr_html_(self) -> str:
        # A notebook shows the server as a link the learner can click (on a hub: the proxy).
        state = "running" if self.running else "stopped"
        link = html.escape(self.browser_url, quote=True)
        return (
            f'<code>Server</code> {state}: <a href="{link}" target="_blank" rel="noopener">'
            f"{link}</a> (code in the notebook uses <code>{html.escape(self.url)}</code>)"
        )


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted connections only when
    # sock.proto == IPPROTO_TCP, and accepted sockets inherit the listener's proto.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise RuntimeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.setblocking(False)
    return sock


def _is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name other than localhost may resolve anywhere
        return False


def serve(
    app: Any,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
    public: bool = False,
) -> Server:
    """Start ``app`` with uvicorn in a background thread and return once it answers.

    ``port=0`` picks a free port; read it from ``.port`` or ``.url``. Use the result as a
    context manager, or call ``.stop()``. Raises ``RuntimeError`` if the port cannot be
    bound or the app fails to start (for example, its lifespan raises).

    ``host`` must be a loopback address (``127.0.0.1``, ``::1``, ``localhost``) unless
    ``public=True``: the course's apps have well-known demo passwords, so listening on
    another interface (``0.0.0.0``) is an explicit choice, as ``jwt-course serve
    --public`` is. Otherwise ``ValueError``.

    With ``ssl_certfile`` (a PEM certificate chain) and ``ssl_keyfile`` (its PEM private
    key; omit it when the key is in the certificate file) the server speaks HTTPS and
    ``.url`` starts with ``https://``. The files are read at start-up and may be deleted
    afterwards.
    """
    if ssl_keyfile is not None and ssl_certfile is None:
        raise ValueError("ssl_keyfile needs ssl_certfile")
    if not public and not _is_loopback_host(host):
        raise ValueError(
            f"refusing to listen on {host}: anyone who can reach it could log in with the "
            "demo passwords; use 127.0.0.1, or pass public=True if you really mean it"
        )
    server = Server(app, host=host, port=port, ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile)
    server._start()
    return server
