"""Pictures drawn from what a cell really did: HTTP traffic, a token's parts, recorded events.

    from jwt_course.pictures import Traffic, Timeline, token_anatomy

    with Traffic(names={server.url: "API"}) as traffic:
        client.post("/login", json=...)
    traffic.diagram(title="Log in", alt="The client posts credentials; the API answers 200 with tokens")

A picture is evidence, not decoration: a sequence diagram shows the exchanges the ``httpx``
clients (sync and async, in any thread) really made inside the ``with`` block, in the order they
started, and nothing else. Tokens appear by label ("access #1", in the order they first appear),
servers by the names given (unnamed ones as "server 1", ...), never raw tokens, ports or times.

Each picture (a :class:`Picture`) shows in Jupyter as SVG, with a PNG twin for JupyterLab's
untrusted notebooks (JupyterLab renders SVG only in trusted outputs; a freshly cloned notebook
is untrusted, PNG is always shown) and a text form. Strict nbval compares the ``text/plain``
form and the SVG, both byte-for-byte deterministic (no ids, no ports, no times, no randomness);
it never compares PNG (nbval skips ``image/png``), so the PNG's rasteriser cannot break a test.
"""

from __future__ import annotations

import base64
import binascii
import functools
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

__all__ = ["Exchange", "Picture", "Timeline", "Traffic", "token_anatomy"]

# ---------------------------------------------------------------------------- the picture


class Picture:
    """A drawing with alt text: SVG and PNG for people, ``text`` for tests and screen readers."""

    def __init__(self, shapes: list[draw.Shape], width: float, height: float, alt: str, text: str) -> None:
        if not alt.strip():
            raise ValueError("a picture needs alt text: say what it shows")
        self.alt = alt
        self.text = text
        self.width = width
        self.height = height
        self._shapes = shapes
        self.svg = draw.svg(shapes, width, height, alt)

    @functools.cached_property
    def png(self) -> bytes:
        """The picture as PNG (drawn by matplotlib, at twice the SVG's size)."""
        return draw.png(self._shapes, self.width, self.height)

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        data = {
            "image/svg+xml": self.svg,
            "image/png": base64.b64encode(self.png).decode("ascii"),
            "text/plain": self.text,
        }
        size = {"width": round(self.width), "height": round(self.height)}
        return data, {"image/png": size}

    def __repr__(self) -> str:
        return self.text


# ---------------------------------------------------------------------------- recording traffic

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
                setattr(cls, "_send_single_request", wrapper)
        _active.append(recorder)


def _stop(recorder: Traffic) -> None:
    with _lock:
        _active.remove(recorder)
        if not _active:
            for cls in _PATCHES:
                setattr(cls, "_send_single_request", _originals[cls])


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
_MAX_WIDTH = 1040.0  # px: fits a notebook column and a slide without shrinking much
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
    room = (_MAX_WIDTH - 2 * margin - box) / max(1, len(lanes) - 1)  # the widest lane spacing allowed
    spacing = min(max(needed + [200.0]), room)
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
        return [draw.Line(x1, y - 8, x1 + 30, y - 8, colour), draw.Line(x1 + 30, y - 8, x1 + 30, y, colour),
                draw.Line(x1 + 30, y, x1 + 8, y, colour), draw.Poly(((x1, y), (x1 + 9, y - 5), (x1 + 9, y + 5)), colour)]
    direction = 1 if x2 > x1 else -1
    tip = x2 - direction * 2
    head = ((tip, y), (tip - direction * 10, y - 5), (tip - direction * 10, y + 5))
    return [draw.Line(x1, y, tip - direction * 8, y, colour, width=1.6, dashed=dashed), draw.Poly(head, colour)]


# ---------------------------------------------------------------------------- token anatomy

PART_COLOURS = {"header": "#b3261e", "payload": "#6a1b9a", "signature": "#0b5d9e"}
_SIGNERS = {
    "HS": "HMAC-SHA{bits} with the shared secret",
    "RS": "RSASSA-PKCS1-v1_5 + SHA-{bits} with the private key",
    "PS": "RSASSA-PSS + SHA-{bits} with the private key",
    "ES": "ECDSA + SHA-{bits} with the private key",
}


