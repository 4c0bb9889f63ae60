"""The course's demo API: login, Bearer-protected routes, refresh and revocation.

``create_app(Settings(...))`` returns a FastAPI app; run it in a notebook with
``jwt_course.serve(app)``. Routes:

============================  ==========================================================
``GET /health``               unprotected, ``{"status": "ok"}``
``POST /login``               JSON ``{"username", "password"}`` -> a token pair
``POST /token``               the same as an OAuth2 password form (Swagger's Authorize)
``GET /me``                   any valid access token -> ``{"username", "role", ...}``
``GET /admin``                role ``admin`` only (403 ``insufficient_scope`` otherwise)
``POST /refresh``             JSON ``{"refresh_token"}`` -> a new pair (rotation)
``POST /logout``              Bearer -> 204; the token and its family are revoked
``GET /ticks``                a slow text stream that stops when the client leaves
``GET /.well-known/jwks.json``  the public keys (RS256/ES256/EdDSA); 404 with HS256
============================  ==========================================================

A token pair is ``{"access_token", "refresh_token", "token_type": "bearer",
"expires_in"}``. Both tokens of a login share a family id (claim ``fam``); refresh
tokens rotate, and presenting a used one revokes the whole family (see
:mod:`jwt_course.store`). Errors follow RFC 6750: 401 with ``WWW-Authenticate: Bearer``
(plus ``error="invalid_token"`` when a token was sent), 403 with
``error="insufficient_scope"``, and every body is JSON ``{"detail": ...}``.

Bad input never gets a 5xx, an echo or a hang (:mod:`jwt_course._http_guard`): a 422
lists ``{loc, msg, type}`` without the submitted input (NaN, Infinity, lone surrogates
included), a body over ``Settings.max_body_bytes`` is a 413, one that has not arrived
within ``Settings.body_timeout_seconds`` a 408 (connection closed), and a signed
``exp``/``nbf``/``iat`` that is no date (NaN, ``1e400``, a bool) a 401. ``/redoc`` is
off (it loads its script from a CDN); ``/docs`` works offline.

With ``Settings(algorithm="RS256")`` (or ``ES256``, ``EdDSA``) tokens are signed with
the current key of a :class:`jwt_course.keys.KeyRing` and carry its ``kid``; the
public keys are published at ``/.well-known/jwks.json`` for other services to verify
with. With an HMAC algorithm there is nothing public to publish: the route answers
404 (an empty key set would look like "no keys yet, try later" to a verifier).
"""

from __future__ import annotations

import asyncio
import functools
import os
import re
import secrets
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import jwt
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from ._http_guard import (
    DEFAULT_BODY_TIMEOUT_SECONDS,
    DEFAULT_MAX_BODY_BYTES,
    ERROR_RESPONSES,
    UnicodeText,
    harden,
    is_text,
)
from .keys import KeyRing, PrivateKey, algorithm_for, load_private_key
from .passwords import DUMMY_HASH, hash_password, verify_password
from .store import RevocationStore
from .tokens import (
    ACCESS_TOKEN_TYPE,
    HMAC_ALGORITHMS,
    PUBLIC_KEY_ALGORITHMS,
    REFRESH_TOKEN_TYPE,
    TokenSigner,
    check_secret,
)

__all__ = ["DEMO_USERS", "Settings", "User", "create_app"]

_MAX_AUTHORIZATION_LENGTH = 4096 + len("Bearer ")
#: How long verifiers may cache the JWKS (seconds). Short enough that a key removed
#: in an emergency disappears quickly; rotation itself never waits on it (a verifier
#: refetches when it sees an unknown kid).
JWKS_MAX_AGE_SECONDS = 300


@dataclass(frozen=True)
class User:
    """A user of the demo API: name, role and scrypt password hash."""

    username: str
    role: str
    password_hash: str = field(repr=False)

    @classmethod
    def create(cls, username: str, password: str, role: str = "user") -> User:
        """A user whose ``password`` is hashed now (see :mod:`jwt_course.passwords`)."""
        return cls(username=username, role=role, password_hash=hash_password(password))


#: The demo accounts, as (username, password, role).
DEMO_USERS: tuple[tuple[str, str, str], ...] = (
    ("alice", "wonderland", "user"),
    ("bob", "builder", "admin"),
)


@functools.cache
def _demo_users() -> dict[str, User]:
    return {name: User.create(name, password, role) for name, password, role in DEMO_USERS}


