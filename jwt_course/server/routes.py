"""The demo API's routes: health, JWKS, login and token, refresh, me, admin, logout.

Each route reads like a sentence over the dependencies of :mod:`.deps`; the logic is
in :class:`~.service.AuthService`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from .deps import AdminClaims, CurrentClaims, ServiceDep
from .errors import BAD_BODY, BAD_CREDENTIALS, BEARER_ERRORS, error_doc
from .schemas import LoginRequest, RefreshRequest, TokenPair

__all__ = ["JWKS_MAX_AGE_SECONDS", "auth_router", "health_router", "jwks_router"]

#: How long verifiers may cache the JWKS (seconds). Short enough that a key removed
#: in an emergency disappears quickly; rotation itself never waits on it (a verifier
#: refetches when it sees an unknown kid).
JWKS_MAX_AGE_SECONDS = 300

health_router = APIRouter()
jwks_router = APIRouter()  # included with include_in_schema=False when there is nothing to publish
auth_router = APIRouter()


@health_router.get("/health")
async def health() -> dict[str, str]:
    """Unprotected liveness check."""
    return {"status": "ok"}


@jwks_router.get("/.well-known/jwks.json")
async def jwks(request: Request, response: Response, service: ServiceDep) -> dict[str, list[dict[str, str]]]:
    """The public keys that verify this server's tokens (RFC 7517 JWK Set)."""
    request.app.state.jwks_requests += 1
    settings = service.settings
    ring = settings.key_ring
    if ring is None:
        raise HTTPException(
            404,
            detail=f"no public keys: this server signs with {settings.algorithm},"
            " a shared secret that is never published",
        )
    response.headers["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE_SECONDS}"
    return ring.jwks()


@auth_router.post("/login", responses=BAD_CREDENTIALS)
def login(body: LoginRequest, service: ServiceDep) -> TokenPair:
    """Log in with a JSON body; returns an access and a refresh token."""
    return service.login(body.username, body.password)


@auth_router.post("/token", responses=BAD_CREDENTIALS)
def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], service: ServiceDep) -> TokenPair:
    """OAuth2 password grant (form fields ``username``, ``password``)."""
    return service.login(form.username, form.password)


@auth_router.post(
    "/refresh",
    responses={**BAD_BODY, **error_doc(401, "Invalid, revoked or reused refresh token")},
)
def refresh(body: RefreshRequest, service: ServiceDep) -> TokenPair:
    """Trade a refresh token for a new pair; the presented one is used up."""
    return service.refresh(body.refresh_token)


@auth_router.get("/me", responses=BEARER_ERRORS)
async def me(claims: CurrentClaims) -> dict[str, Any]:
    """Who the access token belongs to."""
    return {"username": claims["sub"], "role": claims["role"], "exp": claims["exp"]}


@auth_router.get("/admin", responses={**BEARER_ERRORS, **error_doc(403, "Not an admin")})
async def admin(claims: AdminClaims) -> dict[str, str]:
    """For role ``admin`` only."""
    return {"username": claims["sub"], "role": claims["role"], "message": "welcome, admin"}


@auth_router.post("/logout", status_code=204, responses=BEARER_ERRORS)
def logout(claims: CurrentClaims, service: ServiceDep) -> Response:
    """Revoke this access token (by ``jti``) and its login's refresh family."""
    service.logout(claims)
    return Response(status_code=204)