def _signer(alg: Any) -> str:
    if not isinstance(alg, str):
        return f"alg {alg!r}: not a valid algorithm name"
    if alg.lower() == "none":
        return "alg none: no signature at all (a verifier must refuse it)"
    if alg == "EdDSA":
        return "EdDSA (Ed25519) with the private key"
    match = re.fullmatch(r"(HS|RS|PS|ES)(256|384|512)", alg)
    if match:
        return _SIGNERS[match.group(1)].format(bits=match.group(2))
    return f"alg {alg!r} (not one this course uses)"


def _b64(part: str) -> bytes | None:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", part) or len(part) % 4 == 1:
        return None
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return None


def _decoded(part: str) -> tuple[Any, str]:
    """(the JSON value or None, how to show it)."""
    raw = _b64(part)
    if raw is None:
        return None, "not valid base64url"
    try:
        value = json.loads(raw)
    except ValueError:
        return None, f"{len(raw)} bytes, not JSON"
    return value, json.dumps(value, indent=1, ensure_ascii=False)


def token_anatomy(token: str, alt: str, title: str | None = None) -> Picture:
    """The three parts of a compact JWS, coloured by part, decoded, and what the signature covers.

    Nothing is verified: the picture shows what anyone can read in the token. A string that is
    not three dot-separated parts raises ``jwt.DecodeError``.
    """
    if not isinstance(token, str):
        raise jwt.DecodeError(f"a token is a str, not {type(token).__name__}")
    parts = token.split(".")
    if len(parts) != 3:
        raise jwt.DecodeError(f"not a compact JWS: expected 3 parts separated by dots, got {len(parts)}")
    header, header_text = _decoded(parts[0])
    payload, payload_text = _decoded(parts[1])
    alg = header.get("alg") if isinstance(header, dict) else None
    signature = _b64(parts[2])
    signer = _signer(alg) if isinstance(header, dict) else "unknown: the header does not decode"
    signature_text = "empty" if parts[2] == "" else (f"{len(signature)} bytes" if signature is not None else "not valid base64url")
    title = title or f"Token anatomy ({alg if isinstance(alg, str) else 'no alg'})"

    width, margin, size = 960.0, 20.0, 13.0
    shapes: list[draw.Shape] = [draw.Text(margin, 26, title, size=16, bold=True)]
    # the token itself, each character in its part's colour, hard-wrapped
    per_line = int((width - 2 * margin) / (draw.CHAR * size))
    kinds = [("header", parts[0]), ("dot", "."), ("payload", parts[1]), ("dot", "."), ("signature", parts[2])]
    runs: list[tuple[str, str]] = [(kind, ch) for kind, text in kinds for ch in text]
    y = 52.0
    for start in range(0, len(runs), per_line):
        line = runs[start : start + per_line]
        for kind, group in itertools.groupby(enumerate(line), key=lambda item: item[1][0]):
            chunk = list(group)
            text = "".join(ch for _, (_, ch) in chunk)
            x0 = margin + chunk[0][0] * draw.CHAR * size
            shapes.append(draw.Text(x0, y, text, size=size, fill=PART_COLOURS.get(kind, "#1a1a1a"), bold=kind == "dot"))
        y += size + 5
    # three boxes: what each part decodes to
    gap = 16.0
    box_w = (width - 2 * margin - 2 * gap) / 3
    top = y + 14
    contents = [
        ("header", f"HEADER · {len(parts[0])} chars", header_text),
        ("payload", f"PAYLOAD · {len(parts[1])} chars", payload_text),
        ("signature", f"SIGNATURE · {len(parts[2])} chars", f"{signature_text}\n\n{signer}"),
    ]
    wrapped = [draw.wrap(body, box_w - 16, 12) for _, _, body in contents]
    lines_max = min(max(len(w) for w in wrapped), 16)
    box_h = 34 + lines_max * 15 + 8
    for i, ((kind, head, _), body_lines) in enumerate(zip(contents, wrapped)):
        x0 = margin + i * (box_w + gap)
        colour = PART_COLOURS[kind]
        shapes.append(draw.Rect(x0, top, box_w, box_h, fill="#ffffff", stroke=colour, rx=5))
        shapes.append(draw.Rect(x0, top, box_w, 26, fill=colour, rx=5))
        shapes.append(draw.Text(x0 + 8, top + 18, head, size=12.5, fill="#ffffff", bold=True))
        shown = body_lines if len(body_lines) <= lines_max else body_lines[: lines_max - 1] + ["…"]
        for j, text_line in enumerate(shown):
            shapes.append(draw.Text(x0 + 8, top + 44 + j * 15, text_line, size=12))
    # what the signature covers: header "." payload
    bracket = top + box_h + 14
    left, right = margin, margin + 2 * box_w + gap
    shapes += [
        draw.Line(left, bracket - 6, left, bracket, "#333333"),
        draw.Line(left, bracket, right, bracket, "#333333"),
        draw.Line(right, bracket - 6, right, bracket, "#333333"),
    ]
    covered = len(parts[0]) + 1 + len(parts[1])
    shapes.append(draw.Text(left, bracket + 18, f"signed: ASCII(header \".\" payload), {covered} bytes", size=12))
    shapes.append(draw.Text(left, bracket + 34, "base64url is an encoding, not encryption: anyone can read header and payload", size=12, fill="#555555"))
    sig_x = margin + 2 * (box_w + gap) + box_w / 2
    shapes += [
        draw.Line(right, bracket, sig_x, bracket, PART_COLOURS["signature"], dashed=True),
        draw.Line(sig_x, bracket, sig_x, top + box_h + 10, PART_COLOURS["signature"]),
        draw.Poly(((sig_x, top + box_h + 1), (sig_x - 5, top + box_h + 11), (sig_x + 5, top + box_h + 11)), PART_COLOURS["signature"]),
    ]
    height = bracket + 46
    compact = {kind: json.dumps(value, separators=(",", ":"), ensure_ascii=False) if value is not None else text
               for kind, value, text in (("header", header, header_text), ("payload", payload, payload_text))}
    text_lines = [
        title,
        f"header    {len(parts[0]):>4} chars  {compact['header']}",
        f"payload   {len(parts[1]):>4} chars  {compact['payload']}",
        f"signature {len(parts[2]):>4} chars  {signature_text}: {signer}",
        f"signed: header \".\" payload ({covered} bytes); the payload is encoded, not encrypted",
    ]
    return Picture(shapes, width, math.ceil(height), alt, "\n".join(text_lines))