def _default_users() -> dict[str, User]:
    return dict(_demo_users())


def _random_secret() -> str:
    return secrets.token_urlsafe(64)  # 86 characters: enough for HS512 too


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Configuration of the demo API; every field has a safe default.

    ``secret_key`` defaults to a fresh random secret (never a constant) and must be
    at least as long as the algorithm's hash (32 bytes for HS256, RFC 7518 §3.2).
    ``database`` is ``":memory:"`` or a SQLite file path (revocations survive a
    restart). ``users`` maps usernames to :class:`User`; default: alice (user) and bob
    (admin). ``clock`` returns epoch seconds; pass a fixed function to make expiry
    reproducible in a notebook. ``verified_token_cache`` is how many verified tokens
    the server remembers by their exact text to skip PyJWT's ~45 us decode (expiry
    and revocation are still checked on every request); 0 turns it off.
    ``max_body_bytes`` caps a request body (413 beyond it) and ``body_timeout_seconds``
    is how long a client has to send it (408, connection closed).

    Public-key algorithms (``RS256``, ``ES256``, ``EdDSA``) ignore ``secret_key`` and
    sign with ``key_ring`` (a :class:`~jwt_course.keys.KeyRing`, whose
    ``retire_after_seconds`` must cover ``refresh_ttl_seconds``), or with
    ``private_key`` (a PEM or a ``cryptography`` key, wrapped in a new ring), or, if
    neither is given, with a key generated now (RSA: ~0.1 s; the default ring is
    then on ``clock`` and retires keys after ``refresh_ttl_seconds``). After
    construction ``key_ring`` is always set for them, and ``None`` for HMAC.
    """

    secret_key: str | bytes = field(default_factory=_random_secret, repr=False)
    algorithm: str = "HS256"
    issuer: str = "https://jwt-course.example"
    audience: str = "jwt-course-api"
    access_ttl_seconds: int = 900
    refresh_ttl_seconds: int = 604800
    database: str = ":memory:"
    users: Mapping[str, User] = field(default_factory=_default_users, repr=False)
    clock: Callable[[], float] = field(default=time.time, repr=False)
    verified_token_cache: int = 1024
    key_ring: KeyRing | None = field(default=None, repr=False)
    private_key: str | bytes | PrivateKey | None = field(default=None, repr=False)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    body_timeout_seconds: float = DEFAULT_BODY_TIMEOUT_SECONDS

    def __post_init__(self) -> None:
        for name in ("issuer", "audience", "database"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise ValueError(f"{name} must be a non-empty string")
        for name in ("access_ttl_seconds", "refresh_ttl_seconds", "max_body_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        timeout = self.body_timeout_seconds
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 300:
            raise ValueError(f"body_timeout_seconds must be from 0 to 300 seconds, got {timeout!r}")
        if self.algorithm in PUBLIC_KEY_ALGORITHMS:
            object.__setattr__(self, "key_ring", self._public_key_ring())
        elif self.algorithm in HMAC_ALGORITHMS:
            if self.key_ring is not None or self.private_key is not None:
                raise ValueError(
                    f"{self.algorithm} signs with secret_key; key_ring and private_key"
                    " are for RS256, ES256 and EdDSA"
                )
            check_secret(self.secret_key, self.algorithm)
        else:
            check_secret(self.secret_key, self.algorithm)  # raises, naming the choices

    def _public_key_ring(self) -> KeyRing:
        if self.key_ring is not None and self.private_key is not None:
            raise ValueError("give key_ring or private_key, not both")
        ring = self.key_ring
        if ring is None:
            key = self.private_key
            if isinstance(key, str | bytes):
                key = load_private_key(key)
            if key is not None and algorithm_for(key) != self.algorithm:
                raise ValueError(f"private_key is a {algorithm_for(key)} key, not {self.algorithm}")
            return KeyRing(
                self.algorithm,
                retire_after_seconds=self.refresh_ttl_seconds,
                private_key=key,
                clock=self.clock,
            )
        if not isinstance(ring, KeyRing) or ring.algorithm != self.algorithm:
            raise ValueError(f"key_ring must be a KeyRing for {self.algorithm}")
        if ring.retire_after_seconds < self.refresh_ttl_seconds:
            raise ValueError(
                f"key_ring retires keys after {ring.retire_after_seconds} s, before the"
                f" refresh tokens they signed expire ({self.refresh_ttl_seconds} s):"
                " those users would be logged out at the next rotation"
            )
        return ring

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``JWT_COURSE_*`` environment variables (or ``environ``).

        Reads ``JWT_COURSE_SECRET_KEY``, ``_ALGORITHM``, ``_ISSUER``, ``_AUDIENCE``,
        ``_ACCESS_TTL_SECONDS``, ``_REFRESH_TTL_SECONDS``, ``_DATABASE`` and
        ``_BODY_TIMEOUT_SECONDS``; unset
        variables keep the defaults. A bad value raises ``ValueError`` naming the
        variable. Keyword ``overrides`` win over the environment.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in ("secret_key", "algorithm", "issuer", "audience", "database"):
            raw = env.get(f"JWT_COURSE_{name.upper()}")
            if raw is not None:
                values[name] = raw
        for name in ("access_ttl_seconds", "refresh_ttl_seconds"):
            variable = f"JWT_COURSE_{name.upper()}"
            raw = env.get(variable)
            if raw is not None:
                try:
                    values[name] = int(raw.strip())
                except ValueError:
                    raise ValueError(f"{variable} must be an integer, got {raw!r}") from None
        raw = env.get("JWT_COURSE_BODY_TIMEOUT_SECONDS")
        if raw is not None:
            try:
                values["body_timeout_seconds"] = float(raw.strip())
            except ValueError:
                raise ValueError(
                    f"JWT_COURSE_BODY_TIMEOUT_SECONDS must be a number, got {raw!r}"
                ) from None
        values.update(overrides)
        try:
            return cls(**values)
        except ValueError as exc:
            raise ValueError(f"invalid JWT_COURSE_* setting: {exc}") from None


class LoginRequest(BaseModel):
    """Body of ``POST /login``."""

    username: UnicodeText = Field(min_length=1, max_length=256)
    password: UnicodeText = Field(min_length=1, max_length=1024)


class RefreshRequest(BaseModel):
    """Body of ``POST /refresh``."""

    refresh_token: UnicodeText = Field(min_length=1, max_length=8192)


class ErrorBody(BaseModel):
    """Every error answer: ``{"detail": "..."}`` (422: a list of ``{loc, msg, type}``)."""

    detail: str


class TokenPair(BaseModel):
    """A login's tokens, in the OAuth2 token-response shape (RFC 6749 §5.1)."""

    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int


