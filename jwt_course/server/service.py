"""The logic behind one demo API: logins, token pairs, refresh rotation, revocation.

:class:`AuthService` owns the app's :class:`~jwt_course.tokens.TokenSigner` and
:class:`~jwt_course.store.RevocationStore`; the routes (:mod:`.routes`) and the
current-user dependency (:mod:`.deps`) reach it as ``request.app.state.api``.
"""

from __future__ import annotations

import secrets
from typing import Any

import jwt
from fastapi import HTTPException

from .._http_guard import is_text
from ..passwords import DUMMY_HASH
from ..store import RevocationStore
from ..tokens import ACCESS_TOKEN_TYPE, MAX_TOKEN_LENGTH, REFRESH_TOKEN_TYPE, TokenSigner
from .errors import unauthorized
from .schemas import TokenPair
from .settings import Settings, User

__all__ = ["AuthService"]

_MAX_AUTHORIZATION_LENGTH = MAX_TOKEN_LENGTH + len("Bearer ")


def _verify_password(password: str, encoded: str) -> bool:
    # Looked up on the package at call time: jwt_course.server.verify_password is the
    # one name to swap (the tests count the scrypt work done per login through it).
    from . import verify_password

    return verify_password(password, encoded)


class AuthService:
    """The state behind one app: settings, signer, store and the route logic."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        if settings.key_ring is not None:
            self.signer = TokenSigner.with_key_ring(
                settings.key_ring,
                issuer=settings.issuer,
                audience=settings.audience,
                clock=settings.clock,
                cache_size=settings.verified_token_cache,
            )
        else:
            self.signer = TokenSigner.hmac(
                settings.secret_key,
                algorithm=settings.algorithm,
                issuer=settings.issuer,
                audience=settings.audience,
                clock=settings.clock,
                cache_size=settings.verified_token_cache,
            )
        self.store = RevocationStore(settings.database)

    def authenticate(self, username: str, password: str) -> User:
        """The user with this password, or a 401 (the same for an unknown user)."""
        if not (is_text(username) and is_text(password)):  # e.g. %ED%A0%80 in a form
            username, password = "", "\x00"  # matches no user: same cost, same answer
        user = self.settings.users.get(username)
        # Unknown users are checked against a dummy hash: same cost, same answer.
        valid = _verify_password(password, user.password_hash if user else DUMMY_HASH)
        if user is None or not valid:
            raise HTTPException(
                401,
                detail="incorrect username or password",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return user

    def issue_pair(self, user: User, fam: str, refresh_jti: str, now: int) -> TokenPair:
        """A new access token and the refresh token ``refresh_jti`` of family ``fam``."""
        settings = self.settings
        access = self.signer.encode(
            {
                "sub": user.username,
                "role": user.role,
                "iat": now,
                "exp": now + settings.access_ttl_seconds,
                "jti": secrets.token_urlsafe(16),
                "fam": fam,
            },
            ACCESS_TOKEN_TYPE,
        )
        refresh = self.signer.encode(
            {
                "sub": user.username,
                "iat": now,
                "exp": now + settings.refresh_ttl_seconds,
                "jti": refresh_jti,
                "fam": fam,
            },
            REFRESH_TOKEN_TYPE,
        )
        return TokenPair(access_token=access, refresh_token=refresh, expires_in=settings.access_ttl_seconds)

    def login(self, username: str, password: str) -> TokenPair:
        """Check the password, start a refresh family, return its first pair."""
        user = self.authenticate(username, password)
        now = int(self.settings.clock())
        fam, refresh_jti = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        expires_at = now + self.settings.refresh_ttl_seconds
        self.store.start_family(self.signer.issuer, fam, user.username, refresh_jti, expires_at, now)
        return self.issue_pair(user, fam, refresh_jti, now)

    def refresh(self, token: str) -> TokenPair:
        """Rotate: a new pair for a live refresh token; a used one revokes its family."""
        try:
            claims = self.signer.decode(token, REFRESH_TOKEN_TYPE, ["sub", "fam"])
        except jwt.PyJWTError as exc:
            raise unauthorized(f"invalid refresh token: {exc}") from None
        user = self.settings.users.get(claims["sub"])
        if user is None:
            raise unauthorized("invalid refresh token: unknown user")
        now = int(self.settings.clock())
        new_jti = secrets.token_urlsafe(16)
        outcome = self.store.rotate(
            self.signer.issuer,
            claims["fam"],
            claims["jti"],
            new_jti,
            now + self.settings.refresh_ttl_seconds,
            now,
        )
        if outcome == "reuse":
            raise unauthorized("refresh token reuse detected: the whole session is revoked")
        if outcome == "revoked":
            raise unauthorized("refresh token revoked")
        if outcome == "unknown":
            raise unauthorized("refresh token unknown or expired")
        return self.issue_pair(user, claims["fam"], new_jti, now)

    def access_claims(self, authorization: str | None) -> dict[str, Any]:
        """The verified claims of an ``Authorization: Bearer`` header, or a 401."""
        if authorization is None:
            raise unauthorized("not authenticated", token_sent=False)
        if len(authorization) > _MAX_AUTHORIZATION_LENGTH:
            raise unauthorized("Authorization header too long")
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or " " in token:
            raise unauthorized("Authorization header must be 'Bearer <token>'")
        try:
            claims = self.signer.decode(token, ACCESS_TOKEN_TYPE, ["sub", "role", "fam"])
        except jwt.PyJWTError as exc:  # not only InvalidTokenError: InvalidKeyError too
            raise unauthorized(f"invalid token: {exc}") from None
        if self.store.is_rejected(self.signer.issuer, claims["jti"], claims["fam"]):
            raise unauthorized("invalid token: revoked")
        return claims

    def logout(self, claims: dict[str, Any]) -> None:
        """Deny this access token (by ``jti``) and revoke its refresh family, at once."""
        now = int(self.settings.clock())
        # One transaction: a crash can never leave the access token denied and its
        # refresh family alive (the holder could not even retry: the token is denied).
        self.store.logout(
            self.signer.issuer,
            claims["jti"],
            claims["exp"],
            claims["fam"],
            now,
            keep_until=now + self.settings.access_ttl_seconds,
        )