# ---------------------------------------------------------------------------- timeline

_LANE_COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9")


@dataclass(frozen=True)
class _Item:
    lane: str
    label: str
    start: float
    end: float | None  # None: an event


class Timeline:
    """Events (instants) and spans (intervals) on named lanes, drawn on one time axis.

    Times are the numbers the cell passes (a fixed clock's seconds, a step count), so the picture
    is the same on every run; ``unit`` is printed after each tick.
    """

    def __init__(self, unit: str = "s") -> None:
        self.unit = unit
        self._items: list[_Item] = []

    def event(self, lane: str, label: str, at: float) -> None:
        """Record an instant ``at`` on ``lane``."""
        self._items.append(_Item(lane, label, _finite(at, "at"), None))

    def span(self, lane: str, label: str, start: float, end: float) -> None:
        """Record an interval from ``start`` to ``end`` on ``lane``."""
        start, end = _finite(start, "start"), _finite(end, "end")
        if end < start:
            raise ValueError(f"a span ends before it starts: start={start:g}, end={end:g}")
        self._items.append(_Item(lane, label, start, end))

    def diagram(self, title: str, alt: str) -> Picture:
        """The lanes top to bottom in order of first use, time left to right."""
        if not self._items:
            raise ValueError("nothing recorded: call event() or span() first")
        return _timeline(self._items, self.unit, title, alt)


