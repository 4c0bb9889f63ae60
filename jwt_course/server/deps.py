"""FastAPI dependencies of the demo API, as ``Annotated`` aliases a route names.

``ServiceDep`` is the app's :class:`~.service.AuthService` (the one path to it:
``request.app.state.api``); ``CurrentClaims`` the verified access-token claims or a
401; ``require_role(role)`` the role guard chapter 03 builds (``[Authorize(Roles = ...)]``
in ASP.NET Core): a dependency on ``CurrentClaims`` that answers 403 to another role.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from .errors import forbidden
from .service import AuthService

__all__ = ["AdminClaims", "CurrentClaims", "ServiceDep", "get_service", "require_role"]


async def get_service(request: Request) -> AuthService:
    """The :class:`AuthService` of the app serving ``request``."""
    service: AuthService = request.app.state.api
    return service


ServiceDep = Annotated[AuthService, Depends(get_service)]


class _BearerClaims(OAuth2PasswordBearer):
    """The auth dependency: the verified access-token claims, or a 401.

    As an ``OAuth2PasswordBearer`` it also declares the OAuth2 password flow in
    OpenAPI (Swagger's Authorize button posts the form to ``/token``); the header
    itself is parsed by ``AuthService.access_claims`` so that every failure is a 401 we shape.
    """

    async def __call__(self, request: Request, service: ServiceDep) -> dict[str, Any]:  # type: ignore[override]
        return service.access_claims(request.headers.get("authorization"))


CurrentClaims = Annotated[
    dict[str, Any],
    Depends(_BearerClaims(tokenUrl="token", scheme_name="OAuth2PasswordBearer", auto_error=False)),
]


def require_role(role: str) -> Callable[..., Awaitable[dict[str, Any]]]:
    """A dependency: the current claims if their ``role`` is ``role``, else a 403."""

    async def claims_with_role(claims: CurrentClaims) -> dict[str, Any]:
        if claims["role"] != role:  # a known caller without the right: 403, not 401
            raise forbidden(f"{role} role required")
        return claims

    return claims_with_role


AdminClaims = Annotated[dict[str, Any], Depends(require_role("admin"))]
