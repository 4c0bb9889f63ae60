"""The demo API's error answers: RFC 6750 challenges and their OpenAPI descriptions."""

from __future__ import annotations

import re
from typing import Any

from fastapi import HTTPException

from .schemas import ErrorBody

__all__ = ["BAD_BODY", "BAD_CREDENTIALS", "BEARER_ERRORS", "error_doc", "forbidden", "unauthorized"]


def _quoted(text: str) -> str:
    # RFC 6750 §3: error_description is printable ASCII without '"' and '\'.
    return re.sub(r'[^\x20-\x7e]|["\\]', "'", text)


def unauthorized(detail: str, *, token_sent: bool = True) -> HTTPException:
    """A 401 with ``WWW-Authenticate: Bearer`` (plus ``error="invalid_token"`` if a token was sent)."""
    challenge = "Bearer"
    if token_sent:
        challenge += f' error="invalid_token", error_description="{_quoted(detail)}"'
    return HTTPException(401, detail=detail, headers={"WWW-Authenticate": challenge})


def forbidden(detail: str) -> HTTPException:
    """A 403 with ``WWW-Authenticate: Bearer error="insufficient_scope"``."""
    challenge = f'Bearer error="insufficient_scope", error_description="{_quoted(detail)}"'
    return HTTPException(403, detail=detail, headers={"WWW-Authenticate": challenge})


def error_doc(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    """An OpenAPI ``responses`` entry: ``status`` answers an :class:`ErrorBody`."""
    return {status: {"model": ErrorBody, "description": description}}


BAD_BODY = error_doc(400, "The body cannot be parsed (not UTF-8 JSON, or a broken form)")
BAD_CREDENTIALS = {
    **BAD_BODY,
    **error_doc(401, "Bad credentials (the same answer for an unknown user)"),
}
BEARER_ERRORS = error_doc(401, "Missing, invalid, expired or revoked access token")