def _finite(value: float, name: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return number


def _ticks(low: float, high: float) -> list[float]:
    raw = (high - low) / 8
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    return [round(first + i * step, 10) for i in range(int((high - first) / step + 1e-9) + 1)]


def _timeline(items: list[_Item], unit: str, title: str, alt: str) -> Picture:
    lanes = list(dict.fromkeys(item.lane for item in items))
    low = min(item.start for item in items)
    high = max(item.end if item.end is not None else item.start for item in items)
    if high == low:
        high = low + 1
    label_w = max(draw.text_width(lane, 13) for lane in lanes) + 24
    margin = 20.0
    left = margin + label_w
    plot_w = max(360.0, min(760.0, _MAX_WIDTH - left - 60))
    width = left + plot_w + 60

    def px(t: float) -> float:
        return left + (t - low) / (high - low) * plot_w

    # give each label a level above its lane's line, so that no two labels overlap
    levels: dict[str, list[list[tuple[float, float]]]] = {lane: [] for lane in lanes}
    placed: list[tuple[_Item, int, float]] = []
    for item in items:
        size_w = draw.text_width(item.label, 12)
        x0 = px(item.start) - (size_w / 2 if item.end is None else 0)
        x0 = max(left - 8, min(x0, width - margin - size_w))  # never over the lane names
        interval = (x0 - 6, x0 + size_w + 6)
        rows = levels[item.lane]
        level = next((k for k, row in enumerate(rows) if all(b <= interval[0] or a >= interval[1] for a, b in row)), len(rows))
        if level == len(rows):
            rows.append([])
        rows[level].append(interval)
        placed.append((item, level, x0))
    heights = {lane: 30 + 16 * max(1, len(levels[lane])) for lane in lanes}
    shapes: list[draw.Shape] = [draw.Text(margin, 26, title, size=16, bold=True)]
    y = 44.0
    base: dict[str, float] = {}
    for i, lane in enumerate(lanes):
        y += heights[lane]
        base[lane] = y
        colour = _LANE_COLOURS[i % len(_LANE_COLOURS)]
        shapes.append(draw.Text(margin, y + 4, lane, size=13, bold=True, fill=colour))
        shapes.append(draw.Line(left, y, left + plot_w, y, stroke="#c8c8c8", width=1))
    axis = y + 22
    shapes.append(draw.Line(left, axis, left + plot_w, axis, stroke="#333333", width=1))
    for tick in _ticks(low, high):
        shapes.append(draw.Line(px(tick), axis, px(tick), axis + 5, stroke="#333333", width=1))
        shapes.append(draw.Text(px(tick), axis + 19, f"{tick:g} {unit}".strip(), size=11, anchor="middle", fill="#333333"))
    placed.sort(key=lambda entry: entry[0].end is None)  # events on top of spans
    for item, level, x0 in placed:
        colour = _LANE_COLOURS[lanes.index(item.lane) % len(_LANE_COLOURS)]
        y0 = base[item.lane]
        if item.end is None:
            x = px(item.start)
            shapes.append(draw.Poly(((x, y0 - 9), (x + 9, y0), (x, y0 + 9), (x - 9, y0)), "#1a1a1a"))
            shapes.append(draw.Poly(((x, y0 - 6), (x + 6, y0), (x, y0 + 6), (x - 6, y0)), colour))
        else:
            x1, x2 = px(item.start), max(px(item.end), px(item.start) + 3)
            shapes.append(draw.Rect(x1, y0 - 6, x2 - x1, 12, fill=colour, rx=3))
        shapes.append(draw.Text(x0, y0 - 14 - 16 * level, item.label, size=12, fill="#1a1a1a"))
    ordered = sorted(enumerate(items), key=lambda pair: (pair[1].start, pair[0]))
    text = [title] + [
        f"{item.lane}: {item.label} at {item.start:g} {unit}".rstrip() if item.end is None
        else f"{item.lane}: {item.label} from {item.start:g} to {item.end:g} {unit}".rstrip()
        for _, item in ordered
    ]
    return Picture(shapes, math.ceil(width), math.ceil(axis + 32), alt, "\n".join(text))
