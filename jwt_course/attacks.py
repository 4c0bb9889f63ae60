"""Helpers for chapter 06's lab that a learner does not need to read.

The attacks themselves are forged in the notebook with chapter 01's tools; this module
holds the plumbing around them:

- :func:`load_wordlist`: the small dictionary of weak secrets shipped with the course;
- :func:`forge`: header + payload (+ a signing function) -> a compact token;
- :func:`show_source`: print the lines of a function that contain given words, so a
  notebook can point at the code that stops an attack without quoting line numbers;
- :class:`TcpTap`: a loopback TCP proxy that records the bytes passing through it,
  to see what a network eavesdropper would see with and without TLS.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import inspect
import json
import re
import socket
import textwrap
import threading
from collections.abc import Callable
from importlib import resources
from types import TracebackType
from typing import Any

from .handmade import b64url_encode

__all__ = ["TcpTap", "forge", "hs256", "load_wordlist", "show_source", "signer"]

WORDLIST = "weak-secrets.txt"


def load_wordlist() -> list[str]:
    """The course's wordlist of weak secrets (``jwt_course/data/weak-secrets.txt``)."""
    text = resources.files("jwt_course").joinpath("data", WORDLIST).read_text("utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def hs256(key: bytes | str) -> Callable[[bytes], bytes]:
    """A signing function for :func:`forge`: HMAC-SHA256 with ``key`` (any bytes at all)."""
    raw = key.encode() if isinstance(key, str) else key
    return lambda signing_input: hmac.digest(raw, signing_input, hashlib.sha256)


def signer(algorithm: str, key: Any) -> Callable[[bytes], bytes]:
    """A signing function for :func:`forge` with any PyJWT algorithm (``"PS256"``, ``"HS512"``...).

    ``key`` is what PyJWT accepts for that algorithm (a secret, a private key object or PEM).
    For an HMAC keyed with a *public* key's PEM (the confusion attack) use :func:`hs256`:
    PyJWT refuses a PEM as an HMAC secret.
    """
    from jwt.algorithms import get_default_algorithms

    implementation = get_default_algorithms()[algorithm]
    prepared = implementation.prepare_key(key)
    return lambda signing_input: implementation.sign(signing_input, prepared)


def forge(
    header: dict[str, Any],
    payload: dict[str, Any],
    sign: Callable[[bytes], bytes] | None = None,
) -> str:
    """``base64url(header).base64url(payload).base64url(sign(signing input))``.

    ``sign=None`` leaves the signature empty (an ``alg: none`` token).
    """
    parts = [b64url_encode(json.dumps(part, separators=(",", ":")).encode()) for part in (header, payload)]
    signing_input = ".".join(parts).encode("ascii")
    signature = sign(signing_input) if sign is not None else b""
    return f"{parts[0]}.{parts[1]}.{b64url_encode(signature)}"


_SHOW_MARKER = re.compile(r"\s*# show: (?P<names>[\w-]+(?:, [\w-]+)*)\s*$")


def _marked(line: str) -> tuple[str, set[str]]:
    """The line without its ``# show: name`` marker, and the names it carries."""
    match = _SHOW_MARKER.search(line)
    if match is None:
        return line, set()
    return line[: match.start()], set(match["names"].split(", "))


def show_source(obj: Any, *handles: str) -> None:
    """Print ``obj``'s defining file and name, then the source lines each handle names.

    A handle is the name of a marker in the source: a line ending in ``# show: name``
    (several lines may carry the same name; the marker itself is not printed). For now a
    handle that is no marker name is also read the old way, as text that a line contains.
    Raises ``LookupError`` if a handle finds nothing: the code it pointed at has moved,
    and the notebook should say so rather than print nothing. With no handle, the whole
    source of ``obj`` is printed (dedented, markers removed).
    """
    lines = [_marked(line) for line in textwrap.dedent(inspect.getsource(obj)).splitlines()]
    module = inspect.getmodule(obj)
    filename = (module.__name__.replace(".", "/") + ".py") if module else "?"
    print(f"{filename} · {getattr(obj, '__qualname__', obj)}")
    if not handles:
        print("\n".join(text.rstrip() for text, _ in lines))
    for handle in handles:
        found = [text.strip() for text, names in lines if handle in names]
        if not found:
            found = [text.strip() for text, _ in lines if handle in text]
        if not found:
            raise LookupError(f"{handle!r} not found in {getattr(obj, '__qualname__', obj)}")
        for line in found:
            print(f"    {line}")


class TcpTap:
    """A TCP proxy on 127.0.0.1 that forwards to ``target`` and records the traffic.

    ``sent`` holds the bytes clients sent (what an eavesdropper on the wire between
    client and server sees), ``received`` the server's answers. Use as a context manager
    or call :meth:`stop`; connect clients to ``port`` (``url`` gives ``scheme://127.0.0.1:port``).
    """

    def __init__(self, target_host: str, target_port: int, scheme: str = "http") -> None:
        self.target = (target_host, target_port)
        self.scheme = scheme
        self.sent = bytearray()
        self.received = bytearray()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(8)
        self.port: int = self._listener.getsockname()[1]
        self._stopping = False
        self._start(self._accept_loop)

    @property
    def url(self) -> str:
        """``scheme://127.0.0.1:port`` of the tap."""
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def _start(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True, name="jwt_course.TcpTap")
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while not self._stopping:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._stopping:
                    client.close()
                    upstream.close()
                    return
                self._sockets += [client, upstream]
            self._start(self._pump, client, upstream, self.sent)
            self._start(self._pump, upstream, client, self.received)

    def _pump(self, source: socket.socket, sink: socket.socket, record: bytearray) -> None:
        try:
            while chunk := source.recv(65536):
                with self._lock:
                    record.extend(chunk)
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)

    def stop(self) -> None:
        """Close every socket and join every thread; safe to call twice."""
        with self._lock:
            self._stopping = True
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._lock:
            sockets, threads = list(self._sockets), list(self._threads)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(2)

    def __enter__(self) -> TcpTap:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