def _quoted(text: str) -> str:
    # RFC 6750 §3: error_description is printable ASCII without '"' and '\'.
    return re.sub(r'[^\x20-\x7e]|["\\]', "'", text)


def _unauthorized(detail: str, *, token_sent: bool = True) -> HTTPException:
    challenge = "Bearer"
    if token_sent:
        challenge += f' error="invalid_token", error_description="{_quoted(detail)}"'
    return HTTPException(401, detail=detail, headers={"WWW-Authenticate": challenge})


def _forbidden(detail: str) -> HTTPException:
    challenge = f'Bearer error="insufficient_scope", error_description="{_quoted(detail)}"'
    return HTTPException(403, detail=detail, headers={"WWW-Authenticate": challenge})


class _Api:
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
        if not (is_text(username) and is_text(password)):  # e.g. %ED%A0%80 in a form
            username, password = "", "\x00"  # matches no user: same cost, same answer
        user = self.settings.users.get(username)
        # Unknown users are checked against a dummy hash: same cost, same answer.
        valid = verify_password(password, user.password_hash if user else DUMMY_HASH)
        if user is None or not valid:
            raise HTTPException(
                401,
                detail="incorrect username or password",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return user

    def issue_pair(self, user: User, fam: str, refresh_jti: str, now: int) -> TokenPair:
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
        return TokenPair(
            access_token=access, refresh_token=refresh, expires_in=settings.access_ttl_seconds
        )

    def login(self, username: str, password: str) -> TokenPair:
        user = self.authenticate(username, password)
        now = int(self.settings.clock())
        fam, refresh_jti = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        expires_at = now + self.settings.refresh_ttl_seconds
        self.store.start_family(self.signer.issuer, fam, user.username, refresh_jti, expires_at, now)
        return self.issue_pair(user, fam, refresh_jti, now)

    def refresh(self, token: str) -> TokenPair:
        try:
            claims = self.signer.decode(token, REFRESH_TOKEN_TYPE, ["sub", "fam"])
        except jwt.PyJWTError as exc:
            raise _unauthorized(f"invalid refresh token: {exc}") from None
        user = self.settings.users.get(claims["sub"])
        if user is None:
            raise _unauthorized("invalid refresh token: unknown user")
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
            raise _unauthorized("refresh token reuse detected: the whole session is revoked")
        if outcome == "revoked":
            raise _unauthorized("refresh token revoked")
        if outcome == "unknown":
            raise _unauthorized("refresh token unknown or expired")
        return self.issue_pair(user, claims["fam"], new_jti, now)

    def access_claims(self, authorization: str | None) -> dict[str, Any]:
        if authorization is None:
            raise _unauthorized("not authenticated", token_sent=False)
        if len(authorization) > _MAX_AUTHORIZATION_LENGTH:
            raise _unauthorized("Authorization header too long")
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or " " in token:
            raise _unauthorized("Authorization header must be 'Bearer <token>'")
        try:
            claims = self.signer.decode(token, ACCESS_TOKEN_TYPE, ["sub", "role", "fam"])
        except jwt.PyJWTError as exc:  # not only InvalidTokenError: InvalidKeyError too
            raise _unauthorized(f"invalid token: {exc}") from None
        if self.store.is_rejected(self.signer.issuer, claims["jti"], claims["fam"]):
            raise _unauthorized("invalid token: revoked")
        return claims

    def logout(self, claims: dict[str, Any]) -> None:
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


class _BearerClaims(OAuth2PasswordBearer):
    """The auth dependency: the verified access-token claims, or a 401/403.

    As an ``OAuth2PasswordBearer`` it also declares the OAuth2 password flow in
    OpenAPI (Swagger's Authorize button posts the form to ``/token``); the header
    itself is parsed by ``_Api.access_claims`` so that every failure is a 401 we shape.
    """

    async def __call__(self, request: Request) -> dict[str, Any]:  # type: ignore[override]
        api: _Api = request.app.state.api
        return api.access_claims(request.headers.get("authorization"))


Claims = Annotated[
    dict[str, Any],
    Depends(_BearerClaims(tokenUrl="token", scheme_name="OAuth2PasswordBearer", auto_error=False)),
]


def _error(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody, "description": description}}


