"""Bad-input armour shared by the course's FastAPI apps (demo API, lab, chapter 02 demos).

Two pieces, both installed by :func:`harden`:

:class:`BodyGuard`
    An ASGI middleware that reads a request's whole body before the app sees it, with a
    size cap (413 past ``max_body_bytes``, announced or sent) and a total deadline
    (408 and the connection closed when the body has not arrived within
    ``timeout_seconds``). uvicorn has no body-read timeout of its own: without this, a
    client announcing ``Content-Length: 10485760`` and sending 10 bytes holds a
    connection and a task for ever.

Error handlers
    FastAPI's default 422 handler echoes the submitted input: a 10 MB password comes back
    as a 10 MB body, a form posted as ``text/plain`` echoes the password, and a NaN,
    Infinity or lone surrogate in the input makes Starlette's ``JSONResponse`` fail with
    a 500. The handlers here answer ``{"detail": [{"loc", "msg", "type"}, ...]}`` (at
    most :data:`MAX_ERRORS` entries, each string cut to :data:`MAX_TEXT`) and never
    include the input; ``HTTPException`` details are bounded and made encodable too.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Annotated, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import AfterValidator
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = [
    "DEFAULT_BODY_TIMEOUT_SECONDS",
    "DEFAULT_MAX_BODY_BYTES",
    "ERROR_RESPONSES",
    "MAX_ERRORS",
    "MAX_TEXT",
    "BodyGuard",
    "UnicodeText",
    "harden",
    "is_text",
    "safe_text",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Largest request body accepted (tokens are at most 8 KB, passwords 1 KB).
DEFAULT_MAX_BODY_BYTES = 64 * 1024
#: Time a client has to send its whole body, from the first read.
DEFAULT_BODY_TIMEOUT_SECONDS = 20.0
MAX_ERRORS = 10
MAX_TEXT = 200


#: OpenAPI entries for the answers every route may give because of :class:`BodyGuard`.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    408: {"description": "The request body did not arrive in time (the connection is closed)"},
    413: {"description": "The request body is larger than the server accepts"},
}


def is_text(value: str) -> bool:
    """True if ``value`` is valid Unicode text (no lone surrogates), i.e. encodable as UTF-8."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unicode_text(value: str) -> str:
    # JSON allows "\ud800" (a lone surrogate): no password or token contains one, and
    # it cannot be encoded, hashed or compared as UTF-8.
    if not is_text(value):
        raise ValueError("must be valid Unicode text (no lone surrogates)")
    return value


#: A pydantic field type: a ``str`` that is valid Unicode text (422 otherwise).
UnicodeText = Annotated[str, AfterValidator(_unicode_text)]


def safe_text(value: object, limit: int = MAX_TEXT) -> str:
    """``value`` as a string of at most ``limit`` characters, always encodable as UTF-8."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    if not is_text(text):
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _json_error(status: int, detail: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def _validation_errors(errors: Any) -> list[dict[str, Any]]:
    safe: list[dict[str, Any]] = []
    for error in list(errors)[:MAX_ERRORS]:
        loc = [part if isinstance(part, int) else safe_text(part, 64) for part in error.get("loc", ())]
        safe.append(
            {
                "loc": loc[:8],
                "msg": safe_text(error.get("msg", "invalid input")),
                "type": safe_text(error.get("type", "value_error"), 64),
            }
        )
    return safe


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    return _json_error(422, _validation_errors(errors))


async def _on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail: Any = exc.detail
    if not isinstance(detail, str):
        try:
            json.dumps(detail, allow_nan=False)
            small = len(json.dumps(detail)) <= 4 * MAX_TEXT
        except (TypeError, ValueError):
            small = False
        detail = detail if small else safe_text(detail)
    else:
        detail = safe_text(detail, 4 * MAX_TEXT)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    return _json_error(exc.status_code, detail, dict(exc.headers or {}))


class BodyGuard:
    """ASGI middleware: a request body must be at most ``max_body_bytes`` and arrive
    within ``timeout_seconds`` (413 or 408 otherwise; 408 closes the connection).

    The body is read in full before the app runs and replayed to it; later ``receive``
    calls (e.g. a streaming route waiting for ``http.disconnect``) go to the server.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        timeout_seconds: float = DEFAULT_BODY_TIMEOUT_SECONDS,
    ) -> None:
        if max_body_bytes <= 0 or not timeout_seconds > 0:
            raise ValueError("max_body_bytes and timeout_seconds must be positive")
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.timeout_seconds = timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        announced = _content_length(scope)
        if announced == -1:
            await _reply(send, 400, "invalid Content-Length header", close=True)
            return
        if announced is not None and announced > self.max_body_bytes:
            await _reply(send, 413, self._too_large(), close=True)
            return
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.timeout_seconds):
                while True:
                    message = await receive()
                    if message["type"] != "http.request":  # the client left
                        return
                    chunk = bytes(message.get("body", b""))
                    size += len(chunk)
                    if size > self.max_body_bytes:
                        await _reply(send, 413, self._too_large(), close=True)
                        return
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            await _reply(
                send,
                408,
                f"request body not received within {self.timeout_seconds:g} s",
                close=True,
            )
            return
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _too_large(self) -> str:
        return f"request body too large (limit {self.max_body_bytes} bytes)"


def _content_length(scope: Scope) -> int | None:
    """The announced length; ``None`` if none; ``-1`` if malformed."""
    values = [v for k, v in scope.get("headers", ()) if k.lower() == b"content-length"]
    if not values:
        return None
    if len(set(values)) != 1 or not values[0].strip().isdigit():
        return -1
    return int(values[0].strip()[:20])


async def _reply(send: Send, status: int, detail: str, *, close: bool) -> None:
    body = json.dumps({"detail": detail}, separators=(",", ":")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def harden(
    app: FastAPI,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    body_timeout_seconds: float = DEFAULT_BODY_TIMEOUT_SECONDS,
) -> None:
    """Install :class:`BodyGuard` (outermost) and the non-echoing error handlers on ``app``."""
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_middleware(
        BodyGuard,
        max_body_bytes=max_body_bytes,
        timeout_seconds=body_timeout_seconds,
    )
