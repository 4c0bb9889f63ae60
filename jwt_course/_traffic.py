"""Recording the HTTP exchanges httpx clients make, and drawing them as a sequence diagram."""

from __future__ import annotations

import http
import itertools
import json
import math
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx
import jwt

from . import _drawing as draw
from ._drawing import Picture

JWT_SHAPE = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*=*")
_ROLE_BY_TYP = {"at+jwt": "access", "rt+jwt": "refresh"}
_ROLE_BY_KEY = {"access_token": "access", "refresh_token": "refresh", "id_token": "id"}


@dataclass(frozen=True)
class Exchange:
    """One request a client really sent, and what came back (``status`` None: no response)."""

    client: str
    server: str
    method: str
    path: str
    status: int | None
    outcome: str  # "200 OK", or "no response: ConnectError"
    sent: tuple[str, ...]  # e.g. ("Bearer access #1", "body: refresh #1")
    received: tuple[str, ...]  # e.g. ("body: access #2, refresh #2",)

    def describe(self) -> str:
        """One line: who sent what to whom, and the answer."""
        request = f"{self.method} {self.path}" + (f" [{'; '.join(self.sent)}]" if self.sent else "")
        answer = self.outcome + (f" [{'; '.join(self.received)}]" if self.received else "")
        return f"{self.client} -> {self.server}: {request} -> {answer}"


@dataclass
class _Raw:
    seq: int
    client: Any
    request: httpx.Request
    response: httpx.Response | None
    error: str | None


_lock = threading.Lock()
_active: list[Traffic] = []
_sequence = itertools.count()
_originals: dict[type, Callable[..., Any]] = {}


def _deliver(raw: _Raw) -> None:
    with _lock:
        recorders = list(_active)
    for recorder in recorders:
        recorder._add(raw)


def _sync_send(self: httpx.Client, request: httpx.Request) -> httpx.Response:
    seq = next(_sequence)
    try:
        response: httpx.Response = _originals[httpx.Client](self, request)
    except Exception as exc:
        _deliver(_Raw(seq, self, request, None, type(exc).__name__))
        raise
    _deliver(_Raw(seq, self, request, response, None))
    return response