_BAD_BODY = _error(400, "The body cannot be parsed (not UTF-8 JSON, or a broken form)")
_BAD_CREDENTIALS = {
    **_BAD_BODY,
    **_error(401, "Bad credentials (the same answer for an unknown user)"),
}
_BEARER_ERRORS = _error(401, "Missing, invalid, expired or revoked access token")

_SWAGGER_UI = Path(__file__).resolve().parent / "static" / "swagger-ui"


# jupyter-server-proxy's X-Forwarded-Prefix, e.g. /user/alice/proxy/8000 (a URL path only)
_PROXY_PREFIX = re.compile(r"/(?!/)[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,500}")


def _add_offline_docs(app: FastAPI) -> None:
    # FastAPI's default /docs loads Swagger UI from a CDN; a workshop room without
    # internet would get a blank page. The same page, with the files from the package.
    # Every URL in the page is relative, and openapi.json names the proxy's prefix as its
    # server, so the page, the Authorize button (tokenUrl "token") and "Try it out" also
    # work behind jupyter-server-proxy on a JupyterHub (/user/NAME/proxy/PORT/docs).
    app.mount("/static/swagger-ui", StaticFiles(directory=_SWAGGER_UI), name="swagger-ui")

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        schema = app.openapi()
        prefix = request.headers.get("x-forwarded-prefix", "")
        if _PROXY_PREFIX.fullmatch(prefix):  # only the client's own view of the spec changes
            schema = {**schema, "servers": [{"url": prefix.rstrip("/") + "/"}]}
        return JSONResponse(schema)

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="openapi.json",
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=None,  # FastAPI would make it absolute; the password flow needs none
            swagger_js_url="static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="static/swagger-ui/favicon-32x32.png",
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the demo API. ``settings=None`` reads :meth:`Settings.from_env`.

    ``app.state`` holds ``settings``, ``store`` (a :class:`RevocationStore`; call
    ``app.state.store.close()`` when done with a file database), ``key_ring`` (the
    :class:`~jwt_course.keys.KeyRing`, ``None`` with HMAC), ``jwks_requests`` (how many
    times the JWKS was fetched), ``ticks_sent`` and ``last_stream_disconnected``
    (for ``GET /ticks``).
    """
    settings = Settings.from_env() if settings is None else settings
    api = _Api(settings)
    app = FastAPI(
        title="JWT course demo API",
        description="Login, Bearer tokens, refresh rotation and revocation.",
        docs_url=None,  # served below from the package, so /docs works offline
        openapi_url=None,  # served below too, so Swagger UI works behind a proxy's prefix
        redoc_url=None,  # ReDoc loads its script from a CDN: off rather than blank offline
        responses=ERROR_RESPONSES,  # 408/413 from the body guard, on every route
    )
    harden(
        app,
        max_body_bytes=settings.max_body_bytes,
        body_timeout_seconds=settings.body_timeout_seconds,
    )
    _add_offline_docs(app)
    app.state.api = api
    app.state.settings = settings
    app.state.store = api.store
    app.state.signer = api.signer
    app.state.key_ring = settings.key_ring
    app.state.jwks_requests = 0
    app.state.ticks_sent = 0
    app.state.last_stream_disconnected = False

    @app.exception_handler(Exception)
    async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": "internal server error"}, status_code=500)

    @app.get("/health")
    async def health() -> dict[str, str]:
        """Unprotected liveness check."""
        return {"status": "ok"}

    # Listed in OpenAPI only when there is something to publish.
    @app.get("/.well-known/jwks.json", include_in_schema=settings.key_ring is not None)
    async def jwks(response: Response) -> dict[str, list[dict[str, str]]]:
        """The public keys that verify this server's tokens (RFC 7517 JWK Set)."""
        app.state.jwks_requests += 1
        ring = settings.key_ring
        if ring is None:
            raise HTTPException(
                404,
                detail=f"no public keys: this server signs with {settings.algorithm},"
                " a shared secret that is never published",
            )
        response.headers["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE_SECONDS}"
        return ring.jwks()

    @app.post("/login", responses=_BAD_CREDENTIALS)
    def login(body: LoginRequest) -> TokenPair:
        """Log in with a JSON body; returns an access and a refresh token."""
        return api.login(body.username, body.password)

    @app.post("/token", responses=_BAD_CREDENTIALS)
    def token(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> TokenPair:
        """OAuth2 password grant (form fields ``username``, ``password``)."""
        return api.login(form.username, form.password)

    @app.post(
        "/refresh",
        responses={**_BAD_BODY, **_error(401, "Invalid, revoked or reused refresh token")},
    )
    def refresh(body: RefreshRequest) -> TokenPair:
        """Trade a refresh token for a new pair; the presented one is used up."""
        return api.refresh(body.refresh_token)

    @app.get("/me", responses=_BEARER_ERRORS)
    async def me(claims: Claims) -> dict[str, Any]:
        """Who the access token belongs to."""
        return {"username": claims["sub"], "role": claims["role"], "exp": claims["exp"]}

    @app.get("/admin", responses={**_BEARER_ERRORS, **_error(403, "Not an admin")})
    async def admin(claims: Claims) -> dict[str, str]:
        """For role ``admin`` only."""
        if claims["role"] != "admin":
            raise _forbidden("admin role required")
        return {"username": claims["sub"], "role": claims["role"], "message": "welcome, admin"}

    @app.post("/logout", status_code=204, responses=_BEARER_ERRORS)
    def logout(claims: Claims) -> Response:
        """Revoke this access token (by ``jti``) and its login's refresh family."""
        api.logout(claims)
        return Response(status_code=204)

    @app.get("/ticks", response_class=StreamingResponse, responses=_BEARER_ERRORS)
    async def ticks(
        request: Request,
        claims: Claims,
        count: Annotated[int, Query(ge=1, le=1000)] = 10,
        interval: Annotated[float, Query(ge=0, le=1)] = 0.1,
    ) -> StreamingResponse:
        """Stream ``tick i`` lines; stop as soon as the client disconnects.

        Before each tick the generator asks ``request.is_disconnected()`` (a
        cooperative cancellation check); Starlette may also cancel it directly.
        ``app.state.ticks_sent`` counts ticks delivered, and
        ``app.state.last_stream_disconnected`` says how the last stream ended.
        """

        async def lines() -> AsyncIterator[str]:
            app.state.last_stream_disconnected = False
            try:
                for i in range(count):
                    if await request.is_disconnected():
                        app.state.last_stream_disconnected = True
                        return
                    yield f"tick {i}\n"
                    app.state.ticks_sent += 1
                    if interval and i + 1 < count:
                        await asyncio.sleep(interval)
            except asyncio.CancelledError:
                app.state.last_stream_disconnected = True
                raise

        return StreamingResponse(lines(), media_type="text/plain")

    return app
