"""Request and response bodies of the demo API (what OpenAPI and Swagger UI show)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from .._http_guard import UnicodeText
from ..tokens import MAX_TOKEN_LENGTH

__all__ = ["ErrorBody", "LoginRequest", "RefreshRequest", "TokenPair"]


class LoginRequest(BaseModel):
    """Body of ``POST /login``."""

    username: UnicodeText = Field(min_length=1, max_length=256)
    password: UnicodeText = Field(min_length=1, max_length=1024)


class RefreshRequest(BaseModel):
    """Body of ``POST /refresh``."""

    refresh_token: UnicodeText = Field(min_length=1, max_length=MAX_TOKEN_LENGTH)


class ErrorBody(BaseModel):
    """Every error answer: ``{"detail": "..."}`` (422: a list of ``{loc, msg, type}``)."""

    detail: str


class TokenPair(BaseModel):
    """A login's tokens, in the OAuth2 token-response shape (RFC 6749 §5.1)."""

    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int