async def _async_send(self: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    seq = next(_sequence)
    try:
        response: httpx.Response = await _originals[httpx.AsyncClient](self, request)
    except Exception as exc:
        _deliver(_Raw(seq, self, request, None, type(exc).__name__))
        raise
    _deliver(_Raw(seq, self, request, response, None))
    return response


# ``_send_single_request`` is where httpx hands one request (redirects included, each on its own)
# to whatever transport the client has: wrapping it sees every real exchange, whatever the transport.
_PATCHES: dict[type, Callable[..., Any]] = {httpx.Client: _sync_send, httpx.AsyncClient: _async_send}


def _start(recorder: Traffic) -> None:
    with _lock:
        if not _active:
            for cls, wrapper in _PATCHES.items():
                current = cls.__dict__["_send_single_request"]
                if current is not wrapper:
                    _originals[cls] = current  # kept after the block: a request still in flight needs it
                setattr(cls, "_send_single_request", wrapper)  # noqa: B010 - a private httpx method, by name
        _active.append(recorder)


def _stop(recorder: Traffic) -> None:
    with _lock:
        _active.remove(recorder)
        if not _active:
            for cls in _PATCHES:
                setattr(cls, "_send_single_request", _originals[cls])  # noqa: B010


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


class _Labels:
    """Names for tokens and cookies, in the order they first appear."""

    def __init__(self, given: Mapping[str, str]) -> None:
        self._given = dict(given)
        self._seen: dict[str, str] = {}
        self._counts: dict[str, int] = {}

    def token(self, token: str, key: str | None = None) -> str:
        if token in self._given:
            return self._given[token]
        if token not in self._seen:
            role = _role(token, key)
            self._counts[role] = self._counts.get(role, 0) + 1
            self._seen[token] = f"{role} #{self._counts[role]}"
        return self._seen[token]

    def cookie(self, name: str, value: str) -> str:
        if JWT_SHAPE.fullmatch(value):
            return f"cookie {name}={self.token(value)}"
        key = f"\0cookie {name}={value}"
        if key not in self._seen:
            self._counts[key.split("=")[0]] = self._counts.get(key.split("=")[0], 0) + 1
            self._seen[key] = f"cookie {name} #{self._counts[key.split('=')[0]]}"
        return self._seen[key]


def _role(token: str, key: str | None) -> str:
    try:
        typ = jwt.get_unverified_header(token).get("typ")
    except jwt.PyJWTError:
        typ = None
    if isinstance(typ, str) and typ.lower().removeprefix("application/") in _ROLE_BY_TYP:
        return _ROLE_BY_TYP[typ.lower().removeprefix("application/")]
    return _ROLE_BY_KEY.get(key or "", "token")


def _body(read: Callable[[], bytes]) -> bytes:
    try:
        return read()
    except (httpx.RequestNotRead, httpx.ResponseNotRead, httpx.StreamError):
        return b""


def _tokens_in(content: bytes, labels: _Labels) -> list[str]:
    text = content.decode("utf-8", "replace")
    keyed: dict[str, str] = {}
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        keyed = {v: k for k, v in parsed.items() if isinstance(v, str) and isinstance(k, str)}
    found: list[str] = []
    for match in JWT_SHAPE.finditer(text):
        label = labels.token(match.group(), keyed.get(match.group()))
        if label not in found:
            found.append(label)
    return found


def _sent(request: httpx.Request, labels: _Labels) -> tuple[str, ...]:
    items: list[str] = []
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, credentials = authorization.strip().partition(" ")
        credentials = credentials.strip()
        if JWT_SHAPE.fullmatch(credentials):
            items.append(f"{draw.clean(scheme)[:12]} {labels.token(credentials)}")
        elif scheme.lower() == "basic":
            items.append("Basic (username:password)")
        else:
            items.append(f"Authorization: {draw.clean(scheme)[:12] or '(empty)'} (not a token)")
    for name, value in _cookie_pairs(request.headers.get_list("cookie")).items():
        items.append(labels.cookie(name, value))
    query = [labels.token(value) for _, value in request.url.params.multi_items() if JWT_SHAPE.fullmatch(value)]
    if query:
        items.append("query: " + ", ".join(query))
    body = _tokens_in(_body(lambda: request.content), labels)
    if body:
        items.append("body: " + ", ".join(body))
    return tuple(items)


def _cookie_pairs(headers: list[str]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for header in headers:
        for part in header.split(";"):
            name, eq, value = part.strip().partition("=")
            if eq and name:
                pairs[name] = value
    return pairs


def _received(response: httpx.Response, labels: _Labels) -> tuple[str, ...]:
    items: list[str] = []
    body = _tokens_in(_body(lambda: response.content), labels)
    if body:
        items.append("body: " + ", ".join(body))
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        value = rest.split(";")[0]
        cleared = not value or re.search(r";\s*max-age=0\b", header, re.IGNORECASE)
        items.append(f"cookie {name.strip()} cleared" if cleared else "set " + labels.cookie(name.strip(), value))
    challenge = response.headers.get("www-authenticate")
    if challenge is not None:
        scheme = challenge.strip().split(" ")[0]
        error = re.search(r'\berror="?([A-Za-z0-9_.-]+)', challenge)
        items.append(draw.clean(f"WWW-Authenticate: {scheme}" + (f" error={error.group(1)}" if error else ""))[:80])
    return tuple(items)


class Traffic:
    """Records every request ``httpx`` clients make while the ``with`` block is open.

    ``names`` maps a server's URL (any URL on it; scheme, host and port are what count) or a
    client object to the name the picture shows. ``tokens`` maps a raw token to a label of
    your choosing (e.g. "Mallory's copy"); every other token is labelled by its type header
    (``at+jwt``: access, ``rt+jwt``: refresh), else by its JSON key, numbered in order of
    first appearance. Requests from every thread and event loop are recorded (one lock),
    each with what happened: the status, or "no response" and the exception's class.
    They are listed in the order they started, so requests racing in threads can come out in
    another order on the next run: for a picture strict nbval compares, draw races with a
    :class:`Timeline` of recorded steps instead.
    """

    def __init__(self, names: Mapping[Any, str] | None = None, tokens: Mapping[str, str] | None = None) -> None:
        self._servers: dict[tuple[str, str, int | None], str] = {}
        self._clients: dict[int, tuple[Any, str]] = {}
        for key, name in (names or {}).items():
            if isinstance(key, (httpx.Client, httpx.AsyncClient)):
                self._clients[id(key)] = (key, name)
            else:
                self._servers[_origin(httpx.URL(str(getattr(key, "url", key))))] = name
        self._tokens = dict(tokens or {})
        self._raw: list[_Raw] = []
        self._raw_lock = threading.Lock()
        self._open = False

    def __enter__(self) -> Traffic:
        if self._open:
            raise RuntimeError("this Traffic is already recording")
        self._open = True
        _start(self)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._open = False
        _stop(self)

    def _add(self, raw: _Raw) -> None:
        with self._raw_lock:
            self._raw.append(raw)

    @property
    def exchanges(self) -> list[Exchange]:
        """What was recorded so far, in the order the requests started."""
        with self._raw_lock:
            raws = sorted(self._raw, key=lambda raw: raw.seq)
        labels = _Labels(self._tokens)
        servers: dict[tuple[str, str, int | None], str] = dict(self._servers)
        unnamed = 0
        result = []
        for raw in raws:
            origin = _origin(raw.request.url)
            if origin not in servers:
                unnamed += 1
                servers[origin] = f"server {unnamed}"
            client = self._clients.get(id(raw.client), (None, "client"))[1]
            path = JWT_SHAPE.sub(lambda m: f"<{labels.token(m.group())}>", draw.clean(raw.request.url.path))
            path += "?…" if raw.request.url.query else ""
            sent = _sent(raw.request, labels)
            received: tuple[str, ...] = ()
            if raw.response is None:
                status, outcome = None, f"no response: {raw.error}"
            else:
                status = raw.response.status_code
                try:
                    phrase = http.HTTPStatus(status).phrase
                except ValueError:
                    phrase = ""
                outcome = f"{status} {phrase}".strip()
                received = _received(raw.response, labels)
            result.append(Exchange(client, servers[origin], raw.request.method, path, status, outcome, sent, received))
        return result

    def __len__(self) -> int:
        with self._raw_lock:
            return len(self._raw)

    def __iter__(self) -> Iterator[Exchange]:
        return iter(self.exchanges)

    def diagram(self, title: str, alt: str) -> Picture:
        """A sequence diagram of the recorded exchanges (one request arrow, one answer arrow each)."""
        return _sequence_diagram(self.exchanges, title, alt)


# ---------------------------------------------------------------------------- sequence diagram

_MSG = 13.0
_STATUS_COLOURS = {2: "#1b6e34", 3: "#4d4d4d", 4: "#b3261e", 5: "#7a0000"}


def _sequence_diagram(exchanges: list[Exchange], title: str, alt: str) -> Picture:
    lanes: list[str] = []
    for exchange in exchanges:
        for lane in (exchange.client, exchange.server):
            if lane not in lanes:
                lanes.append(lane)
    lanes = [lane for lane in lanes if any(e.client == lane for e in exchanges)] + [
        lane for lane in lanes if not any(e.client == lane for e in exchanges)
    ]
    messages = []
    for number, exchange in enumerate(exchanges, 1):
        request = f"{exchange.method} {exchange.path}" + (" · " + " · ".join(exchange.sent) if exchange.sent else "")
        answer = exchange.outcome + (" · " + " · ".join(exchange.received) if exchange.received else "")
        messages.append((number, exchange, request, answer))

    box = max([draw.text_width(lane, 14) + 24 for lane in lanes] + [90.0])
    needed = [box + 20]
    for _, exchange, request, answer in messages:
        span = abs(lanes.index(exchange.server) - lanes.index(exchange.client)) or 1
        needed.append((max(draw.text_width(request, _MSG), draw.text_width(answer, _MSG)) + 30) / span)
    margin = 34.0
    room = (draw.MAX_WIDTH - 2 * margin - box) / max(1, len(lanes) - 1)  # the widest lane spacing allowed
    spacing = min(max([*needed, 200.0]), room)
    width = max(margin * 2 + box + spacing * (len(lanes) - 1), draw.text_width(title, 16) + 40, 480.0)
    x = {lane: margin + box / 2 + spacing * i for i, lane in enumerate(lanes)}

    # each label wraps (never cut: it is the evidence) above its arrow; a row grows with its lines
    top = 44.0
    rows = []
    for number, exchange, request, answer in messages:
        a, b = x[exchange.client], x[exchange.server]
        limit = abs(b - a) - 16 if a != b else spacing
        rows.append((number, exchange, a, b, draw.wrap(request, limit, _MSG), draw.wrap(answer, limit, _MSG)))
    y = top + 30 + 6
    placed = []
    for number, exchange, a, b, request_lines, answer_lines in rows:
        y += 14 + 16 * len(request_lines)
        request_y = y
        y += 14 + 16 * len(answer_lines)
        placed.append((number, exchange, a, b, request_lines, answer_lines, request_y, y))
    height = y + 14 if messages else top + 80

    shapes: list[draw.Shape] = [draw.Text(20, 26, title, size=16, bold=True)]
    for lane in lanes:
        shapes.append(draw.Line(x[lane], top + 30, x[lane], height - 8, stroke="#9a9a9a", width=1, dashed=True))
        shapes.append(draw.Rect(x[lane] - box / 2, top, box, 30, fill="#eef2f7", stroke="#5b6b7f", rx=4))
        shapes.append(draw.Text(x[lane], top + 20, lane, size=14, anchor="middle", bold=True))
    if not messages:
        shapes.append(draw.Text(20, top + 64, "no HTTP request was made in this block", size=_MSG, fill="#555555"))
    for number, exchange, a, b, request_lines, answer_lines, request_y, answer_y in placed:
        colour = _STATUS_COLOURS.get((exchange.status or 500) // 100, "#7a0000") if exchange.status else "#7a0000"
        shapes += _arrow(a, b, request_y, "#1a1a1a", dashed=False)
        shapes += _label((a + b) / 2, request_y, request_lines, "#1a1a1a")
        shapes.append(draw.Text(8, request_y + 4, str(number), size=12, fill="#555555"))
        shapes += _arrow(b, a, answer_y, colour, dashed=True)
        shapes += _label((a + b) / 2, answer_y, answer_lines, colour)
    lines = [title] + [f"{n}. {e.describe()}" for n, e, _, _ in messages] or [title]
    if not messages:
        lines.append("(no HTTP request was made in this block)")
    return Picture(shapes, math.ceil(width), math.ceil(height), alt, "\n".join(lines))


def _label(x: float, arrow_y: float, lines: list[str], colour: str) -> list[draw.Shape]:
    shapes: list[draw.Shape] = []
    for k, line in enumerate(lines):
        baseline = arrow_y - 6 - 16 * (len(lines) - 1 - k)
        w = draw.text_width(line, _MSG) + 8
        shapes.append(draw.Rect(x - w / 2, baseline - 12, w, 16, fill="#ffffff"))  # lifelines pass behind
        shapes.append(draw.Text(x, baseline, line, size=_MSG, anchor="middle", fill=colour))
    return shapes


def _arrow(x1: float, x2: float, y: float, colour: str, dashed: bool) -> list[draw.Shape]:
    if x1 == x2:  # a client calling its own lane: a small loop
        return [
            draw.Line(x1, y - 8, x1 + 30, y - 8, colour),
            draw.Line(x1 + 30, y - 8, x1 + 30, y, colour),
            draw.Line(x1 + 30, y, x1 + 8, y, colour),
            draw.Poly(((x1, y), (x1 + 9, y - 5), (x1 + 9, y + 5)), colour),
        ]
    direction = 1 if x2 > x1 else -1
    tip = x2 - direction * 2
    head = ((tip, y), (tip - direction * 10, y - 5), (tip - direction * 10, y + 5))
    return [draw.Line(x1, y, tip - direction * 8, y, colour, width=1.6, dashed=dashed), draw.Poly(head, colour)]
