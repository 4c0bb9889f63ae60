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

The package is split by role, as in FastAPI's full-stack template: :mod:`.settings`
(``Settings``, ``User``, the demo users), :mod:`.service` (``AuthService``: tokens,
store, logins), :mod:`.deps` (the ``Annotated`` dependencies: ``CurrentClaims``,
``require_role``), :mod:`.routes` (health, JWKS, the auth routes, me/admin),
:mod:`.ticks` (chapter 08's stream), :mod:`.docs` (offline Swagger UI); this module
assembles them in :func:`create_app`.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from .._http_guard import ERROR_RESPONSES, harden
from ..passwords import verify_password as verify_password  # looked up here at call time
from .deps import AdminClaims as AdminClaims
from .deps import CurrentClaims as CurrentClaims
from .deps import ServiceDep as ServiceDep
from .deps import require_role as require_role
from .docs import _add_offline_docs
from .routes import JWKS_MAX_AGE_SECONDS as JWKS_MAX_AGE_SECONDS
from .routes import auth_router, health_router, jwks_router
from .schemas import ErrorBody as ErrorBody
from .schemas import LoginRequest as LoginRequest
from .schemas import RefreshRequest as RefreshRequest
from .schemas import TokenPair as TokenPair
from .service import AuthService as AuthService
from .settings import DEMO_USERS, Settings, User
from .settings import _random_secret as _random_secret
from .ticks import ticks_router

__all__ = ["DEMO_USERS", "Settings", "User", "create_app"]

Claims = CurrentClaims  #: the former name of :data:`CurrentClaims`


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the demo API. ``settings=None`` reads :meth:`Settings.from_env`.

    ``app.state`` holds ``settings``, ``store`` (a :class:`RevocationStore`; call
    ``app.state.store.close()`` when done with a file database), ``key_ring`` (the
    :class:`~jwt_course.keys.KeyRing`, ``None`` with HMAC), ``jwks_requests`` (how many
    times the JWKS was fetched), ``ticks_sent`` and ``last_stream_disconnected``
    (for ``GET /ticks``).
    """
    settings = Settings.from_env() if settings is None else settings
    api = AuthService(settings)
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
    app.state.api = api  # the one path to the service: deps.get_service
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

    app.include_router(health_router)
    # Listed in OpenAPI only when there is something to publish.
    app.include_router(jwks_router, include_in_schema=settings.key_ring is not None)
    app.include_router(auth_router)
    app.include_router(ticks_router)
    return app
